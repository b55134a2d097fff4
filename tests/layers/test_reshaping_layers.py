"""Reshaping layers (padding, cropping, upsampling, Permute, RepeatVector) against real Keras 3."""

import numpy as np
import pytest
import torch
from oracle import layer_against_keras

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(3)
FORMATS = ["channels_last", "channels_first"]


def check_against_keras(name, kwargs, shape):
    x = rng.normal(size=shape).astype(np.float32)
    return layer_against_keras(name, kwargs, x, atol=1e-5, check_output_shape=True)[0]


def image_shape(data_format, shape):
    return shape if data_format == "channels_last" else (shape[0], shape[-1], *shape[1:-1])


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding", [1, (1, 2), ((1, 0), (2, 3))])
def test_zero_padding_2d_matches_keras(data_format, padding):
    check_against_keras("ZeroPadding2D", dict(padding=padding, data_format=data_format),
                        image_shape(data_format, (2, 6, 7, 3)))


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("cropping", [1, (1, 2), ((1, 0), (2, 1))])
def test_cropping_2d_matches_keras(data_format, cropping):
    check_against_keras("Cropping2D", dict(cropping=cropping, data_format=data_format),
                        image_shape(data_format, (2, 6, 7, 3)))


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("size", [2, (2, 3)])
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
def test_up_sampling_2d_matches_keras(data_format, size, interpolation):
    check_against_keras("UpSampling2D", dict(size=size, data_format=data_format, interpolation=interpolation),
                        image_shape(data_format, (2, 5, 4, 3)))


@pytest.mark.parametrize("data_format", FORMATS)
def test_3d_layers_match_keras(data_format):
    shape = image_shape(data_format, (2, 5, 4, 3, 2))
    check_against_keras("ZeroPadding3D", dict(padding=((1, 0), (2, 3), (0, 1)), data_format=data_format), shape)
    check_against_keras("ZeroPadding3D", dict(data_format=data_format), shape)
    check_against_keras("Cropping3D", dict(cropping=((1, 0), (1, 1), (0, 1)), data_format=data_format), shape)
    check_against_keras("Cropping3D", dict(data_format=data_format), shape)
    check_against_keras("UpSampling3D", dict(size=(1, 2, 3), data_format=data_format), shape)


def test_1d_layers_permute_and_repeat_vector_match_keras():
    check_against_keras("ZeroPadding1D", dict(padding=(1, 3)), (2, 5, 3))
    check_against_keras("ZeroPadding1D", dict(padding=2, data_format="channels_first"), (2, 3, 5))
    check_against_keras("Cropping1D", dict(cropping=(1, 3)), (2, 7, 3))
    check_against_keras("Cropping1D", dict(), (2, 7, 3))
    check_against_keras("UpSampling1D", dict(size=3), (2, 7, 3))
    check_against_keras("Permute", dict(dims=(2, 1)), (2, 7, 3))
    check_against_keras("Permute", dict(dims=(3, 1, 2)), (2, 7, 3, 4))
    check_against_keras("RepeatVector", dict(n=3), (2, 7))


def test_integer_tensors_keep_their_dtype():
    x = torch.arange(24).view(1, 2, 3, 4)
    for layer in (layers.ZeroPadding2D(), layers.Cropping2D(((0, 1), (1, 0))), layers.UpSampling2D(),
                  layers.Permute((3, 1, 2))):
        assert layer(x).dtype == torch.int64
    ids = lamina.Input(shape=(4, 6), dtype="int32")
    assert layers.Permute((2, 1))(ids).dtype == torch.int32


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: layers.ZeroPadding2D(padding=(1, 2, 3)), ConfigurationError, "padding"),
        (lambda: layers.ZeroPadding2D(padding=-1), ConfigurationError, "padding=-1"),
        (lambda: layers.Cropping2D(cropping="1"), ConfigurationError, "cropping"),
        (lambda: layers.UpSampling2D(interpolation="lanczos3"), ConfigurationError, "lanczos3"),
        (lambda: layers.UpSampling3D(size=0), ConfigurationError, "size"),
        (lambda: layers.Permute((1, 3)), ConfigurationError, "permutation"),
        (lambda: layers.RepeatVector(0), ConfigurationError, "n=0"),
        (lambda: layers.Cropping2D(3)(torch.zeros(1, 6, 8, 1)), InputError, "removes everything"),
        (lambda: layers.ZeroPadding2D()(torch.zeros(1, 6, 8)), InputError, "rank 4"),
        (lambda: layers.Permute((2, 1))(torch.zeros(1, 6, 8, 2)), InputError, "2 axes"),
        (lambda: layers.RepeatVector(2)(torch.zeros(1, 6, 8)), InputError, "rank 2"),
    ],
)
def test_errors_say_what_is_wrong(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    "layer",
    [
        layers.ZeroPadding1D((1, 2)),
        layers.ZeroPadding2D(((1, 0), (2, 3)), data_format="channels_first"),
        layers.ZeroPadding3D(2),
        layers.Cropping1D(2),
        layers.Cropping2D(((1, 0), (0, 2))),
        layers.Cropping3D(),
        layers.UpSampling1D(3),
        layers.UpSampling2D((2, 3), interpolation="bilinear"),
        layers.UpSampling3D(),
        layers.Permute((2, 1)),
        layers.RepeatVector(4),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_symbolic_shapes_and_a_training_step():
    inputs = lamina.Input(shape=(8, 8, 2))
    x = layers.ZeroPadding2D(1)(inputs)
    assert x.shape == (None, 10, 10, 2)
    x = layers.Conv2D(4, 3, activation="relu")(x)
    x = layers.Cropping2D(((1, 1), (2, 2)))(x)
    assert x.shape == (None, 6, 4, 4)
    x = layers.UpSampling2D(interpolation="bilinear")(x)
    assert x.shape == (None, 12, 8, 4)
    x = layers.Permute((3, 1, 2))(x)
    assert x.shape == (None, 4, 12, 8)
    x = layers.Dense(3)(layers.Flatten()(x))
    x = layers.RepeatVector(2)(x)
    assert x.shape == (None, 2, 3)
    model = lamina.Model(inputs, x)
    model.compile(optimizer="adam", loss="mse")
    data = rng.normal(size=(16, 8, 8, 2)).astype(np.float32)
    target = np.repeat(data.mean(axis=(1, 2))[:, None, :1], 3, axis=2).repeat(2, axis=1)
    history = model.fit(data, target, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize("make", [
    lambda: layers.Cropping1D(data_format="channels_first"),
    lambda: layers.UpSampling1D(data_format="channels_first"),
    lambda: layers.SpatialDropout1D(0.1, data_format="channels_first"),
])
def test_1d_layers_refuse_a_data_format_by_name(make):
    with pytest.raises(ConfigurationError, match=r"1D: unexpected keyword argument\(s\) \['data_format'\]. Its inputs are \(batch, steps, channels\)"):
        make()


@pytest.mark.parametrize("target_shape, message", [
    ((5,), r"Reshape '.*': cannot reshape a sample of shape \(3, 4\) \(12 values\) to target_shape=\(5,\)"),
    ((5, -1), r"Reshape '.*': a sample of shape \(3, 4\) \(12 values\) does not divide into target_shape=\(5, -1\)"),
])
def test_reshape_called_on_a_tensor_of_the_wrong_size_says_why(target_shape, message):
    with pytest.raises(InputError, match=message):
        layers.Reshape(target_shape)(torch.zeros(2, 3, 4))
