"""Normalization layers against real Keras 3, NumPy and torch.nn.functional."""

import keras
import numpy as np
import pytest
import torch
from oracle import assert_same_weights, keras_twin

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(2)
# Keras's own get_weights() warns under NumPy 2; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def random_weights(layer):
    """Keras-layout weights for ``layer``: random, with positive variances."""
    weights = []
    for value, (*_, name) in zip(layer.get_weights(), layer._weight_entries()):
        sample = rng.normal(size=value.shape).astype(np.float32)
        weights.append(np.abs(sample) + 0.5 if "variance" in name else sample)
    return weights


def run_beside_keras(name, kwargs, shape, training=False, steps=1):
    """Run lamina's and Keras's layer ``steps`` times on the same data and weights."""
    x = (rng.normal(size=shape) * 3 + 1).astype(np.float32)
    layer = getattr(layers, name)(**kwargs)
    layer(torch.from_numpy(x))
    twin = keras_twin(layer, kwargs, shape)
    weights = random_weights(layer)
    layer.set_weights(weights)
    twin.set_weights(weights)
    for _ in range(steps):
        out = layer(torch.from_numpy(x), training=training).detach().numpy()
        expected = twin(x, training=training).detach().cpu().numpy()
        np.testing.assert_allclose(out, expected, atol=2e-5, rtol=1e-5)
    assert_same_weights(layer, twin, atol=1e-5, rtol=1e-5)
    return layer, x


# ---- BatchNormalization ------------------------------------------------------------------


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({}, (8, 5, 4, 3)),  # channels_last images
        ({"axis": 1}, (8, 3, 5, 4)),  # channels_first images
        ({"axis": 2, "center": False}, (8, 3, 5, 4)),
        ({"momentum": 0.5, "epsilon": 0.01}, (6, 4)),  # after a Dense layer
        ({"scale": False}, (4, 7, 3)),  # sequences
    ],
)
def test_batch_normalization_matches_keras_and_its_moving_statistics(kwargs, shape, training):
    run_beside_keras("BatchNormalization", kwargs, shape, training=training, steps=3)


def test_batch_normalization_moving_update_is_keras_formula_with_biased_variance():
    layer = layers.BatchNormalization()
    x = rng.normal(size=(16, 3)).astype(np.float32) * 2 + 5
    out = layer(torch.from_numpy(x), training=True).detach().numpy()
    mean, variance = x.mean(axis=0), x.var(axis=0)  # biased, as Keras uses
    gamma, beta, moving_mean, moving_variance = layer.get_weights()
    np.testing.assert_allclose(moving_mean, 0.99 * 0 + 0.01 * mean, rtol=1e-5)
    np.testing.assert_allclose(moving_variance, 0.99 * 1 + 0.01 * variance, rtol=1e-5)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(variance + 1e-3), atol=1e-5)
    inference = layer(torch.from_numpy(x), training=False).detach().numpy()
    np.testing.assert_allclose(inference, (x - moving_mean) / np.sqrt(moving_variance + 1e-3), atol=1e-5)


def test_batch_normalization_weights_order_and_storage():
    layer = layers.BatchNormalization()
    layer(torch.zeros(2, 4))
    assert [name for *_, name in layer._weight_entries()] == ["gamma", "beta", "moving_mean", "moving_variance"]
    # Trainable weights are nn.Parameters (lamina.Variable subclasses them: Keras's Variable API).
    assert all(isinstance(w, torch.nn.Parameter) and isinstance(w, lamina.Variable) for w in (layer.gamma, layer.beta))
    buffers = dict(layer.named_buffers())
    assert set(buffers) == {"moving_mean", "moving_variance"}
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2
    assert set(layer.state_dict()) == {"gamma", "beta", "moving_mean", "moving_variance"}


def test_batch_of_one_trains_like_keras_instead_of_failing():
    run_beside_keras("BatchNormalization", {}, (1, 4), training=True, steps=2)


