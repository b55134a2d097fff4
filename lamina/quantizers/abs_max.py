"""Absolute-maximum quantization: symmetric per-axis (``abs_max_quantize``) and grouped
asymmetric with a zero point (``abs_max_quantize_grouped_with_zero_point``), as Keras."""

import math

import numpy as np
import torch

from lamina.errors import ConfigurationError
from lamina.ops.convert import convert_to_tensor
from lamina.ops.dtypes import to_torch_dtype
from lamina.quantizers.zero_point import quantization_parameters


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8", epsilon=1e-7, to_numpy=False):
    """``(quantized, scale)``: ``scale = value_range[1] / (max|inputs| + epsilon)`` along
    ``axis`` (kept as size 1), ``quantized = clip(round(inputs * scale), *value_range)``
    cast to ``dtype``; ``scale`` has the inputs' dtype.

    Args:
        inputs: A float tensor or array.
        axis: The axis (or axes) the maximum is taken over.
        value_range: ``(min, max)`` of the quantized values.
        dtype: The quantized dtype.
        epsilon: Added to the maximum to avoid dividing by zero.
        to_numpy: Compute with NumPy on the host (saves device memory).
    """
    low, high = value_range
    if to_numpy:
        original = convert_to_tensor(inputs).dtype
        array = inputs.detach().cpu().numpy() if isinstance(inputs, torch.Tensor) else np.asarray(inputs)
        axes = tuple(axis) if isinstance(axis, (list, tuple)) else axis
        scale = np.divide(high, np.add(np.max(np.abs(array), axis=axes, keepdims=True), epsilon))
        quantized = np.clip(np.round(np.multiply(array, scale)), low, high).astype(dtype)
        return convert_to_tensor(quantized), convert_to_tensor(scale, dtype=original)
    inputs = convert_to_tensor(inputs)
    dims = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    # torch.divide, not `high / tensor` (which multiplies by a rounded reciprocal), as Keras.
    scale = torch.divide(high, torch.amax(inputs.abs(), dim=dims, keepdim=True) + epsilon)
    scale = scale.to(inputs.dtype)
    quantized = torch.clip(torch.round(inputs * scale), low, high).to(to_torch_dtype(dtype))
    return quantized, scale


def abs_max_quantize_grouped_with_zero_point(
    inputs, block_size, value_range=(-8, 7), dtype="int8", epsilon=1e-7, to_numpy=False
):
    """``(quantized, scale, zero_point)`` of a 2D ``(input_dim, output_dim)`` tensor, each
    group of ``block_size`` rows along axis 0 quantized asymmetrically per column:
    ``quantized = clip(round(inputs / scale) + zero_point, *value_range)``. ``scale`` and
    ``zero_point`` (int8) have shape ``(ceil(input_dim / block_size), output_dim)``.

    Raises:
        ConfigurationError: ``inputs`` is not 2D or ``block_size`` is not positive.
    """
    shape = tuple(inputs.shape)
    if len(shape) != 2:
        raise ConfigurationError(
            "abs_max_quantize_grouped_with_zero_point: inputs must be 2D (input_dim, output_dim). "
            f"Received shape {shape}."
        )
    if not isinstance(block_size, int) or block_size <= 0:
        raise ConfigurationError(
            f"abs_max_quantize_grouped_with_zero_point: block_size must be a positive int. Received: block_size={block_size!r}."
        )
    if to_numpy:
        return _grouped_numpy(inputs, block_size, value_range, dtype, epsilon)
    return _grouped_tensor(convert_to_tensor(inputs), block_size, value_range, dtype, epsilon)


def _grouped_tensor(inputs, block_size, value_range, dtype, epsilon):
    low, high = value_range
    input_dim, output_dim = inputs.shape
    groups = math.ceil(input_dim / block_size)
    bits = int(math.log2(high - low + 1))
    scale_t, zero_t = quantization_parameters(
        inputs.T, bits=bits, group_size=block_size, epsilon=epsilon, compute_dtype=inputs.dtype
    )
    scale, zero_point = scale_t.T, zero_t.T
    padded = torch.nn.functional.pad(inputs, (0, 0, 0, groups * block_size - input_dim))
    blocks = padded.reshape(groups, block_size, output_dim)
    quantized = torch.round(blocks / scale[:, None, :]) + zero_point[:, None, :]
    quantized = torch.clip(quantized, low, high).to(to_torch_dtype(dtype))
    return quantized.reshape(groups * block_size, output_dim)[:input_dim], scale, zero_point


def _grouped_numpy(inputs, block_size, value_range, dtype, epsilon):
    low, high = value_range
    original = convert_to_tensor(inputs).dtype
    array = inputs.detach().cpu().numpy() if isinstance(inputs, torch.Tensor) else np.asarray(inputs)
    input_dim, output_dim = array.shape
    groups = math.ceil(input_dim / block_size)
    padded = np.concatenate([array, np.zeros((groups * block_size - input_dim, output_dim), array.dtype)])
    blocks = padded.reshape(groups, block_size, output_dim)
    smallest = blocks.min(axis=1, keepdims=True)
    largest = blocks.max(axis=1, keepdims=True)
    scale = np.divide(np.subtract(largest, smallest) + epsilon, high - low)
    zero_point = np.clip(np.round(np.divide(-smallest, scale)) + low, low, high)
    quantized = np.clip(np.round(np.divide(blocks, scale)) + zero_point, low, high).astype(dtype)
    quantized = quantized.reshape(groups * block_size, output_dim)[:input_dim]
    return (
        convert_to_tensor(quantized),
        convert_to_tensor(np.squeeze(scale, axis=1), dtype=original),
        convert_to_tensor(np.squeeze(zero_point, axis=1).astype("int8")),
    )
