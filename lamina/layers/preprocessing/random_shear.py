"""RandomShear: shear each image by random amounts along x and y, in training."""

import torch

from lamina.layers.preprocessing import _image
from lamina.layers.preprocessing._augment import AugmentationLayer, check_choice, parse_factor


class RandomShear(AugmentationLayer):
    """In training, sample the input at ``(x + sx * y, y + sy * x)`` for each output pixel,
    with ``sx`` and ``sy`` drawn per image and one random sign for both, as Keras does.

    Args:
        x_factor: a number ``f`` in [0, 1] (``sx`` in ``[-f, f]``) or a pair in [-1, 1].
        y_factor: the same for ``sy``.
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest".
        fill_value: the value for ``fill_mode="constant"``.
        data_format: "channels_last" (default) or "channels_first".
        seed: int for a reproducible private random stream.

    Inference returns the images unchanged (cast to float).
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        symmetric = lambda f: (-f, f)  # noqa: E731
        # Pairs may be negative: the config stores ``f`` as (-f, f) (Keras 3.15 then refuses
        # its own config; lamina loads it).
        self.x_factor = parse_factor(x_factor, "x_factor", self._where, 0.0, 1.0, symmetric, -1.0)
        self.y_factor = parse_factor(y_factor, "y_factor", self._where, 0.0, 1.0, symmetric, -1.0)
        self.interpolation = check_choice(interpolation, ("nearest", "bilinear"), "interpolation", self._where)
        self.fill_mode = check_choice(fill_mode, ("reflect", "wrap", "constant", "nearest"), "fill_mode", self._where)
        self.fill_value = fill_value

    def _augment(self, batch):
        n = batch.shape[0]
        sign = torch.where(self._uniform(batch, (n,)) > 0.5, -1.0, 1.0)
        shear_y = self._uniform(batch, (n,), *self.y_factor) * sign
        shear_x = self._uniform(batch, (n,), *self.x_factor) * sign
        ones, zeros = torch.ones_like(shear_x), torch.zeros_like(shear_x)
        transforms = torch.stack([ones, shear_x, zeros, shear_y, ones, zeros], dim=1)
        return _image.affine_transform(batch, transforms, self.interpolation, self.fill_mode, float(self.fill_value))

    def get_config(self):
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor,
                "fill_mode": self.fill_mode, "interpolation": self.interpolation, "fill_value": self.fill_value}
