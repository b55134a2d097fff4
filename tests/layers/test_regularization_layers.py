"""SpatialDropout1D/2D/3D, GaussianNoise and GaussianDropout: training-only, seeded noise."""

import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError


@pytest.mark.parametrize(
    "layer, shape, channel_axis",
    [
        (layers.SpatialDropout1D(0.5), (64, 7, 16), 2),
        (layers.SpatialDropout2D(0.5), (64, 5, 4, 16), 3),
        (layers.SpatialDropout2D(0.5, data_format="channels_first"), (64, 16, 5, 4), 1),
        (layers.SpatialDropout3D(0.5), (32, 3, 4, 2, 16), 4),
    ],
    ids=["1d", "2d", "2d-first", "3d"],
)
def test_spatial_dropout_drops_whole_channels(layer, shape, channel_axis):
    x = torch.ones(shape)
    out = layer(x, training=True)
    assert set(out.unique().tolist()) <= {0.0, 2.0}  # kept values scaled by 1 / (1 - rate)
    spatial = [a for a in range(1, len(shape)) if a != channel_axis]
    per_channel = out.amax(dim=spatial)
    torch.testing.assert_close(out.amin(dim=spatial), per_channel)  # one decision per map
    assert 0.35 < (per_channel > 0).float().mean().item() < 0.65
    assert torch.equal(layer(x, training=False), x)


@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_gaussian_dropout_statistics(rate):
    x = torch.full((200, 500), 3.0)
    out = layers.GaussianDropout(rate)(x, training=True)
    noise = out / 3.0
    assert abs(noise.mean().item() - 1.0) < 0.01
    assert abs(noise.std().item() - np.sqrt(rate / (1 - rate))) < 0.01


def test_gaussian_noise_statistics_and_inference_identity():
    layer = layers.GaussianNoise(0.5)
    x = torch.zeros(200, 500)
    out = layer(x, training=True)
    assert abs(out.mean().item()) < 0.01 and abs(out.std().item() - 0.5) < 0.01
    assert torch.equal(layer(x), x)  # layers start in inference mode
    assert torch.equal(layers.GaussianDropout(0.4)(x + 1), x + 1)


@pytest.mark.parametrize(
    "make",
    [
        lambda seed: layers.SpatialDropout2D(0.3, seed=seed),
        lambda seed: layers.GaussianNoise(1.0, seed=seed),
        lambda seed: layers.GaussianDropout(0.3, seed=seed),
    ],
)
def test_seed_makes_noise_repeat_whatever_the_global_state(make):
    x = torch.ones(4, 5, 5, 3)
    first = make(7)
    a1, a2 = first(x, training=True), first(x, training=True)
    torch.manual_seed(123)  # the global generator does not matter
    second = make(7)
    b1, b2 = second(x, training=True), second(x, training=True)
    assert torch.equal(a1, b1) and torch.equal(a2, b2) and not torch.equal(a1, a2)


def test_bad_arguments_and_inputs():
    with pytest.raises(ConfigurationError, match="rate=1.0"):
        layers.SpatialDropout2D(1.0)
    with pytest.raises(ConfigurationError, match="stddev=-1"):
        layers.GaussianNoise(-1)
    with pytest.raises(ConfigurationError, match="seed"):
        layers.GaussianDropout(0.1, seed="seven")
    with pytest.raises(InputError, match="rank 4"):
        layers.SpatialDropout2D(0.5)(torch.ones(2, 3, 4), training=True)


@pytest.mark.parametrize(
    "layer",
    [
        layers.SpatialDropout1D(0.2, seed=1),
        layers.SpatialDropout2D(0.3, data_format="channels_first"),
        layers.SpatialDropout3D(0.1),
        layers.GaussianNoise(0.5, seed=3),
        layers.GaussianDropout(0.25),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_noise_layers_train_in_a_model_and_vanish_in_predict():
    model = lamina.Sequential([
        lamina.Input(shape=(6, 6, 2)),
        layers.GaussianNoise(0.1),
        layers.Conv2D(4, 3, activation="relu"),
        layers.SpatialDropout2D(0.25),
        layers.Flatten(),
        layers.GaussianDropout(0.2),
        layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(4)
    x = rng.normal(size=(32, 6, 6, 2)).astype(np.float32)
    history = model.fit(x, x.mean(axis=(1, 2, 3))[:, None], epochs=3, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
