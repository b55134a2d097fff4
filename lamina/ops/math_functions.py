"""Element-wise and reduction functions of ``keras.ops`` math: ``erf``, ``erfc``, ``erfinv``,
``rsqrt``, ``logsumexp``, ``top_k``, ``in_top_k``, ``logdet``, ``cdist``,
``view_as_complex``, ``view_as_real``."""

import torch

from lamina.ops.arguments import axis_tuple, float_tensor, tensor, tensors
from lamina.ops.operation import keras_op


@keras_op("Erf", "math")
def erf(x):
    """The error function, as ``keras.ops.erf`` (integers compute in floatx)."""
    return torch.erf(float_tensor(x))


@keras_op("Erfc", "math")
def erfc(x):
    """The complementary error function ``1 - erf(x)``, as ``keras.ops.erfc``."""
    return torch.erfc(float_tensor(x))


@keras_op("Erfinv", "math")
def erfinv(x):
    """The inverse error function, as ``keras.ops.erfinv``."""
    return torch.erfinv(float_tensor(x))


@keras_op("Rsqrt", "math")
def rsqrt(x):
    """``1 / sqrt(x)``, as ``keras.ops.rsqrt``."""
    return torch.rsqrt(float_tensor(x))


@keras_op("Logsumexp", "math")
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis`` (all axes when None), computed stably, as
    ``keras.ops.logsumexp``."""
    x = float_tensor(x)
    return torch.logsumexp(x, dim=axis_tuple(axis, x.dim()), keepdim=keepdims)


@keras_op("TopK", "math")
def top_k(x, k, sorted=True):
    """``(values, indices)`` of the ``k`` largest entries along the last axis, as
    ``keras.ops.top_k`` on torch (indices int64)."""
    return tuple(torch.topk(tensor(x), k, sorted=sorted))


@keras_op("InTopK", "math", operands=("targets", "predictions"))
def in_top_k(targets, predictions, k):
    """Whether each target class is among the ``k`` largest ``predictions`` of its row
    (ties count as in), as ``keras.ops.in_top_k``."""
    targets, predictions = tensors(targets, predictions)
    kth = torch.topk(predictions, k).values[..., -1:]
    return (predictions.gather(-1, targets.long()[:, None]) >= kth).squeeze(-1)


@keras_op("Logdet", "math")
def logdet(x):
    """The log of the determinant of square matrices ``x``, as ``keras.ops.logdet``."""
    return torch.logdet(float_tensor(x))


@keras_op("CDist", "math", operands=("x", "y"))
def cdist(x, y):
    """Euclidean distances between the rows of ``x`` ``(..., n, d)`` and of ``y``
    ``(..., m, d)``: ``(..., n, m)``, as ``keras.ops.cdist``."""
    x, y = tensors(x, y)
    if x.dim() < 2 or y.dim() < 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError(
            "cdist: x and y must have rank >= 2 and the same last dimension. "
            f"Received: x.shape={tuple(x.shape)}, y.shape={tuple(y.shape)}."
        )
    difference = x.unsqueeze(-2) - y.unsqueeze(-3)
    return torch.sqrt((difference * difference).sum(dim=-1))


@keras_op("ViewAsComplex", "math")
def view_as_complex(x):
    """Complex numbers from the pairs ``(real, imag)`` of the last axis (size 2), as
    ``keras.ops.view_as_complex``."""
    x = float_tensor(x)
    if x.dim() == 0 or x.shape[-1] != 2:
        raise ValueError(f"view_as_complex: the last axis must have size 2. Received: x.shape={tuple(x.shape)}.")
    return torch.complex(x[..., 0], x[..., 1])


@keras_op("ViewAsReal", "math")
def view_as_real(x):
    """The ``(real, imag)`` pairs of complex ``x`` along a new last axis, as
    ``keras.ops.view_as_real``."""
    x = tensor(x)
    if not x.is_complex():
        x = torch.complex(float_tensor(x), torch.zeros_like(float_tensor(x)))
    return torch.stack([x.real, x.imag], dim=-1)
