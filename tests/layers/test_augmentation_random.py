"""Keras 3's random image layers: distributions against Keras, modes, seeds, configs, .keras files."""

import keras
import numpy as np
import pytest
import torch
from oracle import check_config_round_trip, check_keras_files_both_ways  # noqa: E402

import lamina
from lamina import layers

N = 600
rng = np.random.default_rng(1)
BASE = (rng.integers(20, 230, size=(1, 8, 8, 3)) + 0.37).astype("float32")
ONE_IMAGE_MANY_TIMES = np.repeat(BASE, N, axis=0)
MANY_IMAGES = (rng.integers(0, 250, size=(N, 8, 8, 3)) + 0.37).astype("float32")

# (layer name, kwargs, input): the per-image output statistics must match Keras's.
RANDOM = [
    ("RandomBrightness", {"factor": 0.3}, ONE_IMAGE_MANY_TIMES),
    ("RandomColorDegeneration", {"factor": (0.0, 1.0)}, ONE_IMAGE_MANY_TIMES),
    ("RandomHue", {"factor": 0.8}, ONE_IMAGE_MANY_TIMES),
    ("RandomSaturation", {"factor": (0.2, 0.8)}, ONE_IMAGE_MANY_TIMES),
    ("RandomSharpness", {"factor": 1.0}, ONE_IMAGE_MANY_TIMES),
    ("RandomGrayscale", {"factor": 0.3}, ONE_IMAGE_MANY_TIMES),
    ("RandomInvert", {}, ONE_IMAGE_MANY_TIMES),
    ("RandomPosterization", {"factor": 6}, ONE_IMAGE_MANY_TIMES),
    ("Solarization", {"addition_factor": 0.2, "threshold_factor": (0.3, 0.8)}, ONE_IMAGE_MANY_TIMES),
    ("RandomShear", {"x_factor": 0.4, "y_factor": 0.2}, ONE_IMAGE_MANY_TIMES),
    ("RandomPerspective", {"scale": 0.6}, ONE_IMAGE_MANY_TIMES),
    ("RandomErasing", {"factor": 0.8, "fill_value": 0.0}, ONE_IMAGE_MANY_TIMES),
    ("RandomErasing", {}, ONE_IMAGE_MANY_TIMES),
    ("RandomGaussianBlur", {"factor": 0.6, "sigma": (0.5, 1.0)}, ONE_IMAGE_MANY_TIMES),
    # A pair for contrast: Keras 3.15 reads a number f as the constant contrast 1 + f.
    ("RandomColorJitter", {"brightness_factor": 0.2, "contrast_factor": (0.2, 0.3), "saturation_factor": (0.3, 0.7),
                           "hue_factor": 0.3}, ONE_IMAGE_MANY_TIMES),
    ("MixUp", {"alpha": 0.4}, MANY_IMAGES),
    ("CutMix", {}, MANY_IMAGES),
]


def statistics(outputs, inputs):
    """Per-image mean, spread and change from the input, then their means and stds."""
    outputs = np.asarray(outputs, dtype="float64")
    changed = np.abs(outputs - inputs).reshape(len(outputs), -1)
    features = np.stack([outputs.reshape(len(outputs), -1).mean(1), outputs.reshape(len(outputs), -1).std(1),
                         changed.mean(1), (changed.max(1) > 1e-3).astype("float64")], axis=1)
    return features.mean(0), features.std(0)


@pytest.mark.parametrize("name, kwargs, x", RANDOM, ids=[f"{r[0]}-{i}" for i, r in enumerate(RANDOM)])
def test_output_distribution_matches_keras(name, kwargs, x):
    torch.manual_seed(0)
    ours = layers.__dict__[name](**kwargs, seed=5)(torch.tensor(x)).numpy()
    theirs = keras.ops.convert_to_numpy(getattr(keras.layers, name)(**kwargs, seed=5)(x, training=True))
    assert ours.shape == theirs.shape == x.shape and ours.dtype == theirs.dtype == np.float32
    (our_mean, our_std), (their_mean, their_std) = statistics(ours, x), statistics(theirs, x)
    spread = np.maximum(our_std, their_std)
    # Means within 5 standard errors (plus a little for per-call draws shared by a batch).
    np.testing.assert_array_less(np.abs(our_mean - their_mean), 5 * spread / np.sqrt(N) + 0.02 * spread + 1e-6)
    np.testing.assert_allclose(our_std, their_std, rtol=0.2, atol=0.5)
    assert ours.min() >= min(theirs.min(), x.min()) - 1e-3 - (40 if name == "RandomErasing" and not kwargs else 0)


