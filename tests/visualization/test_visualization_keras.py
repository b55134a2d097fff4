"""lamina.visualization against keras.visualization: the drawn arrays pixel for pixel, the
galleries' grids, titles, pixels and files, and the errors of bad input."""

import inspect
import subprocess
import sys

import keras
import matplotlib
import numpy as np
import pytest
import torch

import lamina
from lamina import visualization

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

convert_format = keras.utils.bounding_boxes.convert_format
RNG = np.random.default_rng(7)
IMAGES_U8 = RNG.integers(0, 256, (3, 48, 64, 3)).astype("uint8")
BOXES_XYXY = np.array(
    [
        [[4, 30, 40, 45], [10, 12, 60, 40], [0, 0, 5, 5]],
        [[20, 25, 50, 47], [2, 3, 30, 20], [1, 1, 2, 2]],
        [[5, 5, 15, 15], [30, 10, 62, 30], [8, 9, 20, 40]],
    ],
    "float32",
)
LABELS = np.array([[0, 1, -1], [2, -1, 1], [1, 0, 7]])
CONFIDENCES = np.array([[0.9, 0.25, 0.1], [0.5, 0.3, 0.777], [0.01, 0.99, 0.5]], "float32")
CLASS_MAPPING = {0: "cat", 1: "dog", 2: "bird"}


@pytest.fixture(autouse=True)
def _close_figures():
    plt.close("all")
    yield
    plt.close("all")


def _boxes(box_format, confidences=False):
    boxes = convert_format(BOXES_XYXY.copy(), "xyxy", box_format, height=48, width=64)
    out = {"boxes": np.asarray(boxes), "labels": LABELS.copy()}
    if confidences:
        out["confidences"] = CONFIDENCES.copy()
    return out


# ---- names and signatures ------------------------------------------------------------------


def test_every_keras_visualization_name_with_its_signature():
    keras_names = sorted(n for n in dir(keras.visualization) if not n.startswith("_"))
    assert keras_names == sorted(visualization.__all__)
    for name in keras_names:
        ours = inspect.signature(getattr(visualization, name)).parameters
        theirs = inspect.signature(getattr(keras.visualization, name)).parameters
        assert [(p.name, p.default, p.kind) for p in ours.values()] == [
            (p.name, p.default, p.kind) for p in theirs.values()
        ], name


def test_import_lamina_loads_neither_opencv_nor_matplotlib():
    code = (
        "import sys, lamina; assert 'cv2' not in sys.modules and 'matplotlib' not in sys.modules; "
        "lamina.visualization; assert 'cv2' not in sys.modules and 'matplotlib' not in sys.modules; "
        "print(lamina.visualization.draw_bounding_boxes.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "lamina.visualization.draw_bounding_boxes"


@pytest.mark.parametrize(
    ("module", "call"),
    [
        ("cv2", lambda: visualization.draw_bounding_boxes(IMAGES_U8, _boxes("xyxy"), "xyxy")),
        ("matplotlib.pyplot", lambda: visualization.plot_image_gallery(IMAGES_U8, show=False)),
    ],
)
def test_a_missing_extra_names_it(monkeypatch, module, call):
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r'pip install "lamina\[visualization\]"'):
        call()


# ---- draw_bounding_boxes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "box_format",
    ["xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx", "rel_xywh",
     "rel_center_xywh", "XYWH"],
)
def test_draw_bounding_boxes_formats_match_keras(box_format):
    boxes = _boxes(box_format.lower())
    ours = visualization.draw_bounding_boxes(IMAGES_U8, boxes, box_format, class_mapping=CLASS_MAPPING)
    theirs = keras.visualization.draw_bounding_boxes(
        IMAGES_U8, boxes, box_format, class_mapping=CLASS_MAPPING
    )
    assert ours.dtype == np.uint8 and ours.shape == IMAGES_U8.shape
    np.testing.assert_array_equal(ours, theirs)
    assert not np.array_equal(ours, IMAGES_U8)


@pytest.mark.parametrize(
    "images",
    [
        IMAGES_U8,
        IMAGES_U8.astype("float32") / 255.0,
        IMAGES_U8.astype("float32") * 1.1 - 10,  # beyond [0, 255]: clipped
        torch.from_numpy(IMAGES_U8[..., :1].copy()),  # one channel, a tensor
    ],
    ids=["uint8", "float01", "float255", "gray_tensor"],
)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"class_mapping": CLASS_MAPPING, "confidences": True},
        {"class_mapping": {1: "dog"}, "color": (255, 0, 0), "line_thickness": 1,
         "text_thickness": 2, "font_scale": 0.5},
        {"class_mapping": CLASS_MAPPING, "text_thickness": None, "line_thickness": 3,
         "font_scale": 2.0},
    ],
)
def test_draw_bounding_boxes_values_and_labels_match_keras(images, options):
    options = dict(options)
    boxes = _boxes("xywh", confidences=options.pop("confidences", False))
    ours = visualization.draw_bounding_boxes(images, boxes, "xywh", **options)
    theirs = keras.visualization.draw_bounding_boxes(images, boxes, "xywh", **options)
    np.testing.assert_array_equal(ours, theirs)


