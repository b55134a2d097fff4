"""Bounding boxes in any of Keras's formats converted to pixel corners (``"xyxy"``), the
format the drawing functions draw in."""

import numpy as np

#: Keras's box formats: absolute pixels, or ``rel_*`` fractions of the image size.
BOX_FORMATS = (
    "xyxy",
    "yxyx",
    "xywh",
    "center_xywh",
    "center_yxhw",
    "rel_xyxy",
    "rel_yxyx",
    "rel_xywh",
    "rel_center_xywh",
)


def _corners(boxes, box_format):
    """(x1, y1, x2, y2) of ``boxes`` in the absolute form of ``box_format``."""
    a, b, c, d = (boxes[..., i] for i in range(4))
    if box_format == "xyxy":
        return a, b, c, d
    if box_format == "yxyx":
        return b, a, d, c
    if box_format == "xywh":
        return a, b, a + c, b + d
    if box_format == "center_xywh":
        return a - c / 2, b - d / 2, a + c / 2, b + d / 2
    # center_yxhw
    return b - d / 2, a - c / 2, b + d / 2, a + c / 2


def check_box_format(bounding_box_format, where):
    """The lower-cased format, or a clear error listing the formats."""
    box_format = str(bounding_box_format).lower()
    if box_format not in BOX_FORMATS:
        raise ValueError(
            f"{where}: unknown `bounding_box_format`. Received: "
            f"bounding_box_format={bounding_box_format!r}. Use one of {', '.join(BOX_FORMATS)}."
        )
    return box_format


def to_xyxy(boxes, bounding_box_format, height, width, where):
    """``boxes`` (..., 4) in ``bounding_box_format`` as float32 pixel corners (..., 4)."""
    box_format = check_box_format(bounding_box_format, where)
    boxes = np.asarray(boxes, dtype="float32")
    if boxes.ndim == 0 or boxes.shape[-1] != 4:
        raise ValueError(
            f"{where}: bounding_boxes['boxes'] must have 4 coordinates on its last axis, shape "
            f"(batch, num_boxes, 4). Received: shape {tuple(boxes.shape)}."
        )
    if box_format.startswith("rel_"):
        x1, y1, x2, y2 = _corners(boxes, box_format[len("rel_"):])
        width, height = np.float32(width), np.float32(height)
        x1, y1, x2, y2 = x1 * width, y1 * height, x2 * width, y2 * height
    else:
        x1, y1, x2, y2 = _corners(boxes, box_format)
    return np.stack([x1, y1, x2, y2], axis=-1).astype("float32")
