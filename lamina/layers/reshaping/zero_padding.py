"""ZeroPadding1D/2D/3D: add zeros around the spatial axes."""

import torch.nn.functional as F

from lamina.backend.config import standardize_data_format
from lamina.layers.layer import Layer
from lamina.layers.reshaping._pairs import normalize_pairs
from lamina.ops import conv_utils


class BaseZeroPadding(Layer):
    """Pad the spatial axes (``rank`` set by the subclass) with zeros.

    Args:
        padding: int (same on every side), a tuple of ``rank`` ints (per axis, both
            sides), or ``rank`` ``(before, after)`` pairs.
        data_format: "channels_last" (default) or "channels_first".
    """

    rank = None

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._where = f"{type(self).__name__} '{self.name}'"
        self.padding = normalize_pairs(padding, self.rank, "padding", self._where)
        self.data_format = standardize_data_format(data_format, self._where)
        first = 1 if self.data_format == "channels_last" else 2
        pairs = [(0, 0)] * (self.rank + 2)
        pairs[first : first + self.rank] = self.padding
        self._pad = conv_utils.torch_pad_argument(pairs[1:])

    def build(self, input_shape):
        conv_utils.check_rank(self._where, input_shape, self.rank, self.data_format)

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            conv_utils.check_rank(self._where, tuple(inputs.shape), self.rank, self.data_format)
        return F.pad(inputs, self._pad)

    def compute_output_shape(self, input_shape):
        conv_utils.check_rank(self._where, input_shape, self.rank, self.data_format)
        spatial = [
            None if n is None else n + before + after
            for n, (before, after) in zip(
                conv_utils.spatial_axes(input_shape, self.data_format), self.padding
            )
        ]
        channels = conv_utils.channel_size(input_shape, self.data_format)
        return conv_utils.with_spatial(input_shape, spatial, channels, self.data_format)

    def compute_dtype_is_input_dtype(self):
        return True

    def get_config(self):
        padding = self.padding[0] if self.rank == 1 else self.padding
        return {**super().get_config(), "padding": padding, "data_format": self.data_format}


class ZeroPadding1D(BaseZeroPadding):
    """Zeros before and after the steps of ``(batch, steps, channels)`` inputs (default 1)."""

    rank = 1


class ZeroPadding2D(BaseZeroPadding):
    """Zero rows and columns around ``(batch, rows, cols, channels)`` images (default 1).

    Example:
        >>> import torch, lamina
        >>> lamina.layers.ZeroPadding2D(((1, 0), (2, 2)))(torch.ones(1, 3, 3, 2)).shape
        torch.Size([1, 4, 7, 2])
    """

    rank = 2


class ZeroPadding3D(BaseZeroPadding):
    """Zeros around the three spatial axes of ``(batch, d1, d2, d3, channels)`` (default 1)."""

    rank = 3
