"""``lamina.visualization.draw_segmentation_masks``: class masks painted over a batch of
images, as ``keras.visualization.draw_segmentation_masks``."""

import numpy as np

from lamina.visualization.image_batch import (
    batched_images,
    data_format_of,
    to_channels_last,
    to_data_format,
    to_numpy,
)

_WHERE = "draw_segmentation_masks"


def draw_segmentation_masks(
    images,
    segmentation_masks,
    num_classes=None,
    color_mapping=None,
    alpha=0.8,
    blend=True,
    ignore_index=-1,
    data_format=None,
):
    """Paint each class of integer masks over a batch of images in its colour.

    Args:
        images: a batch of images in [0, 255], 4D array or tensor, laid out as
            ``data_format`` says.
        segmentation_masks: integer class ids, (batch, height, width) or with a channel
            axis of 1 where ``data_format`` puts channels.
        num_classes: classes 0 .. num_classes - 1 are painted; other values are left as
            the image. ``None``: the largest value in the masks plus one.
        color_mapping: dict from class id to an RGB colour; classes it lacks are not
            painted. ``None``: Keras's palette, class ``i`` gets ``(i * (2**25 - 1, 2**15 - 1,
            2**21 - 1)) % 255`` (class 0 is black).
        alpha: opacity of the paint when ``blend`` is true, in [0, 1].
        blend: mix the colours into the image with ``alpha`` (returns uint8); ``False``
            paints the colours as they are and returns the float32 result, as Keras does.
        ignore_index: a class id that is never painted.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` takes
            ``lamina.config.image_data_format()``.

    Returns:
        A NumPy array laid out as ``images``: uint8 when blended, float32 otherwise.
    """
    data_format = data_format_of(data_format, _WHERE)
    images = to_channels_last(batched_images(images, _WHERE), data_format).astype("float32")
    masks = _masks(segmentation_masks, images.shape, data_format)
    if not 0 <= float(alpha) <= 1:
        raise ValueError(f"{_WHERE}: `alpha` must be in [0, 1]. Received: alpha={alpha!r}.")
    if num_classes is None:
        num_classes = int(masks.max()) + 1 if masks.size else 0
    colors = _class_colors(num_classes, color_mapping)

    painted = images.copy()
    for class_id, color in colors.items():
        if class_id != ignore_index:
            painted[masks == class_id] = np.asarray(color, dtype="float32")
    if blend:
        mixed = images * (1 - alpha) + painted * alpha
        painted = np.where((masks != ignore_index)[..., None], mixed, images).astype("uint8")
    return to_data_format(painted, data_format)


def _masks(segmentation_masks, images_shape, data_format):
    """The masks as (batch, height, width) integers matching the images, or a clear error."""
    masks = to_numpy(segmentation_masks)
    if masks.dtype.kind not in "iu":
        raise TypeError(
            f"{_WHERE}: `segmentation_masks` must hold integer class ids. Received: dtype "
            f"{masks.dtype}. Convert with masks.astype('int32') once they are class ids."
        )
    channel_axis = 1 if data_format == "channels_first" else 3
    if masks.ndim == 4 and masks.shape[channel_axis] == 1:
        masks = np.squeeze(masks, axis=channel_axis)
    if masks.shape != images_shape[:3]:
        layout = "(batch, 1, height, width)" if channel_axis == 1 else "(batch, height, width, 1)"
        raise ValueError(
            f"{_WHERE}: `segmentation_masks` must be (batch, height, width) or {layout} with "
            f"the batch, height and width of `images` {tuple(images_shape[:3])}. Received: "
            f"segmentation_masks.shape={tuple(to_numpy(segmentation_masks).shape)}."
        )
    return masks


def _class_colors(num_classes, color_mapping):
    """{class id: RGB colour} of the classes to paint."""
    if color_mapping is None:
        palette = np.array([2**25 - 1, 2**15 - 1, 2**21 - 1])
        return {i: ((i * palette) % 255).tolist() for i in range(num_classes)}
    if not isinstance(color_mapping, dict):
        raise TypeError(
            f"{_WHERE}: `color_mapping` must be a dict from class id to an RGB colour, e.g. "
            f"{{1: (255, 0, 0)}}. Received: an object of type {type(color_mapping).__name__}."
        )
    return {i: color_mapping[i] for i in range(num_classes) if i in color_mapping}
