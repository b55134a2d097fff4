"""Flatten: one feature axis per sample."""

import math

import torch

from lamina.backend.config import standardize_data_format
from lamina.layers.layer import Layer

_CHANNELS_LAST = {4: torch.channels_last, 5: torch.channels_last_3d}


class _CopyKeepingGradientLayout(torch.autograd.Function):
    """``inputs.reshape(batch, -1)`` of channels_last memory read in channels-first order
    (a copy), whose gradient comes back in channels_last memory like ``inputs``: handed on
    in the order reshape gives it, every layer below would convert it again."""

    @staticmethod
    def forward(ctx, inputs):
        ctx.shape, ctx.memory_format = inputs.shape, _CHANNELS_LAST[inputs.dim()]
        return inputs.reshape(inputs.shape[0], -1)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape).contiguous(memory_format=ctx.memory_format)


class Flatten(Layer):
    """Reshapes ``(batch, d1, d2, ...)`` to ``(batch, d1 * d2 * ...)``.

    With ``data_format="channels_first"`` the channels axis is moved last first, so the
    feature order matches Keras's for the same image in either format.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, f"Flatten '{self.name}'")

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.dim() > 2:
            inputs = inputs.movedim(1, -1)
        elif (
            inputs.dim() in _CHANNELS_LAST
            and inputs.requires_grad
            and not inputs.is_contiguous()
            and inputs.is_contiguous(memory_format=_CHANNELS_LAST[inputs.dim()])
        ):
            return _CopyKeepingGradientLayout.apply(inputs)
        return inputs.reshape(inputs.shape[0], -1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def compute_dtype_is_input_dtype(self):
        return True

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
