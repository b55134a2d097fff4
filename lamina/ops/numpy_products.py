"""Products and matrix structure of ``keras.ops.numpy`` (``matmul``, ``einsum``, ``diag``...)."""

import torch

from lamina.ops._helpers import Tensor, keras_dtype, promote, tensor, tensors
from lamina.ops.operation import keras_op

__all__ = [
    "matmul", "dot", "tensordot", "einsum", "inner", "outer", "vdot", "kron", "cross", "trace", "diag",
    "diagonal", "diagflat", "tril", "triu", "vander", "slogdet", "correlate", "corrcoef", "trapezoid",
]

_INT_COMPUTE = {torch.int8, torch.uint8, torch.int16, torch.int32, torch.int64, torch.bool}


def _product_operands(x1, x2):
    """Operands of Keras's ``result_type``; ints and bools computed in float64 where torch's
    CPU kernels lack them, then cast back."""
    x1, x2 = promote(x1, x2)
    return x1, x2, x1.dtype


def _int_safe(function, x1, x2):
    x1, x2, dtype = _product_operands(x1, x2)
    if dtype in _INT_COMPUTE:
        return function(x1.to(torch.float64), x2.to(torch.float64)).to(dtype)
    return function(x1, x2)


@keras_op("Matmul", operands=("x1", "x2"))
def matmul(x1, x2):
    """The matrix product of ``x1`` and ``x2``, as ``keras.ops.matmul`` (int8 gives int32)."""
    if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype == x2.dtype and x1.is_floating_point():
        return torch.matmul(x1, x2)
    x1, x2 = tensors(x1, x2)
    if x1.dtype == torch.int8 and x2.dtype == torch.int8:
        return torch.matmul(x1.to(torch.float64), x2.to(torch.float64)).to(torch.int32)
    return _int_safe(torch.matmul, x1, x2)


@keras_op("Dot", operands=("x1", "x2"))
def dot(x1, x2):
    """NumPy's ``dot`` of ``x1`` and ``x2``, as ``keras.ops.dot``."""

    def compute(a, b):
        if a.dim() == 0 or b.dim() == 0:
            return a * b
        if b.dim() == 1 or a.dim() == 1:
            return torch.matmul(a, b)
        return torch.tensordot(a, b, dims=([-1], [-2]))

    return _int_safe(compute, x1, x2)


@keras_op("Tensordot", operands=("x1", "x2"))
def tensordot(x1, x2, axes=2):
    """The sum of products over ``axes``, as ``keras.ops.tensordot``."""
    dims = axes if isinstance(axes, int) else [list(a) if not isinstance(a, int) else [a] for a in axes]
    return _int_safe(lambda a, b: torch.tensordot(a, b, dims=dims), x1, x2)


def _einsum_function(subscripts, *operands, **kwargs):
    """Einstein summation of ``operands`` by ``subscripts``, as ``keras.ops.einsum``."""
    operands = tensors(*operands)
    dtype = keras_dtype(*[t.dtype for t in operands])
    if all(t.dtype == torch.int8 for t in operands):
        dtype = torch.int32
    if dtype in _INT_COMPUTE:
        return torch.einsum(subscripts, *[t.to(torch.float64) for t in operands]).to(dtype)
    return torch.einsum(subscripts, *[t.to(dtype) for t in operands])


einsum = keras_op("Einsum", operands=("operands",))(_einsum_function)
einsum.__name__ = "einsum"


@keras_op("Inner", operands=("x1", "x2"))
def inner(x1, x2):
    """The inner product over the last axes, as ``keras.ops.inner``."""
    return _int_safe(lambda a, b: a * b if a.dim() == 0 or b.dim() == 0 else torch.inner(a, b), x1, x2)


@keras_op("Outer", operands=("x1", "x2"))
def outer(x1, x2):
    """The outer product of the flattened operands, as ``keras.ops.outer``."""
    x1, x2 = tensors(x1, x2)
    return x1.reshape(-1, 1) * x2.reshape(1, -1)


@keras_op("Vdot", operands=("x1", "x2"))
def vdot(x1, x2):
    """The dot product of two 1-D tensors (the first conjugated), as ``keras.ops.vdot``.

    Raises:
        ValueError: an operand is not 1-D (Keras on torch refuses them too).
    """
    x1, x2 = tensors(x1, x2)
    if x1.dim() != 1 or x2.dim() != 1:
        raise ValueError(
            "lamina.ops.vdot: x1 and x2 must be 1-D (as in Keras on torch). Flatten them first "
            f"(ops.ravel). Received: x1.shape={tuple(x1.shape)}, x2.shape={tuple(x2.shape)}."
        )
    return _int_safe(torch.vdot, x1, x2)


@keras_op("Kron", operands=("x1", "x2"))
def kron(x1, x2):
    """The Kronecker product, as ``keras.ops.kron``."""
    x1, x2 = tensors(x1, x2)
    return torch.kron(x1, x2)


