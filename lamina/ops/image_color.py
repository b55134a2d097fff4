"""Colour conversions of ``keras.ops.image``: ``rgb_to_grayscale``, ``rgb_to_hsv``, ``hsv_to_rgb``."""

import torch

from lamina.ops.arguments import data_format_of, tensor
from lamina.ops.operation import keras_op


def _channels(function, images, data_format):
    images = tensor(images)
    if images.dim() not in (3, 4):
        raise ValueError(f"{function}: images must be rank 3 or 4. Received: images.shape={tuple(images.shape)}.")
    axis = -1 if data_format_of(data_format) == "channels_last" else -3
    if images.shape[axis] != 3:
        raise ValueError(f"{function}: images must have 3 channels. Received: images.shape={tuple(images.shape)}.")
    return images, axis


@keras_op("RGBToGrayscale", "image")
def rgb_to_grayscale(images, data_format=None):
    """The luma ``0.2989 R + 0.587 G + 0.114 B`` as one channel, in ``images``' dtype, as
    ``keras.ops.image.rgb_to_grayscale``."""
    images, axis = _channels("rgb_to_grayscale", images, data_format)
    r, g, b = images.float().unbind(axis) if not images.is_floating_point() else images.unbind(axis)
    return (0.2989 * r + 0.587 * g + 0.114 * b).unsqueeze(axis).to(images.dtype)


@keras_op("RGBToHSV", "image")
def rgb_to_hsv(images, data_format=None):
    """RGB images (floats in [0, 1]) as hue, saturation, value in [0, 1], as
    ``keras.ops.image.rgb_to_hsv``."""
    images, axis = _channels("rgb_to_hsv", images, data_format)
    if not images.is_floating_point():
        raise TypeError(f"rgb_to_hsv: images must be floats in [0, 1]. Received: images.dtype={images.dtype}.")
    r, g, b = images.unbind(axis)
    value = torch.maximum(torch.maximum(r, g), b)
    spread = value - torch.minimum(torch.minimum(r, g), b)
    safe_value = torch.where(value > 0, value, torch.ones_like(value))
    saturation = torch.where(value > 0, spread / safe_value, torch.zeros_like(value))
    safe_spread = torch.where(spread > 0, spread, torch.ones_like(spread))
    hue = torch.where(value == r, (g - b) / safe_spread,
                      torch.where(value == g, 2.0 + (b - r) / safe_spread, 4.0 + (r - g) / safe_spread))
    hue = torch.where(spread > 0, torch.remainder(hue / 6.0, 1.0), torch.zeros_like(hue))
    return torch.stack([hue, saturation, value], dim=axis)


@keras_op("HSVToRGB", "image")
def hsv_to_rgb(images, data_format=None):
    """HSV images (floats in [0, 1]) as RGB, as ``keras.ops.image.hsv_to_rgb``."""
    images, axis = _channels("hsv_to_rgb", images, data_format)
    if not images.is_floating_point():
        raise TypeError(f"hsv_to_rgb: images must be floats in [0, 1]. Received: images.dtype={images.dtype}.")
    hue, saturation, value = images.unbind(axis)
    channels = []
    for shift in (5.0, 3.0, 1.0):
        k = torch.remainder(shift + hue * 6.0, 6.0)
        channels.append(value - value * saturation * torch.clamp(torch.minimum(k, 4.0 - k), 0.0, 1.0))
    return torch.stack(channels, dim=axis)
