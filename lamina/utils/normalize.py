"""``normalize``: scale vectors to unit norm along an axis (Keras's ``keras.utils.normalize``)."""

import numpy as np
import torch


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (zero vectors stay zero).

    NumPy arrays give NumPy arrays; tensors give tensors.

    Args:
        x: array or tensor.
        axis: axis along which to normalize.
        order: order of the norm (2 is the Euclidean norm).
    """
    if isinstance(x, torch.Tensor):
        norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
        return x / torch.where(norm == 0, torch.ones_like(norm), norm)
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
