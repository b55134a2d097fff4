"""Image helpers of the preprocessing layers: layout, aspect-ratio crops, resizing, affine warps.

Every helper works on a float batch in channels-first layout, ``(batch, channels, height,
width)``; ``as_batch`` / ``restore`` convert from and back to the layer's own layout
(rank-3 single images or rank-4 batches, channels last or first).
"""

import torch
import torch.nn.functional as F

from lamina.backend.config import float_dtype
from lamina.errors import ConfigurationError, InputError

RESIZE_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic"}
FILL_MODES = ("reflect", "wrap", "constant", "nearest")
WARP_INTERPOLATIONS = ("nearest", "bilinear")


def as_batch(images, data_format, where, cast=True, dtype=None):
    """``(channels-first float batch, was_single_image)`` for rank-3 or rank-4 ``images``;
    integer images become ``dtype`` (default: floatx) when ``cast``."""
    if images.dim() not in (3, 4):
        layout = "height, width, channels"
        if data_format == "channels_first":
            layout = "channels, height, width"
        raise InputError(
            f"{where} expects images of rank 4, (batch, {layout}), or a single image of rank 3. "
            f"Received inputs of shape {tuple(images.shape)}."
        )
    single = images.dim() == 3
    batch = images.unsqueeze(0) if single else images
    if data_format == "channels_last":
        batch = batch.movedim(-1, 1)
    if cast and not batch.is_floating_point():
        batch = batch.to(dtype or float_dtype())
    return batch, single


def restore(batch, single, data_format):
    """Undo ``as_batch`` on a result."""
    if data_format == "channels_last":
        batch = batch.movedim(1, -1)
    return batch.squeeze(0) if single else batch


def image_size(shape, data_format):
    """(height, width) of a rank-3 or rank-4 ``shape``."""
    if data_format == "channels_last":
        return shape[-3], shape[-2]
    return shape[-2], shape[-1]


def with_image_size(shape, height, width, data_format):
    shape = list(shape)
    if data_format == "channels_last":
        shape[-3], shape[-2] = height, width
    else:
        shape[-2], shape[-1] = height, width
    return tuple(shape)


def aspect_crop_box(height, width, target_height, target_width):
    """(top, left, crop height, crop width) of the largest centred window of the target ratio."""
    crop_height = max(min(height, int(width * target_height / target_width)), 1)
    crop_width = max(min(width, int(height * target_width / target_height)), 1)
    return int((height - crop_height) / 2), int((width - crop_width) / 2), crop_height, crop_width


def resize(batch, size, interpolation="bilinear", antialias=False):
    """Resize a channels-first float batch to ``size`` = (height, width) (torch's F.interpolate)."""
    mode = RESIZE_MODES[interpolation]
    align = False if interpolation in ("bilinear", "bicubic") else None
    antialias = antialias and interpolation in ("bilinear", "bicubic")
    return F.interpolate(
        batch, size=tuple(size), mode=mode, align_corners=align, antialias=antialias
    )


def smart_resize(batch, size, interpolation="bilinear"):
    """Crop the largest centred window of ``size``'s aspect ratio, then resize to ``size``."""
    top, left, h, w = aspect_crop_box(batch.shape[2], batch.shape[3], *size)
    return resize(batch[:, :, top : top + h, left : left + w], size, interpolation)


def check_choice(value, choices, name, where):
    if value not in choices:
        raise ConfigurationError(
            f"{where}: unknown {name}. Received: {name}={value!r}. "
            f"Use one of {', '.join(map(repr, choices))}."
        )
    return value


# ---- affine warps, with Keras's fill modes -----------------------------------------------


def _mirror(index, size):
    period = size - 1
    if period == 0:
        return torch.zeros_like(index)
    return ((index + period) % (2 * period) - period).abs()


def _reflect(index, size):
    return torch.div(_mirror(2 * index + 1, 2 * size + 1) - 1, 2, rounding_mode="floor")


_INDEX_FIXERS = {
    "constant": lambda index, size: index.clamp(0, size - 1),
    "nearest": lambda index, size: index.clamp(0, size - 1),
    "wrap": lambda index, size: index % size,
    "mirror": _mirror,
    "reflect": _reflect,
}


def affine_transform(
    batch, transforms, interpolation="bilinear", fill_mode="reflect", fill_value=0.0
):
    """Warp a channels-first float batch with one affine transform per image.

    ``transforms`` is ``(batch, 6)``: output pixel (row ``y``, column ``x``) takes the input
    at column ``a0 x + a1 y + a2`` and row ``b0 x + b1 y + b2`` (Keras's and TensorFlow's
    convention, pixel centres at integer coordinates). Positions outside the image follow
    ``fill_mode``: "reflect" (d c b a | a b c d | d c b a), "mirror" (d c b | a b c d | c b a),
    "wrap" (a b c d | a b c d), "nearest" (a a a | a b c d | d d d) or "constant" (``fill_value``).
    """
    n, channels, height, width = batch.shape
    dtype = batch.dtype
    ys = torch.arange(height, dtype=dtype, device=batch.device).view(1, height, 1)
    xs = torch.arange(width, dtype=dtype, device=batch.device).view(1, 1, width)
    a0, a1, a2, b0, b1, b2 = (t.to(dtype).view(n, 1, 1) for t in transforms.unbind(1))
    source_x = a0 * xs + a1 * ys + a2
    source_y = b0 * xs + b1 * ys + b2
    if interpolation == "nearest":
        taps = [(torch.round(source_y), torch.round(source_x), None)]
    else:
        y0, x0 = torch.floor(source_y), torch.floor(source_x)
        wy, wx = source_y - y0, source_x - x0
        taps = [
            (y0, x0, (1 - wy) * (1 - wx)),
            (y0, x0 + 1, (1 - wy) * wx),
            (y0 + 1, x0, wy * (1 - wx)),
            (y0 + 1, x0 + 1, wy * wx),
        ]
    fix = _INDEX_FIXERS[fill_mode]
    flat = batch.reshape(n, channels, height * width)
    result = None
    for rows, cols, weight in taps:
        rows, cols = rows.long(), cols.long()
        index = fix(rows, height) * width + fix(cols, width)
        values = flat.gather(2, index.view(n, 1, -1).expand(n, channels, -1))
        values = values.view(n, channels, height, width)
        if fill_mode == "constant":
            inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
            values = torch.where(inside.unsqueeze(1), values, float(fill_value))
        term = values if weight is None else values * weight.unsqueeze(1)
        result = term if result is None else result + term
    return result
