"""``split_dataset``: a left and a right part of a dataset (train / test), as Keras's
function does on its torch backend."""

import numbers

import numpy as np
import torch

from lamina.errors import ConfigurationError, InputError, describe


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None):
    """Split ``dataset`` into two ``torch.utils.data.Subset``\\ s, as
    ``keras.utils.split_dataset`` with the torch backend.

    Args:
        dataset: a NumPy array, a list/tuple of arrays of one length (``(x, y)``), or a
            ``torch.utils.data.Dataset`` with ``len()``.
        left_size: samples in the left part: a float in (0, 1) is a fraction (rounded),
            an int a count. Default: what ``right_size`` leaves.
        right_size: the same for the right part. Default: what ``left_size`` leaves.
        shuffle: pick the samples at random (``torch.randperm``, as Keras on torch) rather
            than the first ``left_size`` and the last ``right_size``.
        seed: int seed for the shuffle.
        preferred_backend: accepted for Keras code; only ``None`` or ``"torch"``.

    Returns:
        ``(left, right)``, two ``torch.utils.data.Subset``\\ s; a sample is a tuple of
        tensors (one per array). ``fit(left, batch_size=...)`` batches them. With
        ``shuffle`` and sizes that add up to the whole, the parts are the ones Keras gives
        for the same ``seed``.
    """
    if preferred_backend not in (None, "torch"):
        raise ConfigurationError(
            "split_dataset: lamina runs on torch; preferred_backend can only be None or 'torch'. "
            f"Received: preferred_backend={preferred_backend!r}."
        )
    dataset = _as_torch_dataset(dataset)
    if left_size is None and right_size is None:
        raise ConfigurationError(
            "split_dataset: give left_size or right_size (or both). Received: left_size=None, right_size=None."
        )
    total = len(dataset)
    left = _size(left_size, "left_size", total)
    right = _size(right_size, "right_size", total)
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ConfigurationError(
            f"split_dataset: left_size and right_size add up to more than the {total} samples. Received: "
            f"left_size={left_size!r}, right_size={right_size!r} ({left} + {right} samples)."
        )
    for side, count in (("left", left), ("right", right)):
        if count <= 0:
            raise ConfigurationError(
                f"split_dataset: the {side} part would be empty ({total} samples, left_size={left_size!r}, "
                f"right_size={right_size!r}). Choose sizes that leave samples on both sides."
            )
    if shuffle:
        generator = torch.Generator()
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(int(seed))
        order = torch.randperm(total, generator=generator).tolist()
    else:
        order = list(range(total))
    return torch.utils.data.Subset(dataset, order[:left]), torch.utils.data.Subset(dataset, order[total - right:])


def _size(size, name, total):
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, numbers.Real):
        raise ConfigurationError(
            f"split_dataset: {name} must be an int (a count), a float in (0, 1) (a fraction) or None. "
            f"Received: {name}={size!r}."
        )
    if isinstance(size, numbers.Integral):
        if not 0 < size < total:
            raise ConfigurationError(
                f"split_dataset: {name} as a count must be between 1 and {total - 1} (the dataset has {total} "
                f"samples). Received: {name}={size!r}."
            )
        return int(size)
    if not 0 < size < 1:
        raise ConfigurationError(
            f"split_dataset: {name} as a fraction must be in (0, 1). Received: {name}={size!r}."
        )
    return round(size * total)


def _as_torch_dataset(dataset):
    if isinstance(dataset, torch.utils.data.Dataset):
        try:
            len(dataset)
        except TypeError:
            raise InputError(
                f"split_dataset: the dataset must have a length. Received: {describe(dataset)}, which has none."
            ) from None
        return dataset
    arrays = [dataset] if isinstance(dataset, (np.ndarray, torch.Tensor)) else dataset
    if not isinstance(arrays, (list, tuple)) or not arrays:
        raise InputError(
            "split_dataset: dataset must be a NumPy array, a non-empty list/tuple of arrays, or a torch "
            f"Dataset. Received: {describe(dataset)}."
        )
    tensors = []
    for index, array in enumerate(arrays):
        if not isinstance(array, (np.ndarray, torch.Tensor)):
            raise InputError(
                f"split_dataset: every item of a list/tuple dataset must be an array. Received: "
                f"{describe(array)} at index {index}. Convert it with np.asarray first."
            )
        tensors.append(torch.as_tensor(array))
    lengths = [len(t) for t in tensors]
    if len(set(lengths)) > 1:
        raise InputError(
            f"split_dataset: the arrays must have the same length (one sample per row). Received lengths {lengths}."
        )
    return torch.utils.data.TensorDataset(*tensors)
