"""Resizing, CenterCrop and RandomCrop: change the height and width of images."""

import torch
import torch.nn.functional as F

from lamina.errors import ConfigurationError, InputError
from lamina.layers.argument_checks import positive_int
from lamina.layers.preprocessing import _image
from lamina.layers.preprocessing.base_image_layer import BaseImageLayer


class _SizedImageLayer(BaseImageLayer):
    """An image layer whose output is ``height`` x ``width``."""

    def __init__(self, height, width, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.height = positive_int(height, "height", self._where)
        self.width = positive_int(width, "width", self._where)

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise InputError(
                f"{self._where} expects images of rank 4 (or 3 for one image). "
                f"Received: input_shape={tuple(input_shape)}."
            )
        return _image.with_image_size(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


class Resizing(_SizedImageLayer):
    """Resize images to ``height`` x ``width`` (in training and inference).

    Args:
        interpolation: "bilinear" (default), "nearest" or "bicubic" (torch's kernels, as
            Keras's PyTorch backend uses).
        crop_to_aspect_ratio: first crop the largest centred window with the target
            aspect ratio, so images are not distorted.
        pad_to_aspect_ratio: first pad (with ``fill_value``) to the target aspect ratio.
        antialias: low-pass filter when downsampling (bilinear and bicubic).
        data_format: "channels_last" (default) or "channels_first".

    Integer images stay integer (rounded and clipped), as in Keras.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(height, width, data_format=data_format, **kwargs)
        self.interpolation = _image.check_choice(
            interpolation, tuple(_image.RESIZE_MODES), "interpolation", self._where
        )
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ConfigurationError(
                f"{self._where}: choose crop_to_aspect_ratio or pad_to_aspect_ratio, not both."
            )
        self.fill_mode = _image.check_choice(fill_mode, ("constant",), "fill_mode", self._where)
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_value = float(fill_value)
        self.antialias = bool(antialias)

    def call(self, inputs):
        batch, single = self._as_batch(inputs)
        size = (self.height, self.width)
        if self.crop_to_aspect_ratio:
            top, left, h, w = _image.aspect_crop_box(batch.shape[2], batch.shape[3], *size)
            batch = batch[:, :, top : top + h, left : left + w]
        elif self.pad_to_aspect_ratio:
            batch = self._pad_to_aspect_ratio(batch)
        out = _image.resize(batch, size, self.interpolation, self.antialias)
        if not inputs.is_floating_point():
            info = torch.iinfo(inputs.dtype)
            out = out.round().clamp(info.min, info.max).to(inputs.dtype)
        return self._restore(out, single)

    def _pad_to_aspect_ratio(self, batch):
        height, width = batch.shape[2], batch.shape[3]
        padded_height = max(height, int(width * self.height / self.width))
        padded_width = max(width, int(height * self.width / self.height))
        top = int((padded_height - height) / 2)
        left = int((padded_width - width) / 2)
        # Keras pads the same amount on both sides.
        return F.pad(batch, (left, left, top, top), value=self.fill_value)

    def compute_dtype_is_input_dtype(self):
        return True

    def get_config(self):
        return {
            **super().get_config(),
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        }


class CenterCrop(_SizedImageLayer):
    """Crop the centre ``height`` x ``width`` of each image (in training and inference).

    An image smaller than the target is first cropped to the target aspect ratio and
    then resized (bilinear), as Keras does.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(height, width, data_format=data_format, **kwargs)

    def call(self, inputs):
        batch, single = self._as_batch(inputs)
        height, width = batch.shape[2], batch.shape[3]
        if height >= self.height and width >= self.width:
            top, left = (height - self.height) // 2, (width - self.width) // 2
            out = batch[:, :, top : top + self.height, left : left + self.width]
        else:
            out = _image.smart_resize(batch, (self.height, self.width))
        return self._restore(out, single)


class RandomCrop(_SizedImageLayer):
    """Crop a random ``height`` x ``width`` window in training; the centre window in inference.

    In training, one random window position is drawn per batch (as in Keras). In
    inference -- and in training when the images are not larger than the target on both
    axes -- the largest centred window with the target aspect ratio is cropped and resized
    to ``height`` x ``width`` (Keras's documented behaviour), so the output size never
    depends on the mode.

    Args:
        height, width: size of the output.
        seed: int for a reproducible private random stream.
        data_format: "channels_last" (default) or "channels_first".
    """

    random = True

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(height, width, data_format=data_format, seed=seed, **kwargs)

    def call(self, inputs, training=None):
        batch, single = self._as_batch(inputs)
        height, width = batch.shape[2], batch.shape[3]
        if training and height > self.height and width > self.width:
            host = torch.empty((), dtype=torch.float64)  # draw on the CPU: no device sync
            top = int(self._seed.uniform((), host, 0, height - self.height + 1))
            left = int(self._seed.uniform((), host, 0, width - self.width + 1))
            out = batch[:, :, top : top + self.height, left : left + self.width]
        else:
            out = _image.smart_resize(batch, (self.height, self.width))
        return self._restore(out, single)
