"""``load_model`` builds weights without running initializers the file overwrites
(issue #16, item 9)."""

import keras
import numpy as np
import torch

import lamina
from lamina import layers
from lamina.layers import deferred_init


def _model():
    inputs = lamina.Input((4,))
    x = layers.Dense(3)(inputs)
    x = layers.BatchNormalization()(x)
    return lamina.Model(inputs, layers.Dense(2)(x))


def test_load_model_runs_no_initializer_for_weights_in_the_file(tmp_path, monkeypatch):
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    model.fit(x, np.ones((6, 2)), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    calls = []
    glorot = lamina.initializers.GlorotUniform.__call__

    def counting(self, shape, dtype=None):
        calls.append(shape)
        return glorot(self, shape, dtype=dtype)

    monkeypatch.setattr(lamina.initializers.GlorotUniform, "__call__", counting)
    loaded = lamina.models.load_model(tmp_path / "m.keras")
    assert calls == []
    for got, expected in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    lamina.models.model_from_json(model.to_json())
    assert len(calls) == 2  # a model from a config alone is initialized


def test_a_keras_file_loads_the_same_weights_without_initializing(tmp_path):
    inputs = keras.Input((5,))
    x = keras.layers.Dense(4)(inputs)
    x = keras.layers.BatchNormalization()(x)
    theirs = keras.Model(inputs, keras.layers.Dense(1)(x))
    theirs.save(tmp_path / "k.keras")
    ours = lamina.models.load_model(tmp_path / "k.keras")
    for got, expected in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(got, expected)


def test_weights_the_file_does_not_write_get_their_initializer():
    with deferred_init.skip_initializers() as skipped:
        dense = layers.Dense(3, bias_initializer="ones")
        dense.build_from_shapes((None, 4))
    assert len(skipped) == 2
    with torch.no_grad():
        dense.kernel.fill_(7.0)  # what the file wrote
    deferred_init.initialize_left_out(skipped, written={id(dense.kernel)})
    assert torch.all(dense.kernel == 7.0)
    assert torch.equal(dense.bias, torch.ones(3))
    assert deferred_init.recorder() is None
