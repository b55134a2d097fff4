"""What ``fit`` and ``evaluate`` do differently under data parallel (``lamina.distribute``).

Array data is sharded per batch: with ``batch_size`` the GLOBAL batch, process ``r`` of
``world`` takes rows ``r::world`` of every batch. Generators, DataLoaders and PyDatasets
are not sharded: each process trains on what its own iterator yields (give each process
its part, e.g. with ``torch.utils.data.DistributedSampler``, and the same number of
batches per epoch).
"""

from lamina import distribute
from lamina.errors import ConfigurationError
from lamina.tree.nested import flatten

CUSTOM_STEP_NOT_SYNCED = (
    "Model '{model}': under data parallel ({world} processes) a custom train_step must sum "
    "the gradients over the processes before the optimizer step, or the copies of the model "
    "drift apart. Add one line between backward() and the step:\n\n"
    "    loss.backward()\n"
    "    lamina.distribute.sync_gradients(self, local_batch_size)\n"
    "    self.optimizer.step()\n"
)

BATCH_BELOW_WORLD = (
    "{what}: under data parallel batch_size is the GLOBAL batch, shared by {world} processes, "
    "so it must be at least {world}. Received: batch_size={batch_size}. Multiply the batch "
    "size you used on one device by the number of processes to keep each device equally busy."
)

EMPTY_SHARE_WITH_CUSTOM_STEP = (
    "{what}: the last batch holds {short} samples, fewer than the {world} processes, so "
    "some processes would get none, and a custom {step} cannot run on an empty batch. "
    "Choose a batch_size that leaves at least {world} samples in the last batch (or none), "
    "or drop the last {short} samples."
)


def shard(parallel):
    """``(rank, world_size)`` for ``ArrayData.batches``, or None for a single process."""
    return None if parallel is None else (parallel.rank, parallel.world_size)


def check_shares(parallel, data, batch_size, custom, what, step):
    """Raise when the batches cannot be shared out (see the messages above)."""
    world = parallel.world_size
    if batch_size < world:
        raise ConfigurationError(BATCH_BELOW_WORLD.format(what=what, world=world, batch_size=batch_size))
    short = data.size % batch_size if data.size is not None else 0
    if custom and 0 < short < world:
        raise ConfigurationError(
            EMPTY_SHARE_WITH_CUSTOM_STEP.format(what=what, short=short, world=world, step=step)
        )


def start_fit(model, parallel, data, batch_size, custom, arrays):
    """Checks, then rank 0's weights everywhere (like DDP at construction)."""
    if arrays:
        check_shares(parallel, data, batch_size, custom, "fit", "train_step")
    distribute.broadcast_module(model)


def is_empty(batch):
    """Whether this process's share of a (short, last) batch holds no sample."""
    return flatten(batch[0])[0].shape[0] == 0


def check_custom_step_synced(parallel, syncs_before, model_name):
    if parallel.gradient_syncs == syncs_before:
        raise ConfigurationError(
            CUSTOM_STEP_NOT_SYNCED.format(model=model_name, world=parallel.world_size)
        )


def read_logs(model, logs, as_floats):
    """Global logs, the same on every process.

    The built-in steps' logs read the metrics: their states are summed over processes,
    then read (exact). A custom step's own dict is averaged over processes.
    """
    if logs is None or logs is model._metric_logs:
        with distribute.global_metric_state(model.metrics):
            return as_floats(model._metric_logs)
    return distribute.mean_over_processes(as_floats(logs))