@pytest.mark.parametrize("name, kwargs", [
    ("RandomInvert", {}), ("RandomGrayscale", {}), ("RandomPerspective", {}), ("RandomErasing", {}),
    ("RandomGaussianBlur", {}), ("RandomElasticTransform", {}), ("RandomInvert", {"factor": 0.4}),
])
def test_fraction_of_changed_images_matches_keras(name, kwargs):
    x = ONE_IMAGE_MANY_TIMES
    ours = layers.__dict__[name](**kwargs, seed=2)(torch.tensor(x)).numpy()
    theirs = keras.ops.convert_to_numpy(getattr(keras.layers, name)(**kwargs, seed=2)(x, training=True))
    fractions = [(np.abs(o - x).reshape(N, -1).max(1) > 1e-3).mean() for o in (ours, theirs)]
    assert abs(fractions[0] - fractions[1]) < 0.1, fractions


def test_elastic_transform_moves_pixels_like_keras():
    x = np.repeat(np.random.default_rng(3).uniform(0, 255, (1, 32, 32, 3)).astype("float32"), 100, axis=0)
    # One distortion per call (fixed here by ``scale``): compare the size of the change.
    ours = layers.RandomElasticTransform(factor=(1.0, 1.0), scale=(0.5, 0.5), seed=1)(torch.tensor(x)).numpy()
    theirs = keras.ops.convert_to_numpy(
        keras.layers.RandomElasticTransform(factor=(1.0, 1.0), scale=(0.5, 0.5), seed=1)(x)
    )
    ratio = np.abs(ours - x).mean() / np.abs(theirs - x).mean()
    assert 0.8 < ratio < 1.25
    assert ours.min() >= 0 and ours.max() <= 255


@pytest.mark.parametrize("name", ["AugMix", "RandAugment"])
def test_composite_layers_stay_in_range_and_change_images_like_keras(name):
    x = MANY_IMAGES[:64]
    changes = []
    for draw in range(6):
        ours = layers.__dict__[name](seed=draw)(torch.tensor(x)).numpy()
        theirs = keras.ops.convert_to_numpy(getattr(keras.layers, name)(seed=draw)(x))
        assert ours.shape == x.shape and ours.min() >= 0 and ours.max() <= 255
        changes.append((np.abs(ours - x).mean(), np.abs(theirs - x).mean()))
    ours_change, theirs_change = np.mean(changes, axis=0)
    assert 0.4 < ours_change / theirs_change < 2.5, changes


ALL = [
    lambda: layers.RandomBrightness(0.2, seed=1), lambda: layers.RandomColorDegeneration(0.5, seed=1),
    lambda: layers.RandomHue(0.5, seed=1), lambda: layers.RandomSaturation(0.5, seed=1),
    lambda: layers.RandomSharpness(0.5, seed=1), lambda: layers.RandomGrayscale(seed=1),
    lambda: layers.RandomInvert(seed=1), lambda: layers.RandomPosterization(5, seed=1),
    lambda: layers.Solarization(0.1, 0.5, seed=1), lambda: layers.RandomShear((0.1, 0.2), 0.1, seed=1),
    lambda: layers.RandomPerspective(seed=1), lambda: layers.RandomElasticTransform(seed=1),
    lambda: layers.RandomErasing(seed=1), lambda: layers.RandomGaussianBlur(seed=1),
    lambda: layers.MixUp(seed=1), lambda: layers.CutMix(seed=1), lambda: layers.AugMix(seed=1),
    lambda: layers.RandAugment(seed=1), lambda: layers.Equalization(),
    lambda: layers.RandomColorJitter(brightness_factor=0.2, hue_factor=0.2, seed=1),
]


