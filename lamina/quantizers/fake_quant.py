"""``fake_quant_with_min_max_vars``: quantize to ``num_bits`` levels in ``[min, max]`` and
back, with Keras's nudged range and its straight-through gradients (inputs inside the
range pass the gradient; clipped ones send it to ``min_vals`` / ``max_vals``)."""

import torch

from lamina.backend.keras_tensor import is_keras_tensor
from lamina.ops.convert import convert_to_tensor
from lamina.ops.dtypes import result_type, to_torch_dtype
from lamina.ops.operation import Operation


class FakeQuantWithMinMaxVars(Operation):
    """The graph node of ``fake_quant_with_min_max_vars`` on symbolic tensors."""

    def __init__(self, num_bits=8, narrow_range=False, axis=None):
        super().__init__()
        self.num_bits, self.narrow_range, self.axis = num_bits, narrow_range, axis

    def call(self, inputs, min_vals, max_vals):
        return fake_quant_with_min_max_vars(
            inputs, min_vals, max_vals, num_bits=self.num_bits, narrow_range=self.narrow_range, axis=self.axis
        )


def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits=8, narrow_range=False, axis=None):
    """Per-tensor (``axis=None``) or per-channel fake quantization.

    ``inputs`` are clipped to the nudged ``[min_vals, max_vals]``, mapped to the integers
    ``[0, 2**num_bits - 1]`` (``[1, ...]`` with ``narrow_range``) and back to floats of the
    inputs' dtype. Differentiable in ``inputs``, ``min_vals`` and ``max_vals``.

    Args:
        inputs: A float tensor.
        min_vals: A scalar, or per-channel minima (broadcast against ``inputs``).
        max_vals: A scalar, or per-channel maxima.
        num_bits: The bit width (default 8).
        narrow_range: Leave out the lowest level (default False).
        axis: The channel axis of per-channel minima; None for per-tensor.
    """
    if is_keras_tensor(inputs):
        return FakeQuantWithMinMaxVars(num_bits, narrow_range, axis)(inputs, min_vals, max_vals)
    inputs = convert_to_tensor(inputs)
    min_vals, max_vals = convert_to_tensor(min_vals), convert_to_tensor(max_vals)
    if axis is not None:
        axis = axis % inputs.ndim
    return _FakeQuant.apply(inputs, min_vals, max_vals, int(num_bits), bool(narrow_range), axis)


def _nudged_range(min_vals, max_vals, num_bits, narrow_range):
    """``(nudged_min, nudged_max, scale, inv_scale)``: the range moved so that 0 is a level."""
    compute = to_torch_dtype(result_type(min_vals.dtype, "float32"))
    min_vals, max_vals = min_vals.to(compute), max_vals.to(compute)
    quant_max = (1 << num_bits) - 1
    quant_min = 1 if narrow_range else 0
    levels = quant_max - quant_min
    spread = max_vals - min_vals
    scale = spread / levels
    inv_scale = torch.divide(levels, spread)
    zero_point = torch.round(torch.clip(quant_min - min_vals / scale, quant_min, quant_max))
    return (quant_min - zero_point) * scale, (quant_max - zero_point) * scale, scale, inv_scale


class _FakeQuant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, min_vals, max_vals, num_bits, narrow_range, axis):
        low, high, scale, inv_scale = _nudged_range(min_vals, max_vals, num_bits, narrow_range)
        quant_zero = torch.floor(-low * inv_scale + 0.5)
        shifted = torch.clip(x.to(low.dtype), low, high) - low
        result = torch.floor(shifted * inv_scale - quant_zero + 0.5) * scale
        ctx.save_for_backward(x, low, high)
        ctx.axis, ctx.min_shape, ctx.max_shape = axis, min_vals.shape, max_vals.shape
        return result.to(x.dtype)

    @staticmethod
    def backward(ctx, upstream):
        x, low, high = ctx.saved_tensors
        zero = torch.zeros((), dtype=upstream.dtype, device=upstream.device)
        inside = (x >= low) & (x <= high)
        grad_x = torch.where(inside, upstream, zero)
        grad_min = torch.where(x <= low, upstream, zero)
        grad_max = torch.where(x >= high, upstream, zero)
        if ctx.axis is None:
            grad_min, grad_max = grad_min.sum(), grad_max.sum()
        else:
            others = [i for i in range(grad_x.ndim) if i != ctx.axis]
            grad_min, grad_max = grad_min.sum(dim=others), grad_max.sum(dim=others)
        return grad_x, grad_min.reshape(ctx.min_shape), grad_max.reshape(ctx.max_shape), None, None, None