def test_draw_bounding_boxes_skips_label_minus_one_and_leaves_input_alone():
    images = IMAGES_U8.copy()
    boxes = {"boxes": BOXES_XYXY[:, :1], "labels": -np.ones((3, 1), "int64")}
    np.testing.assert_array_equal(visualization.draw_bounding_boxes(images, boxes, "xyxy"), images)
    visualization.draw_bounding_boxes(images, _boxes("xyxy"), "xyxy")
    np.testing.assert_array_equal(images, IMAGES_U8)


def test_draw_bounding_boxes_channels_first_is_channels_last_transposed():
    # Keras 3.15 hands the (channels, height, width) array to OpenCV as is and fails.
    boxes = _boxes("rel_xyxy", confidences=True)
    ours = visualization.draw_bounding_boxes(
        IMAGES_U8.transpose(0, 3, 1, 2), boxes, "rel_xyxy", CLASS_MAPPING, data_format="channels_first"
    )
    theirs = keras.visualization.draw_bounding_boxes(IMAGES_U8, boxes, "rel_xyxy", CLASS_MAPPING)
    np.testing.assert_array_equal(ours, theirs.transpose(0, 3, 1, 2))


def test_draw_bounding_boxes_follows_the_global_data_format():
    boxes = _boxes("xyxy")
    lamina.config.set_image_data_format("channels_first")
    try:
        ours = visualization.draw_bounding_boxes(IMAGES_U8.transpose(0, 3, 1, 2), boxes, "xyxy")
    finally:
        lamina.config.set_image_data_format("channels_last")
    theirs = keras.visualization.draw_bounding_boxes(IMAGES_U8, boxes, "xyxy")
    np.testing.assert_array_equal(ours, theirs.transpose(0, 3, 1, 2))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"images": IMAGES_U8[0]}, ValueError, r"images\.shape=\(48, 64, 3\).*images\[None\]"),
        ({"bounding_boxes": [1, 2]}, TypeError, "must be a dict.*list"),
        ({"bounding_boxes": {"boxes": BOXES_XYXY}}, ValueError, r"lacks \['labels'\]"),
        ({"bounding_box_format": "xyzw"}, ValueError, "bounding_box_format='xyzw'.*center_xywh"),
        ({"bounding_boxes": {"boxes": BOXES_XYXY[..., :3], "labels": LABELS}}, ValueError, "4 coordinates"),
        ({"bounding_boxes": {"boxes": BOXES_XYXY[:2], "labels": LABELS[:2]}}, ValueError, "batch size"),
        ({"bounding_boxes": {"boxes": BOXES_XYXY, "labels": LABELS, "confidences": CONFIDENCES[0]}},
         ValueError, "confidences"),
        ({"data_format": "channels_middle"}, ValueError, "channels_middle"),
    ],
)
def test_draw_bounding_boxes_bad_input(kwargs, error, match):
    arguments = {"images": IMAGES_U8, "bounding_boxes": _boxes("xyxy"), "bounding_box_format": "xyxy"}
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        visualization.draw_bounding_boxes(**arguments)


# ---- draw_segmentation_masks ---------------------------------------------------------------

MASKS = RNG.integers(0, 4, (3, 48, 64, 1))


@pytest.mark.parametrize(
    "options",
    [
        {"num_classes": 4},
        {"num_classes": 6, "alpha": 0.35},
        {"num_classes": 4, "color_mapping": {0: (0, 0, 0), 1: (255, 0, 0), 2: (0, 255, 0), 3: (9, 9, 250)}},
        {"num_classes": 4, "blend": False},
        {"num_classes": 4, "ignore_index": 2},
        {"num_classes": 4, "ignore_index": 0, "alpha": 1.0},
    ],
)
@pytest.mark.parametrize("images", [IMAGES_U8, IMAGES_U8.astype("float32") * 0.7], ids=["uint8", "float"])
def test_draw_segmentation_masks_matches_keras(images, options):
    ours = visualization.draw_segmentation_masks(images, MASKS, **options)
    theirs = keras.visualization.draw_segmentation_masks(images, MASKS, **options)
    theirs = np.asarray(theirs)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_draw_segmentation_masks_ignore_index_pixels_keep_the_image():
    masks = MASKS.copy()
    masks[:, :10] = -1
    ours = visualization.draw_segmentation_masks(IMAGES_U8, masks, num_classes=4)
    theirs = keras.visualization.draw_segmentation_masks(IMAGES_U8, masks, num_classes=4)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours[:, :10], IMAGES_U8[:, :10])
    unblended = visualization.draw_segmentation_masks(IMAGES_U8, masks, num_classes=4, blend=False)
    np.testing.assert_array_equal(unblended[:, :10], IMAGES_U8[:, :10])


