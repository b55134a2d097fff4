"""``layer.input`` / ``layer.output``, ``model.inputs`` / ``outputs`` on every kind of model,
and feature extraction from loaded models, as Keras 3 (issue #16, item 3)."""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import layers


def _shapes(value):
    return [tuple(t.shape) for t in value] if isinstance(value, list) else tuple(value.shape)


def _sequential(base):
    return base.Sequential([base.Input((5,)), base.layers.Dense(3, name="hidden"), base.layers.Dense(1)])


def test_sequential_exposes_its_graph_as_keras():
    theirs, ours = _sequential(keras), _sequential(lamina)
    for name in ("inputs", "outputs", "input_shape", "output_shape"):
        expected, got = getattr(theirs, name), getattr(ours, name)
        if name.endswith("shape"):
            assert tuple(got) == tuple(expected)
        else:
            assert _shapes(got) == _shapes(expected)
    for name in ("input", "output"):
        assert _shapes(getattr(ours.layers[0], name)) == _shapes(getattr(theirs.layers[0], name))


@pytest.mark.parametrize("how", ["build", "call"])
def test_sequential_built_later_has_inputs_and_feature_extraction(how):
    model = lamina.Sequential([layers.Dense(3, name="hidden"), layers.Dense(1)])
    assert not hasattr(model, "inputs")  # as Keras: no graph before the input shape is known
    if how == "build":
        model.build((None, 5))
    else:
        model(torch.ones(2, 5))
    features = lamina.Model(model.inputs, model.get_layer("hidden").output)
    x = torch.randn(4, 5)
    torch.testing.assert_close(features(x), model.get_layer("hidden")(x))


def test_functional_input_output_and_shapes_match_keras():
    def make(base):
        x = base.Input((5,))
        hidden = base.layers.Dense(3)(x)
        return base.Model(x, [hidden, base.layers.Dense(2)(hidden)])

    theirs, ours = make(keras), make(lamina)
    assert _shapes(ours.input) == _shapes(theirs.input)
    assert _shapes(ours.output) == _shapes(theirs.output)
    assert tuple(ours.input_shape) == tuple(theirs.input_shape)
    assert [tuple(s) for s in ours.output_shape] == [tuple(s) for s in theirs.output_shape]
    assert _shapes(ours.layers[1].output) == _shapes(theirs.layers[1].output)
    assert _shapes(ours.layers[0].output) == _shapes(theirs.layers[0].output)  # the Input layer


def test_a_layer_called_twice_gives_its_first_output_as_keras_3_and_each_call_by_index():
    def make(base):
        shared = base.layers.Dense(2)
        a, b = base.Input((3,)), base.Input((4, 3))
        return shared, a, b, shared(a), shared(b)

    theirs = make(keras)
    shared, a, b, first, second = make(lamina)
    assert _shapes(shared.output) == _shapes(theirs[0].output) == (None, 2)
    assert shared.output is first and shared.input is a
    assert shared.get_output_at(1) is second and shared.get_input_at(1) is b
    with pytest.raises(ValueError, match="has 2 inbound node"):
        shared.get_output_at(2)


def test_a_layer_never_called_in_a_graph_has_no_output_as_keras():
    for base in (keras, lamina):
        layer = base.layers.Dense(2)
        layer(np.ones((1, 3), "float32") if base is keras else torch.ones(1, 3))
        assert not hasattr(layer, "output")


def test_feature_extractor_from_a_keras_mobilenet_v2_file_matches_keras(tmp_path):
    keras.utils.set_random_seed(0)
    base = keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3), alpha=0.35)
    path = tmp_path / "mobilenet_v2.keras"
    base.save(path)
    loaded = lamina.models.load_model(path, compile=False)
    x = np.random.default_rng(0).uniform(-1, 1, size=(2, 96, 96, 3)).astype("float32")
    for name in ("block_6_expand_relu", "out_relu"):
        theirs = keras.Model(base.inputs, base.get_layer(name).output)
        ours = lamina.Model(loaded.inputs, loaded.get_layer(name).output)
        expected = keras.ops.convert_to_numpy(theirs(x, training=False))
        got = ours.predict(x, verbose=0)
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() <= 1e-4 * np.abs(expected).max()
    assert tuple(ours.output_shape) == tuple(theirs.output_shape)
