"""Preprocessing layers against real Keras 3 (deterministic settings), NumPy and their contracts:
random transforms only in training, seeded runs repeat, inference is the identity."""

import keras
import numpy as np
import pytest
import torch
from oracle import layer_against_keras

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(5)
FORMATS = ["channels_last", "channels_first"]


def pictures(data_format, shape=(2, 9, 7, 3)):
    x = (rng.random(shape) * 255).astype(np.float32)
    return x if data_format == "channels_last" else np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def check_against_keras(name, kwargs, x, training=False, atol=1e-4):
    return layer_against_keras(name, kwargs, x, call_kwargs={"training": training}, atol=atol, check_dtype=True)


# ---- affine augmentations with a fixed draw match Keras ----------------------------------


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_random_rotation_with_fixed_angle_matches_keras(data_format, fill_mode, interpolation):
    kwargs = dict(factor=(0.1, 0.1), fill_mode=fill_mode, interpolation=interpolation,
                  fill_value=3.0, data_format=data_format)
    check_against_keras("RandomRotation", kwargs, pictures(data_format), training=True)


@pytest.mark.parametrize("data_format", FORMATS)
def test_random_zoom_and_translation_with_fixed_draws_match_keras(data_format):
    x = pictures(data_format)
    check_against_keras("RandomZoom", dict(height_factor=(0.3, 0.3), width_factor=(-0.2, -0.2),
                                           data_format=data_format), x, training=True)
    check_against_keras("RandomZoom", dict(height_factor=(-0.3, -0.3), fill_mode="constant",
                                           data_format=data_format), x, training=True)
    check_against_keras("RandomTranslation", dict(height_factor=(0.2, 0.2), width_factor=(-0.3, -0.3),
                                                  data_format=data_format), x, training=True)


def test_quarter_turn_is_a_rot90():
    x = torch.from_numpy(pictures("channels_last", (1, 5, 5, 2)))
    out = layers.RandomRotation((0.25, 0.25))(x, training=True)
    # Counter-clockwise by 90 degrees (rows become reversed columns).
    torch.testing.assert_close(out, torch.rot90(x, k=1, dims=(1, 2)), atol=1e-3, rtol=0)


# ---- resizing and cropping match Keras -----------------------------------------------------


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("size", [(5, 4), (12, 10)])
def test_resizing_matches_keras(data_format, interpolation, size):
    kwargs = dict(height=size[0], width=size[1], interpolation=interpolation, data_format=data_format)
    check_against_keras("Resizing", kwargs, pictures(data_format))


@pytest.mark.parametrize("data_format", FORMATS)
def test_resizing_options_match_keras(data_format):
    x = pictures(data_format)
    check_against_keras("Resizing", dict(height=5, width=5, crop_to_aspect_ratio=True, data_format=data_format), x)
    check_against_keras("Resizing", dict(height=5, width=5, pad_to_aspect_ratio=True, fill_value=2.0,
                                         data_format=data_format), x)
    check_against_keras("Resizing", dict(height=5, width=5, antialias=True, data_format=data_format), x)
    _, out = check_against_keras("Resizing", dict(height=5, width=4, data_format=data_format), x.astype(np.uint8))
    assert out.dtype == np.uint8


@pytest.mark.parametrize("data_format", FORMATS)
def test_center_crop_matches_keras(data_format):
    x = pictures(data_format)
    check_against_keras("CenterCrop", dict(height=5, width=4, data_format=data_format), x)
    check_against_keras("CenterCrop", dict(height=12, width=4, data_format=data_format), x)  # smart resize


def test_single_images_are_accepted():
    image = torch.from_numpy(pictures("channels_last", (1, 9, 7, 3))[0])
    assert layers.CenterCrop(5, 4)(image).shape == (5, 4, 3)
    assert layers.RandomFlip()(image, training=True).shape == (9, 7, 3)


# ---- random crop ---------------------------------------------------------------------------


