"""Regularizers and constraints: formulas against NumPy and Keras 3, their wiring into
layers and fit, and their serialization."""

import json

import keras
import numpy as np
import pytest
import torch
from oracle import to_numpy

import lamina
from lamina import constraints, layers, regularizers
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(0)


# ------------------------------------------------------------------------- regularizers
def test_norm_penalties_match_numpy():
    w = rng.normal(size=(4, 3)).astype(np.float32)
    t = torch.from_numpy(w)
    np.testing.assert_allclose(to_numpy(regularizers.L1(0.3)(t)), 0.3 * np.abs(w).sum(), rtol=1e-6)
    np.testing.assert_allclose(to_numpy(regularizers.L2(0.2)(t)), 0.2 * np.square(w).sum(), rtol=1e-6)
    expected = 0.1 * np.abs(w).sum() + 0.05 * np.square(w).sum()
    np.testing.assert_allclose(to_numpy(regularizers.L1L2(l1=0.1, l2=0.05)(t)), expected, rtol=1e-6)
    assert float(regularizers.L1L2()(t)) == 0.0


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_matches_keras(mode):
    w = rng.normal(size=(5, 3)).astype(np.float32)
    ours = regularizers.OrthogonalRegularizer(factor=0.7, mode=mode)(torch.from_numpy(w))
    theirs = keras.regularizers.OrthogonalRegularizer(factor=0.7, mode=mode)(torch.from_numpy(w))
    np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=1e-5)
    vectors = w if mode == "rows" else w.T
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    gram = np.abs(unit @ unit.T)
    pairs = len(unit) * (len(unit) - 1) / 2
    np.testing.assert_allclose(to_numpy(ours), 0.7 * 0.5 * (gram.sum() - np.trace(gram)) / pairs, rtol=1e-5)


def test_orthogonal_regularizer_rejects_non_matrices():
    with pytest.raises(InputError, match="2-D"):
        regularizers.OrthogonalRegularizer()(torch.ones(2, 3, 4))
    with pytest.raises(ConfigurationError, match="mode='diagonal'"):
        regularizers.OrthogonalRegularizer(mode="diagonal")


@pytest.mark.parametrize("bad", [-0.1, float("nan"), "0.1", True])
def test_penalty_factors_are_checked(bad):
    with pytest.raises(ConfigurationError, match="l2"):
        regularizers.L2(bad)


def test_regularizer_names_follow_keras():
    assert isinstance(regularizers.get("l1"), regularizers.L1) and regularizers.get("l1").l1 == 0.01
    assert regularizers.get("l2").l2 == 0.01
    both = regularizers.get("l1_l2")
    assert (both.l1, both.l2) == (0.01, 0.01)
    assert regularizers.get("L1L2").get_config() == {"l1": 0.0, "l2": 0.0}
    assert isinstance(regularizers.get("orthogonal_regularizer"), regularizers.OrthogonalRegularizer)
    assert regularizers.get(None) is None
    with pytest.raises(ConfigurationError, match="Valid names: .*l1_l2"):
        regularizers.get("l3")


def test_regularizer_serialization_is_keras_format_and_round_trips():
    original = regularizers.L1L2(l1=0.25, l2=0.5)
    config = regularizers.serialize(original)
    assert config == {
        "module": "keras.regularizers",
        "class_name": "L1L2",
        "config": {"l1": 0.25, "l2": 0.5},
        "registered_name": None,
    }
    assert regularizers.deserialize(json.loads(json.dumps(config))).get_config() == original.get_config()
    assert keras.regularizers.deserialize(config).get_config() == {"l1": 0.25, "l2": 0.5}
    from_keras = keras.regularizers.serialize(keras.regularizers.OrthogonalRegularizer(0.5, "columns"))
    assert regularizers.get(from_keras).get_config() == {"factor": 0.5, "mode": "columns"}


def test_custom_regularizer_by_registration_and_custom_objects():
    @lamina.saving.register_keras_serializable(package="tests")
    class Sparse(regularizers.Regularizer):
        def __init__(self, strength):
            self.strength = strength

        def __call__(self, x):
            return self.strength * x.abs().sum()

        def get_config(self):
            return {"strength": self.strength}

    config = regularizers.serialize(Sparse(0.3))
    assert config["registered_name"] == "tests>Sparse"
    assert regularizers.deserialize(config).strength == 0.3

    class Unregistered(Sparse):
        pass

    config = regularizers.serialize(Unregistered(0.2))
    with pytest.raises(ConfigurationError, match="custom_objects"):
        regularizers.deserialize(config)
    assert regularizers.deserialize(config, {"Unregistered": Unregistered}).strength == 0.2


