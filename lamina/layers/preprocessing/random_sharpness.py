"""RandomSharpness: sharpen or blur each image by a random amount, in training."""

import torch
import torch.nn.functional as F

from lamina.layers.preprocessing._augment import AugmentationLayer, parse_factor, parse_value_range


class RandomSharpness(AugmentationLayer):
    """In training, ``x + (1 - 2 f) * (smooth(x) - x)`` with ``f`` drawn per image in ``factor``
    (``f = 0.5`` keeps the image, smaller blurs, larger sharpens), clipped to ``value_range``.

    ``smooth`` is Keras's 3x3 filter ``[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13`` with zero
    padding.

    Args:
        factor: a number ``f`` in [0, 1] (draws in ``[0, f]``) or a pair ``(lower, upper)`` in [0, 1].
        value_range: (min, max) of the pixel values; outputs are clipped to it.
        data_format: "channels_last" (default) or "channels_first".
        seed: int for a reproducible private random stream.

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = parse_factor(factor, "factor", self._where, 0.0, 1.0)
        self.value_range = parse_value_range(value_range, self._where)

    def _augment(self, batch):
        n, channels = batch.shape[:2]
        amount = self._uniform(batch, (n, 1, 1, 1), *self.factor) * 2
        kernel = torch.full((3, 3), 1.0 / 13.0, dtype=batch.dtype, device=batch.device)
        kernel[1, 1] = 5.0 / 13.0
        kernel = kernel.expand(channels, 1, 3, 3)
        smoothed = F.conv2d(batch, kernel, padding=1, groups=channels)
        return (batch + (1.0 - amount) * (smoothed - batch)).clamp(*self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}
