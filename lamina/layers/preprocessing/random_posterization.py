"""RandomPosterization: keep only the top bits of each 8-bit value, in training."""

import torch

from lamina.layers.preprocessing._augment import (
    AugmentationLayer,
    parse_factor,
    parse_value_range,
    rescale,
)


class RandomPosterization(AugmentationLayer):
    """In training, map values to [0, 255], truncate to 8-bit integers and keep their top
    ``bits`` bits, then map back to ``value_range``.

    Args:
        factor: a number ``f`` in [1, 8] (``bits`` drawn in ``[1, f)``, as Keras does) or a
            pair ``(lower, upper)``: ``bits`` in ``[lower, upper)``, or exactly ``lower``
            when ``lower == upper``.
        value_range: (min, max) of the pixel values.
        data_format: "channels_last" (default) or "channels_first".
        seed: int for a reproducible private random stream.

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = parse_factor(factor, "factor", self._where, 1, 8)
        self.value_range = parse_value_range(value_range, self._where)

    def _augment(self, batch):
        n = batch.shape[0]
        low, high = int(self.factor[0]), int(self.factor[1])
        if low != high:
            bits = torch.randint(low, high, (n,), generator=self._generator(batch), device=batch.device)
        else:
            bits = torch.full((n,), low, device=batch.device)
        shift = (8 - bits).view(n, 1, 1, 1).to(torch.uint8)
        values = rescale(batch, self.value_range, (0, 255)).to(torch.uint8)
        values = torch.bitwise_left_shift(torch.bitwise_right_shift(values, shift), shift)
        return rescale(values.to(batch.dtype), (0, 255), self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}
