"""``lamina.visualization.draw_bounding_boxes``: boxes and their labels drawn onto a batch
of images with OpenCV, as ``keras.visualization.draw_bounding_boxes``."""

import numpy as np

from lamina.visualization.box_formats import to_xyxy
from lamina.visualization.image_batch import (
    as_uint8_pixels,
    batched_images,
    data_format_of,
    to_channels_last,
    to_data_format,
    to_numpy,
)
from lamina.visualization.optional_packages import opencv

_WHERE = "draw_bounding_boxes"


def draw_bounding_boxes(
    images,
    bounding_boxes,
    bounding_box_format,
    class_mapping=None,
    color=(128, 128, 128),
    line_thickness=2,
    text_thickness=1,
    font_scale=1.0,
    data_format=None,
):
    """Draw bounding boxes (and, for mapped classes, their labels) onto a batch of images.

    Args:
        images: a batch of images, 4D array or tensor, laid out as ``data_format`` says.
            Floats whose maximum is at most 1 are taken as [0, 1] and scaled to [0, 255];
            other floats are clipped to [0, 255].
        bounding_boxes: a dict with ``"boxes"`` (batch, num_boxes, 4) in
            ``bounding_box_format``, ``"labels"`` (batch, num_boxes) class ids (a box
            labelled -1 is padding and is skipped), and optionally ``"confidences"``
            (batch, num_boxes), shown after the label as ``"cat | 0.91"``.
        bounding_box_format: ``"xyxy"``, ``"yxyx"``, ``"xywh"``, ``"center_xywh"``,
            ``"center_yxhw"`` or a relative ``"rel_*"`` variant (fractions of the image size).
        class_mapping: dict from class id to the name written above its boxes; boxes of
            classes it lacks get no text. ``None``: no text.
        color: RGB colour of the boxes and the text.
        line_thickness: box line thickness in pixels.
        text_thickness: text stroke thickness; ``None`` or 0 takes ``line_thickness``.
        font_scale: scale of OpenCV's Hershey font.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` takes
            ``lamina.config.image_data_format()``.

    Returns:
        A uint8 NumPy array of the images with the boxes drawn, laid out as the input.

    Raises:
        ImportError: OpenCV is missing (``pip install "lamina[visualization]"``).
    """
    cv2 = opencv(_WHERE)
    data_format = data_format_of(data_format, _WHERE)
    images = to_channels_last(batched_images(images, _WHERE), data_format)
    boxes, labels, confidences = _unpack(bounding_boxes, images.shape[0])
    height, width = images.shape[1], images.shape[2]
    corners = to_xyxy(boxes, bounding_box_format, height, width, _WHERE).astype("int32")
    class_mapping = class_mapping or {}
    text_thickness = text_thickness or line_thickness

    drawn = []
    for index, image in enumerate(as_uint8_pixels(images)):
        image = np.ascontiguousarray(image)
        for box, label, confidence in zip(corners[index], labels[index], confidences[index]):
            label = int(label)
            if label == -1:
                continue
            x1, y1, x2, y2 = (int(v) for v in box)
            cv2.rectangle(image, (x1, y1), (x2, y2), color, line_thickness)
            if label not in class_mapping:
                continue
            text = str(class_mapping[label])
            if confidence is not None:
                text = f"{text} | {confidence:.2f}"
            cv2.putText(
                img=image,
                text=text,
                org=_text_origin(x1, y1, font_scale, text_thickness),
                fontFace=cv2.FONT_HERSHEY_SIMPLEX,
                fontScale=font_scale,
                color=color,
                thickness=text_thickness,
            )
        drawn.append(image)
    return to_data_format(np.stack(drawn, axis=0), data_format)


def _unpack(bounding_boxes, batch_size):
    """(boxes, labels, confidences) as arrays with the images' batch size; confidences is a
    per-box ``None`` grid when the dict has none."""
    if not isinstance(bounding_boxes, dict):
        raise TypeError(
            f"{_WHERE}: `bounding_boxes` must be a dict with 'boxes' and 'labels' (and optionally "
            f"'confidences'). Received: an object of type {type(bounding_boxes).__name__}."
        )
    missing = [key for key in ("boxes", "labels") if key not in bounding_boxes]
    if missing:
        raise ValueError(
            f"{_WHERE}: `bounding_boxes` lacks {missing}. It must hold 'boxes' (batch, num_boxes, "
            f"4) and 'labels' (batch, num_boxes). Received keys: {sorted(bounding_boxes)}."
        )
    boxes = to_numpy(bounding_boxes["boxes"])
    labels = to_numpy(bounding_boxes["labels"])
    if boxes.ndim != 3 or labels.shape != boxes.shape[:2] or boxes.shape[0] != batch_size:
        raise ValueError(
            f"{_WHERE}: bounding_boxes['boxes'] must be (batch, num_boxes, 4) and ['labels'] "
            f"(batch, num_boxes), with the batch size of `images` ({batch_size}). Received: boxes "
            f"shape {tuple(boxes.shape)}, labels shape {tuple(labels.shape)}."
        )
    if "confidences" not in bounding_boxes:
        return boxes, labels, np.full(labels.shape, None, dtype=object)
    confidences = to_numpy(bounding_boxes["confidences"])
    if confidences.shape != labels.shape:
        raise ValueError(
            f"{_WHERE}: bounding_boxes['confidences'] must match 'labels' in shape "
            f"{tuple(labels.shape)}. Received: shape {tuple(confidences.shape)}."
        )
    return boxes, labels, confidences


def _text_origin(x, y, font_scale, thickness):
    """Where the label starts: above the box, or inside its top when there is no room above."""
    font_height = int(font_scale * 12)
    if y - 8 - 2 * font_height > 0:
        return x, y - 8
    return x + 3, y + 2 * font_height + thickness + 3
