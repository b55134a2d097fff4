"""Batches that arrive ready-made: Python generators, ``torch.utils.data`` loaders and
datasets, and ``PyDataset`` (Keras's ``Sequence``).

Each batch is ``x``, ``(x, y)`` or ``(x, y, sample_weight)``; it is converted like array
data and moved to the model's device (non-blocking from pinned memory on CUDA, so the
copy overlaps with compute).
"""

import itertools

import torch

from lamina.errors import InputError, describe
from lamina.training.data.array_data import to_tensor
from lamina.training.data.input_kinds import map_inputs
from lamina.tree.nested import map_structure


class IterableData:
    """One pass over ``source_factory()`` per epoch (or ``steps`` batches of it)."""

    def __init__(self, source_factory, length=None, integer_inputs=False, restartable=True, name="data"):
        self._factory = source_factory
        self._length = length
        self._integer_inputs = integer_inputs
        self._restartable = restartable
        self._iterator = None
        self.name = name
        self.device = None
        self._targets_for = None

    @property
    def size(self):
        return None

    def num_batches(self, batch_size=None):
        return self._length

    def to(self, device):
        self.device = device
        return self

    def require_targets(self, method):
        """Make every batch without targets an error naming ``method`` (fit, evaluate)."""
        self._targets_for = method

    def peek(self):
        """The first batch (for building the model), without consuming it for training."""
        iterator = self._iterator if self._iterator is not None else iter(self._factory())
        try:
            first = next(iterator)
        except StopIteration:
            raise InputError(f"The {self.name} is empty: it produced no batch.") from None
        if not self._restartable:
            self._iterator = itertools.chain([first], iterator)
        return self._convert(first)

    def batches(self, batch_size=None, shuffle=False, steps=None):
        """This epoch's batches: a new pass, or with ``steps`` the next ``steps`` batches of
        the pass the last epoch stopped in (as Keras's), a new pass once that one ends."""
        fresh = self._iterator is None or (self._restartable and steps is None)
        if fresh:
            self._iterator = iter(self._factory())
        count = 0
        while steps is None or count < steps:
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                if count == 0 and self._restartable and not fresh:
                    self._iterator, fresh = iter(self._factory()), True
                    continue
                if count == 0:
                    raise InputError(
                        f"The {self.name} produced no batch for this epoch. A generator is used up "
                        f"after one pass: pass steps_per_epoch, or a PyDataset / DataLoader that "
                        f"restarts each epoch."
                    ) from None
                return
            count += 1
            yield self._convert(batch)

    def _convert(self, batch):
        if isinstance(batch, dict) or isinstance(batch, torch.Tensor) or not isinstance(batch, (tuple, list)):
            x, y, weight = batch, None, None
        elif len(batch) == 1:
            x, y, weight = batch[0], None, None
        elif len(batch) in (2, 3):
            x, y, weight = (*batch, None)[:3]
        else:
            raise InputError(
                f"Each batch from the {self.name} must be x, (x, y) or (x, y, sample_weight). "
                f"Received a {type(batch).__name__} of length {len(batch)}."
            )
        if y is None and self._targets_for is not None:
            raise InputError(
                f"{self._targets_for} needs targets, but the {self.name} yielded a batch of inputs "
                f"only. Received: {_describe_batch(batch)}. Yield (x, y) or (x, y, sample_weight) "
                f"tuples; for outputs alone use predict."
            )
        device = self.device

        def place(value, integer_ok):
            tensor = to_tensor(value, "batch", integer_ok)
            if device is not None and tensor.device != device:
                if device.type == "cuda" and tensor.device.type == "cpu" and not tensor.is_pinned():
                    tensor = tensor.pin_memory()
                tensor = tensor.to(device, non_blocking=True)
            return tensor

        x = map_inputs(place, x, self._integer_inputs)
        y = None if y is None else map_structure(lambda v: place(v, True), y)
        weight = None if weight is None else place(weight, False)
        return x, y, weight


def _describe_batch(batch):
    if isinstance(batch, (tuple, list)):
        return f"a {type(batch).__name__} of {len(batch)} ({', '.join(describe(v) for v in batch[:3])})"
    return describe(batch)


def from_generator(generator, integer_inputs=False):
    if not hasattr(generator, "__next__"):
        raise InputError(f"Expected a generator or iterator. Received: {describe(generator)}.")
    return IterableData(lambda: generator, integer_inputs=integer_inputs, restartable=False, name="generator")


def from_torch(source, batch_size, shuffle, integer_inputs=False):
    """A DataLoader as is; a Dataset wrapped in a DataLoader with ``batch_size``/``shuffle``."""
    from torch.utils.data import DataLoader, Dataset, IterableDataset

    if isinstance(source, DataLoader):
        loader = source
    elif isinstance(source, (Dataset, IterableDataset)):
        loader = DataLoader(source, batch_size=batch_size, shuffle=shuffle and not isinstance(source, IterableDataset))
    else:
        raise InputError(f"Expected a torch Dataset or DataLoader. Received: {describe(source)}.")
    try:
        length = len(loader)
    except TypeError:
        length = None
    return IterableData(lambda: loader, length=length, integer_inputs=integer_inputs, name="DataLoader")
