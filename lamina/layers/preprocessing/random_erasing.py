"""RandomErasing: fill a random rectangle of a random fraction of the images, in training."""

import numbers

import torch

from lamina.errors import ConfigurationError
from lamina.layers.preprocessing._augment import AugmentationLayer, parse_factor, parse_value_range


def rectangle_mask(batch, x0, x1, y0, y1):
    """``(batch, 1, height, width)`` booleans: ``x0 <= column < x1`` and ``y0 <= row < y1``."""
    n, _, height, width = batch.shape
    rows = torch.arange(height, dtype=batch.dtype, device=batch.device).view(1, 1, height, 1)
    cols = torch.arange(width, dtype=batch.dtype, device=batch.device).view(1, 1, 1, width)
    x0, x1, y0, y1 = (v.view(n, 1, 1, 1) for v in (x0, x1, y0, y1))
    return (cols >= x0) & (cols < x1) & (rows >= y0) & (rows < y1)


class RandomErasing(AugmentationLayer):
    """In training, fill a rectangle of each image (with a probability drawn in ``factor``).

    The rectangle's sides are ``sqrt(u) * width`` and ``sqrt(v) * height`` with ``u``, ``v``
    drawn in ``scale``, at a uniform random position.

    Args:
        factor: a number ``f`` in [0, 1] (probabilities in ``[0, f]``) or a pair in [0, 1].
        scale: a pair (default (0.02, 0.33)) or a number in [0, 1].
        fill_value: ``None`` (default: Gaussian noise times ``value_range[1]``), a number, or
            three numbers (one per channel); clipped to ``value_range``.
        value_range: (min, max) of the pixel values.
        seed: int for a reproducible private random stream.
        data_format: "channels_last" (default) or "channels_first".

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = parse_factor(factor, "factor", self._where, 0.0, 1.0)
        self.scale = parse_factor(scale, "scale", self._where, 0.0, 1.0)
        ok = fill_value is None or (isinstance(fill_value, numbers.Real) and not isinstance(fill_value, bool))
        ok = ok or (isinstance(fill_value, (tuple, list)) and len(fill_value) == 3)
        if not ok:
            raise ConfigurationError(
                f"{self._where}: fill_value must be None (noise), a number or three numbers (one per "
                f"channel). Received: fill_value={fill_value!r}."
            )
        self.fill_value = fill_value
        self.value_range = parse_value_range(value_range, self._where, sort=False)

    def _fill(self, batch):
        if self.fill_value is None:
            fill = self._seed.normal(batch.shape, batch) * self.value_range[1]
        elif isinstance(self.fill_value, (tuple, list)):
            fill = torch.tensor(self.fill_value, dtype=batch.dtype, device=batch.device).view(1, 3, 1, 1)
            fill = fill.expand_as(batch)
        else:
            fill = torch.full_like(batch, float(self.fill_value))
        return fill.clamp(*sorted(self.value_range))

    def _augment(self, batch):
        n, _, height, width = batch.shape
        sides = self._uniform(batch, (n, 2), *self.scale).sqrt()
        box_w, box_h = sides[:, 0] * width, sides[:, 1] * height
        x0 = self._uniform(batch, (n,)) * (width - box_w)
        y0 = self._uniform(batch, (n,)) * (height - box_h)
        mask = rectangle_mask(batch, x0, x0 + box_w, y0, y0 + box_h)
        apply = self._coin(batch, self.factor)
        return torch.where(mask & apply, self._fill(batch), batch)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "fill_value": self.fill_value, "value_range": self.value_range}
