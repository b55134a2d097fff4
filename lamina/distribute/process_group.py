"""The process group lamina trains over, started once: by ``DataParallel()`` or, when a
script runs under ``torchrun``, automatically at the first ``fit``/``evaluate``.

This module (and all of ``lamina.distribute``) depends on torch only, so that any part of
lamina can ask "am I the chief?" without import cycles.
"""

import atexit
import numbers
import os
from datetime import timedelta

import torch
import torch.distributed as dist

from lamina.errors import ConfigurationError

# torchrun (and every torch.distributed launcher using the env:// method) sets these.
LAUNCH_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
DEFAULT_TIMEOUT_S = 1800.0
BACKENDS = ("nccl", "gloo")

_state = {"strategy": None, "shut_down": False}


class DataParallel:
    """Data-parallel training: one process per device, each on a share of every batch.

    Launch the unchanged training script with ``torchrun`` (see ``docs/distributed.md``).
    Creating a ``DataParallel`` starts the process group (NCCL when CUDA is available, each
    process on ``cuda:LOCAL_RANK``; gloo on CPUs); under ``torchrun`` lamina does this by
    itself at the first ``fit``/``evaluate``, so creating one is only needed to change
    ``backend`` or ``timeout``. Started without torchrun's environment (plain ``python
    script.py``) it is a single process and changes nothing, so one script runs both ways.

    Under data parallel, ``fit``:

    - broadcasts rank 0's weights to every process at the start (like DDP),
    - shuffles each epoch identically everywhere (rank 0's order is broadcast) and gives
      rank ``r`` the samples ``r::world_size`` of every batch, so ``batch_size`` is the
      GLOBAL batch,
    - sums the gradients weighted by each share's size, so the update equals the
      single-process update on the global batch (exact for mean-reduced losses, also for
      a short last batch),
    - sums metric states across processes before reading them: logs, validation and
      ``History`` are global and the same on every process,
    - lets only rank 0 print progress and write checkpoints, backups, CSV and TensorBoard
      logs.

    Args:
        backend: ``"nccl"`` or ``"gloo"``; default NCCL with CUDA, else gloo.
        timeout: Seconds a collective waits for the other processes before failing
            (default 1800). A crashed process then fails the job instead of hanging it;
            torchrun also stops the survivors when one process dies.

    Raises:
        ConfigurationError: on a bad ``backend`` or ``timeout``, or when a process group
            is already running with another backend.
    """

    def __init__(self, backend=None, timeout=DEFAULT_TIMEOUT_S):
        if backend is not None and backend not in BACKENDS:
            raise ConfigurationError(
                f"DataParallel: backend must be 'nccl', 'gloo' or None (pick automatically). "
                f"Received: backend={backend!r}."
            )
        if isinstance(timeout, timedelta):
            timeout = timeout.total_seconds()
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or timeout <= 0:
            raise ConfigurationError(
                f"DataParallel: timeout must be a positive number of seconds. Received: timeout={timeout!r}."
            )
        self.timeout = float(timeout)
        _state["shut_down"] = False
        self.gradient_syncs = 0  # counts sync_gradients calls (fit checks custom train_steps)
        self.local_rank = int(os.environ.get("LOCAL_RANK", 0))
        if dist.is_available() and dist.is_initialized():
            self._adopt_running_group(backend)
        elif launched_by_torchrun() and dist.is_available():
            self._start_group(backend)
        else:
            self.backend, self.rank, self.world_size = None, 0, 1
            self.collective_device = torch.device("cpu")
            return
        _state["strategy"] = self

    @property
    def active(self):
        """Whether this process trains as one of a group (False for a plain single process)."""
        return self.backend is not None and _state["strategy"] is self and dist.is_initialized()

    def _start_group(self, backend):
        cuda = torch.cuda.is_available()
        backend = backend or ("nccl" if cuda and dist.is_nccl_available() else "gloo")
        if backend == "nccl":
            if not cuda:
                raise ConfigurationError(
                    "DataParallel: backend='nccl' needs CUDA, which is not available here. Use "
                    "backend='gloo' (CPU) or leave backend=None."
                )
            torch.cuda.set_device(self.local_rank)
        dist.init_process_group(backend, timeout=timedelta(seconds=self.timeout))
        atexit.register(_stop_started_group)
        self._read_group()

    def _adopt_running_group(self, backend):
        running = dist.get_backend()
        if backend is not None and backend not in str(running):
            raise ConfigurationError(
                f"DataParallel: a process group is already running with backend {running!r}. "
                f"Received: backend={backend!r}. Leave backend=None to use the running group."
            )
        self._read_group()

    def _read_group(self):
        self.backend = str(dist.get_backend())
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        nccl = "nccl" in self.backend
        self.collective_device = (
            torch.device("cuda", torch.cuda.current_device()) if nccl else torch.device("cpu")
        )

    def shutdown(self):
        """Stop the process group; this process then trains alone (no automatic restart)."""
        if _state["strategy"] is self:
            _state["strategy"] = None
            _state["shut_down"] = True
        if self.backend is not None and dist.is_initialized():
            dist.destroy_process_group()
        self.backend = None

    def __repr__(self):
        if not self.active:
            return "DataParallel(single process)"
        return f"DataParallel(backend={self.backend!r}, rank={self.rank}, world_size={self.world_size})"


