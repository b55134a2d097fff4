"""``lamina.visualization.plot_image_gallery``: a grid of images in one matplotlib figure,
shown or saved, as ``keras.visualization.plot_image_gallery``."""

import math
import numbers

from lamina.visualization.image_batch import (
    batched_images,
    check_value_range,
    data_format_of,
    rescale_values,
    to_channels_last,
    to_numpy,
)
from lamina.visualization.optional_packages import pyplot

_WHERE = "plot_image_gallery"


def plot_image_gallery(
    images,
    y_true=None,
    y_pred=None,
    label_map=None,
    rows=None,
    cols=None,
    value_range=(0, 255),
    scale=2,
    path=None,
    show=None,
    transparent=True,
    dpi=60,
    legend_handles=None,
    data_format=None,
):
    """Plot a batch of images as a grid, titled with their labels and predictions.

    Args:
        images: a batch of images, 4D array or tensor, laid out as ``data_format`` says.
        y_true: class ids, one per image; the title reads ``"Label: <name>"``.
        y_pred: predicted class ids; the title reads ``"Pred: <name>"``.
        label_map: dict from class id to name (``"Unknown"`` for ids it lacks); required
            with ``y_true`` or ``y_pred``.
        rows: rows of the grid; ``None``: ``ceil(sqrt(batch))`` (or enough for ``cols``).
        cols: columns of the grid; ``None``: enough for the batch. Images beyond
            ``rows * cols`` are left out; cells beyond the batch stay blank.
        value_range: (low, high) of the image values, mapped to [0, 255] for display.
        scale: inches per grid cell.
        path: save the figure there (then closed); not together with ``show=True``.
        show: ``plt.show()`` the figure (then closed); ``None``: show when no ``path``.
            With ``show=False`` and no ``path`` the figure stays open: ``plt.gcf()``.
        transparent: save with a transparent background.
        dpi: resolution of the saved file.
        legend_handles: matplotlib artists (e.g. ``Patch``) for a legend below the grid.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` takes
            ``lamina.config.image_data_format()``.

    Returns:
        None, as Keras.

    Raises:
        ImportError: matplotlib is missing (``pip install "lamina[visualization]"``).
    """
    plt = pyplot(_WHERE)
    if path is not None and show:
        raise ValueError(
            f"{_WHERE}: pass `path` to save the figure or `show=True` to display it, not both. "
            f"Received: path={path!r}, show={show!r}."
        )
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError(
            f"{_WHERE}: `y_true` and `y_pred` are class ids; pass `label_map` (a dict from id "
            "to name) to title the images with them."
        )
    show = path is None if show is None else show
    data_format = data_format_of(data_format, _WHERE)
    check_value_range(value_range, _WHERE)
    images = to_channels_last(batched_images(images, _WHERE), data_format)
    rows, cols = _grid(len(images), rows, cols)
    images = rescale_values(images[: rows * cols], value_range)
    y_true = None if y_true is None else to_numpy(y_true).reshape(-1)
    y_pred = None if y_pred is None else to_numpy(y_pred).reshape(-1)

    figure, axes = plt.subplots(
        nrows=rows,
        ncols=cols,
        figsize=(cols * scale, rows * scale),
        frameon=False,
        layout="tight",
        squeeze=False,
        sharex="row",
        sharey="col",
    )
    figure.subplots_adjust(wspace=0, hspace=0)
    if legend_handles is not None:
        figure.legend(handles=legend_handles, loc="lower center")
    for index, axis in enumerate(axes.reshape(-1)):
        axis.axis("off")
        if index >= len(images):
            continue
        _show_image(axis, images[index])
        title = _title(index, y_true, y_pred, label_map)
        if title:
            axis.set_title(title, fontsize=8)

    if path is not None:
        figure.savefig(path, pad_inches=0, bbox_inches="tight", transparent=transparent, dpi=dpi)
        plt.close(figure)
    elif show:
        plt.show()
        plt.close(figure)


def _grid(batch_size, rows, cols):
    """(rows, cols) of the gallery, checked."""
    if batch_size == 0:
        raise ValueError(f"{_WHERE}: `images` holds no image (its batch size is 0).")
    for name, value in (("rows", rows), ("cols", cols)):
        if value is not None and (not isinstance(value, numbers.Integral) or value < 1):
            raise ValueError(
                f"{_WHERE}: `{name}` must be a positive integer or None. Received: {name}={value!r}."
            )
    if rows is None:
        rows = math.ceil(batch_size / cols) if cols else math.ceil(math.sqrt(batch_size))
    if cols is None:
        cols = math.ceil(batch_size / rows)
    return int(rows), max(int(cols), 1)


def _show_image(axis, image):
    pixels = image.astype("uint8")
    if pixels.shape[-1] == 1:
        axis.imshow(pixels[..., 0], cmap="gray", vmin=0, vmax=255)
    else:
        axis.imshow(pixels)
    axis.margins(x=0, y=0)


def _title(index, y_true, y_pred, label_map):
    parts = []
    if y_true is not None and index < len(y_true):
        parts.append(f"Label: {label_map.get(y_true[index], 'Unknown')}")
    if y_pred is not None and index < len(y_pred):
        parts.append(f"Pred: {label_map.get(y_pred[index], 'Unknown')}")
    return "  ".join(parts)
