"""``SampleDataset``: what lamina's dataset utilities return, in place of Keras's ``tf.data``
datasets.

A ``PyDataset`` whose batches are loaded on demand from a numbered set of samples (files,
windows), in a new order each epoch when shuffled, repeatable from ``seed``. ``fit``,
``evaluate`` and ``predict`` take it directly; ``for x, y in dataset`` gives one epoch of
batches; ``map`` and ``take`` cover the ``tf.data`` calls Keras programs make most.
"""

import numpy as np
import torch

from lamina.errors import ConfigurationError, describe
from lamina.training.data.py_dataset import PyDataset


def check_batch_size(batch_size, function):
    """``batch_size`` as an int >= 1, or ``None`` (one sample at a time)."""
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ConfigurationError(
            f"{function}: batch_size must be an int >= 1, or None for single samples. "
            f"Received: batch_size={batch_size!r}."
        )
    return int(batch_size)


def draw_seed(seed):
    """``seed``, or a random one as Keras draws (so one dataset's epochs repeat each other's split)."""
    return int(np.random.randint(1e6)) if seed is None else int(seed)


class _Iteration:
    """Batches ``0..len-1`` of ``dataset``, then its ``on_epoch_end``."""

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]
        self.on_epoch_end()


class SampleDataset(_Iteration, PyDataset):
    """Batches of ``count`` samples, ``load(indices)`` building one batch (Keras's
    dataset utilities return these; you rarely build one yourself).

    Args:
        count: number of samples.
        load: function of a 1-D int64 NumPy array of sample indices returning one batch
            (a tensor, or a tuple of them, with the samples along axis 0).
        batch_size: samples per batch (the last batch may be smaller), or ``None`` to
            yield single samples without a batch axis.
        shuffle: a new sample order each epoch (drawn from ``seed`` and the epoch number).
        seed: int seed for the orders (default: drawn at random once).

    Attributes:
        class_names: the class names, in label order, where the utility infers them.
        file_paths: the files behind the samples, in their (first epoch's) order.
    """

    def __init__(self, count, load, batch_size=32, shuffle=False, seed=None):
        super().__init__()
        self.num_samples = int(count)
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.seed = draw_seed(seed) if shuffle else seed
        self._load = load
        self._epoch = 0
        self._order = np.arange(self.num_samples, dtype=np.int64)
        self.class_names = None
        self.file_paths = None

    def __len__(self):
        if self.batch_size is None:
            return self.num_samples
        return -(-self.num_samples // self.batch_size)

    def __getitem__(self, index):
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"A dataset is indexed by batch number (an int). Received: {describe(index)}.")
        if not -len(self) <= index < len(self):
            raise IndexError(f"Batch {index} is out of range: this dataset has {len(self)} batches.")
        index = int(index) % len(self)
        if self.batch_size is None:
            return _strip_batch_axis(self._load(self._order[index:index + 1]))
        return self._load(self._order[index * self.batch_size:(index + 1) * self.batch_size])

    def on_epoch_end(self):
        """Draw the next epoch's sample order (when shuffling)."""
        self._epoch += 1
        if self.shuffle:
            self._order = np.random.default_rng([self.seed, self._epoch]).permutation(self.num_samples)

    def map(self, function):
        """A dataset of ``function(*batch)`` for each batch (``function(batch)`` for a
        batch that is not a tuple), as ``tf.data.Dataset.map`` on a batched dataset.

        Example: ``text_ds.map(lambda x, y: (vectorize(x), y))``.
        """
        return _Mapped(self, function)

    def take(self, count):
        """A dataset of the first ``count`` batches of each epoch."""
        return _Taken(self, count)


class _Derived(_Iteration, PyDataset):
    def __init__(self, source):
        super().__init__()
        self.source = source

    def __len__(self):
        return len(self.source)

    def on_epoch_end(self):
        self.source.on_epoch_end()

    def __getattr__(self, name):
        if name.startswith("_") or name == "source":
            raise AttributeError(name)
        return getattr(self.source, name)

    map = SampleDataset.map
    take = SampleDataset.take


class _Mapped(_Derived):
    def __init__(self, source, function):
        if not callable(function):
            raise ConfigurationError(f"map: function must be callable. Received: {describe(function)}.")
        super().__init__(source)
        self.function = function

    def __getitem__(self, index):
        batch = self.source[index]
        return self.function(*batch) if isinstance(batch, tuple) else self.function(batch)


class _Taken(_Derived):
    def __init__(self, source, count):
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)):
            raise ConfigurationError(f"take: count must be an int. Received: count={count!r}.")
        super().__init__(source)
        self.count = int(count)

    def __len__(self):
        return len(self.source) if self.count < 0 else min(self.count, len(self.source))

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"Batch {index} is out of range: this dataset has {len(self)} batches.")
        return self.source[int(index) % len(self)]


def _strip_batch_axis(batch):
    if isinstance(batch, tuple):
        return tuple(_strip_batch_axis(part) for part in batch)
    if isinstance(batch, (torch.Tensor, np.ndarray)):
        return batch[0]
    return batch
