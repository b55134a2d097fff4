"""MaxPooling1D, MaxPooling2D and MaxPooling3D."""

import torch.nn.functional as F

from lamina.layers.pooling.base_pooling import BasePooling
from lamina.ops import conv_utils

_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}


class _MaxPooling(BasePooling):
    def _pool(self, inputs, padding, pad):
        inputs = conv_utils.pad_spatial(inputs, pad, value=float("-inf"))
        return _MAX_POOL[self.rank](inputs, self.pool_size, self.strides, padding)


class MaxPooling1D(_MaxPooling):
    """Maximum over windows of ``pool_size`` steps of ``(batch, steps, channels)`` inputs."""

    rank = 1


class MaxPooling2D(_MaxPooling):
    """Maximum over ``pool_size`` windows of ``(batch, rows, cols, channels)`` inputs.

    Example:
        >>> import torch, lamina
        >>> lamina.layers.MaxPooling2D()(torch.zeros(1, 26, 26, 32)).shape
        torch.Size([1, 13, 13, 32])
    """

    rank = 2


class MaxPooling3D(_MaxPooling):
    """Maximum over ``pool_size`` windows of ``(batch, d1, d2, d3, channels)`` inputs."""

    rank = 3
