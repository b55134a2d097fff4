"""One-hot encoding of class ids."""

import numpy as np

from lamina.errors import InputError


def to_categorical(x, num_classes=None):
    """One-hot encode integer class ids: shape ``x.shape + (num_classes,)``, float32.

    Example:
        >>> to_categorical([0, 2], num_classes=3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    labels = np.asarray(x)
    if labels.dtype.kind not in "iub" and not (labels.dtype.kind == "f" and np.all(labels == np.floor(labels))):
        raise InputError(f"to_categorical expects integer class ids. Received dtype {labels.dtype}.")
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = int(np.flatnonzero((labels.reshape(-1) < 0) | (labels.reshape(-1) >= num_classes))[0])
        raise InputError(
            f"to_categorical: class id {labels.reshape(-1)[bad]} at flat index {bad} is outside "
            f"[0, {num_classes - 1}] for num_classes={num_classes}."
        )
    return np.eye(num_classes, dtype=np.float32)[labels]
