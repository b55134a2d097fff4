"""RandomPerspective: move each image's corners by random amounts, in training."""

import numbers

import torch

from lamina.errors import ConfigurationError
from lamina.layers.preprocessing._augment import AugmentationLayer, check_choice, parse_factor
from lamina.ops.image_affine import perspective_transform


class RandomPerspective(AugmentationLayer):
    """In training, warp images so each corner ``c`` moves to ``c * (1 + d)`` with ``d``
    drawn per corner and axis in ``[-scale / 2, scale / 2]`` (Keras's rule: the top-left
    corner stays), each image with a probability drawn in ``factor``.

    Args:
        factor: a number ``f`` in [0, 1] (probabilities drawn in ``[0, f]``, so the default
            1.0 warps half the images on average) or a pair in [0, 1].
        scale: the distortion's size, in [0, 1] (default 1.0).
        interpolation: "bilinear" (default) or "nearest".
        fill_value: the value of points outside the input.
        seed: int for a reproducible private random stream.
        data_format: "channels_last" (default) or "channels_first".

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = parse_factor(factor, "factor", self._where, 0.0, 1.0)
        if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not 0 <= scale <= 1:
            raise ConfigurationError(f"{self._where}: scale must be a number in [0, 1]. Received: scale={scale!r}.")
        self.scale = scale
        self.interpolation = check_choice(interpolation, ("nearest", "bilinear"), "interpolation", self._where)
        self.fill_value = fill_value

    def _augment(self, batch):
        n, _, height, width = batch.shape
        apply = self._coin(batch, self.factor)
        shift = self._uniform(batch, (n, 4, 2), -0.5 * self.scale, 0.5 * self.scale)
        corners = [[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1], [width - 1, height - 1]]
        start = torch.tensor(corners, dtype=batch.dtype, device=batch.device).expand(n, 4, 2)
        end = start + start * shift
        warped = perspective_transform(batch, start, end, interpolation=self.interpolation,
                                       fill_value=self.fill_value, data_format="channels_first")
        return torch.where(apply, warped, batch)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value}
