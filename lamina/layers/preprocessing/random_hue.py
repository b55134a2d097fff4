"""RandomHue: rotate each image's hue by a random amount, in training."""

import torch

from lamina.layers.preprocessing._augment import (
    AugmentationLayer,
    parse_factor,
    parse_value_range,
    rescale,
)
from lamina.ops.image_color import hsv_to_rgb, rgb_to_hsv


class RandomHue(AugmentationLayer):
    """In training, shift each image's hue by ``±f / 2`` of a full turn (sign and ``f`` drawn
    per image, ``f`` in ``factor``), as Keras does.

    Args:
        factor: a number ``f`` in [0, 1] (draws in ``[0, f]``) or a pair ``(lower, upper)``
            in [0, 1]. ``1`` allows any hue.
        value_range: (min, max) of the pixel values.
        data_format: "channels_last" (default) or "channels_first".
        seed: int for a reproducible private random stream.

    RGB images only. Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = parse_factor(factor, "factor", self._where, 0.0, 1.0)
        self.value_range = parse_value_range(value_range, self._where, sort=False)

    def _augment(self, batch):
        n = batch.shape[0]
        sign = torch.where(self._uniform(batch, (n,)) > 0.5, -1.0, 1.0)
        shift = (sign * self._uniform(batch, (n,), *self.factor) * 0.5).view(n, 1, 1)
        unit = rescale(batch, self.value_range, (0, 1))
        hsv = rgb_to_hsv(unit, data_format="channels_first")
        hue = hsv[:, 0] + shift
        hue = torch.where(hue > 1.0, hue - 1.0, hue)
        hue = torch.where(hue < 0.0, hue + 1.0, hue)
        hsv = torch.stack([hue, hsv[:, 1], hsv[:, 2]], dim=1)
        rgb = hsv_to_rgb(hsv, data_format="channels_first").clamp(0, 1)
        return rescale(rgb, (0, 1), self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}
