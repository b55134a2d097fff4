"""Keras 3's deterministic image layers and random ones with the draw forced: values match Keras."""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(0)
FORMATS = ["channels_last", "channels_first"]


def pictures(data_format, shape=(3, 12, 10, 3), scale=255.0):
    # Values off every integer and bin edge, so float rounding cannot flip a threshold.
    x = (rng.integers(0, 240, size=shape) + 0.37).astype("float32") * (scale / 255.0)
    return x if data_format == "channels_last" else np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def both(name, kwargs, x, training=True):
    ours = getattr(layers, name)(**kwargs)(torch.tensor(x), training=training).numpy()
    theirs = keras.ops.convert_to_numpy(getattr(keras.layers, name)(**kwargs)(x, training=training))
    return ours, theirs


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("name, kwargs, value_scale", [
    ("Equalization", {}, 255.0),
    ("Equalization", {"bins": 64, "value_range": (0, 1)}, 1.0),
    ("ContrastLimitedAdaptiveHistogramEqualization", {}, 255.0),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (3, 2), "clip_limit": 2.0}, 255.0),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (4, 5), "clip_limit": 0}, 255.0),
    ("RandomInvert", {"factor": (1.0, 1.0)}, 255.0),
    ("RandomPosterization", {"factor": (3, 3)}, 255.0),
    ("RandomPosterization", {"factor": (5, 5), "value_range": (0, 1)}, 1.0),
    ("Solarization", {}, 255.0),
    ("Solarization", {"value_range": (0, 1)}, 1.0),
    ("RandomGrayscale", {"factor": 1.0}, 255.0),
    ("RandomColorDegeneration", {"factor": (0.7, 0.7)}, 255.0),
    ("RandomBrightness", {"factor": (0.2, 0.2)}, 255.0),
    ("RandomSharpness", {"factor": (0.8, 0.8)}, 255.0),
    ("RandomSharpness", {"factor": (0.1, 0.1)}, 255.0),
    ("RandomSaturation", {"factor": (0.7, 0.7)}, 255.0),
    ("RandomHue", {"factor": (0.4, 0.4)}, 255.0),
    ("RandomErasing", {"factor": (0.0, 0.0)}, 255.0),
    ("MaxNumBoundingBoxes", {"max_number": 2}, 255.0),
])
def test_values_match_keras(name, kwargs, value_scale, data_format):
    if name == "MaxNumBoundingBoxes" and data_format == "channels_first":
        pytest.skip("data_format does not apply")
    x = pictures(data_format, scale=value_scale)
    kwargs = dict(kwargs) if name == "MaxNumBoundingBoxes" else {**kwargs, "data_format": data_format}
    ours, theirs = both(name, kwargs, x)
    if name == "RandomHue":  # the sign of the shift is random: compare with both signs
        theirs_too = keras.ops.convert_to_numpy(keras.layers.RandomHue(**kwargs)(x))
        assert np.allclose(ours, theirs, atol=1e-3) or np.allclose(ours, theirs_too, atol=1e-3) or _hue_any(ours, x, kwargs)
        return
    np.testing.assert_allclose(ours, theirs, atol=2e-3 * value_scale)


def _hue_any(ours, x, kwargs):
    # Each image's hue moved by +0.2 or -0.2 of a turn: both candidates via Keras's ops.
    fmt = kwargs["data_format"]
    hsv = keras.ops.convert_to_numpy(keras.ops.image.rgb_to_hsv(x / 255.0, data_format=fmt))
    axis = -1 if fmt == "channels_last" else 1
    outs = []
    for shift in (0.2, -0.2):
        h = np.take(hsv, 0, axis=axis) + shift
        h = np.where(h > 1, h - 1, np.where(h < 0, h + 1, h))
        moved = np.stack([h, np.take(hsv, 1, axis=axis), np.take(hsv, 2, axis=axis)], axis=axis)
        outs.append(np.clip(keras.ops.convert_to_numpy(keras.ops.image.hsv_to_rgb(moved, data_format=fmt)), 0, 1) * 255)
    per_image = [min(np.abs(o[i] - ours[i]).max() for o in outs) for i in range(len(x))]
    return max(per_image) < 1e-2


@pytest.mark.parametrize("data_format", FORMATS)
def test_clahe_with_padded_tiles_matches_keras(data_format):
    # 11 x 9 in 3 x 2 tiles of 4 x 5 pads one row and one column: numpy's symmetric padding and
    # Keras-on-torch's replicate padding agree there (they differ from two padded rows on).
    x = pictures(data_format, shape=(2, 11, 9, 3))
    kwargs = {"tile_grid_size": (3, 2), "data_format": data_format}
    ours, theirs = both("ContrastLimitedAdaptiveHistogramEqualization", kwargs, x, training=False)
    np.testing.assert_allclose(ours, theirs, atol=1e-3)


