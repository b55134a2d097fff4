"""RandomElasticTransform: distort images with a random smooth displacement field, in training."""

import torch

from lamina.layers.preprocessing._augment import (
    AugmentationLayer,
    check_choice,
    parse_factor,
    parse_value_range,
)
from lamina.ops.image_elastic import elastic_transform


class RandomElasticTransform(AugmentationLayer):
    """In training, move pixels along a Gaussian-smoothed random field, each image with a
    probability drawn in ``factor``; outputs are clipped to ``value_range``.

    One distortion ``s`` is drawn per call in ``scale``; as in Keras the field's size is
    ``alpha = 0.1 * s * max(height, width)`` pixels and its smoothness
    ``sigma = 0.05 * s * min(height, width)``.

    Args:
        factor: a number ``f`` in [0, 1] (probabilities in ``[0, f]``) or a pair in [0, 1].
        scale: a number in [0, 1] (``s`` in ``[0, scale]``) or a pair in [0, 1].
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: "reflect" (default), "wrap", "constant", "nearest" or "mirror".
        fill_value: the value for ``fill_mode="constant"``.
        value_range: (min, max) of the pixel values; outputs are clipped to it.
        seed: int for a reproducible private random stream.
        data_format: "channels_last" (default) or "channels_first".

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = parse_factor(factor, "factor", self._where, 0.0, 1.0)
        self.scale = parse_factor(scale, "scale", self._where, 0.0, 1.0)
        self.interpolation = check_choice(interpolation, ("nearest", "bilinear"), "interpolation", self._where)
        self.fill_mode = check_choice(
            fill_mode, ("constant", "nearest", "wrap", "mirror", "reflect"), "fill_mode", self._where
        )
        self.fill_value = fill_value
        self.value_range = parse_value_range(value_range, self._where, sort=False)

    def _augment(self, batch):
        if self.scale[1] == 0 or self.factor[1] == 0:
            return batch
        apply = self._coin(batch, self.factor)
        distortion = float(self._uniform(batch, (), *self.scale))
        height, width = batch.shape[2], batch.shape[3]
        alpha = max(height, width) * 0.1 * distortion
        sigma = min(height, width) * 0.05 * distortion
        seed = None
        if self._seed.seed is not None:
            seed = int(torch.randint(2**31 - 1, (), generator=self._generator(batch), device=batch.device))
        warped = elastic_transform(batch, alpha=alpha, sigma=sigma, interpolation=self.interpolation,
                                   fill_mode=self.fill_mode, fill_value=self.fill_value, seed=seed,
                                   data_format="channels_first")
        return torch.where(apply, warped, batch).clamp(*sorted(self.value_range))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range}
