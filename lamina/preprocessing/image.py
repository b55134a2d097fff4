"""``keras.preprocessing.image``: load, save and convert images; ``smart_resize``."""

import numpy as np
import torch

from lamina.backend.config import standardize_data_format
from lamina.errors import InputError, describe
from lamina.ops.image import resize
from lamina.utils import array_to_img, img_to_array, load_img, save_img


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resize an image (or a batch) to ``size`` without distorting its aspect ratio.

    The largest centred crop of the target's aspect ratio is resized to ``size``, as
    Keras's ``smart_resize``. A NumPy input gives a NumPy result, a tensor a tensor.

    Args:
        x: An image ``(height, width, channels)`` or a batch of them (4-D).
        size: ``(height, width)`` of the result.
        interpolation: "bilinear", "nearest", "bicubic", ... as ``ops.image.resize``.
        data_format: "channels_last" or "channels_first".
        **kwargs: Ignored (Keras's backend argument).

    Returns:
        The resized image(s), float.
    """
    if len(size) != 2:
        raise InputError(f"smart_resize: `size` must be (height, width). Received: size={size!r}.")
    is_numpy = isinstance(x, np.ndarray)
    tensor = torch.as_tensor(np.asarray(x)) if is_numpy else torch.as_tensor(x)
    if tensor.ndim not in (3, 4):
        raise InputError(
            f"smart_resize: `x` must be one image (3-D) or a batch (4-D). Received: {describe(x)}."
        )
    if not tensor.is_floating_point():
        tensor = tensor.float()
    out = resize(tensor, size, interpolation=interpolation, crop_to_aspect_ratio=True,
                 data_format=standardize_data_format(data_format))
    return out.numpy() if is_numpy else out


__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
