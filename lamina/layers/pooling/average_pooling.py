"""AveragePooling1D, AveragePooling2D and AveragePooling3D."""

import torch
import torch.nn.functional as F

from lamina.layers.pooling.base_pooling import BasePooling

_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


class _AveragePooling(BasePooling):
    def _pool(self, inputs, padding, pad):
        pool = _AVG_POOL[self.rank]
        if pad is None:
            # torch's count_include_pad=False leaves padding out of the mean, as Keras does.
            return pool(inputs, self.pool_size, self.strides, padding, False, False)
        # Asymmetric 'same' padding: mean over the window's real positions only.
        sums = pool(F.pad(inputs, pad), self.pool_size, self.strides, 0, False, True)
        ones = torch.ones((1, 1, *inputs.shape[2:]), dtype=inputs.dtype, device=inputs.device)
        share = pool(F.pad(ones, pad), self.pool_size, self.strides, 0, False, True)
        return sums / share


class AveragePooling1D(_AveragePooling):
    """Mean over windows of ``pool_size`` steps of ``(batch, steps, channels)`` inputs."""

    rank = 1


class AveragePooling2D(_AveragePooling):
    """Mean over ``pool_size`` windows of ``(batch, rows, cols, channels)`` inputs.

    With ``padding="same"`` a window that overlaps the padding averages only the input
    positions it covers (as Keras with TensorFlow or JAX does).
    """

    rank = 2


class AveragePooling3D(_AveragePooling):
    """Mean over ``pool_size`` windows of ``(batch, d1, d2, d3, channels)`` inputs."""

    rank = 3

