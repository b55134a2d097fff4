"""Geometric warps of ``keras.ops.image``: ``affine_transform`` and ``perspective_transform``.

Each output pixel ``(y, x)`` reads the input at a transformed point (the transform maps
output to input), interpolated by ``image_sampling.sample``: the whole batch in one gather.
"""

import torch

from lamina.ops.arguments import data_format_of, tensor
from lamina.ops.dtypes import result_type, to_torch_dtype
from lamina.ops.image_sampling import check_fill_mode, sample
from lamina.ops.operation import keras_op

INTERPOLATIONS = {"nearest": 0, "bilinear": 1}
AFFINE_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def interpolation_order(function, interpolation):
    """The sampling order (0 or 1) of ``interpolation`` ("nearest" or "bilinear")."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"{function}: interpolation must be one of {list(INTERPOLATIONS)}. Received: interpolation={interpolation!r}."
        )
    return INTERPOLATIONS[interpolation]


def batched_channels_last(function, images, data_format):
    """``(images as (N, H, W, C), restore)``; ``restore`` undoes batching and layout."""
    images = tensor(images)
    if images.dim() not in (3, 4):
        raise ValueError(
            f"{function}: images must be rank 3 (one image) or rank 4 (a batch). "
            f"Received: images.shape={tuple(images.shape)}."
        )
    channels_first = data_format_of(data_format) == "channels_first"
    single = images.dim() == 3
    x = images.unsqueeze(0) if single else images
    x = x.permute(0, 2, 3, 1) if channels_first else x

    def restore(out):
        out = out.permute(0, 3, 1, 2) if channels_first else out
        return out.squeeze(0) if single else out

    return x, restore


def sample_images(images, rows, cols, order, fill_mode, fill_value):
    """``images`` ``(N, H, W, C)`` read at ``rows``/``cols`` ``(N, H', W')``: ``(N, H', W', C)``."""
    n, _, _, c = images.shape
    batch = torch.arange(n, device=images.device).view(n, 1, 1, 1)
    channel = torch.arange(c, device=images.device).view(1, 1, 1, c)
    return sample(images, [batch, rows.unsqueeze(-1), cols.unsqueeze(-1), channel], order, fill_mode, fill_value)


@keras_op("AffineTransform", "image", operands=("images", "transform"))
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0, data_format=None):
    """``images`` warped by ``transform``, as ``keras.ops.image.affine_transform``.

    Args:
        images: One image (rank 3) or a batch (rank 4).
        transform: ``[a0, a1, a2, b0, b1, b2, c0, c1]`` or one such row per image: the
            output pixel ``(x, y)`` reads the input at ``(a0 x + a1 y + a2, b0 x + b1 y + b2)``.
            ``c0`` and ``c1`` are ignored (as Keras on every backend but TensorFlow).
        interpolation: "nearest" or "bilinear".
        fill_mode: Points outside the input: "constant" (``fill_value``), "nearest",
            "wrap", "mirror" or "reflect".
        fill_value: The value of outside points with ``fill_mode="constant"``.
        data_format: "channels_last" or "channels_first" (default: the global setting).

    Returns:
        The warped images, of ``images``' shape and dtype.
    """
    order = interpolation_order("affine_transform", interpolation)
    check_fill_mode("affine_transform", fill_mode, AFFINE_FILL_MODES)
    x, restore = batched_channels_last("affine_transform", images, data_format)
    transform = tensor(transform, x.device)
    if transform.dim() not in (1, 2) or transform.shape[-1] != 8:
        raise ValueError(
            "affine_transform: transform must have shape (8,) or (batch, 8). "
            f"Received: transform.shape={tuple(transform.shape)}."
        )
    if not transform.is_floating_point():
        transform = transform.to(torch.float32)
    n, height, width, _ = x.shape
    rows = torch.arange(height, dtype=transform.dtype, device=x.device).view(1, height, 1)
    cols = torch.arange(width, dtype=transform.dtype, device=x.device).view(1, 1, width)
    t = transform.reshape(-1, 8, 1, 1)
    source_cols = cols * t[:, 0] + rows * t[:, 1] + t[:, 2]
    source_rows = cols * t[:, 3] + rows * t[:, 4] + t[:, 5]
    shape = (n, height, width)
    out = sample_images(x, source_rows.expand(shape), source_cols.expand(shape), order, fill_mode, fill_value)
    return restore(out)


def _homography(start_points, end_points):
    """``(N, 8)`` projective coefficients mapping each ``end`` corner to its ``start`` one."""
    dtype = to_torch_dtype(result_type(start_points.dtype, end_points.dtype, float))
    compute = to_torch_dtype(result_type(dtype, "float32"))
    start, end = start_points.to(dtype), end_points.to(dtype)
    ex, ey, sx, sy = end[..., 0], end[..., 1], start[..., 0], start[..., 1]
    one, zero = torch.ones_like(ex), torch.zeros_like(ex)
    x_rows = torch.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], dim=-1)
    y_rows = torch.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], dim=-1)
    matrix = torch.stack([x_rows, y_rows], dim=2).reshape(-1, 8, 8)  # rows x1, y1, x2, y2...
    target = torch.stack([sx, sy], dim=-1).reshape(-1, 8, 1)
    solution = torch.linalg.solve(matrix.to(compute), target.to(compute))
    return solution.reshape(-1, 8).to(dtype)


@keras_op("PerspectiveTransform", "image", operands=("images", "start_points", "end_points"))
def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0, data_format=None):
    """``images`` warped so the four ``start_points`` land on ``end_points``, as
    ``keras.ops.image.perspective_transform``.

    Args:
        images: One image (rank 3) or a batch (rank 4).
        start_points: ``(4, 2)`` or ``(N, 4, 2)`` corners ``(x, y)`` in the input.
        end_points: The matching corners in the output, of the same shape.
        interpolation: "nearest" or "bilinear".
        fill_value: The value of points that fall outside the input.
        data_format: "channels_last" or "channels_first" (default: the global setting).

    Returns:
        The warped images, of ``images``' shape and dtype.
    """
    order = interpolation_order("perspective_transform", interpolation)
    x, restore = batched_channels_last("perspective_transform", images, data_format)
    start_points = tensor(start_points, x.device).to(x.dtype)
    end_points = tensor(end_points, x.device).to(x.dtype)
    for name, points in (("start_points", start_points), ("end_points", end_points)):
        if points.dim() not in (2, 3) or tuple(points.shape[-2:]) != (4, 2):
            raise ValueError(
                f"perspective_transform: {name} must have shape (4, 2) or (N, 4, 2). "
                f"Received: {name}.shape={tuple(points.shape)}."
            )
    if start_points.shape != end_points.shape:
        raise ValueError(
            "perspective_transform: start_points and end_points must have the same shape. "
            f"Received: {tuple(start_points.shape)} and {tuple(end_points.shape)}."
        )
    n, height, width, _ = x.shape
    a = _homography(start_points.reshape(-1, 4, 2), end_points.reshape(-1, 4, 2)).reshape(-1, 8, 1, 1)
    grid_x = torch.arange(width, dtype=x.dtype, device=x.device).view(1, 1, width).expand(1, height, width)
    grid_y = torch.arange(height, dtype=x.dtype, device=x.device).view(1, height, 1).expand(1, height, width)
    denominator = a[:, 6] * grid_x + a[:, 7] * grid_y + 1.0
    source_cols = (a[:, 0] * grid_x + a[:, 1] * grid_y + a[:, 2]) / denominator
    source_rows = (a[:, 3] * grid_x + a[:, 4] * grid_y + a[:, 5]) / denominator
    shape = (n, height, width)
    out = sample_images(x, source_rows.expand(shape), source_cols.expand(shape), order, "constant", fill_value)
    return restore(out)
