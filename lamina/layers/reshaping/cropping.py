"""Cropping1D/2D/3D: remove rows/columns/steps from the edges of the spatial axes."""

from lamina.backend.config import standardize_data_format
from lamina.errors import InputError
from lamina.layers.layer import Layer
from lamina.layers.reshaping._pairs import normalize_pairs
from lamina.ops import conv_utils


class BaseCropping(Layer):
    """Crop the spatial axes (``rank`` set by the subclass).

    Args:
        cropping: int (same on every side), a tuple of ``rank`` ints (per axis, both
            sides), or ``rank`` ``(before, after)`` pairs.
        data_format: "channels_last" (default) or "channels_first" (2D and 3D).
    """

    rank = None

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._where = f"{type(self).__name__} '{self.name}'"
        self.cropping = normalize_pairs(cropping, self.rank, "cropping", self._where)
        self.data_format = standardize_data_format(data_format, self._where)

    def build(self, input_shape):
        conv_utils.check_rank(self._where, input_shape, self.rank, self.data_format)
        self._check_sizes(conv_utils.spatial_axes(input_shape, self.data_format))

    def _check_sizes(self, spatial):
        for n, (before, after) in zip(spatial, self.cropping):
            if n is not None and before + after >= n:
                raise InputError(
                    f"{self._where}: cropping {self.cropping} removes everything from inputs "
                    f"with spatial size {tuple(spatial)}. Crop less than each axis's size."
                )

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            conv_utils.check_rank(self._where, tuple(inputs.shape), self.rank, self.data_format)
        first = 1 if self.data_format == "channels_last" else 2
        index = [slice(None)] * inputs.dim()
        for axis, (before, after) in enumerate(self.cropping):
            size = inputs.shape[first + axis]
            if before + after >= size:
                self._check_sizes(conv_utils.spatial_axes(tuple(inputs.shape), self.data_format))
            index[first + axis] = slice(before, size - after)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        conv_utils.check_rank(self._where, input_shape, self.rank, self.data_format)
        spatial = conv_utils.spatial_axes(input_shape, self.data_format)
        self._check_sizes(spatial)
        spatial = [
            None if n is None else n - before - after
            for n, (before, after) in zip(spatial, self.cropping)
        ]
        channels = conv_utils.channel_size(input_shape, self.data_format)
        return conv_utils.with_spatial(input_shape, spatial, channels, self.data_format)

    def compute_dtype_is_input_dtype(self):
        return True

    def get_config(self):
        config = {**super().get_config(), "cropping": self.cropping}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class Cropping1D(BaseCropping):
    """Remove steps from the start and end of ``(batch, steps, channels)`` inputs (default 1, 1)."""

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        conv_utils.refuse_data_format(type(self), kwargs)
        super().__init__(cropping, "channels_last", **kwargs)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping[0]}


class Cropping2D(BaseCropping):
    """Remove rows and columns at the edges of ``(batch, rows, cols, channels)`` images.

    Example:
        >>> import torch, lamina
        >>> lamina.layers.Cropping2D(((2, 2), (4, 4)))(torch.ones(1, 28, 28, 3)).shape
        torch.Size([1, 24, 20, 3])
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(BaseCropping):
    """Crop the three spatial axes of ``(batch, d1, d2, d3, channels)`` (default 1 each side)."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
