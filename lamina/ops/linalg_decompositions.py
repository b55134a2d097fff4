"""Matrix decompositions of ``keras.ops.linalg``: ``cholesky``, ``eig``, ``eigh``,
``lu_factor``, ``qr``, ``svd`` (batched over leading axes, torch's kernels)."""

import torch

from lamina.ops.arguments import float_tensor
from lamina.ops.operation import keras_op


@keras_op("Cholesky", "linalg")
def cholesky(x, upper=False):
    """The Cholesky factor of positive-definite ``x`` (lower, or upper with ``upper=True``),
    as ``keras.ops.linalg.cholesky``."""
    return torch.linalg.cholesky(float_tensor(x), upper=upper)


@keras_op("Eig", "linalg")
def eig(x):
    """``(eigenvalues, eigenvectors)`` of square ``x`` (complex), as ``keras.ops.linalg.eig``."""
    return tuple(torch.linalg.eig(float_tensor(x)))


@keras_op("Eigh", "linalg")
def eigh(x):
    """``(eigenvalues, eigenvectors)`` of symmetric ``x`` (ascending), as ``keras.ops.linalg.eigh``."""
    return tuple(torch.linalg.eigh(float_tensor(x)))


@keras_op("LuFactor", "linalg")
def lu_factor(x):
    """``(lu, pivots)`` of ``x`` with 0-based pivots, as ``keras.ops.linalg.lu_factor``."""
    lu, pivots = torch.linalg.lu_factor(float_tensor(x))
    return lu, pivots - 1


@keras_op("Qr", "linalg")
def qr(x, mode="reduced"):
    """``(q, r)`` of ``x``; ``mode`` "reduced" or "complete", as ``keras.ops.linalg.qr``."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete'. Received: mode={mode!r}.")
    return tuple(torch.linalg.qr(float_tensor(x), mode=mode))


@keras_op("SVD", "linalg")
def svd(x, full_matrices=True, compute_uv=True):
    """``(u, s, vh)`` of ``x`` (only ``s`` with ``compute_uv=False``), as ``keras.ops.linalg.svd``."""
    x = float_tensor(x)
    if not compute_uv:
        return torch.linalg.svdvals(x)
    return tuple(torch.linalg.svd(x, full_matrices=full_matrices))
