"""Checks and conversions shared by the drawing and plotting functions: a batch of images
as a NumPy array, and its layout."""

import numpy as np

from lamina.backend.config import standardize_data_format
from lamina.ops import convert_to_numpy


def to_numpy(value):
    """``value`` (a NumPy array, torch tensor, lamina Variable or nested list) as NumPy."""
    return convert_to_numpy(value)


def batched_images(images, where):
    """``images`` as a 4D NumPy array, or a clear error naming ``where``."""
    array = to_numpy(images)
    if array.ndim != 4:
        raise ValueError(
            f"{where}: `images` must be a batch of images, a 4D array (batch, height, width, "
            f"channels) or (batch, channels, height, width). Received: images.shape="
            f"{tuple(array.shape)}. Add the batch axis with images[None] for a single image."
        )
    return array


def data_format_of(data_format, where):
    """``data_format`` checked, ``None`` filled with ``lamina.config.image_data_format()``."""
    return standardize_data_format(data_format, where)


def to_channels_last(array, data_format):
    """A channels-first 4D batch moved to channels-last; a channels-last one unchanged."""
    return np.transpose(array, (0, 2, 3, 1)) if data_format == "channels_first" else array


def to_data_format(array, data_format):
    """A channels-last 4D batch moved back to ``data_format``."""
    return np.transpose(array, (0, 3, 1, 2)) if data_format == "channels_first" else array


def as_uint8_pixels(images):
    """Images as uint8 the way Keras draws on them: floats whose maximum is at most 1 are
    taken as [0, 1] and scaled to [0, 255], other floats are clipped to [0, 255]."""
    if images.dtype.kind == "f" and images.size > 0:
        if images.max() <= 1.0:
            images = np.clip(images, 0, 1) * 255
        else:
            images = np.clip(images, 0, 255)
    return images.astype("uint8")


def rescale_values(images, value_range, target_range=(0, 255)):
    """Float32 ``images`` mapped linearly from ``value_range`` to ``target_range``."""
    low, high = (np.float32(v) for v in value_range)
    new_low, new_high = (np.float32(v) for v in target_range)
    if low == new_low and high == new_high:
        return images
    unit = (images.astype("float32") - low) / (high - low)
    return unit * (new_high - new_low) + new_low


def check_value_range(value_range, where):
    """``value_range`` as a (low, high) pair with low < high, or a clear error."""
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"{where}: `value_range` must be a pair (low, high) such as (0, 255) or (0, 1). "
            f"Received: value_range={value_range!r}."
        ) from None
    if not low < high:
        raise ValueError(
            f"{where}: `value_range` must have low < high, e.g. (0, 255) or (0, 1). "
            f"Received: value_range={value_range!r}."
        )
    return value_range
