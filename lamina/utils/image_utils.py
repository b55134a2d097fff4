"""Images to arrays and back (Keras's ``array_to_img``, ``img_to_array``, ``load_img``, ``save_img``).

Pillow is optional: install ``lamina[image]`` (or ``pip install pillow``). It is imported
when one of these functions runs, so ``import lamina`` stays fast without it.
"""

import io
import pathlib

import numpy as np

from lamina.backend.config import floatx, standardize_data_format
from lamina.errors import ConfigurationError, InputError

PILLOW_MISSING = (
    "{function} needs Pillow, which is not installed. Install it with "
    "`pip install lamina[image]` (or `pip install pillow`)."
)

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil_image(function):
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(PILLOW_MISSING.format(function=function)) from None
    return Image


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image from a 3-D array (height, width, channels; channels 1, 3 or 4).

    Args:
        x: array or tensor of rank 3.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the global one).
        scale: rescale values to [0, 255] from their own min and max.
        dtype: dtype to read ``x`` as (default ``floatx()``).
    """
    image_module = _pil_image("array_to_img")
    data_format = standardize_data_format(data_format, "array_to_img")
    x = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype=dtype or floatx())
    if x.ndim != 3:
        raise InputError(
            f"array_to_img: expected an image array of rank 3. Received: an array of shape {x.shape}."
        )
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x = x / peak
        x = x * 255
    channels = x.shape[2]
    if channels == 4:
        return image_module.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return image_module.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return image_module.fromarray(x[:, :, 0].astype("int32"), "I")
        return image_module.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise InputError(f"array_to_img: images have 1, 3 or 4 channels. Received: {channels} channels.")


def img_to_array(img, data_format=None, dtype=None):
    """A 3-D NumPy array (height, width, channels by default) from a PIL image.

    Args:
        img: a PIL image.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the global one).
        dtype: dtype of the array (default ``floatx()``).
    """
    data_format = standardize_data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=dtype or floatx())
    if x.ndim == 2:
        x = x[:, :, None] if data_format == "channels_last" else x[None, :, :]
    elif x.ndim == 3:
        x = x if data_format == "channels_last" else x.transpose(2, 0, 1)
    else:
        raise InputError(f"img_to_array: unsupported image shape {x.shape}.")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save an image array to ``path`` (a path or file object); ``kwargs`` go to ``PIL.Image.save``."""
    image = array_to_img(x, data_format=data_format, scale=scale)
    if image.mode == "RGBA" and (file_format == "jpg" or file_format == "jpeg" or str(path).lower().endswith((".jpg", ".jpeg"))):
        image = image.convert("RGB")
    if file_format == "jpg":
        file_format = "jpeg"
    image.save(path, format=file_format, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Load an image file as a PIL image.

    Args:
        path: path (str or ``pathlib.Path``) or a binary file object.
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``.
        target_size: ``(height, width)`` to resize to, or ``None`` to keep the size.
        interpolation: ``"nearest"``, ``"bilinear"``, ``"bicubic"``, ``"hamming"``,
            ``"box"`` or ``"lanczos"``.
        keep_aspect_ratio: crop the centre to the target aspect ratio before resizing.
    """
    image_module = _pil_image("load_img")
    if isinstance(path, (str, pathlib.Path)):
        with open(path, "rb") as handle:
            image = image_module.open(io.BytesIO(handle.read()))
    else:
        image = image_module.open(path)
    modes = {"grayscale": ("L", "I;16", "I"), "rgb": ("RGB",), "rgba": ("RGBA",)}
    if color_mode not in modes:
        raise ConfigurationError(
            f"load_img: unknown color_mode. Received: color_mode={color_mode!r}. Use 'grayscale', 'rgb' or 'rgba'."
        )
    if image.mode not in modes[color_mode]:
        image = image.convert(modes[color_mode][0])
    if target_size is None:
        return image
    if interpolation not in _INTERPOLATIONS:
        raise ConfigurationError(
            f"load_img: unknown interpolation. Received: interpolation={interpolation!r}. Use one of {_INTERPOLATIONS}."
        )
    height, width = int(target_size[0]), int(target_size[1])
    if (image.size[0], image.size[1]) == (width, height):
        return image
    if keep_aspect_ratio:
        crop_width = min(image.size[0], image.size[1] * width // height)
        crop_height = min(image.size[1], image.size[0] * height // width)
        left = (image.size[0] - crop_width) // 2
        top = (image.size[1] - crop_height) // 2
        image = image.crop((left, top, left + crop_width, top + crop_height))
    resample = getattr(image_module.Resampling, interpolation.upper())
    return image.resize((width, height), resample)
