"""RandomInvert: invert a random fraction of the images, in training."""

from lamina.layers.preprocessing._augment import AugmentationLayer, parse_factor, parse_value_range


class RandomInvert(AugmentationLayer):
    """In training, replace images by ``value_range[1] - x``, each with a probability drawn
    per image in ``factor`` (Keras's rule: the default ``factor=1.0`` inverts half the
    images on average, ``(1, 1)`` all of them, ``0`` none).

    Args:
        factor: a number ``f`` in [0, 1] (probabilities drawn in ``[0, f]``) or a pair.
        value_range: (min, max) of the pixel values.
        seed: int for a reproducible private random stream.
        data_format: "channels_last" (default) or "channels_first".

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = parse_factor(factor, "factor", self._where, 0.0, 1.0)
        self.value_range = parse_value_range(value_range, self._where, sort=False)

    def _augment(self, batch):
        return batch.where(~self._coin(batch, self.factor), self.value_range[1] - batch)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}
