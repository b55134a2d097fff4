"""RandomBrightness: add a random offset to each image, in training."""

from lamina.layers.preprocessing._augment import AugmentationLayer, parse_factor, parse_value_range


class RandomBrightness(AugmentationLayer):
    """In training, add ``delta * (max - min)`` of ``value_range`` to each image, then clip.

    Args:
        factor: a number ``f`` in [-1, 1] (``delta`` in ``[-|f|, |f|]``) or a pair
            ``(lower, upper)``; ``delta`` is drawn per image.
        value_range: (min, max) of the pixel values; outputs are clipped to it.
        seed: int for a reproducible private random stream.
        data_format: "channels_last" (default) or "channels_first".

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = parse_factor(factor, "factor", self._where, -1.0, 1.0)
        self.value_range = parse_value_range(value_range, self._where)

    def _augment(self, batch):
        low, high = self.value_range
        delta = self._uniform(batch, (batch.shape[0], 1, 1, 1), *self.factor) * (high - low)
        return (batch + delta).clamp(low, high)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}
