"""Block rearrangements of ``keras.ops.nn``: ``depth_to_space``, ``space_to_depth`` and
torch's ``unfold``/``fold`` (sliding blocks of ``(N, C, H, W)`` images)."""

import torch.nn.functional as F

from lamina.ops.arguments import data_format_of, tensor
from lamina.ops.operation import keras_op


def _check_images(function, x, block_size):
    if x.dim() != 4:
        raise ValueError(f"{function}: x must be a batch of images (rank 4). Received: x.shape={tuple(x.shape)}.")
    if not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"{function}: block_size must be a positive integer. Received: block_size={block_size!r}.")


@keras_op("DepthToSpace", "nn")
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move channel blocks into ``block_size x block_size`` spatial tiles (the inverse of
    ``space_to_depth``), as ``keras.ops.depth_to_space``."""
    x = tensor(x)
    _check_images("depth_to_space", x, block_size)
    b = block_size
    if data_format_of(data_format) == "channels_last":
        n, h, w, c = x.shape
        out = x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5)
        return out.reshape(n, h * b, w * b, c // (b * b))
    n, c, h, w = x.shape
    out = x.reshape(n, c // (b * b), b, b, h, w).permute(0, 1, 4, 2, 5, 3)
    return out.reshape(n, c // (b * b), h * b, w * b)


@keras_op("SpaceToDepth", "nn")
def space_to_depth(x, block_size, data_format="channels_last"):
    """Move ``block_size x block_size`` spatial tiles into the channels, as
    ``keras.ops.space_to_depth``."""
    x = tensor(x)
    _check_images("space_to_depth", x, block_size)
    b = block_size
    if data_format_of(data_format) == "channels_last":
        n, h, w, c = x.shape
        out = x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5)
        return out.reshape(n, h // b, w // b, c * b * b)
    n, c, h, w = x.shape
    out = x.reshape(n, c, h // b, b, w // b, b).permute(0, 1, 3, 5, 2, 4)
    return out.reshape(n, c * b * b, h // b, w // b)


@keras_op("Unfold", "nn")
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding ``kernel_size`` blocks of ``(N, C, H, W)`` ``x`` as ``(N, C * kH * kW, L)``
    (torch's ``unfold``), as ``keras.ops.unfold``."""
    return F.unfold(tensor(x), kernel_size, dilation, padding, stride)


@keras_op("Fold", "nn")
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum ``(N, C * kH * kW, L)`` blocks back into ``(N, C, *output_size)`` images (torch's
    ``fold``, the adjoint of ``unfold``), as ``keras.ops.fold``."""
    return F.fold(tensor(x), output_size, kernel_size, dilation, padding, stride)
