"""``PyDataset``: Keras's batch-indexed dataset (formerly ``Sequence``)."""

import torch

from lamina.training.data.iterable_data import IterableData


class PyDataset:
    """Subclass and implement ``__len__`` (number of batches) and ``__getitem__(index)``
    (one batch: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``); optionally ``on_epoch_end``.

    Args:
        workers: number of worker processes (or threads) preparing batches ahead.
        use_multiprocessing: processes (a torch DataLoader with ``workers`` workers) rather
            than the calling thread.
        max_queue_size: batches prepared ahead per worker.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self):
        raise NotImplementedError("A PyDataset must implement __len__ (the number of batches).")

    def __getitem__(self, index):
        raise NotImplementedError("A PyDataset must implement __getitem__(index) returning one batch.")

    def on_epoch_end(self):
        """Called after each epoch; override it to reshuffle or regenerate the data."""

    @property
    def num_batches(self):
        """Number of batches in an epoch: ``len(self)``."""
        return len(self)


class _BatchIndex(torch.utils.data.Dataset):
    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        return self.dataset[index]


def from_py_dataset(dataset, integer_inputs=False, shuffle=False):
    """Batches ``dataset[i]`` per epoch, the indices in a new random order each epoch with
    ``shuffle`` (as Keras's; torch's generator, so ``set_random_seed`` repeats it)."""
    workers = int(getattr(dataset, "workers", 1) or 1)
    parallel = bool(getattr(dataset, "use_multiprocessing", False)) and workers > 1

    def epoch():
        indices = torch.randperm(len(dataset)).tolist() if shuffle else range(len(dataset))
        if parallel:
            loader = torch.utils.data.DataLoader(
                _BatchIndex(dataset),
                batch_size=None,
                sampler=indices,
                num_workers=workers,
                prefetch_factor=max(1, int(getattr(dataset, "max_queue_size", 10) or 1) // workers or 1),
            )
            yield from loader
        else:
            for index in indices:
                yield dataset[index]
        dataset.on_epoch_end()

    return IterableData(epoch, length=len(dataset), integer_inputs=integer_inputs, name="PyDataset")