# -------------------------------------------------------------------------- constraints
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda c: c.MaxNorm(0.8), lambda c: c.MaxNorm(0.8)),
        (lambda c: c.MaxNorm(1.5, axis=[0, 1, 2]), lambda c: c.MaxNorm(1.5, axis=[0, 1, 2])),
        (lambda c: c.NonNeg(), lambda c: c.NonNeg()),
        (lambda c: c.UnitNorm(axis=1), lambda c: c.UnitNorm(axis=1)),
        (lambda c: c.MinMaxNorm(0.5, 1.0, rate=0.7), lambda c: c.MinMaxNorm(0.5, 1.0, rate=0.7)),
    ],
)
def test_constraints_match_keras(ours, theirs):
    w = rng.normal(size=(3, 3, 4, 5)).astype(np.float32)
    expected = to_numpy(theirs(keras.constraints)(w))
    np.testing.assert_allclose(to_numpy(ours(constraints)(torch.from_numpy(w))), expected, rtol=1e-5, atol=1e-6)


def test_constraint_names_and_serialization():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert constraints.get("max_norm").get_config() == {"max_value": 2, "axis": 0}
    assert isinstance(constraints.get("non_neg"), constraints.NonNeg)
    assert constraints.get("unit_norm").axis == 0
    assert constraints.get("min_max_norm").get_config() == keras.constraints.MinMaxNorm().get_config()
    config = constraints.serialize(constraints.MinMaxNorm(0.1, 2.0, 0.5, axis=[0, 1]))
    assert config["module"] == "keras.constraints" and config["class_name"] == "MinMaxNorm"
    assert keras.constraints.deserialize(config).get_config() == config["config"]
    assert constraints.deserialize(config).get_config() == config["config"]
    with pytest.raises(ConfigurationError, match="Received: axis='0'"):
        constraints.MaxNorm(axis="0")
    with pytest.raises(ConfigurationError, match="max_value"):
        constraints.MaxNorm(max_value=-1)


# ------------------------------------------------------------------------ layer wiring
def _dense_pair(**kwargs):
    """A lamina Dense and a Keras Dense with the same weights and the same extras."""
    ours = layers.Dense(3, **{k: v(lamina) for k, v in kwargs.items()})
    theirs = keras.layers.Dense(3, **{k: v(keras) for k, v in kwargs.items()})
    x = rng.normal(size=(6, 4)).astype(np.float32)
    ours(torch.from_numpy(x))
    theirs(x)
    ours.set_weights(theirs.get_weights())
    return ours, theirs, x


def test_dense_weight_penalties_match_keras_layer_losses():
    ours, theirs, x = _dense_pair(
        kernel_regularizer=lambda m: m.regularizers.OrthogonalRegularizer(0.3, mode="rows"),
        bias_regularizer=lambda m: m.regularizers.L1(0.2),
    )
    theirs(x)
    # OrthogonalRegularizer is layout-sensitive: equal values show it sees (input_dim, units).
    np.testing.assert_allclose(
        to_numpy(sum(ours.losses)), to_numpy(sum(to_numpy(loss) for loss in theirs.losses)), rtol=1e-5
    )


def test_activity_regularizer_adds_batch_normalised_penalty_in_training_only():
    ours, theirs, x = _dense_pair(activity_regularizer=lambda m: m.regularizers.L2(0.1))
    with torch.no_grad():
        out = ours(torch.from_numpy(x))
    assert ours.losses == []  # inference: no activity penalty
    ours.train(True)
    out = ours(torch.from_numpy(x))
    expected = 0.1 * np.square(to_numpy(out)).sum() / len(x)
    assert len(ours._losses) == 1
    np.testing.assert_allclose(to_numpy(ours._losses[0]), expected, rtol=1e-5)
    theirs(x)
    np.testing.assert_allclose(to_numpy(ours._losses[0]), to_numpy(theirs.losses[0]), rtol=1e-5)