def test_draw_segmentation_masks_shapes_layouts_and_inferred_classes():
    reference = visualization.draw_segmentation_masks(IMAGES_U8, MASKS, num_classes=4)
    # (batch, height, width) masks, and num_classes inferred as the largest id plus one.
    np.testing.assert_array_equal(visualization.draw_segmentation_masks(IMAGES_U8, MASKS[..., 0]), reference)
    first = visualization.draw_segmentation_masks(
        torch.from_numpy(IMAGES_U8.transpose(0, 3, 1, 2).copy()),
        torch.from_numpy(MASKS.transpose(0, 3, 1, 2).copy()),
        num_classes=4,
        data_format="channels_first",
    )
    # Keras returns channels-last here; lamina keeps the layout it was given.
    theirs = keras.visualization.draw_segmentation_masks(
        IMAGES_U8.transpose(0, 3, 1, 2), MASKS.transpose(0, 3, 1, 2), num_classes=4,
        data_format="channels_first",
    )
    np.testing.assert_array_equal(first, theirs.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(first, reference.transpose(0, 3, 1, 2))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"segmentation_masks": MASKS.astype("float32")}, TypeError, "integer class ids.*float32"),
        ({"segmentation_masks": MASKS[:2]}, ValueError, r"segmentation_masks\.shape=\(2, 48, 64, 1\)"),
        ({"images": IMAGES_U8[0]}, ValueError, "batch of images"),
        ({"alpha": 1.5}, ValueError, "alpha=1.5"),
        ({"color_mapping": [(1, 2, 3)]}, TypeError, "color_mapping.*list"),
    ],
)
def test_draw_segmentation_masks_bad_input(kwargs, error, match):
    arguments = {"images": IMAGES_U8, "segmentation_masks": MASKS, "num_classes": 4}
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        visualization.draw_segmentation_masks(**arguments)


# ---- galleries -----------------------------------------------------------------------------


def _figure_of(plot, *args, **kwargs):
    plt.close("all")
    assert plot(*args, show=False, **kwargs) is None
    figure = plt.gcf()
    grid = figure.axes[0].get_subplotspec().get_gridspec().get_geometry()
    shown = [axis for axis in figure.axes if axis.images]
    summary = {
        "grid": grid,
        "size": tuple(figure.get_size_inches()),
        "titles": [axis.get_title() for axis in shown],
        "pixels": [np.asarray(axis.images[0].get_array()) for axis in shown],
        "legend": [t.get_text() for legend in figure.legends for t in legend.get_texts()],
    }
    plt.close("all")
    return summary


def _assert_same_figure(ours, theirs):
    assert ours["grid"] == theirs["grid"]
    assert ours["size"] == theirs["size"]
    assert ours["titles"] == theirs["titles"]
    assert ours["legend"] == theirs["legend"]
    assert len(ours["pixels"]) == len(theirs["pixels"])
    for a, b in zip(ours["pixels"], theirs["pixels"]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("batch", [1, 2, 4, 6, 9])
def test_plot_image_gallery_grid_titles_and_pixels_match_keras(batch):
    images = RNG.uniform(0, 1, (batch, 12, 10, 3)).astype("float32")
    labels = dict(y_true=np.arange(batch) % 3, y_pred=np.arange(batch)[::-1] % 4,
                  label_map={0: "cat", 1: "dog", 2: "bird"}, value_range=(0, 1), scale=1.5)
    _assert_same_figure(
        _figure_of(visualization.plot_image_gallery, images, **labels),
        _figure_of(keras.visualization.plot_image_gallery, images, **labels),
    )


def test_plot_image_gallery_rows_cols_and_partial_grids():
    images = IMAGES_U8
    _assert_same_figure(
        _figure_of(visualization.plot_image_gallery, images, rows=1, cols=2),
        _figure_of(keras.visualization.plot_image_gallery, images, rows=1, cols=2),
    )
    # Keras's default grid for 3 images is 2 x 1 and drops the third; lamina shows all three.
    three = _figure_of(visualization.plot_image_gallery, images)
    assert three["grid"] == (2, 2) and len(three["pixels"]) == 3
    assert _figure_of(visualization.plot_image_gallery, images, cols=3)["grid"] == (1, 3)


def test_plot_image_gallery_channels_first_and_gray():
    ours = _figure_of(
        visualization.plot_image_gallery, IMAGES_U8.transpose(0, 3, 1, 2), rows=1, cols=3,
        data_format="channels_first",
    )
    _assert_same_figure(ours, _figure_of(keras.visualization.plot_image_gallery, IMAGES_U8, rows=1, cols=3))
    gray = _figure_of(visualization.plot_image_gallery, IMAGES_U8[..., :1], rows=1, cols=3)
    np.testing.assert_array_equal(gray["pixels"][0], IMAGES_U8[0, ..., 0])


def test_plot_image_gallery_saves_to_path_and_closes(tmp_path):
    ours, theirs = tmp_path / "ours.png", tmp_path / "theirs.png"
    plt.close("all")
    assert visualization.plot_image_gallery(IMAGES_U8[:2], path=str(ours)) is None
    assert plt.get_fignums() == []
    keras.visualization.plot_image_gallery(IMAGES_U8[:2], path=str(theirs))
    np.testing.assert_array_equal(plt.imread(ours), plt.imread(theirs))


def test_plot_image_gallery_show_closes_the_figure():
    visualization.plot_image_gallery(IMAGES_U8)
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"path": "x.png", "show": True}, "not both"),
        ({"y_true": np.zeros(3)}, "label_map"),
        ({"rows": 0}, "rows=0"),
        ({"cols": 1.5}, "cols=1.5"),
        ({"value_range": (1, 0)}, "low < high"),
        ({"value_range": "0-255"}, "pair"),
        ({"images": IMAGES_U8[:0]}, "no image"),
        ({"images": IMAGES_U8[0]}, "batch of images"),
    ],
)
def test_plot_image_gallery_bad_input(kwargs, match):
    arguments = {"images": IMAGES_U8, "show": False}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        visualization.plot_image_gallery(**arguments)


