"""UpSampling1D/2D/3D: repeat steps, rows, columns (or interpolate bilinearly or bicubically in 2D)."""

import torch.nn.functional as F

from lamina.backend.config import standardize_data_format
from lamina.errors import ConfigurationError
from lamina.layers.layer import Layer
from lamina.ops import conv_utils

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic")


class BaseUpSampling(Layer):
    """Repeat each spatial position ``size`` times per axis (``rank`` set by the subclass)."""

    rank = None

    def __init__(self, size=2, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self._where = f"{type(self).__name__} '{self.name}'"
        self.size = conv_utils.normalize_tuple(size, self.rank, "size", self._where)
        self.data_format = standardize_data_format(data_format, self._where)
        if interpolation not in _INTERPOLATIONS or (interpolation != "nearest" and self.rank != 2):
            allowed = _INTERPOLATIONS if self.rank == 2 else ("nearest",)
            raise ConfigurationError(
                f"{self._where}: unsupported interpolation. Received: "
                f"interpolation={interpolation!r}. Use one of {', '.join(map(repr, allowed))}."
            )
        self.interpolation = interpolation

    def build(self, input_shape):
        conv_utils.check_rank(self._where, input_shape, self.rank, self.data_format)

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            conv_utils.check_rank(self._where, tuple(inputs.shape), self.rank, self.data_format)
        first = 1 if self.data_format == "channels_last" else 2
        if self.interpolation != "nearest":
            x = conv_utils.channels_first(inputs, self.data_format)
            size = [n * f for n, f in zip(x.shape[2:], self.size)]
            out = F.interpolate(x, size=size, mode=self.interpolation, align_corners=False)
            return conv_utils.restore_format(out, self.data_format)
        for axis, factor in enumerate(self.size):
            if factor > 1:
                inputs = inputs.repeat_interleave(factor, dim=first + axis)
        return inputs

    def compute_output_shape(self, input_shape):
        conv_utils.check_rank(self._where, input_shape, self.rank, self.data_format)
        spatial = [
            None if n is None else n * f
            for n, f in zip(conv_utils.spatial_axes(input_shape, self.data_format), self.size)
        ]
        channels = conv_utils.channel_size(input_shape, self.data_format)
        return conv_utils.with_spatial(input_shape, spatial, channels, self.data_format)

    def compute_dtype_is_input_dtype(self):
        return self.interpolation == "nearest"

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}


class UpSampling1D(BaseUpSampling):
    """Repeat each step ``size`` times: ``(batch, steps, c)`` -> ``(batch, steps * size, c)``."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        conv_utils.refuse_data_format(type(self), kwargs)
        super().__init__(size, "channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return {**config, "size": self.size[0]}


class UpSampling2D(BaseUpSampling):
    """Upsample rows and columns by ``size``, repeating pixels ("nearest"), "bilinear" or "bicubic" (as Keras on torch).

    Example:
        >>> import torch, lamina
        >>> lamina.layers.UpSampling2D(2)(torch.ones(1, 4, 4, 3)).shape
        torch.Size([1, 8, 8, 3])
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(BaseUpSampling):
    """Repeat positions along the three spatial axes of ``(batch, d1, d2, d3, channels)``."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)
