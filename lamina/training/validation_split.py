"""Choosing the validation samples for ``fit(validation_split=...)``.

Keras takes the last samples before shuffling, so sorted data (all of class 9 last)
gives a validation set of one class. lamina does that only with ``shuffle=False``; with
``shuffle=True`` (the default) it draws a seeded random sample, stratified when the
targets are class labels, so each class keeps its share (within one sample).
"""

import numpy as np
import torch

from lamina.errors import InputError


def split_indices(size, fraction, labels=None, shuffle=True):
    """Return ``(train_indices, validation_indices)`` as sorted int64 tensors.

    ``labels`` is a 1-D integer array of class ids (or None for non-class targets).
    Randomness comes from torch's global generator (see ``set_random_seed``).
    """
    if not 0 < fraction < 1:
        raise InputError(
            f"validation_split must be a fraction between 0 and 1. Received: validation_split={fraction!r}."
        )
    n_val = size - int(size * (1 - fraction))
    if n_val == 0 or n_val == size:
        raise InputError(
            f"validation_split={fraction} of {size} samples leaves {size - n_val} for training and "
            f"{n_val} for validation; both need at least one sample. Use more data or another fraction."
        )
    if not shuffle:
        all_indices = torch.arange(size)
        return all_indices[: size - n_val], all_indices[size - n_val :]
    if labels is None:
        chosen = torch.randperm(size)[:n_val]
    else:
        chosen = _stratified(np.asarray(labels).reshape(-1), n_val)
    mask = torch.zeros(size, dtype=torch.bool)
    mask[chosen] = True
    return torch.nonzero(~mask).flatten(), torch.nonzero(mask).flatten()


def _stratified(labels, n_val):
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * (n_val / labels.size)
    quota = np.floor(exact).astype(np.int64)
    remainder = n_val - int(quota.sum())
    if remainder:
        tie_break = torch.rand(len(classes)).numpy() * 1e-9
        top = np.argsort(-(exact - quota + tie_break), kind="stable")[:remainder]
        quota[top] += 1
    picked = []
    for cls, take in zip(classes, quota):
        members = torch.from_numpy(np.flatnonzero(labels == cls))
        picked.append(members[torch.randperm(len(members))[: int(take)]])
    return torch.cat(picked) if picked else torch.empty(0, dtype=torch.long)


def class_labels(y):
    """Class ids from sparse (int) or one-hot targets, or None for other targets."""
    if not isinstance(y, torch.Tensor):
        return None
    if not y.is_floating_point() and (y.dim() == 1 or (y.dim() == 2 and y.shape[1] == 1)):
        return y.reshape(-1).cpu().numpy()
    if y.dim() == 2 and y.shape[1] > 1:
        values = y.cpu()
        binary = bool(((values == 0) | (values == 1)).all())
        if binary and bool((values.sum(dim=1) == 1).all()):
            return values.argmax(dim=1).numpy()
    return None
