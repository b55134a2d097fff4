"""RMSNormalization: scale each sample by the root mean square over its feature axes."""

import torch

from lamina.errors import ConfigurationError
from lamina.layers.layer import Layer
from lamina.layers.normalization._axes import check_axis_argument, per_sample_axes, resolve_axes


class RMSNormalization(Layer):
    """``scale * x / sqrt(mean(x ** 2) + epsilon)``, the mean over ``axis`` per sample
    (computed in at least float32, as Keras's).

    Args:
        axis: int or list of ints, the axes to normalize over (default -1). ``scale`` has
            the shape of those axes.
        epsilon: added to the mean square (default 1e-6).

    Example:
        >>> import torch, lamina
        >>> lamina.layers.RMSNormalization()(torch.tensor([[3.0, 4.0]])).round(decimals=4)
        tensor([[0.8485, 1.1314]], grad_fn=<RoundBackward1>)
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self._where = f"RMSNormalization '{self.name}'"
        self.axis = check_axis_argument(axis, self._where)
        if not epsilon > 0:
            raise ConfigurationError(f"{self._where}: epsilon must be positive. Received: epsilon={epsilon!r}.")
        self.epsilon = float(epsilon)
        self.supports_masking = True

    def build(self, input_shape):
        self._axes, shape, self._broadcast = per_sample_axes(self.axis, input_shape, self._where)
        self.add_weight(shape, "ones", name="scale")

    def call(self, inputs):
        x = inputs if inputs.dtype in (torch.float32, torch.float64) else inputs.float()
        mean_square = x.square().mean(dim=self._axes, keepdim=True)
        out = x * torch.rsqrt(mean_square + self.epsilon) * self.scale.view(self._broadcast).to(x.dtype)
        return out.to(inputs.dtype) if inputs.dtype.is_floating_point else out

    def compute_output_shape(self, input_shape):
        resolve_axes(self.axis, len(input_shape), self._where)
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
