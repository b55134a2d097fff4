"""Solarization: invert the values above a random threshold, in training."""

import torch

from lamina.layers.preprocessing._augment import (
    AugmentationLayer,
    parse_factor,
    parse_value_range,
    rescale,
)


class Solarization(AugmentationLayer):
    """In training, on the [0, 255] scale: add ``a``, clip, and replace values ``v >= t``
    by ``255 - v``; ``a`` and ``t`` are drawn per image.

    As in Keras, ``a`` is drawn in ``[lower, upper * 255]`` of ``addition_factor`` and ``t``
    in ``[lower, upper * 255]`` of ``threshold_factor`` (so ``threshold_factor=0``, the
    default, inverts every value).

    Args:
        addition_factor: a number ``f`` in [0, 1] (meaning ``(0, f)``) or a pair in [0, 1].
        threshold_factor: the same for the threshold.
        value_range: (min, max) of the pixel values.
        seed: int for a reproducible private random stream.

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        zero_to = lambda f: (0, f)  # noqa: E731
        self.addition_factor = parse_factor(addition_factor, "addition_factor", self._where, 0, 1, zero_to)
        self.threshold_factor = parse_factor(threshold_factor, "threshold_factor", self._where, 0, 1, zero_to)
        self.value_range = parse_value_range(value_range, self._where)

    def _augment(self, batch):
        shape = (batch.shape[0], 1, 1, 1)
        additions = self._uniform(batch, shape, self.addition_factor[0], self.addition_factor[1] * 255)
        thresholds = self._uniform(batch, shape, self.threshold_factor[0], self.threshold_factor[1] * 255)
        values = (rescale(batch, self.value_range, (0, 255)) + additions).clamp(0, 255)
        values = torch.where(values < thresholds, values, 255 - values)
        return rescale(values, (0, 255), self.value_range)

    def get_config(self):
        return {**super().get_config(), "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor, "value_range": self.value_range}