@keras_op("Cross", operands=("x1", "x2"))
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors, as ``keras.ops.cross``.

    Raises:
        ValueError: the vectors are not 3-vectors (Keras on torch refuses 2-vectors, which
            NumPy 2 deprecates: pad them with a zero third component).
    """
    x1, x2 = promote(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    x1, x2 = torch.movedim(x1, axisa, -1), torch.movedim(x2, axisb, -1)
    if x1.shape[-1] != 3 or x2.shape[-1] != 3:
        raise ValueError(
            "lamina.ops.cross: the vectors must have 3 components (as in Keras on torch). Pad "
            "2-vectors with a zero third component (ops.pad). Received: vector sizes "
            f"{x1.shape[-1]} and {x2.shape[-1]}."
        )
    x1, x2 = torch.broadcast_tensors(x1, x2)
    return torch.movedim(torch.linalg.cross(x1, x2, dim=-1), -1, axisc)


@keras_op("Trace")
def trace(x, offset=0, axis1=0, axis2=1):
    """The sum of diagonal ``offset`` over ``axis1``/``axis2``, as ``keras.ops.trace``."""
    x = tensor(x)
    dtype = torch.int32 if x.dtype in (torch.bool, torch.int8, torch.uint8, torch.int16) else x.dtype
    return torch.diagonal(x, offset=offset, dim1=axis1, dim2=axis2).sum(-1, dtype=dtype)


@keras_op("Diag")
def diag(x, k=0):
    """The diagonal ``k`` of a matrix, or a matrix with ``x`` on it, as ``keras.ops.diag``."""
    x = tensor(x)
    if x.dim() not in (1, 2):
        raise ValueError(f"lamina.ops.diag: the input must be 1-D or 2-D. Received: x.shape={tuple(x.shape)}.")
    return torch.diag(x, k)


@keras_op("Diagonal")
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` over ``axis1``/``axis2``, as ``keras.ops.diagonal``."""
    return torch.diagonal(tensor(x), offset=offset, dim1=axis1, dim2=axis2)


@keras_op("Diagflat")
def diagflat(x, k=0):
    """A matrix with the flattened ``x`` on diagonal ``k``, as ``keras.ops.diagflat``."""
    return torch.diagflat(tensor(x), k)


@keras_op("Tril")
def tril(x, k=0):
    """``x`` with elements above diagonal ``k`` zeroed, as ``keras.ops.tril``."""
    return torch.tril(tensor(x), k)


@keras_op("Triu")
def triu(x, k=0):
    """``x`` with elements below diagonal ``k`` zeroed, as ``keras.ops.triu``."""
    return torch.triu(tensor(x), k)


@keras_op("Vander")
def vander(x, N=None, increasing=False):  # noqa: N803
    """The Vandermonde matrix of ``x``, as ``keras.ops.vander``."""
    x = tensor(x)
    if x.dim() != 1:
        raise ValueError(f"lamina.ops.vander: x must be 1-D. Received: x.shape={tuple(x.shape)}.")
    dtype = torch.int32 if x.dtype == torch.bool else keras_dtype(x.dtype)  # 64 bits narrow to 32
    work = x.to(torch.int32) if x.dtype == torch.bool else x
    return torch.vander(work, N=N, increasing=increasing).to(dtype)


@keras_op("Slogdet")
def slogdet(x):
    """``(sign, log|det|)`` of square matrices, as ``keras.ops.slogdet``."""
    x = tensor(x)
    sign, logabsdet = torch.linalg.slogdet(x)
    return sign, logabsdet


@keras_op("Correlate", operands=("x1", "x2"))
def correlate(x1, x2, mode="valid"):
    """The cross-correlation of two 1-D tensors (``mode``: valid, same, full), as ``keras.ops.correlate``."""
    x1, x2 = promote(x1, x2, float)
    if x1.dim() != 1 or x2.dim() != 1:
        raise ValueError("lamina.ops.correlate: both inputs must be 1-D.")
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"lamina.ops.correlate: unknown mode. Received: mode={mode!r}. Expected 'valid', 'same' or 'full'.")
    n1, n2 = x1.shape[0], x2.shape[0]
    longer, shorter, flipped = (x1, x2, False) if n1 >= n2 else (x2, x1, True)
    total = {"valid": 0, "same": shorter.shape[0] - 1, "full": 2 * (shorter.shape[0] - 1)}[mode]
    left = total // 2 if mode == "same" else total // 2 if mode == "full" else 0
    padded = torch.nn.functional.pad(longer, (left, total - left))
    out = torch.nn.functional.conv1d(padded.reshape(1, 1, -1), shorter.reshape(1, 1, -1)).reshape(-1)
    return out.flip(0) if flipped else out


@keras_op("Corrcoef")
def corrcoef(x):
    """The Pearson correlation matrix of the rows of ``x``, as ``keras.ops.corrcoef``."""
    x = tensor(x)
    x = x.to(keras_dtype(x.dtype, float)) if not x.is_floating_point() else x
    return torch.corrcoef(x)


@keras_op("Trapezoid", operands=("y",))
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of ``y`` by the trapezoid rule along ``axis``, as ``keras.ops.trapezoid``."""
    y = tensor(y)
    y = y.to(keras_dtype(y.dtype, float))
    if x is None:
        return torch.trapezoid(y, dx=dx, dim=axis)
    return torch.trapezoid(y, tensor(x).to(y.dtype), dim=axis)