def test_random_crop_training_windows_are_real_subimages():
    x = torch.from_numpy(pictures("channels_last", (2, 9, 7, 3)))
    layer = layers.RandomCrop(4, 5, seed=1)
    starts = set()
    for _ in range(20):
        out = layer(x, training=True)
        assert out.shape == (2, 4, 5, 3)
        matches = [(i, j) for i in range(6) for j in range(3) if torch.equal(out, x[:, i : i + 4, j : j + 5])]
        assert len(matches) == 1
        starts.add(matches[0])
    assert len(starts) > 3


def test_random_crop_inference_is_the_centred_aspect_window_resized():
    x = torch.from_numpy(pictures("channels_first", (2, 10, 8, 3)))
    layer = layers.RandomCrop(4, 6, data_format="channels_first")
    out = layer(x, training=False)  # inference: largest centred 4:6 window (5 x 8), resized to 4 x 6
    window = x[:, :, 2:7, :]
    expected = torch.nn.functional.interpolate(window, size=(4, 6), mode="bilinear", align_corners=False)
    torch.testing.assert_close(out, expected)
    assert layer.compute_output_shape((None, 3, 10, 8)) == (None, 3, 4, 6)


# ---- flips and contrast --------------------------------------------------------------------


@pytest.mark.parametrize("mode, dims", [("horizontal", [2]), ("vertical", [1]), ("horizontal_and_vertical", [1, 2])])
def test_random_flip_flips_about_half_the_images(mode, dims):
    x = torch.from_numpy(pictures("channels_last", (200, 4, 5, 1)))
    out = layers.RandomFlip(mode, seed=2)(x, training=True)
    flipped = [torch.equal(o, i.flip([d - 1 for d in dims])) for o, i in zip(out, x)]
    unchanged = [torch.equal(o, i) for o, i in zip(out, x)]
    assert all(f or u for f, u in zip(flipped, unchanged))
    assert 70 < sum(flipped) < 130


def test_random_contrast_scales_deviation_from_the_mean_within_range():
    x = torch.from_numpy(pictures("channels_last", (50, 6, 6, 3))) * 0.5 + 60
    out = layers.RandomContrast(0.4, seed=3)(x, training=True)
    mean = x.mean(dim=(1, 2), keepdim=True)
    factor = ((out - mean) / (x - mean)).flatten(1)
    torch.testing.assert_close(factor, factor[:, :1].expand_as(factor), atol=1e-3, rtol=1e-3)
    assert factor.min() >= 0.6 - 1e-4 and factor.max() <= 1.4 + 1e-4
    assert factor[:, 0].min() < 0.9 and factor[:, 0].max() > 1.1  # both directions, as documented
    clipped = layers.RandomContrast((0.0, 1.0), value_range=(0, 70), seed=3)(x * 2, training=True)
    assert clipped.max() <= 70 and clipped.min() >= 0


# ---- the training/inference contract and seeds ----------------------------------------------

RANDOM_LAYERS = [
    lambda seed: layers.RandomFlip(seed=seed),
    lambda seed: layers.RandomRotation(0.2, seed=seed),
    lambda seed: layers.RandomZoom(0.3, seed=seed),
    lambda seed: layers.RandomTranslation(0.2, 0.2, seed=seed),
    lambda seed: layers.RandomContrast(0.5, seed=seed),
]


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_are_identity_in_inference_and_repeat_with_a_seed(make):
    x = torch.from_numpy(pictures("channels_last", (8, 6, 6, 3)))
    layer = make(11)
    torch.testing.assert_close(layer(x, training=False), x)
    model = lamina.Sequential([lamina.Input((6, 6, 3)), layer, layers.Flatten()])
    torch.testing.assert_close(model(x), x.flatten(1))  # model(x) is inference
    first, second = layer(x, training=True), layer(x, training=True)
    assert not torch.equal(first, second)
    torch.manual_seed(0)
    again = make(11)
    assert torch.equal(again(x, training=True), first) and torch.equal(again(x, training=True), second)


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_a_random_layer_called_alone_augments_until_a_mode_is_chosen(make):
    x = torch.from_numpy(pictures("channels_last", (8, 6, 6, 3)))
    layer = make(5)
    assert not torch.allclose(layer(x), x)  # as Keras: images = RandomFlip()(images)
    layer.eval()
    torch.testing.assert_close(layer(x), x)
    layer.train()
    assert not torch.allclose(layer(x), x)