def test_batch_normalization_with_mask_matches_keras():
    x = rng.normal(size=(3, 5, 4)).astype(np.float32)
    mask = rng.random((3, 5)) > 0.3
    layer, twin = layers.BatchNormalization(), keras.layers.BatchNormalization()
    out = layer(torch.from_numpy(x), training=True, mask=torch.from_numpy(mask)).detach().numpy()
    expected = twin(x, training=True, mask=keras.ops.convert_to_tensor(mask)).detach().numpy()
    np.testing.assert_allclose(out, expected, atol=1e-5)
    for mine, theirs in zip(layer.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(mine, theirs, atol=1e-6)


def test_frozen_batch_normalization_runs_in_inference_mode_during_fit():
    model = lamina.Sequential([
        lamina.Input(shape=(4,)),
        layers.Dense(8),
        layers.BatchNormalization(),
        layers.Dense(1),
    ])
    batch_norm = model.layers[1]
    batch_norm.trainable = False
    before = [w.copy() for w in batch_norm.get_weights()]
    model.compile(optimizer="sgd", loss="mse")
    x = rng.normal(size=(32, 4)).astype(np.float32)
    model.fit(x, x[:, :1] * 3, epochs=2, batch_size=8, verbose=0)
    for old, new in zip(before, batch_norm.get_weights()):
        np.testing.assert_array_equal(old, new)  # no moving-stat update, no gamma/beta step
    hidden = model.layers[0](torch.from_numpy(x))
    torch.testing.assert_close(batch_norm(hidden, training=True), batch_norm(hidden, training=False))


def test_trainable_batch_normalization_updates_moving_stats_in_fit_only():
    model = lamina.Sequential([lamina.Input(shape=(3,)), layers.BatchNormalization()])
    model.compile(optimizer="sgd", loss="mse")
    x = (rng.normal(size=(64, 3)) * 4 + 2).astype(np.float32)
    model.predict(x, verbose=0)
    np.testing.assert_array_equal(model.layers[0].get_weights()[2], np.zeros(3))
    model.fit(x, x, epochs=1, batch_size=64, verbose=0)
    np.testing.assert_allclose(model.layers[0].get_weights()[2], 0.01 * x.mean(axis=0), rtol=1e-4)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"momentum": 1.5}, "momentum"),
        ({"epsilon": 0}, "epsilon"),
        ({"renorm": True}, "renorm"),
        ({"axis": [1, 2]}, "axis"),
    ],
)
def test_batch_normalization_bad_arguments(kwargs, match):
    with pytest.raises(ConfigurationError, match=match):
        layers.BatchNormalization(**kwargs)


def test_axis_out_of_range_is_an_input_error():
    with pytest.raises(InputError, match=r"axis 3 is out of range for inputs of rank 3"):
        layers.BatchNormalization(axis=3)(torch.zeros(2, 3, 4))


# ---- LayerNormalization, GroupNormalization, UnitNormalization ------------------------------


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({}, (4, 5, 6)),
        ({"axis": [1, 2]}, (4, 5, 6)),
        ({"axis": [1, 3]}, (4, 5, 6, 3)),
        ({"scale": False, "epsilon": 1e-5}, (4, 6)),
    ],
)
def test_layer_normalization_matches_keras(kwargs, shape):
    run_beside_keras("LayerNormalization", kwargs, shape)


def test_layer_normalization_over_a_middle_axis_matches_numpy():
    layer = layers.LayerNormalization(axis=1)
    x = rng.normal(size=(3, 5, 4)).astype(np.float32)
    layer(torch.from_numpy(x))
    gamma, beta = rng.normal(size=(2, 5)).astype(np.float32)
    layer.set_weights([gamma, beta])
    mean, variance = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    expected = (x - mean) / np.sqrt(variance + 1e-3) * gamma[:, None] + beta[:, None]
    np.testing.assert_allclose(layer(torch.from_numpy(x)).detach().numpy(), expected, atol=1e-5)


def test_layer_normalization_is_f_layer_norm():
    layer = layers.LayerNormalization(epsilon=1e-5)
    x = torch.randn(3, 4, 8)
    layer(x)
    with torch.no_grad():
        layer.gamma.uniform_()
        layer.beta.uniform_()
    expected = torch.nn.functional.layer_norm(x, (8,), layer.gamma, layer.beta, 1e-5)
    torch.testing.assert_close(layer(x), expected)


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"groups": 2}, (4, 5, 6, 4)),
        ({"groups": -1, "axis": 1}, (4, 4, 5, 6)),
        ({"groups": 3, "center": False}, (4, 6)),
        ({"groups": 1}, (2, 7, 6)),
    ],
)
def test_group_normalization_matches_keras(kwargs, shape):
    run_beside_keras("GroupNormalization", kwargs, shape)


def test_group_normalization_groups_must_divide_channels():
    with pytest.raises(InputError, match="groups=4 must divide the 6 channels"):
        layers.GroupNormalization(groups=4)(torch.zeros(2, 6))
    with pytest.raises(ConfigurationError, match="groups=0"):
        layers.GroupNormalization(groups=0)


@pytest.mark.parametrize("axis, shape", [(-1, (4, 6)), ([1, 2], (4, 6, 3)), (1, (3, 4, 5))])
def test_unit_normalization_matches_keras(axis, shape):
    x = rng.normal(size=shape).astype(np.float32)
    x[0] = 0  # zero vectors stay zero
    out = layers.UnitNormalization(axis=axis)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, keras.layers.UnitNormalization(axis=axis)(x).numpy(), atol=1e-6)


