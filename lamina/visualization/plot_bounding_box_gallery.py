"""``lamina.visualization.plot_bounding_box_gallery``: a gallery of images with their true
and predicted boxes, as ``keras.visualization.plot_bounding_box_gallery``."""

import numpy as np

from lamina.visualization.draw_bounding_boxes import draw_bounding_boxes
from lamina.visualization.image_batch import (
    batched_images,
    check_value_range,
    data_format_of,
    rescale_values,
    to_channels_last,
)
from lamina.visualization.optional_packages import legend_patch
from lamina.visualization.plot_image_gallery import plot_image_gallery

_WHERE = "plot_bounding_box_gallery"


def plot_bounding_box_gallery(
    images,
    bounding_box_format,
    y_true=None,
    y_pred=None,
    value_range=(0, 255),
    true_color=(0, 188, 212),
    pred_color=(255, 235, 59),
    line_thickness=2,
    font_scale=1.0,
    text_thickness=None,
    class_mapping=None,
    ground_truth_mapping=None,
    prediction_mapping=None,
    legend=False,
    legend_handles=None,
    rows=None,
    cols=None,
    data_format=None,
    **kwargs,
):
    """Plot a batch of images with ground-truth and predicted boxes drawn on them.

    Args:
        images: a batch of images, 4D array or tensor, laid out as ``data_format`` says.
        bounding_box_format: the format of the boxes (see ``draw_bounding_boxes``).
        y_true: ground-truth boxes, a dict as ``draw_bounding_boxes`` takes, drawn in
            ``true_color``.
        y_pred: predicted boxes, drawn in ``pred_color`` over the true ones.
        value_range: (low, high) of the image values; they are mapped to [0, 255] before
            the boxes are drawn.
        true_color, pred_color: RGB colours of the two kinds of boxes.
        line_thickness, font_scale, text_thickness: as in ``draw_bounding_boxes``
            (``text_thickness=None`` takes ``line_thickness``).
        class_mapping: dict from class id to name, for both kinds of boxes.
        ground_truth_mapping, prediction_mapping: override ``class_mapping`` for one kind.
        legend: add a "Ground Truth" / "Prediction" legend in the two colours.
        legend_handles: your own legend artists instead (not together with ``legend``).
        rows, cols: the grid, as in ``plot_image_gallery``.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` takes
            ``lamina.config.image_data_format()``.
        **kwargs: passed on to ``plot_image_gallery`` (``path``, ``show``, ``scale``,
            ``dpi``, ``transparent``).

    Returns:
        None, as ``plot_image_gallery``.
    """
    Patch = legend_patch(_WHERE)
    if legend and legend_handles:
        raise ValueError(
            f"{_WHERE}: pass `legend=True` for the default legend or `legend_handles` for "
            "your own, not both."
        )
    data_format = data_format_of(data_format, _WHERE)
    check_value_range(value_range, _WHERE)
    images = to_channels_last(batched_images(images, _WHERE), data_format)
    images = rescale_values(images, value_range)
    draw = dict(
        bounding_box_format=bounding_box_format,
        line_thickness=line_thickness,
        text_thickness=text_thickness,
        font_scale=font_scale,
        data_format="channels_last",
    )
    if y_true is not None:
        mapping = ground_truth_mapping or class_mapping
        images = draw_bounding_boxes(images, y_true, color=true_color, class_mapping=mapping, **draw)
    if y_pred is not None:
        mapping = prediction_mapping or class_mapping
        images = draw_bounding_boxes(images, y_pred, color=pred_color, class_mapping=mapping, **draw)
    if legend:
        legend_handles = [
            Patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
            Patch(color=np.array(pred_color) / 255.0, label="Prediction"),
        ]
    return plot_image_gallery(
        images,
        value_range=(0, 255),
        legend_handles=legend_handles,
        rows=rows,
        cols=cols,
        data_format="channels_last",
        **kwargs,
    )
