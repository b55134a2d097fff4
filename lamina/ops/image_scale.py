"""``keras.ops.image.scale_and_translate``: resampling with a separable kernel (triangle,
Keys cubic or Lanczos), one weight matrix per spatial axis, as ``jax.image.scale_and_translate``."""

import math

import torch

from lamina.ops.arguments import tensor
from lamina.ops.dtypes import result_type, to_torch_dtype
from lamina.ops.operation import keras_op

_FLOAT32_EPS = 1.1920928955078125e-07


def _triangle(x):
    return torch.clamp(1 - torch.abs(x), min=0)


def _keys_cubic(x):
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return torch.where(x >= 2.0, 0.0, torch.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(x):
        y = radius * torch.sin(math.pi * x) * torch.sin(math.pi * x / radius)
        out = torch.where(x > 1e-3, y / torch.where(x != 0, math.pi**2 * x**2, 1), 1)
        return torch.where(x > radius, 0.0, out)

    return kernel


_KERNELS = {
    "linear": _triangle, "bilinear": _triangle, "trilinear": _triangle, "triangle": _triangle,
    "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
    "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0),
}


def _weights(input_size, output_size, scale, translation, kernel, antialias):
    """``(input_size, output_size)``: how much each input sample adds to each output sample."""
    inv_scale = 1.0 / scale
    kernel_scale = torch.clamp(inv_scale, min=1.0) if antialias else 1.0
    positions = torch.arange(output_size, dtype=scale.dtype, device=scale.device)
    sample_f = (positions + 0.5) * inv_scale - translation * inv_scale - 0.5
    inputs = torch.arange(input_size, dtype=scale.dtype, device=scale.device)
    weights = kernel(torch.abs(sample_f[None, :] - inputs[:, None]) / kernel_scale)
    total = torch.sum(weights, dim=0, keepdim=True)
    weights = torch.where(torch.abs(total) > 1000.0 * _FLOAT32_EPS, weights / torch.where(total != 0, total, 1), 0)
    inside = (sample_f >= -0.5) & (sample_f <= input_size - 0.5)
    return torch.where(inside[None, :], weights, 0)


@keras_op("ScaleAndTranslate", "image", operands=("images", "output_shape", "scale", "translation"))
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    """``images`` resampled to ``output_shape``, as ``keras.ops.image.scale_and_translate``.

    Along each axis ``spatial_dims[k]``, the input point ``x`` (pixel centres at ``i + 0.5``)
    lands at ``x * scale[k] + translation[k]`` in the output; output points whose source
    falls outside the input are zero.

    Args:
        images: An array of any rank.
        output_shape: The result's full shape.
        scale: One scale per spatial axis.
        translation: One translation per spatial axis.
        spatial_dims: The axes to resample.
        method: "linear"/"bilinear"/"trilinear"/"triangle", "cubic"/"bicubic"/"tricubic"
            (Keys cubic), "lanczos3" or "lanczos5".
        antialias: Widen the kernel when downsampling (no effect when upsampling).

    Returns:
        The resampled array, in ``images``' dtype (integers rounded and clipped to the
        input's range).
    """
    if method not in _KERNELS:
        raise ValueError(f"scale_and_translate: method must be one of {sorted(_KERNELS)}. Received: method={method!r}.")
    images = tensor(images)
    scale, translation = tensor(scale, images.device), tensor(translation, images.device)
    dtype = to_torch_dtype(result_type(scale.dtype, translation.dtype))
    scale, translation = scale.to(dtype), translation.to(dtype)
    spatial_dims = tuple(spatial_dims)
    if not spatial_dims:
        return images
    integer = not images.is_floating_point()
    output = images.to(torch.float32) if integer else images
    for k, axis in enumerate(spatial_dims):
        axis %= images.dim()
        weights = _weights(images.shape[axis], int(output_shape[axis]), scale[k], translation[k], _KERNELS[method],
                           antialias).to(output.dtype)
        output = torch.tensordot(output, weights, dims=([axis], [0])).movedim(-1, axis)
    if integer:
        output = torch.clamp(torch.round(output), images.min(), images.max()).to(images.dtype)
    return output
