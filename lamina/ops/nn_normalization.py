"""Normalizations of ``keras.ops.nn``: ``moments``, ``batch_normalization``,
``layer_normalization``, ``rms_normalization``, ``normalize``.

Half-precision inputs are computed in float32 and cast back, as Keras does.
"""

import torch
import torch.nn.functional as F

from lamina.backend.config import epsilon as default_epsilon
from lamina.ops.arguments import axis_tuple, float_tensor, tensors
from lamina.ops.operation import keras_op


def _compute_dtype(dtype):
    return torch.promote_types(dtype, torch.float32)


@keras_op("Moments", "nn")
def moments(x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` of ``x`` over ``axes`` (population variance), as ``keras.ops.moments``.

    ``synchronized=True`` (a cross-replica mean) raises NotImplementedError: lamina has no
    distribution strategy that would synchronise it.
    """
    if synchronized:
        raise NotImplementedError(
            "moments: synchronized=True needs a distribution strategy's cross-replica sum, which "
            "lamina does not provide. Call it with synchronized=False."
        )
    x = float_tensor(x)
    dtype = x.dtype
    x = x.to(_compute_dtype(dtype))
    dims = axis_tuple(axes, x.dim())
    mean = x.mean(dim=dims, keepdim=True)
    variance = (x - mean).square().mean(dim=dims, keepdim=keepdims)
    if not keepdims:
        mean = mean.squeeze(dims) if dims else mean
    return mean.to(dtype), variance.to(dtype)


def _along(v, axis, rank):
    """A 1-D ``v`` shaped to broadcast along ``axis`` of a rank-``rank`` tensor."""
    if v is None or v.dim() != 1 or axis % rank == rank - 1:
        return v
    shape = [1] * rank
    shape[axis] = v.shape[0]
    return v.reshape(shape)


@keras_op("BatchNorm", "nn", operands=("x", "mean", "variance", "offset", "scale"))
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, the vectors laid along
    ``axis``, as ``keras.ops.batch_normalization``."""
    x, mean, variance, offset, scale = tensors(x, mean, variance, offset, scale)
    x = float_tensor(x)
    rank = x.dim()
    mean, variance, offset, scale = (_along(v, axis, rank) for v in (mean, variance, offset, scale))
    inverse = torch.rsqrt(variance + epsilon)
    if scale is not None:
        inverse = inverse * scale
    shift = -mean * inverse
    if offset is not None:
        shift = shift + offset
    return x * inverse + shift


@keras_op("LayerNorm", "nn", operands=("x", "gamma", "beta"))
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, rms_scaling=False):
    """Normalise ``x`` over ``axis`` (an int or a list) to zero mean and unit variance, then
    ``* gamma + beta``, as ``keras.ops.layer_normalization`` (computed in at least float32,
    returned in ``x``'s dtype)."""
    x, gamma, beta = tensors(x, gamma, beta)
    epsilon = default_epsilon() if epsilon is None else epsilon
    dtype = x.dtype
    x = x.to(_compute_dtype(dtype))
    rank = x.dim()
    dims = sorted(axis_tuple(axis, rank))
    gamma = None if gamma is None else gamma.to(x.dtype)
    beta = None if beta is None else beta.to(x.dtype)
    if rms_scaling:
        variance = x.var(dim=dims, keepdim=True, unbiased=False)
        out = x * torch.rsqrt(variance + epsilon)
        return (out if gamma is None else out * _broadcast(gamma, dims, x.shape)).to(dtype)
    if dims == list(range(rank - len(dims), rank)):
        shape = tuple(x.shape[d] for d in dims)
        return F.layer_norm(x, shape, gamma, beta, epsilon).to(dtype)
    mean = x.mean(dim=dims, keepdim=True)
    variance = (x - mean).square().mean(dim=dims, keepdim=True)
    out = (x - mean) * torch.rsqrt(variance + epsilon)
    if gamma is not None:
        out = out * _broadcast(gamma, dims, x.shape)
    if beta is not None:
        out = out + _broadcast(beta, dims, x.shape)
    return out.to(dtype)


def _broadcast(v, dims, shape):
    if v.dim() == len(shape) or dims == [len(shape) - 1]:
        return v
    target = [1] * len(shape)
    for d in dims:
        target[d] = shape[d]
    return v.reshape(target)


@keras_op("RMSNorm", "nn", operands=("x", "scale"))
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x / sqrt(mean(x**2) + epsilon) * scale`` over ``axis``, as
    ``keras.ops.rms_normalization`` (computed in at least float32, returned in ``x``'s dtype)."""
    x, scale = tensors(x, scale)
    epsilon = default_epsilon() if epsilon is None else epsilon
    dtype = x.dtype
    x = x.to(_compute_dtype(dtype))
    if x.dim() == 0:
        x = x.reshape(1)
    dims = axis_tuple(axis, x.dim())
    out = x * torch.rsqrt(x.square().mean(dim=dims, keepdim=True) + epsilon)
    if scale is not None:
        out = out * scale.to(x.dtype)
    return out.to(dtype)


@keras_op("Normalize", "nn")
def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm over ``axis`` (at least ``epsilon``), as
    ``keras.ops.normalize``."""
    x = float_tensor(x)
    epsilon = default_epsilon() if epsilon is None else epsilon
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: order must be an integer >= 1. Received: order={order!r}.")
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / torch.clamp(norm, min=epsilon)


@keras_op("Polar", "nn", operands=("abs_", "angle"))
def polar(abs_, angle):
    """The complex numbers ``abs_ * exp(1j * angle)``, as ``keras.ops.polar``."""
    abs_, angle = tensors(abs_, angle)
    return torch.polar(float_tensor(abs_), float_tensor(angle).to(float_tensor(abs_).dtype))

