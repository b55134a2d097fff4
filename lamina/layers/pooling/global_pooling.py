"""Global max and average pooling over all spatial axes (1D versions honour masks)."""

import torch

from lamina.backend.config import standardize_data_format
from lamina.errors import InputError
from lamina.layers.layer import Layer
from lamina.ops import conv_utils


class BaseGlobalPooling(Layer):
    """Reduce all spatial axes (``rank`` set by the subclass) to one value per channel.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes with size 1 (as Keras's ``keepdims``).
    """

    rank = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        self.data_format = standardize_data_format(data_format, where)
        self.keepdims = bool(keepdims)
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + self.rank))

    @property
    def _where(self):
        return f"{type(self).__name__} '{self.name}'"

    def build(self, input_shape):
        conv_utils.check_rank(self._where, input_shape, self.rank, self.data_format)

    def _check(self, inputs):
        if inputs.dim() != self.rank + 2:
            conv_utils.check_rank(self._where, tuple(inputs.shape), self.rank, self.data_format)

    def _mask_weights(self, inputs, mask):
        """The (batch, steps) mask as a 0/1 tensor broadcastable against ``inputs``."""
        if tuple(mask.shape) != tuple(inputs.shape[:1]) + (inputs.shape[self._axes[0]],):
            raise InputError(
                f"{self._where}: the mask must have shape (batch, steps) = "
                f"{(inputs.shape[0], inputs.shape[self._axes[0]])}. Received a mask of shape "
                f"{tuple(mask.shape)}."
            )
        return mask.unsqueeze(2 if self.data_format == "channels_last" else 1).to(torch.bool)

    def compute_output_shape(self, input_shape):
        conv_utils.check_rank(self._where, input_shape, self.rank, self.data_format)
        channels = conv_utils.channel_size(input_shape, self.data_format)
        if not self.keepdims:
            return (input_shape[0], channels)
        return conv_utils.with_spatial(input_shape, (1,) * self.rank, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class _GlobalAverage(BaseGlobalPooling):
    def call(self, inputs):
        self._check(inputs)
        return inputs.mean(dim=self._axes, keepdim=self.keepdims)


class _GlobalMax(BaseGlobalPooling):
    def call(self, inputs):
        self._check(inputs)
        return inputs.amax(dim=self._axes, keepdim=self.keepdims)

    def compute_dtype_is_input_dtype(self):
        return True


class GlobalAveragePooling1D(_GlobalAverage):
    """Mean over the steps of ``(batch, steps, channels)`` inputs.

    With a mask (e.g. from ``Embedding(mask_zero=True)``) only unmasked steps count; a
    sample whose steps are all masked gives NaN, as in Keras.
    """

    rank = 1

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        self._check(inputs)
        keep = self._mask_weights(inputs, mask)
        axis = self._axes[0]
        total = torch.where(keep, inputs, 0).sum(dim=axis, keepdim=self.keepdims)
        return total / keep.to(inputs.dtype).sum(dim=axis, keepdim=self.keepdims)


class GlobalAveragePooling2D(_GlobalAverage):
    """Mean over rows and columns: ``(batch, rows, cols, channels)`` -> ``(batch, channels)``."""

    rank = 2


class GlobalAveragePooling3D(_GlobalAverage):
    """Mean over the three spatial axes of ``(batch, d1, d2, d3, channels)`` inputs."""

    rank = 3


class GlobalMaxPooling1D(_GlobalMax):
    """Maximum over the steps of ``(batch, steps, channels)`` inputs.

    With a mask only unmasked steps count (Keras ignores the mask here, so padding can
    win the maximum there); a sample whose steps are all masked gives 0.
    """

    rank = 1

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        self._check(inputs)
        keep = self._mask_weights(inputs, mask)
        axis = self._axes[0]
        lowest = torch.finfo(inputs.dtype).min if inputs.is_floating_point() else 0
        best = inputs.masked_fill(~keep, lowest).amax(dim=axis, keepdim=self.keepdims)
        return torch.where(keep.any(dim=axis, keepdim=self.keepdims), best, 0)


class GlobalMaxPooling2D(_GlobalMax):
    """Maximum over rows and columns: ``(batch, rows, cols, channels)`` -> ``(batch, channels)``."""

    rank = 2


class GlobalMaxPooling3D(_GlobalMax):
    """Maximum over the three spatial axes of ``(batch, d1, d2, d3, channels)`` inputs."""

    rank = 3