@pytest.mark.parametrize("make", ALL)
def test_random_layers_augment_alone_are_identity_in_a_model_and_repeat_with_a_seed(make):
    x = torch.tensor(MANY_IMAGES[:8])
    assert not torch.equal(make()(x), x)
    torch.testing.assert_close(make()(x), make()(x))
    # A model with a layer besides augmentation is inference when called (a pure augmentation
    # pipeline augments, as Keras's ``augment(images)``).
    model = lamina.Sequential([lamina.Input(shape=(8, 8, 3)), make(), layers.Activation("linear")])
    torch.testing.assert_close(model(x), x)
    torch.testing.assert_close(make()(x, training=False), x)


ALWAYS = [lambda: layers.AutoContrast(), lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))]


@pytest.mark.parametrize("make", ALWAYS)
def test_deterministic_layers_apply_in_inference_too(make):
    x = torch.tensor(MANY_IMAGES[:4])
    model = lamina.Sequential([lamina.Input(shape=(8, 8, 3)), make()])
    torch.testing.assert_close(model(x), make()(x, training=True))


@pytest.mark.parametrize("make", ALL + ALWAYS + [lambda: layers.MaxNumBoundingBoxes(4)])
def test_config_round_trip_with_keras(make):
    layer = make()
    if isinstance(layer, layers.RandomShear):  # Keras refuses the (-f, f) its config stores
        layer = layers.RandomShear((0.1, 0.2), (0.0, 0.3), seed=1)
    check_config_round_trip(layer)


@pytest.mark.parametrize("make", [
    lambda L: L.RandomBrightness(0.2), lambda L: L.RandomHue(0.3, value_range=(0, 1)),
    lambda L: L.RandomShear((0.1, 0.2), (0.0, 0.3), fill_mode="constant"), lambda L: L.RandomErasing(scale=(0.1, 0.2)),
    lambda L: L.RandomGaussianBlur(kernel_size=(3, 5)), lambda L: L.MixUp(alpha=0.3), lambda L: L.CutMix(factor=0.5),
    lambda L: L.AugMix(num_chains=2, all_ops=False), lambda L: L.RandAugment(num_ops=3),
    lambda L: L.Solarization(0.1, (0.2, 0.4)), lambda L: L.RandomPosterization((2, 6)),
    lambda L: L.RandomColorJitter(contrast_factor=0.3, saturation_factor=0.4),
    lambda L: L.AutoContrast(), lambda L: L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 4)),
])
def test_keras_files_both_ways(tmp_path, make):
    check_keras_files_both_ways(tmp_path, make, (8, 8, 3), MANY_IMAGES[:4], atol=1e-3)


def test_keras_shear_with_one_number_and_equalization_files_load_in_lamina(tmp_path):
    # Keras 3.15 cannot reload these itself (RandomShear stores (-f, f) and refuses it;
    # Equalization breaks its functional graph), so only lamina's side is checked.
    shear = layers.deserialize(keras.layers.serialize(keras.layers.RandomShear(0.2, 0.1)))
    assert shear.x_factor == (-0.2, 0.2) and shear.y_factor == (-0.1, 0.1)
    model = lamina.Sequential([lamina.Input(shape=(8, 8, 3)), layers.Equalization(bins=64), layers.RandomShear(0.2)])
    model.save(tmp_path / "eq.keras")
    loaded = lamina.saving.load_model(tmp_path / "eq.keras")
    assert loaded.layers[0].get_config() == model.layers[0].get_config()
    x = torch.tensor(MANY_IMAGES[:4])
    torch.testing.assert_close(loaded.layers[0](x, training=True), model.layers[0](x, training=True))


def test_channels_first_draws_match_channels_last():
    x = MANY_IMAGES[:16]
    for name, kwargs in [("RandomShear", {"x_factor": 0.3}), ("RandomErasing", {}), ("CutMix", {}),
                         ("RandomPerspective", {}), ("RandAugment", {})]:
        last = layers.__dict__[name](**kwargs, seed=4)(torch.tensor(x)).numpy()
        first = layers.__dict__[name](**kwargs, seed=4, data_format="channels_first")(
            torch.tensor(x.transpose(0, 3, 1, 2).copy())).numpy()
        np.testing.assert_allclose(first.transpose(0, 2, 3, 1), last, atol=1e-3, err_msg=name)
