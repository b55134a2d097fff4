"""ReLU: the rectified linear unit as a layer, with Keras's cap, slope and threshold."""

import torch

from lamina.activations.functions import relu
from lamina.layers.activations._checks import non_negative
from lamina.layers.layer import Layer


class ReLU(Layer):
    """``max(x, 0)``; with ``max_value`` capped there, with ``threshold`` zero (or
    ``negative_slope * (x - threshold)``) at and below it.

    Args:
        max_value: Largest output (a number >= 0), or None for no cap.
        negative_slope: Slope below ``threshold`` (>= 0).
        threshold: Inputs at or below it are damped (>= 0).

    Example:
        >>> import torch, lamina
        >>> lamina.layers.ReLU(max_value=6.0)(torch.tensor([-1.0, 3.0, 9.0]))
        tensor([0., 3., 6.])
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = non_negative(self, "max_value", max_value, allow_none=True)
        self.negative_slope = non_negative(self, "negative_slope", negative_slope)
        self.threshold = non_negative(self, "threshold", threshold)
        self.supports_masking = True

    @property
    def is_plain_relu(self):
        """Whether the layer computes ``max(x, 0)`` (Keras's defaults)."""
        return self.max_value is None and self.negative_slope == 0.0 and self.threshold == 0.0

    def call(self, inputs):
        if self.is_plain_relu:
            return torch.relu(inputs)
        return relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }
