"""Inverses, solves and matrix functions of ``keras.ops.linalg``: ``inv``, ``pinv``,
``cholesky_inverse``, ``det``, ``solve``, ``solve_triangular``, ``lstsq``, ``matrix_rank``,
``norm``, ``jvp``."""

import torch

from lamina.ops.arguments import axis_tuple, float_tensor, tensor, tensors, to_torch_dtype
from lamina.ops.dtypes import result_type
from lamina.ops.operation import keras_op


@keras_op("Inv", "linalg")
def inv(x):
    """The inverse of square ``x``, as ``keras.ops.linalg.inv``."""
    return torch.linalg.inv(float_tensor(x))


@keras_op("Pinv", "linalg")
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse of ``x`` (singular values below ``rcond`` times the
    largest dropped), as ``keras.ops.linalg.pinv``."""
    return torch.linalg.pinv(float_tensor(x), rtol=rcond)


@keras_op("CholeskyInverse", "linalg")
def cholesky_inverse(x, upper=False):
    """The inverse of ``A`` from its Cholesky factor ``x``, as ``keras.ops.linalg.cholesky_inverse``."""
    return torch.cholesky_inverse(float_tensor(x), upper=upper)


@keras_op("Det", "linalg")
def det(x):
    """The determinant of square ``x``, as ``keras.ops.linalg.det``."""
    return torch.linalg.det(float_tensor(x))


def _float_pair(a, b):
    a, b = tensors(a, b)
    a, b = float_tensor(a), float_tensor(b)
    dtype = torch.promote_types(a.dtype, b.dtype)
    return a.to(dtype), b.to(dtype)


@keras_op("Solve", "linalg", operands=("a", "b"))
def solve(a, b):
    """``x`` with ``a @ x = b``, as ``keras.ops.linalg.solve``."""
    return torch.linalg.solve(*_float_pair(a, b))


@keras_op("SolveTriangular", "linalg", operands=("a", "b"))
def solve_triangular(a, b, lower=False):
    """``x`` with ``a @ x = b`` for triangular ``a`` (upper unless ``lower``), as
    ``keras.ops.linalg.solve_triangular``; ``b`` may be a vector."""
    a, b = _float_pair(a, b)
    if b.dim() == a.dim() - 1:
        return torch.linalg.solve_triangular(a, b.unsqueeze(-1), upper=not lower).squeeze(-1)
    return torch.linalg.solve_triangular(a, b, upper=not lower)


@keras_op("Lstsq", "linalg", operands=("a", "b"))
def lstsq(a, b, rcond=None):
    """The least-squares solution ``x`` of ``a @ x = b``, as ``keras.ops.linalg.lstsq``
    (singular values below ``rcond`` times the largest are treated as zero)."""
    a, b = _float_pair(a, b)
    vector = b.dim() == 1
    if vector:
        b = b.unsqueeze(-1)
    if rcond is None:
        rcond = torch.finfo(a.dtype).eps * max(a.shape[-2:])
    out = torch.linalg.pinv(a, rtol=rcond) @ b
    return out.squeeze(-1) if vector else out


@keras_op("MatrixRank", "linalg")
def matrix_rank(x, tol=None):
    """The rank of ``x`` (singular values above ``tol``, or torch's default threshold), as
    ``keras.ops.linalg.matrix_rank`` (int32)."""
    return torch.linalg.matrix_rank(float_tensor(x), atol=tol).to(torch.int32)


@keras_op("Norm", "linalg")
def norm(x, ord=None, axis=None, keepdims=False):
    """The vector (one axis) or matrix (two axes) norm of ``x`` (in Keras's result dtype of
    ``x`` and a Python float: float64 narrows to float32), as ``keras.ops.linalg.norm``;
    with ``axis=None`` the 2-norm of the flattened ``x`` (or the matrix norm ``ord`` of 2-D ``x``)."""
    x = tensor(x)
    x = x.to(torch.float32 if x.dtype == torch.int64 else to_torch_dtype(result_type(x.dtype, float)))
    if isinstance(axis, int):
        axis = (axis,)
    if axis is not None:
        axis = axis_tuple(axis, x.dim())
    if axis is None and ord is not None and x.dim() != 2:
        axis = tuple(range(x.dim()))
    return torch.linalg.norm(x, ord=ord, dim=axis, keepdim=keepdims)


def jvp(fun, primals, tangents, has_aux=False):
    """``(fun(*primals), J @ tangents)``, the Jacobian-vector product (forward mode), as
    ``keras.ops.linalg.jvp``; with ``has_aux`` also ``fun``'s auxiliary output."""
    return torch.func.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)
