"""Flatten: one feature axis per sample."""

import math

from lamina.backend.config import standardize_data_format
from lamina.layers.layer import Layer


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
        return inputs.reshape(inputs.shape[0], -1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def compute_dtype_is_input_dtype(self):
        return True

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