EXIT_WAIT_S = 10
"""How long a rank that started its group waits at exit for the others (gloo)."""


def _stop_started_group():
    # Left to interpreter teardown, gloo's worker threads are sometimes destroyed while
    # still joinable and the process aborts ("terminate called without an active
    # exception") after training finished; NCCL warns about the same omission. A rank that
    # tears its group down while another is still connected (rank 0 writing its files after
    # fit) can abort the same way, so the ranks first wait for each other, briefly: a rank
    # that died already makes the wait fail at once or time out, and the group goes anyway.
    if not dist.is_initialized():
        return
    if "gloo" in str(dist.get_backend()):
        try:
            dist.monitored_barrier(timeout=timedelta(seconds=EXIT_WAIT_S))
        except Exception:  # noqa: BLE001 - a peer already gone: nothing left to wait for
            pass
    dist.destroy_process_group()


def launched_by_torchrun():
    """Whether torchrun (or another env:// launcher) started this process."""
    return all(name in os.environ for name in LAUNCH_VARIABLES)


def current():
    """The running ``DataParallel``, or None for a single process.

    Under torchrun (or after the user's own ``init_process_group``) the first call starts
    (or adopts) the process group; every process must then make that call, as ``fit`` and
    ``evaluate`` do.
    """
    strategy = _state["strategy"]
    if strategy is not None and strategy.active:
        return strategy
    _state["strategy"] = None
    if _state["shut_down"]:
        return None
    if dist.is_available() and (dist.is_initialized() or launched_by_torchrun()):
        strategy = DataParallel()
        return strategy if strategy.active else None
    return None


def running():
    """The running ``DataParallel`` or None, without starting anything (cheap: per step)."""
    return _state["strategy"]


def is_distributed():
    """Whether this process is one of several data-parallel processes (or will be, under torchrun)."""
    strategy = _state["strategy"]
    if strategy is not None:
        return strategy.active
    if _state["shut_down"]:
        return False
    return launched_by_torchrun() or (dist.is_available() and dist.is_initialized())


def rank():
    """This process's rank (0 for a single process)."""
    strategy = _state["strategy"]
    if strategy is not None and strategy.active:
        return strategy.rank
    return int(os.environ.get("RANK", 0)) if launched_by_torchrun() else 0


def world_size():
    """How many data-parallel processes there are (1 for a single process)."""
    strategy = _state["strategy"]
    if strategy is not None and strategy.active:
        return strategy.world_size
    return int(os.environ.get("WORLD_SIZE", 1)) if launched_by_torchrun() else 1


def local_rank():
    """This process's rank on its machine (its GPU index under torchrun)."""
    return int(os.environ.get("LOCAL_RANK", 0))


def is_chief():
    """Whether this process is rank 0, the one that prints and writes files."""
    return rank() == 0


def barrier():
    """Wait until every process gets here (nothing to wait for in a single process)."""
    strategy = running()
    if strategy is None or not strategy.active:
        return
    if "nccl" in strategy.backend:
        dist.barrier(device_ids=[strategy.collective_device.index])
    else:
        dist.barrier()
