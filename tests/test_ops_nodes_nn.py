"""``lamina.ops`` nn/image/math functions between layers of a functional model record Keras's
operation nodes, which save and load both ways with Keras 3."""

import numpy as np
import pytest

import lamina
from lamina import ops


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _lamina_model():
    inputs = lamina.Input((6, 6, 3))
    x = lamina.layers.Conv2D(4, 3, padding="same")(inputs)
    x = ops.nn.relu(x)
    x = ops.image.resize(x, (3, 3))
    x = lamina.layers.Flatten()(x)
    x = ops.nn.log_softmax(lamina.layers.Dense(5)(x))
    return lamina.Model(inputs, ops.logsumexp(x, axis=-1))


def _images(seed=0):
    return np.random.default_rng(seed).uniform(0, 1, size=(2, 6, 6, 3)).astype("float32")


def test_lamina_model_with_ops_saves_for_keras_and_back(keras, tmp_path):
    model = _lamina_model()
    x = _images()
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "lamina.keras")
    in_keras = keras.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(np.asarray(in_keras.predict(x, verbose=0)), expected, rtol=1e-5, atol=1e-5)
    again = lamina.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_keras_model_with_ops_loads_in_lamina_and_saves_back(keras, tmp_path):
    inputs = keras.Input((6, 6, 3))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    x = keras.ops.nn.gelu(x)
    x = keras.ops.nn.max_pool(x, 2)
    x = keras.ops.image.resize(x, (4, 4), interpolation="nearest")
    x = keras.layers.Flatten()(x)
    x = keras.ops.nn.softmax(x)
    model = keras.Model(inputs, keras.ops.logsumexp(x, axis=-1, keepdims=True))
    x = _images(1)
    expected = np.asarray(model.predict(x, verbose=0))
    model.save(tmp_path / "keras.keras")
    loaded = lamina.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    loaded.save(tmp_path / "back.keras")
    again = keras.models.load_model(tmp_path / "back.keras")
    np.testing.assert_allclose(np.asarray(again.predict(x, verbose=0)), expected, rtol=1e-5, atol=1e-6)


def test_symbolic_shapes_of_recorded_nodes():
    inputs = lamina.Input((8, 8, 3))
    assert tuple(ops.nn.conv(inputs, np.ones((3, 3, 3, 5), "float32"), strides=2, padding="same").shape) == (
        None, 4, 4, 5)
    assert tuple(ops.image.resize(inputs, (4, 2)).shape) == (None, 4, 2, 3)
    assert tuple(ops.nn.one_hot(lamina.Input((4,), dtype="int32"), 6).shape) == (None, 4, 6)
