"""LeakyReLU: ``x`` where positive, ``negative_slope * x`` elsewhere."""

import warnings

import torch.nn.functional as F

from lamina.layers.activations._checks import non_negative
from lamina.layers.layer import Layer


class LeakyReLU(Layer):
    """``x`` for ``x >= 0``, ``negative_slope * x`` below (Keras's default slope: 0.3).

    ``alpha=``, the argument's Keras 2 name (in Keras 2 files), is accepted with a warning.

    Example:
        >>> import torch, lamina
        >>> lamina.layers.LeakyReLU(negative_slope=0.5)(torch.tensor([-2.0, 2.0]))
        tensor([-1.,  2.])
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: `alpha` is deprecated; use `negative_slope`.", DeprecationWarning, stacklevel=2)
        super().__init__(**kwargs)
        self.negative_slope = non_negative(self, "negative_slope", negative_slope)
        self.supports_masking = True

    def call(self, inputs):
        return F.leaky_relu(inputs, self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