# ---- config, symbolic, and a ResNet-style model ---------------------------------------------


@pytest.mark.parametrize(
    "layer",
    [
        layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False,
                                  gamma_initializer="zeros", gamma_regularizer="l2"),
        layers.LayerNormalization(axis=[1, 2], scale=False),
        layers.GroupNormalization(groups=4, axis=1, beta_constraint="non_neg"),
        layers.UnitNormalization(axis=[1, 2]),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_symbolic_calls_keep_the_shape():
    inputs = lamina.Input(shape=(6, 6, 8))
    for layer in (layers.BatchNormalization(), layers.LayerNormalization(),
                  layers.GroupNormalization(groups=4), layers.UnitNormalization()):
        assert layer(inputs).shape == (None, 6, 6, 8)


def test_small_resnet_trains_and_its_loss_falls():
    lamina.utils.set_random_seed(0)
    inputs = lamina.Input(shape=(8, 8, 3))
    x = layers.Conv2D(16, 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    for _ in range(2):
        shortcut = x
        y = layers.Conv2D(16, 3, padding="same", use_bias=False)(x)
        y = layers.BatchNormalization()(y)
        y = layers.Activation("relu")(y)
        y = layers.Conv2D(16, 3, padding="same", use_bias=False)(y)
        y = layers.BatchNormalization()(y)
        x = layers.Activation("relu")(layers.Add()([shortcut, y]))
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(3, activation="softmax")(x)
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    labels = rng.integers(0, 3, size=96)
    images = rng.normal(size=(96, 8, 8, 3)).astype(np.float32) * 0.5
    images[np.arange(96), :, :, labels] += 1.0  # the class is the brightest channel
    history = model.fit(images, labels, epochs=6, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]
    _, accuracy = model.evaluate(images, labels, verbose=0)
    assert accuracy > 0.8
    moving_means = [m.moving_mean for m in model.modules() if isinstance(m, layers.BatchNormalization)]
    assert len(moving_means) == 5 and all(bool(m.abs().sum() > 0) for m in moving_means)


@pytest.mark.parametrize("kwargs, shape", [
    ({}, (4, 6)),
    ({"axis": [1, 2], "epsilon": 1e-3}, (3, 4, 5)),
])
def test_rms_normalization_matches_keras(kwargs, shape):
    run_beside_keras("RMSNormalization", kwargs, shape)


def test_rms_normalization_over_a_middle_axis_is_the_formula():
    # Keras's torch backend fails on this case (F.rms_norm takes trailing axes only).
    x = rng.normal(size=(3, 4, 5)).astype(np.float32)
    layer = layers.RMSNormalization(axis=1)
    layer(torch.from_numpy(x))
    scale = rng.normal(size=(4,)).astype(np.float32)
    layer.set_weights([scale])
    expected = x / np.sqrt((x**2).mean(axis=1, keepdims=True) + 1e-6) * scale[None, :, None]
    np.testing.assert_allclose(layer(torch.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_rms_normalization_of_half_precision_inputs_is_computed_in_float32():
    x = torch.tensor([[300.0, 400.0]], dtype=torch.float16)  # its square overflows float16
    out = layers.RMSNormalization()(x)
    assert out.dtype == torch.float16 and torch.isfinite(out).all()
    torch.testing.assert_close(out.float(), torch.tensor([[0.8485, 1.1314]]), atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("name, kwargs", [
    ("BatchNormalization", {"axis": 1, "momentum": 0.9}),
    ("LayerNormalization", {"axis": [1, 2], "center": False}),
    ("RMSNormalization", {"axis": [1, 2]}),
])
def test_configs_carry_every_key_keras_writes(name, kwargs):
    ours, theirs = getattr(layers, name)(**kwargs).get_config(), getattr(keras.layers, name)(**kwargs).get_config()
    for key in set(theirs) - {"name", "dtype"}:
        if isinstance(theirs[key], dict):  # initializers: Keras adds module/registered_name
            assert {k: ours[key][k] for k in ("class_name", "config")} == {k: theirs[key][k] for k in ("class_name", "config")}
        else:
            assert ours[key] == theirs[key], key
    assert getattr(layers, name).from_config(theirs).get_config()["axis"] == ours["axis"]


def test_layer_normalization_refuses_keras_deprecated_rms_scaling():
    assert layers.LayerNormalization(rms_scaling=False).get_config()["rms_scaling"] is False
    with pytest.raises(ConfigurationError, match="rms_scaling=True is not supported.*RMSNormalization"):
        layers.LayerNormalization(rms_scaling=True)