def test_auto_contrast_matches_keras_and_is_per_channel():
    x = pictures("channels_last")
    ours, theirs = both("AutoContrast", {}, x, training=False)
    np.testing.assert_allclose(ours, theirs, atol=1e-3)
    first = layers.AutoContrast(data_format="channels_first")(torch.tensor(x.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(first.numpy().transpose(0, 2, 3, 1), ours, atol=1e-4)
    flat = np.full((1, 4, 4, 3), 7.0, dtype="float32")
    np.testing.assert_allclose(layers.AutoContrast()(torch.tensor(flat)).numpy(), flat)


def test_shear_with_a_fixed_amount_matches_keras_up_to_the_sign():
    x = pictures("channels_last")
    ours = layers.RandomShear(x_factor=(0.3, 0.3), y_factor=(0.1, 0.1), fill_mode="constant")(torch.tensor(x)).numpy()
    outs = []
    for sign in (1, -1):
        transform = np.array([[1, 0.3 * sign, 0, 0.1 * sign, 1, 0, 0, 0]] * len(x), dtype="float32")
        outs.append(keras.ops.convert_to_numpy(keras.ops.image.affine_transform(x, transform, fill_mode="constant")))
    for i in range(len(x)):
        assert min(np.abs(o[i] - ours[i]).max() for o in outs) < 1e-3


def test_perspective_with_scale_zero_and_blur_with_factor_zero_are_identity():
    x = torch.tensor(pictures("channels_last"))
    torch.testing.assert_close(layers.RandomPerspective(scale=0.0)(x), x, atol=1e-3, rtol=0)
    torch.testing.assert_close(layers.RandomGaussianBlur(factor=0.0)(x), x)
    torch.testing.assert_close(layers.RandomElasticTransform(scale=0.0)(x), x)


def test_max_num_bounding_boxes_pads_and_cuts_as_keras():
    images = pictures("channels_last")
    boxes = {"boxes": rng.uniform(size=(3, 4, 4)).astype("float32"), "labels": rng.integers(0, 5, size=(3, 4)).astype("float32")}
    for number in (2, 6):
        ours = layers.MaxNumBoundingBoxes(number)({"images": torch.tensor(images), "bounding_boxes": {k: torch.tensor(v) for k, v in boxes.items()}})
        theirs = keras.layers.MaxNumBoundingBoxes(number, bounding_box_format="xyxy")({"images": images, "bounding_boxes": boxes})
        for key in ("boxes", "labels"):
            np.testing.assert_allclose(ours["bounding_boxes"][key].numpy(), keras.ops.convert_to_numpy(theirs["bounding_boxes"][key]))
        np.testing.assert_allclose(ours["images"], images)


def test_dict_inputs_are_refused_with_the_layers_name():
    images = torch.tensor(pictures("channels_last"))
    with pytest.raises(InputError, match="RandomShear"):
        layers.RandomShear(0.2)({"images": images, "bounding_boxes": {"boxes": images[:, :2, :4, 0], "labels": images[:, :2, 0, 0]}})
    with pytest.raises(InputError, match="MixUp"):
        layers.MixUp()({"images": images, "segmentation_masks": images})


@pytest.mark.parametrize("make, match", [
    (lambda: layers.RandomBrightness(1.5), "factor"),
    (lambda: layers.RandomHue(-0.5), "factor"),
    (lambda: layers.RandomPosterization(9), "factor"),
    (lambda: layers.RandomGrayscale(2.0), "factor"),
    (lambda: layers.RandomShear(x_factor=(0.1, 0.2, 0.3)), "x_factor"),
    (lambda: layers.RandomGaussianBlur(kernel_size=4), "kernel_size"),
    (lambda: layers.RandomErasing(fill_value=(1, 2)), "fill_value"),
    (lambda: layers.RandomPerspective(scale=2.0), "scale"),
    (lambda: layers.RandomPerspective(interpolation="cubic"), "interpolation"),
    (lambda: layers.AutoContrast(value_range=5), "value_range"),
    (lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(0, 2)), "tile_grid_size"),
    (lambda: layers.AugMix(num_chains=0), "num_chains"),
    (lambda: layers.MixUp(alpha=0), "alpha"),
])
def test_bad_arguments_name_the_layer_and_argument(make, match):
    with pytest.raises(ConfigurationError, match=match):
        make()


def test_grayscale_on_one_channel_images_is_an_input_error():
    with pytest.raises(InputError, match="3 channels"):
        layers.RandomGrayscale(1.0)(torch.rand(2, 5, 5, 1))


def test_mix_up_mixes_labels_with_the_image_weights():
    images = torch.tensor(pictures("channels_last", shape=(6, 4, 4, 3)))
    labels = torch.eye(6)
    out = layers.MixUp(alpha=0.5, seed=3)({"images": images, "labels": labels})
    torch.testing.assert_close(out["labels"].sum(1), torch.ones(6))
    # Every mixed image is its label-weighted sum of the originals.
    torch.testing.assert_close(out["images"], torch.einsum("ij,jhwc->ihwc", out["labels"], images), atol=1e-3, rtol=1e-4)
    cut = layers.CutMix(seed=3)({"images": images, "labels": labels})
    torch.testing.assert_close(cut["labels"].sum(1), torch.ones(6))
    assert lamina.layers.CutMix()(images[0]).shape == images[0].shape
