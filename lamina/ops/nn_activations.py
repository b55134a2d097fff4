"""The activation functions of ``keras.ops.nn`` (``relu``, ``gelu``, ``softmax``, ...).

Integer inputs compute in ``floatx`` where the function is not piecewise linear with
integer breakpoints (Keras's torch backend has no integer kernels there; its JAX backend
returns floats). The element-wise maths is shared with ``lamina.activations``.
"""

import torch
import torch.nn.functional as F

from lamina.activations import functions as act
from lamina.ops.arguments import float_tensor, tensor
from lamina.ops.operation import keras_op


@keras_op("Relu", "nn", eager=torch.relu)
def relu(x):
    """``max(x, 0)`` element-wise (integers stay integers), as ``keras.ops.relu``."""
    return torch.relu(tensor(x))


@keras_op("Relu6", "nn")
def relu6(x):
    """``min(max(x, 0), 6)`` element-wise, as ``keras.ops.relu6``."""
    return act.relu6(tensor(x))


@keras_op("Sigmoid", "nn")
def sigmoid(x):
    """The logistic function ``1 / (1 + exp(-x))``, as ``keras.ops.sigmoid``."""
    return torch.sigmoid(float_tensor(x))


@keras_op("SparseSigmoid", "nn")
def sparse_sigmoid(x):
    """0 below -1, 1 above 1, ``(x + 1) / 2`` between, as ``keras.ops.sparse_sigmoid``."""
    x = float_tensor(x)
    return torch.clamp(0.5 * (x + 1.0), 0.0, 1.0)


@keras_op("Softplus", "nn")
def softplus(x):
    """``log(exp(x) + 1)``, as ``keras.ops.softplus``."""
    return act.softplus(float_tensor(x))


@keras_op("Softsign", "nn")
def softsign(x):
    """``x / (abs(x) + 1)``, as ``keras.ops.softsign``."""
    return act.softsign(float_tensor(x))


@keras_op("SoftShrink", "nn")
def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    return act.soft_shrink(float_tensor(x), threshold)


@keras_op("SparsePlus", "nn")
def sparse_plus(x):
    """0 below -1, ``x`` above 1, ``(x + 1)**2 / 4`` between, as ``keras.ops.sparse_plus``."""
    return act.sparse_plus(float_tensor(x))


@keras_op("Silu", "nn")
def silu(x):
    """``x * sigmoid(x)`` (also ``swish``), as ``keras.ops.silu``."""
    return act.silu(float_tensor(x))


swish = silu


@keras_op("Squareplus", "nn")
def squareplus(x, b=4):
    """The smooth ReLU ``(x + sqrt(x**2 + b)) / 2``, as ``keras.ops.squareplus``."""
    return act.squareplus(float_tensor(x), b)


@keras_op("LogSigmoid", "nn")
def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably, as ``keras.ops.log_sigmoid``."""
    return act.log_sigmoid(float_tensor(x))


@keras_op("LeakyRelu", "nn")
def leaky_relu(x, negative_slope=0.2):
    """``x`` where positive, ``negative_slope * x`` elsewhere, as ``keras.ops.leaky_relu``."""
    return act.leaky_relu(float_tensor(x), negative_slope)


@keras_op("HardSigmoid", "nn")
def hard_sigmoid(x):
    """``relu6(x + 3) / 6``, as ``keras.ops.hard_sigmoid``."""
    return act.hard_sigmoid(float_tensor(x))


@keras_op("HardSilu", "nn")
def hard_silu(x):
    """``x * hard_sigmoid(x)`` (also ``hard_swish``), as ``keras.ops.hard_silu``."""
    return act.hard_silu(float_tensor(x))


hard_swish = hard_silu


@keras_op("Elu", "nn")
def elu(x, alpha=1.0):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere, as ``keras.ops.elu``."""
    return act.elu(float_tensor(x), alpha)


@keras_op("Selu", "nn")
def selu(x):
    """The scaled ELU with the self-normalising constants, as ``keras.ops.selu``."""
    return act.selu(float_tensor(x))


@keras_op("Gelu", "nn")
def gelu(x, approximate=True):
    """``x * Phi(x)``; the tanh approximation by default, as ``keras.ops.gelu``."""
    return act.gelu(float_tensor(x), approximate)


@keras_op("Celu", "nn")
def celu(x, alpha=1.0):
    """``max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0)``, as ``keras.ops.celu``."""
    return act.celu(float_tensor(x), alpha)


@keras_op("Glu", "nn")
def glu(x, axis=-1):
    """The gated linear unit ``a * sigmoid(b)`` of the two halves of ``axis``."""
    x = float_tensor(x)
    if x.dim() == 0 or x.shape[axis] % 2:
        raise ValueError(
            "glu: the size of `axis` must be even (it is split in two halves). "
            f"Received: x.shape={tuple(x.shape)}, axis={axis}."
        )
    return act.glu(x, axis)


@keras_op("HardTanh", "nn")
def hard_tanh(x):
    """``x`` clipped to [-1, 1] (integers stay integers), as ``keras.ops.hard_tanh``."""
    return F.hardtanh(tensor(x))


@keras_op("HardShrink", "nn")
def hard_shrink(x, threshold=0.5):
    """``x`` where ``abs(x) > threshold``, else 0, as ``keras.ops.hard_shrink``."""
    return act.hard_shrink(float_tensor(x), threshold)


@keras_op("Threshold", "nn")
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``, as ``keras.ops.threshold``."""
    x = tensor(x)
    return torch.where(x > threshold, x, torch.as_tensor(default_value, dtype=x.dtype, device=x.device))


@keras_op("TanhShrink", "nn")
def tanh_shrink(x):
    """``x - tanh(x)``, as ``keras.ops.tanh_shrink``."""
    return act.tanh_shrink(float_tensor(x))


@keras_op("Softmax", "nn")
def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` over ``axis`` (an int or a tuple), as ``keras.ops.softmax``."""
    x = float_tensor(x)
    if isinstance(axis, int):
        return torch.softmax(x, dim=axis)
    return torch.exp(x - torch.logsumexp(x, dim=tuple(axis), keepdim=True))


@keras_op("LogSoftmax", "nn")
def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` over ``axis`` (an int or a tuple), as ``keras.ops.log_softmax``."""
    x = float_tensor(x)
    if isinstance(axis, int):
        return torch.log_softmax(x, dim=axis)
    return x - torch.logsumexp(x, dim=tuple(axis), keepdim=True)


@keras_op("Sparsemax", "nn")
def sparsemax(x, axis=-1):
    """The Euclidean projection of ``x`` onto the simplex along ``axis`` (sparse softmax)."""
    x = float_tensor(x)
    ordered = torch.sort(x, dim=axis, descending=True).values
    shape = [1] * x.dim()
    shape[axis] = x.shape[axis]
    ranks = torch.arange(1, x.shape[axis] + 1, dtype=x.dtype, device=x.device).reshape(shape)
    cumulative = ordered.cumsum(dim=axis)
    support = (1 + ranks * ordered) > cumulative
    count = support.sum(dim=axis, keepdim=True)
    tau = (cumulative.gather(axis, count - 1) - 1) / count.to(x.dtype)
    return torch.clamp(x - tau, min=0)
