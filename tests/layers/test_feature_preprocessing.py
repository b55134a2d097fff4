"""CategoryEncoding and Discretization against real Keras 3 (both run on Keras's torch
backend without TensorFlow): outputs, configs and ``.keras`` files both ways.

Keras's ``Discretization.adapt`` checks ``isinstance(data, tf.data.Dataset)`` and so needs
TensorFlow; its quantile summary functions (``summarize``, ``merge_summaries``,
``get_bin_boundaries``) are pure NumPy, and the adapt tests call them as the oracle.
"""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(7)


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("shape", [(6,), (6, 1), (6, 3)])
def test_category_encoding_matches_keras(mode, shape):
    x = rng.integers(0, 5, size=shape)
    ours = layers.CategoryEncoding(num_tokens=5, output_mode=mode)(torch.from_numpy(x))
    theirs = keras.layers.CategoryEncoding(num_tokens=5, output_mode=mode)(x)
    np.testing.assert_array_equal(ours.cpu().numpy(), keras.ops.convert_to_numpy(theirs))
    assert layers.CategoryEncoding(num_tokens=5, output_mode=mode).compute_output_shape((None,) + shape[1:]) == \
        keras.layers.CategoryEncoding(num_tokens=5, output_mode=mode).compute_output_shape((None,) + shape[1:])


def test_category_encoding_count_weights_config_and_errors():
    x = np.array([[0, 1, 1]])
    weights = np.array([[0.5, 2.0, 1.0]], dtype="float32")
    ours = layers.CategoryEncoding(num_tokens=3, output_mode="count")(torch.from_numpy(x), count_weights=torch.from_numpy(weights))
    theirs = keras.layers.CategoryEncoding(num_tokens=3, output_mode="count")(x, count_weights=weights)
    np.testing.assert_allclose(ours.cpu().numpy(), keras.ops.convert_to_numpy(theirs))
    config = layers.CategoryEncoding(num_tokens=3, output_mode="count").get_config()
    keras_config = keras.layers.CategoryEncoding(num_tokens=3, output_mode="count").get_config()
    assert set(keras_config) <= set(config) | {"sparse"}
    with pytest.raises(InputError, match="num_tokens=3"):
        layers.CategoryEncoding(num_tokens=3)(torch.tensor([[3]]))
    with pytest.raises(ConfigurationError, match="sparse=True"):
        layers.CategoryEncoding(num_tokens=3, sparse=True)


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_matches_keras(mode):
    x = rng.normal(size=(8, 4)).astype("float32")
    bounds = [-1.0, 0.0, 0.5, 1.0]
    ours = layers.Discretization(bin_boundaries=bounds, output_mode=mode)(torch.from_numpy(x))
    theirs = keras.layers.Discretization(bin_boundaries=bounds, output_mode=mode)(x)
    np.testing.assert_array_equal(ours.cpu().numpy(), keras.ops.convert_to_numpy(theirs))
    ours_config = layers.Discretization(bin_boundaries=bounds, output_mode=mode, name="d").get_config()
    keras_config = keras.layers.Discretization(bin_boundaries=bounds, output_mode=mode, name="d").get_config()
    assert ours_config == keras_config | {"dtype": ours_config["dtype"]}


def test_discretization_adapt_matches_keras_quantile_summary():
    from keras.src.layers.preprocessing import discretization as kd

    batches = [rng.normal(size=(500, 1)).astype("float32") for _ in range(3)]
    layer = layers.Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(iter(batches))
    summary = np.array([[], []], dtype="float32")
    for batch in batches:
        summary = kd.merge_summaries(kd.summarize(batch, 0.01), summary, 0.01)
    np.testing.assert_allclose(layer.bin_boundaries, kd.get_bin_boundaries(summary, 4).tolist(), rtol=1e-6)
    one = layers.Discretization(num_bins=4)
    one.adapt(np.concatenate(batches))
    assert len(one.bin_boundaries) == 3
    with pytest.raises(ConfigurationError, match="not both"):
        layers.Discretization(bin_boundaries=[0.0], num_bins=2)


def test_discretization_and_category_encoding_keras_files_both_ways(tmp_path):
    x = rng.normal(size=(5, 3)).astype("float32")
    ours = lamina.Sequential([lamina.Input(shape=(3,)), layers.Discretization(bin_boundaries=[-0.5, 0.5], output_mode="count"), layers.Dense(2)])
    path = tmp_path / "ours.keras"
    ours.save(path)
    theirs = keras.saving.load_model(path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs(x)), ours.predict(x, verbose=0), rtol=1e-5, atol=1e-6)

    inputs = keras.Input(shape=(2,), dtype="int32")
    outputs = keras.layers.Dense(1)(keras.layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")(inputs))
    keras_model = keras.Model(inputs, outputs)
    keras_path = tmp_path / "theirs.keras"
    keras_model.save(keras_path)
    loaded = lamina.saving.load_model(keras_path)
    ids = np.array([[0, 3], [2, 2]], dtype="int32")
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), keras.ops.convert_to_numpy(keras_model(ids)), rtol=1e-5)


def test_hashing_feature_model_saves_and_loads(tmp_path):
    inputs = lamina.Input(shape=(1,), dtype="string")
    hashed = layers.Hashing(num_bins=8, output_mode="one_hot")(inputs)
    model = lamina.Model(inputs, layers.Dense(1)(hashed))
    x = np.array([["red"], ["green"], ["blue"]])
    path = tmp_path / "hash.keras"
    model.save(path)
    np.testing.assert_allclose(lamina.saving.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))
