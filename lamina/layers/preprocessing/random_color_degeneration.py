"""RandomColorDegeneration: blend each image towards its grayscale version, in training."""

from lamina.layers.preprocessing._augment import (
    AugmentationLayer,
    grayscale,
    parse_factor,
    parse_value_range,
)


class RandomColorDegeneration(AugmentationLayer):
    """In training, ``x + f * (gray(x) - x)`` per image with ``f`` drawn in ``factor``, clipped
    to ``value_range`` (``f = 1`` is grayscale, ``f = 0`` the original).

    Args:
        factor: a number ``f`` in [-1, 1] (draws in ``[-|f|, |f|]``) or a pair ``(lower, upper)``.
        value_range: (min, max) of the pixel values; outputs are clipped to it.
        data_format: "channels_last" (default) or "channels_first".
        seed: int for a reproducible private random stream.

    RGB images only. Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = parse_factor(factor, "factor", self._where, -1.0, 1.0)
        self.value_range = parse_value_range(value_range, self._where)

    def _augment(self, batch):
        amount = self._uniform(batch, (batch.shape[0], 1, 1, 1), *self.factor)
        return (batch + amount * (grayscale(batch) - batch)).clamp(*self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}