def test_dense_config_serializes_extras_in_keras_format():
    layer = layers.Dense(
        4,
        kernel_regularizer="l2",
        bias_regularizer=regularizers.L1(0.3),
        activity_regularizer="l1",
        kernel_constraint="max_norm",
        bias_constraint=constraints.NonNeg(),
    )
    config = json.loads(json.dumps(layer.get_config()))
    assert config["kernel_regularizer"]["class_name"] == "L2"
    assert config["bias_constraint"]["class_name"] == "NonNeg"
    rebuilt = layers.Dense.from_config(config)
    assert rebuilt.kernel_regularizer.get_config() == {"l2": 0.01}
    assert rebuilt.bias_regularizer.get_config() == {"l1": 0.3}
    assert rebuilt.activity_regularizer.get_config() == {"l1": 0.01}
    assert isinstance(rebuilt.kernel_constraint, constraints.MaxNorm)
    assert layers.Dense(2).get_config()["kernel_regularizer"] is None
    keras_layer = keras.layers.Dense.from_config(config)
    assert keras_layer.kernel_constraint.get_config() == {"max_value": 2, "axis": 0}
    assert keras_layer.activity_regularizer.get_config()["l1"] == pytest.approx(0.01)


def test_reported_loss_includes_weight_penalty_matched_by_hand():
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = rng.normal(size=(64, 2)).astype(np.float32)
    model = lamina.Sequential([
        lamina.Input((4,)),
        layers.Dense(3, kernel_regularizer=regularizers.L2(0.1), bias_initializer="ones"),
        layers.Dense(2, bias_regularizer=regularizers.L1(0.5), bias_initializer="ones"),
    ])
    # learning rate 0: the weights stay put, so every batch sees the same penalty.
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    kernel = model.layers[0].get_weights()[0]
    bias = model.layers[1].get_weights()[1]
    mse = np.mean((model.predict(x, verbose=0) - y) ** 2)
    expected = mse + 0.1 * np.square(kernel).sum() + 0.5 * np.abs(bias).sum()
    np.testing.assert_allclose(history.history["loss"][0], expected, rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-5)


def test_regularizer_gradient_reaches_the_weights():
    model = lamina.Sequential([lamina.Input((2,)), layers.Dense(1, kernel_regularizer=regularizers.L2(10.0))])
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.01), loss="mse")
    before = np.abs(model.get_weights()[0]).sum()
    model.fit(np.zeros((8, 2), "float32"), np.zeros((8, 1), "float32"), epochs=3, verbose=0)
    # With zero data only the penalty has a gradient: it shrinks the kernel by (1 - 2*lr*l2) per step.
    np.testing.assert_allclose(np.abs(model.get_weights()[0]).sum(), before * 0.8**3, rtol=1e-4)


def test_frozen_layer_adds_no_penalty():
    dense = layers.Dense(2, kernel_regularizer=regularizers.L2(1.0))
    dense(torch.ones(1, 3))
    assert len(dense.losses) == 1
    dense.trainable = False
    assert dense.losses == []


def test_activity_regularization_layer():
    layer = layers.ActivityRegularization(l1=0.2, l2=0.1)
    x = rng.normal(size=(5, 3)).astype(np.float32)
    out = layer(torch.from_numpy(x))
    np.testing.assert_array_equal(to_numpy(out), x)
    assert layer.losses == []
    layer.train(True)
    layer(torch.from_numpy(x))
    expected = (0.2 * np.abs(x).sum() + 0.1 * np.square(x).sum()) / len(x)
    np.testing.assert_allclose(to_numpy(layer.losses[0]), expected, rtol=1e-5)
    keras_layer = keras.layers.ActivityRegularization(l1=0.2, l2=0.1)
    keras_layer(x)
    np.testing.assert_allclose(to_numpy(layer.losses[0]), to_numpy(keras_layer.losses[0]), rtol=1e-5)
    config = layer.get_config()
    assert {k: config[k] for k in ("l1", "l2")} == {"l1": 0.2, "l2": 0.1}
    assert "activity_regularizer" not in config
    assert layers.ActivityRegularization.from_config(config).get_config() == config
    symbolic = layers.ActivityRegularization(l1=0.1)(lamina.Input((7, 3)))
    assert symbolic.shape == (None, 7, 3)
    with pytest.raises(ConfigurationError, match="Received: l1=-1"):
        layers.ActivityRegularization(l1=-1)


def test_activity_regularization_in_fit_matches_hand_computation():
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = rng.normal(size=(32, 1)).astype(np.float32)
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(4), layers.ActivityRegularization(l1=0.3), layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(x, y, batch_size=8, verbose=0, shuffle=False)
    kernel, bias = model.layers[0].get_weights()
    activity = x @ kernel + bias
    penalty = np.mean([0.3 * np.abs(activity[i : i + 8]).sum() / 8 for i in range(0, 32, 8)])
    mse = np.mean((model.predict(x, verbose=0) - y) ** 2)
    np.testing.assert_allclose(history.history["loss"][0], mse + penalty, rtol=1e-5)


