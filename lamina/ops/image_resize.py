"""``keras.ops.image.resize``: images resized with torch's ``interpolate`` (half-pixel
centres), optionally cropped or padded to the target aspect ratio first, as Keras."""

import torch
import torch.nn.functional as F

from lamina.ops.arguments import data_format_of, tensor
from lamina.ops.operation import keras_op

_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic"}


def batched_channels_first(function, images, data_format):
    """``(images as (N, C, H, W) float, restore)``: ``restore`` undoes the layout, batching
    and dtype changes on a result."""
    images = tensor(images)
    if images.dim() not in (3, 4):
        raise ValueError(
            f"{function}: images must be rank 3 (one image) or rank 4 (a batch). "
            f"Received: images.shape={tuple(images.shape)}."
        )
    data_format = data_format_of(data_format)
    single, dtype = images.dim() == 3, images.dtype
    x = images.unsqueeze(0) if single else images
    if data_format == "channels_last":
        x = x.permute(0, 3, 1, 2)
    if not x.is_floating_point():
        x = x.to(torch.float32)

    def restore(out, keep_float=False):
        if data_format == "channels_last":
            out = out.permute(0, 2, 3, 1)
        if single:
            out = out.squeeze(0)
        if not keep_float and out.dtype != dtype:
            out = out.round().clamp(*_range(dtype)).to(dtype) if not dtype.is_floating_point else out.to(dtype)
        return out

    return x, restore


def _range(dtype):
    if dtype == torch.bool:
        return 0, 1
    info = torch.iinfo(dtype)
    return info.min, info.max


@keras_op("Resize", "image")
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """``images`` resized to ``size = (height, width)``, as ``keras.ops.image.resize``.

    ``interpolation``: "bilinear", "nearest" or "bicubic" ("lanczos3"/"lanczos5" raise
    NotImplementedError: torch has no Lanczos kernel). ``crop_to_aspect_ratio`` crops the
    centre to the target's aspect ratio first; ``pad_to_aspect_ratio`` pads with ``fill_value``.
    """
    if interpolation in ("lanczos3", "lanczos5"):
        raise NotImplementedError(
            f"resize: interpolation={interpolation!r} needs a Lanczos kernel, which torch does not provide. "
            "Use 'bilinear', 'bicubic' or 'nearest'."
        )
    if interpolation not in _MODES:
        raise ValueError(f"resize: interpolation must be one of {sorted(_MODES)}. Received: interpolation={interpolation!r}.")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("resize: give only one of crop_to_aspect_ratio and pad_to_aspect_ratio. Received both.")
    if len(size) != 2:
        raise ValueError(f"resize: size must be (height, width). Received: size={size!r}.")
    x, restore = batched_channels_first("resize", images, data_format)
    height, width = x.shape[-2:]
    target_h, target_w = int(size[0]), int(size[1])
    if crop_to_aspect_ratio:
        crop_h = max(min(height, int(width * target_h / target_w)), 1)
        crop_w = max(min(width, int(height * target_w / target_h)), 1)
        top, left = int((height - crop_h) / 2), int((width - crop_w) / 2)
        x = x[:, :, top:top + crop_h, left:left + crop_w]
    elif pad_to_aspect_ratio:
        pad_h = max(height, int(width * target_h / target_w))
        pad_w = max(width, int(height * target_w / target_h))
        top, left = int((pad_h - height) / 2), int((pad_w - width) / 2)
        x = F.pad(x, (left, left, top, top), value=float(fill_value))
    mode = _MODES[interpolation]
    out = F.interpolate(
        x, size=(target_h, target_w), mode=mode, align_corners=False if mode != "nearest-exact" else None,
        antialias=bool(antialias) and mode != "nearest-exact",
    )
    return restore(out)
