"""``lamina.visualization.plot_segmentation_mask_gallery``: one row per image, the image
beside its painted true and predicted masks, as Keras's function of that name."""

import numpy as np

from lamina.visualization.draw_segmentation_masks import draw_segmentation_masks
from lamina.visualization.image_batch import (
    batched_images,
    check_value_range,
    data_format_of,
    rescale_values,
    to_channels_last,
    to_numpy,
)
from lamina.visualization.plot_image_gallery import plot_image_gallery

_WHERE = "plot_segmentation_mask_gallery"


def plot_segmentation_mask_gallery(
    images,
    num_classes,
    value_range=(0, 255),
    y_true=None,
    y_pred=None,
    color_mapping=None,
    blend=True,
    alpha=0.8,
    ignore_index=-1,
    data_format=None,
    **kwargs,
):
    """Plot each image in a row with its ground-truth and predicted masks painted on it.

    Args:
        images: a batch of images, 4D array or tensor, laid out as ``data_format`` says.
        num_classes: classes 0 .. num_classes - 1 are painted (see
            ``draw_segmentation_masks``).
        value_range: (low, high) of the image values; they are mapped to [0, 255] before
            the masks are painted.
        y_true: ground-truth masks, (batch, height, width) or with a channel axis of 1.
        y_pred: predicted masks, the same shape.
        color_mapping, blend, alpha, ignore_index: as in ``draw_segmentation_masks``.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` takes
            ``lamina.config.image_data_format()``.
        **kwargs: passed on to ``plot_image_gallery`` (``path``, ``show``, ``scale``,
            ``dpi``, ``transparent``...).

    Returns:
        None, as ``plot_image_gallery``.
    """
    data_format = data_format_of(data_format, _WHERE)
    check_value_range(value_range, _WHERE)
    images = to_channels_last(batched_images(images, _WHERE), data_format)
    images = rescale_values(images, value_range)
    columns = [images]
    for masks in (y_true, y_pred):
        if masks is not None:
            columns.append(
                draw_segmentation_masks(
                    images,
                    _channels_last_masks(masks, data_format),
                    num_classes=num_classes,
                    color_mapping=color_mapping,
                    alpha=alpha,
                    blend=blend,
                    ignore_index=ignore_index,
                    data_format="channels_last",
                )
            )
    gallery = np.stack(columns, axis=1).reshape(-1, *images.shape[1:])
    return plot_image_gallery(
        gallery,
        value_range=(0, 255),
        rows=len(images),
        cols=len(columns),
        data_format="channels_last",
        **kwargs,
    )


def _channels_last_masks(masks, data_format):
    """Masks as int32 class ids, a channels-first channel axis moved last."""
    masks = to_numpy(masks).astype("int32")
    return to_channels_last(masks, data_format) if masks.ndim == 4 else masks