# ------------------------------------------------------------------------ constraints in fit
class _NormWatcher(lamina.callbacks.Callback):
    """Records the largest per-unit norm of a Dense kernel (Keras layout) after each batch."""

    def __init__(self, layer):
        super().__init__()
        self.layer, self.norms = layer, []

    def on_train_batch_end(self, batch, logs=None):
        kernel = self.layer.get_weights()[0]  # (input_dim, units)
        self.norms.append(np.linalg.norm(kernel, axis=0).max())


def test_max_norm_kernel_never_exceeds_its_norm_during_training():
    x = rng.normal(size=(128, 6)).astype(np.float32) * 5
    y = rng.normal(size=(128, 4)).astype(np.float32) * 5
    dense = layers.Dense(4, kernel_constraint=constraints.MaxNorm(0.5))
    model = lamina.Sequential([lamina.Input((6,)), dense])
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.5), loss="mse")
    watcher = _NormWatcher(dense)
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[watcher])
    assert len(watcher.norms) == 24
    assert max(watcher.norms) <= 0.5 + 1e-5
    per_unit = np.linalg.norm(dense.get_weights()[0], axis=0)
    np.testing.assert_allclose(per_unit, 0.5, rtol=1e-4)  # the data pushes every unit to the bound


def test_constrained_step_matches_keras():
    """One SGD step with MaxNorm(axis=0) on a Dense kernel and NonNeg on its bias, as in Keras:
    equal weights afterwards show the constraint acts on Keras's (input_dim, units) axes."""
    x = rng.normal(size=(8, 5)).astype(np.float32) * 3
    y = rng.normal(size=(8, 3)).astype(np.float32) * 3
    extras = {
        "kernel_constraint": lambda m: m.constraints.MaxNorm(0.6, axis=0),
        "bias_constraint": lambda m: m.constraints.NonNeg(),
    }
    theirs = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, **{k: v(keras) for k, v in extras.items()})])
    ours = lamina.Sequential([lamina.Input((5,)), layers.Dense(3, **{k: v(lamina) for k, v in extras.items()})])
    ours.set_weights(theirs.get_weights())
    theirs.compile(optimizer=keras.optimizers.SGD(learning_rate=0.3), loss="mse")
    ours.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.3), loss="mse")
    theirs.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    ours.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_conv_kernel_max_norm_per_filter_in_keras_layout():
    conv = layers.Conv2D(3, 3, kernel_constraint=constraints.MaxNorm(0.2, axis=[0, 1, 2]))
    model = lamina.Sequential([lamina.Input((6, 6, 2)), conv, layers.Flatten()])
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=1.0), loss="mse")
    x = rng.normal(size=(16, 6, 6, 2)).astype(np.float32)
    model.fit(x, np.ones((16, 48), np.float32) * 3, epochs=2, verbose=0)
    kernel = conv.get_weights()[0]  # (3, 3, in, filters)
    norms = np.sqrt(np.square(kernel).sum(axis=(0, 1, 2)))
    assert norms.shape == (3,) and (norms <= 0.2 + 1e-5).all()


def test_constraint_on_custom_weight_and_train_on_batch():
    class Positive(layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", constraint="non_neg", name="scale")

        def call(self, inputs):
            return inputs * self.scale

    model = lamina.Sequential([lamina.Input((3,)), Positive()])
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=10.0), loss="mse")
    model.train_on_batch(np.ones((4, 3), np.float32), -np.ones((4, 3), np.float32))
    assert (model.get_weights()[0] >= 0).all() and (model.get_weights()[0] == 0).any()


def test_saved_model_keeps_regularizers_and_constraints(tmp_path):
    model = lamina.Sequential([
        lamina.Input((3,)),
        layers.Dense(2, kernel_regularizer=regularizers.L1L2(0.1, 0.2), kernel_constraint=constraints.UnitNorm()),
    ])
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "m.keras")
    loaded = lamina.saving.load_model(tmp_path / "m.keras")
    dense = loaded.layers[0]
    assert dense.kernel_regularizer.get_config() == {"l1": 0.1, "l2": 0.2}
    assert isinstance(dense.kernel_constraint, constraints.UnitNorm)
    np.testing.assert_allclose(to_numpy(sum(loaded.losses)), to_numpy(sum(model.losses)), rtol=1e-6)
