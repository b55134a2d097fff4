"""UnitNormalization: scale each sample to unit L2 norm over ``axis``."""

import torch

from lamina.layers.layer import Layer
from lamina.layers.normalization._axes import check_axis_argument, resolve_axes


class UnitNormalization(Layer):
    """``x / max(||x||_2, 1e-12)`` over ``axis`` (an int or a list of ints, default -1)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self._where = f"UnitNormalization '{self.name}'"
        self.axis = check_axis_argument(axis, self._where)
        self.supports_masking = True

    def build(self, input_shape):
        self._axes = resolve_axes(self.axis, len(input_shape), self._where)

    def call(self, inputs):
        squares = inputs.square().sum(dim=self._axes, keepdim=True)
        return inputs * torch.rsqrt(squares).clamp(max=1e12)

    def compute_output_shape(self, input_shape):
        resolve_axes(self.axis, len(input_shape), self._where)
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
