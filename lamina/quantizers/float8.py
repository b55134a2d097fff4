"""Float8 helpers: the delayed-scaling scale (``compute_float8_scale``), the history of
absolute maxima (``compute_float8_amax_history``) and ``quantize_and_dequantize``."""

import torch

from lamina.ops.convert import convert_to_tensor
from lamina.ops.dtypes import to_torch_dtype


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The new scale ``amax * 2**margin / dtype_max``; the old ``scale`` is kept where
    ``amax`` is 0, negative or not finite."""
    amax, scale = convert_to_tensor(amax), convert_to_tensor(scale)
    kept = torch.reciprocal(scale)
    factor = torch.divide(torch.divide(dtype_max, amax), 2**margin)
    factor = torch.where(amax > 0.0, factor, kept)
    factor = torch.where(torch.isfinite(amax), factor, kept)
    return torch.reciprocal(factor)


def compute_float8_amax_history(x, amax_history):
    """``amax_history`` rolled by one to the left, with ``max|x|`` (in the history's
    dtype) written at position 0."""
    x, amax_history = convert_to_tensor(x), convert_to_tensor(amax_history)
    rolled = torch.roll(amax_history, shifts=-1, dims=0).clone()
    rolled[0] = x.abs().max().to(amax_history.dtype)
    return rolled


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """``inputs / scale`` clipped to ``quantized_dtype``'s finite range, cast to it (a
    float8 dtype such as ``"float8_e4m3fn"``), then back to ``compute_dtype`` times
    ``scale``."""
    compute = to_torch_dtype(compute_dtype)
    quantized = to_torch_dtype(quantized_dtype)
    largest = float(torch.finfo(quantized).max)
    scale = convert_to_tensor(scale).to(compute)
    x = torch.clip(convert_to_tensor(inputs) / scale, -largest, largest).to(quantized)
    return x.to(compute) * scale
