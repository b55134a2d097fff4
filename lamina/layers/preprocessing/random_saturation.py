"""RandomSaturation: scale each image's saturation by a random amount, in training."""

import torch

from lamina.layers.preprocessing._augment import AugmentationLayer, parse_factor, parse_value_range
from lamina.ops.image_color import hsv_to_rgb, rgb_to_hsv


class RandomSaturation(AugmentationLayer):
    """In training, multiply each image's HSV saturation by ``f / (1 - f + 1e-7)`` with ``f``
    drawn per image in ``factor`` (``0.5`` keeps it, ``0`` gives grayscale, values near 1
    saturate fully), then clip the saturation to ``value_range``, as Keras does.

    Args:
        factor: a number ``f`` in [-1, 1] (draws in ``[-|f|, |f|]``) or a pair ``(lower, upper)``.
        value_range: (min, max) of the pixel values.
        data_format: "channels_last" (default) or "channels_first".
        seed: int for a reproducible private random stream.

    RGB images only. Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = parse_factor(factor, "factor", self._where, -1.0, 1.0)
        self.value_range = parse_value_range(value_range, self._where)

    def _augment(self, batch):
        n = batch.shape[0]
        f = self._uniform(batch, (n,), *self.factor)
        scale = (f / (1 - f + 1e-7)).view(n, 1, 1)
        hsv = rgb_to_hsv(batch, data_format="channels_first")
        saturation = (hsv[:, 1] * scale).clamp(*self.value_range)
        hsv = torch.stack([hsv[:, 0], saturation, hsv[:, 2]], dim=1)
        return hsv_to_rgb(hsv, data_format="channels_first")

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}
