"""Turn what users pass to fit/evaluate/predict into batches on the model's device."""

import numpy as np
import torch

from lamina.errors import InputError
from lamina.training.data.array_data import ArrayData, check_batch_size, check_steps, to_tensor
from lamina.training.data.iterable_data import IterableData, from_generator, from_torch
from lamina.training.data.py_dataset import PyDataset, from_py_dataset


def adapt(x, y=None, sample_weight=None, batch_size=32, shuffle=False, integer_inputs=False, check_finite=True):
    """ArrayData for arrays/tensors (and lists/dicts of them), IterableData otherwise."""
    if isinstance(x, PyDataset):
        _no_separate_targets(y, sample_weight, "a PyDataset")
        return from_py_dataset(x, integer_inputs, shuffle)
    if isinstance(x, (torch.utils.data.DataLoader, torch.utils.data.Dataset)):
        _no_separate_targets(y, sample_weight, "a torch Dataset/DataLoader")
        return from_torch(x, batch_size, shuffle, integer_inputs)
    if hasattr(x, "__next__") and not isinstance(x, (np.ndarray, torch.Tensor)):
        _no_separate_targets(y, sample_weight, "a generator")
        return from_generator(x, integer_inputs)
    return ArrayData.from_user(x, y, sample_weight, integer_inputs=integer_inputs, check_finite=check_finite)


def _no_separate_targets(y, sample_weight, what):
    if y is not None or sample_weight is not None:
        raise InputError(
            f"When x is {what}, it yields the targets itself: pass y and sample_weight inside its "
            f"batches ((x, y) or (x, y, sample_weight)), not as separate arguments."
        )


__all__ = [
    "ArrayData",
    "IterableData",
    "PyDataset",
    "adapt",
    "check_batch_size",
    "check_steps",
    "to_tensor",
]
