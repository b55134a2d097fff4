"""Data-parallel training over ``torch.distributed``, started by ``torchrun``.

The training script does not change: run it with ``torchrun --nproc-per-node N script.py``
and ``fit`` trains on N processes (see ``DataParallel`` and ``docs/distributed.md``).
"""

from lamina.distribute.collectives import (
    any_process,
    broadcast_module,
    broadcast_tensor,
    global_metric_state,
    mean_over_processes,
)
from lamina.distribute.gradients import sync_gradients
from lamina.distribute.process_group import (
    DataParallel,
    barrier,
    current,
    is_chief,
    is_distributed,
    launched_by_torchrun,
    local_rank,
    rank,
    running,
    world_size,
)

__all__ = [
    "DataParallel",
    "any_process",
    "barrier",
    "broadcast_module",
    "broadcast_tensor",
    "current",
    "global_metric_state",
    "is_chief",
    "is_distributed",
    "launched_by_torchrun",
    "local_rank",
    "mean_over_processes",
    "rank",
    "running",
    "sync_gradients",
    "world_size",
]
