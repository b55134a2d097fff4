"""A compiled ``LossScaleOptimizer``: compile/fit scale with its scaler (one scaler, Keras's
dynamic growth/backoff step by step), and it crosses ``.keras`` files both ways with Keras."""

import keras
import numpy as np
import pytest

import lamina
from lamina import layers, mixed_precision
from lamina.optimizers import LossScaleOptimizer

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 3)).astype("float32")
Y = (100 * RNG.normal(size=(12, 1))).astype("float32")  # loss ~1e4: large scales overflow


def _lamina_model(optimizer):
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def test_fit_uses_the_wrapped_scaler_only_and_matches_the_inner_optimizer():
    plain = _lamina_model(lamina.optimizers.SGD(0.01))
    scaled = _lamina_model(LossScaleOptimizer(lamina.optimizers.SGD(0.01), initial_scale=2.0**10))
    scaled.set_weights(plain.get_weights())
    plain.fit(X, Y / 100, batch_size=4, epochs=2, shuffle=False, verbose=0)
    scaled.fit(X, Y / 100, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert getattr(scaled, "_grad_scaler", None) is None
    assert scaled.optimizer._scaler is not None and scaled.optimizer.iterations == 6
    for a, b in zip(plain.get_weights(), scaled.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)  # power-of-two scaling is exact


def test_no_second_scaler_where_mixed_float16_would_add_one(monkeypatch):
    monkeypatch.setattr(mixed_precision, "needs_loss_scaling", lambda device: True)
    with pytest.warns(UserWarning):  # torch: a CUDA GradScaler on a machine without CUDA is disabled
        plain = _lamina_model("sgd")
        plain.train_on_batch(X, Y)
    assert plain._grad_scaler is not None  # mixed_float16's own scaler, unchanged
    wrapped = _lamina_model(LossScaleOptimizer(lamina.optimizers.SGD()))
    wrapped.train_on_batch(X, Y)
    assert wrapped._grad_scaler is None


def _keras_pair(initial_scale, growth, inner="SGD", tmp_path=None):
    """A Keras model compiled with a LossScaleOptimizer and the same model loaded in lamina."""
    keras.utils.set_random_seed(3)
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    inner_optimizer = getattr(keras.optimizers, inner)(learning_rate=1e-3)
    theirs.compile(optimizer=keras.optimizers.LossScaleOptimizer(inner_optimizer, initial_scale=initial_scale,
                                                                 dynamic_growth_steps=growth), loss="mse")
    path = tmp_path / "keras.keras"
    theirs.save(path)
    return theirs, lamina.models.load_model(path)


def _keras_state(model):
    optimizer = model.optimizer
    return (float(optimizer.dynamic_scale.numpy()), int(optimizer.step_counter.numpy()), int(optimizer.iterations.numpy()))


def _lamina_state(model):
    optimizer = model.optimizer
    return optimizer.dynamic_scale, optimizer.step_counter, optimizer.iterations


@pytest.mark.parametrize("inner", ["SGD", "Adam"])
def test_dynamic_scale_backoff_and_growth_follow_keras_step_by_step(tmp_path, inner):
    theirs, ours = _keras_pair(2.0**127, 2, inner, tmp_path)
    assert isinstance(ours.optimizer, LossScaleOptimizer) and ours.optimizer.dynamic_growth_steps == 2
    scales = []
    for step in range(16):
        batch = slice(step % 3 * 4, step % 3 * 4 + 4)
        theirs.train_on_batch(X[batch], Y[batch])
        ours.train_on_batch(X[batch], Y[batch])
        assert _lamina_state(ours) == _keras_state(theirs), f"step {step}"
        scales.append(ours.optimizer.dynamic_scale)
        for a, b in zip(theirs.get_weights(), ours.get_weights()):
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6, err_msg=f"step {step}")
    assert min(scales) < 2.0**127 and any(b > a for a, b in zip(scales, scales[1:]))  # backed off, then grew


def test_keras_file_state_loads_in_lamina_and_the_next_steps_agree(tmp_path):
    theirs, _ = _keras_pair(2.0**8, 3, "Adam", tmp_path)
    for _ in range(4):
        theirs.train_on_batch(X[:4], Y[:4] / 100)
    theirs.save(tmp_path / "trained.keras")
    ours = lamina.models.load_model(tmp_path / "trained.keras")
    assert _lamina_state(ours) == _keras_state(theirs) == (512.0, 1, 4)
    for _ in range(3):
        theirs.train_on_batch(X[4:8], Y[4:8] / 100)
        ours.train_on_batch(X[4:8], Y[4:8] / 100)
    assert _lamina_state(ours) == _keras_state(theirs)
    for a, b in zip(theirs.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_lamina_file_round_trips_in_lamina_and_loads_in_keras(tmp_path):
    ours = _lamina_model(LossScaleOptimizer(lamina.optimizers.Adam(1e-3), initial_scale=2.0**6,
                                            dynamic_growth_steps=3, name="scaled"))
    for _ in range(4):
        ours.train_on_batch(X[:4], Y[:4] / 100)
    path = tmp_path / "lamina.keras"
    ours.save(path)
    again = lamina.models.load_model(path)
    assert isinstance(again.optimizer, LossScaleOptimizer) and again.optimizer.name == "scaled"
    assert _lamina_state(again) == _lamina_state(ours) == (128.0, 1, 4)
    ours.train_on_batch(X[4:8], Y[4:8] / 100)
    again.train_on_batch(X[4:8], Y[4:8] / 100)
    for a, b in zip(ours.get_weights(), again.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)

    theirs = keras.models.load_model(path)
    assert isinstance(theirs.optimizer, keras.optimizers.LossScaleOptimizer)
    assert theirs.optimizer.dynamic_growth_steps == 3 and theirs.optimizer.inner_optimizer.__class__.__name__ == "Adam"
    assert _keras_state(theirs) == (128.0, 1, 4)