def test_plot_bounding_box_gallery_matches_keras():
    options = dict(
        y_true=_boxes("center_xywh"), y_pred=_boxes("center_xywh", confidences=True),
        class_mapping=CLASS_MAPPING, prediction_mapping={1: "DOG"}, legend=True,
        rows=1, cols=3, line_thickness=1, font_scale=0.4, scale=3,
    )
    _assert_same_figure(
        _figure_of(visualization.plot_bounding_box_gallery, IMAGES_U8, "center_xywh", **options),
        _figure_of(keras.visualization.plot_bounding_box_gallery, IMAGES_U8, "center_xywh", **options),
    )


def test_plot_bounding_box_gallery_value_range_and_channels_first():
    # Images in [0, 1]: lamina maps them to [0, 255] once, before drawing, so the gallery shows
    # exactly what draw_bounding_boxes draws (Keras 3.15 scales the drawn uint8 image again).
    images = IMAGES_U8.astype("float32") / 255.0
    boxes = _boxes("xyxy")
    ours = _figure_of(
        visualization.plot_bounding_box_gallery, images.transpose(0, 3, 1, 2), "xyxy", y_true=boxes,
        value_range=(0, 1), data_format="channels_first",
    )
    drawn = keras.visualization.draw_bounding_boxes(
        images * 255.0, boxes, "xyxy", color=(0, 188, 212)
    )
    assert ours["grid"] == (2, 2)
    for pixels, expected in zip(ours["pixels"], drawn):
        np.testing.assert_array_equal(pixels, expected)


def test_plot_bounding_box_gallery_legend_or_handles():
    with pytest.raises(ValueError, match="not both"):
        visualization.plot_bounding_box_gallery(
            IMAGES_U8, "xyxy", legend=True, legend_handles=[object()], show=False
        )


@pytest.mark.parametrize("with_pred", [False, True])
def test_plot_segmentation_mask_gallery_matches_keras(with_pred):
    options = dict(y_true=MASKS, num_classes=4, alpha=0.5)
    if with_pred:
        options["y_pred"] = np.roll(MASKS, 5, axis=2)
    _assert_same_figure(
        _figure_of(visualization.plot_segmentation_mask_gallery, IMAGES_U8, **options),
        _figure_of(keras.visualization.plot_segmentation_mask_gallery, IMAGES_U8, **options),
    )


def test_plot_segmentation_mask_gallery_channels_first_and_unit_range(tmp_path):
    images = IMAGES_U8.astype("float32") / 255.0
    ours = _figure_of(
        visualization.plot_segmentation_mask_gallery, images.transpose(0, 3, 1, 2), num_classes=4,
        y_true=MASKS.transpose(0, 3, 1, 2), value_range=(0, 1), data_format="channels_first",
    )
    expected = visualization.draw_segmentation_masks(images * np.float32(255), MASKS, num_classes=4)
    assert ours["grid"] == (3, 2)
    for row in range(3):
        np.testing.assert_array_equal(ours["pixels"][2 * row + 1], expected[row])
    path = tmp_path / "masks.png"
    visualization.plot_segmentation_mask_gallery(IMAGES_U8, 4, y_true=MASKS, path=path)
    assert plt.imread(path).ndim == 3
