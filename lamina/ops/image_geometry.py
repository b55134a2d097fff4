"""Crops, pads and patches of ``keras.ops.image``: ``crop_images``, ``pad_images``,
``extract_patches``."""

import torch
import torch.nn.functional as F

from lamina.ops import conv_utils
from lamina.ops.arguments import data_format_of, tensor
from lamina.ops.operation import keras_op


def _spatial(function, images, data_format):
    images = tensor(images)
    if images.dim() not in (3, 4):
        raise ValueError(f"{function}: images must be rank 3 or 4. Received: images.shape={tuple(images.shape)}.")
    channels_last = data_format_of(data_format) == "channels_last"
    height_axis = images.dim() - (3 if channels_last else 2)
    return images, height_axis


def _resolve(function, before, after, target, size, before_name, after_name, target_name):
    given = [v is not None for v in (before, after, target)]
    if sum(given) != 2:
        raise ValueError(
            f"{function}: give exactly two of {before_name}, {after_name} and {target_name}. "
            f"Received: {before_name}={before}, {after_name}={after}, {target_name}={target}."
        )
    if before is None:
        before = target - size - after if "pad" in function else size - target - after
    if after is None:
        after = target - size - before if "pad" in function else size - target - before
    if before < 0 or after < 0:
        raise ValueError(f"{function}: the {before_name}/{after_name} amounts must be >= 0. Received: {before}, {after}.")
    return before, after


@keras_op("CropImages", "image")
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """``images`` with rows/columns cut off; give two of top/bottom/target height and two of
    left/right/target width, as ``keras.ops.image.crop_images``."""
    images, h_axis = _spatial("crop_images", images, data_format)
    height, width = images.shape[h_axis], images.shape[h_axis + 1]
    top, bottom = _resolve("crop_images", top_cropping, bottom_cropping, target_height, height,
                           "top_cropping", "bottom_cropping", "target_height")
    left, right = _resolve("crop_images", left_cropping, right_cropping, target_width, width,
                           "left_cropping", "right_cropping", "target_width")
    return images.narrow(h_axis, top, height - top - bottom).narrow(h_axis + 1, left, width - left - right)


@keras_op("PadImages", "image")
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """``images`` with zero rows/columns added; give two of top/bottom/target height and two
    of left/right/target width, as ``keras.ops.image.pad_images``."""
    images, h_axis = _spatial("pad_images", images, data_format)
    height, width = images.shape[h_axis], images.shape[h_axis + 1]
    top, bottom = _resolve("pad_images", top_padding, bottom_padding, target_height, height,
                           "top_padding", "bottom_padding", "target_height")
    left, right = _resolve("pad_images", left_padding, right_padding, target_width, width,
                           "left_padding", "right_padding", "target_width")
    pad = [0, 0] * (images.dim() - h_axis - 2) + [left, right, top, bottom]
    return F.pad(images, pad)


@keras_op("ExtractPatches", "image")
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Patches of ``size`` (every ``strides``, default ``size``) flattened into the channel
    axis: ``(..., rows, cols, size_h * size_w * channels)``, as ``keras.ops.image.extract_patches``.
    A ``size`` of three ints takes 3-D patches of volumes (see ``extract_patches_3d``)."""
    if not isinstance(size, int) and len(size) == 3:
        return _patches_3d(images, size, strides, dilation_rate, padding, data_format)
    images, h_axis = _spatial("extract_patches", images, data_format)
    channels_last = data_format_of(data_format) == "channels_last"
    size = conv_utils.normalize_tuple(size, 2, "size", "keras.ops.image.extract_patches")
    strides = size if strides is None else conv_utils.normalize_tuple(strides, 2, "strides", "extract_patches")
    dilation = conv_utils.normalize_tuple(dilation_rate, 2, "dilation_rate", "extract_patches")
    padding = conv_utils.normalize_padding(padding, "keras.ops.image.extract_patches")
    single = images.dim() == 3
    x = images.unsqueeze(0) if single else images
    x = x.permute(0, 3, 1, 2) if channels_last else x
    x = x if x.is_floating_point() else x.float()
    if padding == "same":
        pairs = [conv_utils.same_padding(n, k, s, d) for n, k, s, d in zip(x.shape[2:], size, strides, dilation)]
        x = F.pad(x, conv_utils.torch_pad_argument(pairs))
    n, c, h, w = x.shape
    out_h = (h - conv_utils.effective_kernel(size[0], dilation[0])) // strides[0] + 1
    out_w = (w - conv_utils.effective_kernel(size[1], dilation[1])) // strides[1] + 1
    columns = F.unfold(x, size, dilation, 0, strides)
    # (n, c * kh * kw, L) -> (n, L, kh * kw * c): Keras orders each patch row, column, channel.
    patches = columns.reshape(n, c, size[0] * size[1], out_h * out_w).permute(0, 3, 2, 1).reshape(n, out_h, out_w, -1)
    if not channels_last:
        patches = patches.permute(0, 3, 1, 2)
    patches = patches.squeeze(0) if single else patches
    return patches.to(images.dtype)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """3-D patches of ``size`` (an int or ``(depth, height, width)``) every ``strides``
    (default ``size``), flattened depth, row, column, channel into the channel axis, as
    ``keras.ops.image.extract_patches_3d``.

    Args:
        volumes: One volume (rank 4) or a batch (rank 5).
        size: The patch's extent.
        strides: The step between patches (default: ``size``).
        dilation_rate: The step between a patch's samples.
        padding: "valid" or "same".
        data_format: "channels_last" ``(batch, depth, height, width, channels)`` or
            "channels_first" (default: the global setting).

    Returns:
        ``(batch, d', h', w', size_d * size_h * size_w * channels)`` (channels_last).
    """
    size = (size,) * 3 if isinstance(size, int) else tuple(size)
    return extract_patches(volumes, size, strides=strides, dilation_rate=dilation_rate, padding=padding,
                           data_format=data_format)


def _patches_3d(volumes, size, strides, dilation_rate, padding, data_format):
    where = "keras.ops.image.extract_patches_3d"
    volumes = tensor(volumes)
    if volumes.dim() not in (4, 5):
        raise ValueError(f"extract_patches_3d: volumes must be rank 4 or 5. Received: volumes.shape={tuple(volumes.shape)}.")
    size = conv_utils.normalize_tuple(size, 3, "size", where)
    strides = size if strides is None else conv_utils.normalize_tuple(strides, 3, "strides", where)
    dilation = conv_utils.normalize_tuple(dilation_rate, 3, "dilation_rate", where)
    padding = conv_utils.normalize_padding(padding, where)
    channels_last = data_format_of(data_format) == "channels_last"
    single = volumes.dim() == 4
    x = volumes.unsqueeze(0) if single else volumes
    x = x.permute(0, 4, 1, 2, 3) if channels_last else x
    if padding == "same":
        pairs = [conv_utils.same_padding(n, k, s, d) for n, k, s, d in zip(x.shape[2:], size, strides, dilation)]
        x = F.pad(x, conv_utils.torch_pad_argument(pairs))
    for axis, (k, s, d) in enumerate(zip(size, strides, dilation)):
        x = x.unfold(2 + axis, conv_utils.effective_kernel(k, d), s)
    x = x[..., ::dilation[0], ::dilation[1], ::dilation[2]]  # (N, C, D', H', W', kd, kh, kw)
    n, c, d, h, w = x.shape[:5]
    patches = x.permute(0, 2, 3, 4, 5, 6, 7, 1).reshape(n, d, h, w, -1)
    patches = patches if channels_last else torch.movedim(patches, -1, 1)
    return patches.squeeze(0) if single else patches
