"""RandomRotation, RandomZoom and RandomTranslation: random affine warps, in training."""

import math

import torch

from lamina.layers.preprocessing import _image
from lamina.layers.preprocessing.base_image_layer import BaseImageLayer, factor_range


class BaseRandomAffine(BaseImageLayer):
    """Warp each image with its own random affine transform (``_transforms``) in training.

    Args:
        fill_mode: how to fill outside the input: "reflect" (default), "wrap", "constant",
            "nearest" or "mirror" (see ``_image.affine_transform``).
        interpolation: "bilinear" (default) or "nearest".
        fill_value: the value for ``fill_mode="constant"``.
        seed: int for a reproducible private random stream.
        data_format: "channels_last" (default) or "channels_first".

    Inference returns the images unchanged (cast to float).
    """

    random = True

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.fill_mode = _image.check_choice(fill_mode, _image.FILL_MODES, "fill_mode", self._where)
        self.interpolation = _image.check_choice(
            interpolation, _image.WARP_INTERPOLATIONS, "interpolation", self._where
        )
        self.fill_value = float(fill_value)

    def call(self, inputs, training=None):
        batch, single = self._as_batch(inputs)
        if not training:
            return self._restore(batch, single)
        transforms = self._transforms(batch)
        out = _image.affine_transform(
            batch, transforms, self.interpolation, self.fill_mode, self.fill_value
        )
        return self._restore(out, single)

    def _draw(self, batch, lower, upper):
        """One uniform sample in [lower, upper] per image."""
        return self._seed.uniform((batch.shape[0],), batch, lower, upper)

    def _transforms(self, batch):
        raise NotImplementedError

    def get_config(self):
        return {
            **super().get_config(),
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "fill_value": self.fill_value,
        }


class RandomRotation(BaseRandomAffine):
    """In training, rotate each image about its centre by a random angle.

    Args:
        factor: fraction of a full turn: a number ``f`` draws angles in ``[-f, f] * 360``
            degrees; a pair ``(lower, upper)`` in ``[lower, upper] * 360``. Positive angles
            turn counter-clockwise.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor_range(factor, "factor", self._where, -1.0, 1.0)

    def _transforms(self, batch):
        angle = self._draw(batch, *self.factor) * (2 * math.pi)
        height, width = batch.shape[2], batch.shape[3]
        cx, cy = (width - 1) / 2, (height - 1) / 2
        cos, sin = torch.cos(angle), torch.sin(angle)
        return torch.stack(
            [cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos], dim=1
        )

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomZoom(BaseRandomAffine):
    """In training, zoom each image about its centre by a random factor.

    Args:
        height_factor: a number ``f`` in (-1, 1] or a pair; the vertical zoom is drawn in
            ``[1 + lower, 1 + upper]``. Positive values zoom out (the image shrinks),
            negative values zoom in.
        width_factor: the same for the horizontal zoom; ``None`` (default) zooms both axes
            by the same amount, keeping the aspect ratio.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._height = factor_range(height_factor, "height_factor", self._where, -1.0, 1.0, False)
        self._width = None
        if width_factor is not None:
            self._width = factor_range(width_factor, "width_factor", self._where, -1.0, 1.0, False)

    def _transforms(self, batch):
        zoom_y = 1.0 + self._draw(batch, *self._height)
        zoom_x = zoom_y if self._width is None else 1.0 + self._draw(batch, *self._width)
        height, width = batch.shape[2], batch.shape[3]
        zeros = torch.zeros_like(zoom_y)
        return torch.stack(
            [zoom_x, zeros, (width - 1) / 2 * (1 - zoom_x),
             zeros, zoom_y, (height - 1) / 2 * (1 - zoom_y)],
            dim=1,
        )

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomTranslation(BaseRandomAffine):
    """In training, shift each image by a random fraction of its height and width.

    Args:
        height_factor: a number ``f`` in [0, 1] (shifts in ``[-f, f] * height``) or a pair
            ``(lower, upper)`` in [-1, 1]; positive values move the image down.
        width_factor: the same for horizontal shifts; positive values move it right.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._height = factor_range(height_factor, "height_factor", self._where, -1.0, 1.0)
        self._width = factor_range(width_factor, "width_factor", self._where, -1.0, 1.0)

    def _transforms(self, batch):
        height, width = batch.shape[2], batch.shape[3]
        shift_y = self._draw(batch, *self._height) * height
        shift_x = self._draw(batch, *self._width) * width
        ones, zeros = torch.ones_like(shift_y), torch.zeros_like(shift_y)
        return torch.stack([ones, zeros, -shift_x, zeros, ones, -shift_y], dim=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}