def test_a_pipeline_of_preprocessing_layers_augments_called_alone_but_not_in_a_model():
    x = torch.from_numpy(pictures("channels_last", (8, 6, 6, 3)))
    augment = lamina.Sequential([layers.Rescaling(1 / 255), layers.RandomFlip(seed=1), layers.RandomRotation(0.2, seed=2)])
    assert not torch.allclose(augment(x), x / 255)  # keras-io's data_augmentation(images)
    inputs = lamina.Input((6, 6, 3))
    model = lamina.Model(inputs, layers.Dense(2)(layers.Flatten()(augment(inputs))))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert torch.equal(model(x), model(x))  # inside a model it follows the model: inference
    model.fit(x.numpy(), np.zeros(8), epochs=1, verbose=0)
    np.testing.assert_array_equal(model.predict(x.numpy(), verbose=0), model.predict(x.numpy(), verbose=0))
    assert not torch.allclose(augment(x), x / 255)  # fit and predict chose no lasting mode
    assert torch.equal(model(x), model(x))
    augment.eval()
    torch.testing.assert_close(augment(x), x / 255)
    model.train()  # a chosen mode reaches every layer inside
    assert not torch.equal(model(x), model(x))


def test_augmentation_changes_the_batches_fit_trains_on():
    seen = []
    probe = lamina.layers.Lambda(lambda t: seen.append(t.detach().clone()) or t)
    model = lamina.Sequential([lamina.Input((6, 6, 3)), layers.RandomFlip("horizontal", seed=3), probe,
                               layers.Flatten(), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = pictures("channels_last", (8, 6, 6, 3))
    model.fit(x, np.zeros(8), batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert not torch.equal(seen[-1], torch.from_numpy(x))
    model.predict(x, batch_size=8, verbose=0)
    assert torch.equal(seen[-1], torch.from_numpy(x))


def test_uint8_images_become_float():
    x = torch.from_numpy(pictures("channels_last").astype(np.uint8))
    assert layers.RandomFlip()(x).dtype == torch.float32
    assert layers.Rescaling(1 / 255)(x).dtype == torch.float32


def test_augmentation_runs_in_fit_but_not_in_predict():
    model = lamina.Sequential([
        lamina.Input(shape=(8, 8, 1)),
        layers.Rescaling(1 / 255),
        layers.RandomFlip("horizontal", seed=0),
        layers.RandomRotation(0.05, seed=0),
        layers.RandomZoom(0.1, seed=0),
        layers.Conv2D(4, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = (rng.random((32, 8, 8, 1)) * 255).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 127).astype(np.int64)
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


# ---- Rescaling and Normalization -------------------------------------------------------------


def test_rescaling_matches_keras():
    x = pictures("channels_last")
    check_against_keras("Rescaling", dict(scale=1 / 127.5, offset=-1), x.astype(np.uint8))
    check_against_keras("Rescaling", dict(scale=[1.0, 2.0, 3.0], offset=0.5), x)


@pytest.mark.parametrize("axis", [-1, None, (1, 2), 1])
def test_normalization_adapt_matches_keras_and_numpy(axis):
    x = (rng.normal(size=(20, 4, 3)) * 5 + 2).astype(np.float32)
    layer, twin = layers.Normalization(axis=axis), keras.layers.Normalization(axis=axis)
    layer.adapt(x)
    twin.adapt(x)
    out = layer(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, twin(x).detach().cpu().numpy(), atol=1e-4)
    batched = layers.Normalization(axis=axis)
    batched.adapt([x[:7], x[7:]])  # an iterable of batches gives the same statistics
    np.testing.assert_allclose(batched(torch.from_numpy(x)).numpy(), out, atol=1e-4)
    keep = () if axis is None else tuple(a % 3 for a in np.atleast_1d(axis))
    reduce = tuple(a for a in range(3) if a not in keep)
    expected = (x - x.mean(axis=reduce, keepdims=True)) / x.std(axis=reduce, keepdims=True)
    np.testing.assert_allclose(out, expected, atol=1e-4)


def test_normalization_with_given_statistics_and_invert_match_keras():
    x = rng.normal(size=(5, 4, 3)).astype(np.float32)
    check_against_keras("Normalization", dict(mean=[1.0, 2.0, 3.0], variance=[4.0, 5.0, 6.0]), x)
    check_against_keras("Normalization", dict(mean=2.0, variance=4.0, invert=True), x)


def test_normalization_weights_and_errors():
    layer = layers.Normalization()
    layer.adapt(np.ones((6, 3), np.float32))
    assert [name for *_, name in layer._weight_entries()] == ["mean", "variance", "count"]
    assert layers.Normalization(mean=1.0, variance=2.0).weights == []
    with pytest.raises(ConfigurationError, match="both mean and variance"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ConfigurationError, match="adapt"):
        layers.Normalization(mean=1.0, variance=1.0).adapt(np.ones((2, 3)))
    with pytest.raises(InputError, match="does not match"):
        layer.adapt(np.ones((2, 4), np.float32))


# ---- errors and configs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: layers.RandomFlip("diagonal"), "mode='diagonal'"),
        (lambda: layers.RandomRotation(1.5), "factor=1.5"),
        (lambda: layers.RandomRotation(0.1, fill_mode="mirror"), "fill_mode='mirror'"),
        (lambda: layers.RandomZoom(-1.0), "height_factor=-1.0"),
        (lambda: layers.RandomContrast(2.0), "factor=2.0"),
        (lambda: layers.RandomContrast(0.1, value_range=(5, 1)), "value_range"),
        (lambda: layers.Resizing(0, 4), "height=0"),
        (lambda: layers.Resizing(4, 4, interpolation="lanczos5"), "lanczos5"),
        (lambda: layers.Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "not both"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ConfigurationError, match=match):
        make()


def test_wrong_rank_is_an_input_error():
    with pytest.raises(InputError, match=r"rank 4.*\(batch, height, width, channels\)"):
        layers.CenterCrop(2, 2)(torch.zeros(4, 5))


@pytest.mark.parametrize(
    "layer",
    [
        layers.Rescaling(1 / 255, offset=-0.5),
        layers.Normalization(axis=(1, 2), mean=[[1.0]], variance=[[2.0]]),
        layers.Resizing(5, 6, interpolation="nearest", crop_to_aspect_ratio=True),
        layers.CenterCrop(4, 4, data_format="channels_first"),
        layers.RandomCrop(3, 3, seed=5),
        layers.RandomFlip("vertical", seed=1),
        layers.RandomRotation((-0.1, 0.2), fill_mode="constant", fill_value=1.0),
        layers.RandomZoom(0.2, (-0.1, 0.1), interpolation="nearest"),
        layers.RandomTranslation(0.1, (0.0, 0.3), fill_mode="wrap"),
        layers.RandomContrast((0.1, 0.3), value_range=(0, 1)),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_symbolic_shapes():
    inputs = lamina.Input(shape=(32, 24, 3))
    assert layers.Resizing(16, 16)(inputs).shape == (None, 16, 16, 3)
    assert layers.CenterCrop(8, 6)(inputs).shape == (None, 8, 6, 3)
    assert layers.RandomCrop(8, 6)(inputs).shape == (None, 8, 6, 3)
    assert layers.RandomRotation(0.1)(inputs).shape == (None, 32, 24, 3)


@pytest.mark.parametrize("make", [
    lambda: layers.Rescaling(1 / 255, dtype="float16"),
    lambda: layers.RandomFlip(seed=1, dtype="float16"),
    lambda: layers.RandomContrast(0.2, seed=1, dtype="float64"),
])
def test_integer_images_become_the_layers_dtype_as_its_symbolic_output_says(make):
    layer = make()
    x = torch.from_numpy(pictures("channels_last").astype(np.uint8))
    symbolic = layer(lamina.Input(x.shape[1:], dtype="uint8"))
    assert layer(x, training=True).dtype == symbolic.dtype == getattr(torch, layer.dtype)
