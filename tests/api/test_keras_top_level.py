"""Keras 3's top-level, config, tree, backend and utils names that lamina provides, against Keras."""

import collections

import keras
import numpy as np
import pytest
import torch

import lamina

TOP_LEVEL = ["Layer", "Loss", "Metric", "Optimizer", "Initializer", "Regularizer", "InputSpec", "Variable"]


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_names_exist(name):
    assert hasattr(keras, name) and hasattr(lamina, name)


def test_config_and_backend_names():
    assert lamina.config.backend() == keras.config.backend() == "torch"
    assert lamina.config.floatx() == keras.config.floatx()
    assert lamina.config.epsilon() == keras.config.epsilon()
    assert lamina.config.image_data_format() == keras.config.image_data_format()
    for name in ["clear_session", "epsilon", "floatx", "get_uid", "image_data_format", "is_float_dtype",
                 "is_int_dtype", "set_epsilon", "set_floatx", "set_image_data_format", "standardize_dtype"]:
        assert hasattr(lamina.backend, name), name
    for dtype in [None, "float32", torch.int64, np.float16, np.dtype("uint8"), int, float, bool, "bfloat16"]:
        assert lamina.backend.standardize_dtype(dtype) == keras.backend.standardize_dtype(dtype)
    assert lamina.backend.is_float_dtype("bfloat16") and lamina.backend.is_int_dtype(torch.uint8)
    with pytest.raises(ValueError, match="Invalid dtype"):
        lamina.backend.standardize_dtype("float33")
    assert [lamina.backend.get_uid("x") for _ in range(2)] == [1, 2]
    lamina.backend.clear_session()
    assert lamina.backend.get_uid("x") == 1


STRUCTURES = [
    {"b": [1, (2, None)], "a": {"c": 3, "d": 4}},
    [1, [2, [3, {"x": 4}]]],
    (1, 2.5, "leaf"),
    7,
    None,
]


@pytest.mark.parametrize("structure", STRUCTURES)
def test_tree_matches_keras(structure):
    assert lamina.tree.flatten(structure) == keras.tree.flatten(structure)
    assert lamina.tree.is_nested(structure) == keras.tree.is_nested(structure)
    flat = list(range(len(keras.tree.flatten(structure))))
    assert lamina.tree.pack_sequence_as(structure, flat) == keras.tree.pack_sequence_as(structure, flat)
    double = lambda x: x * 2 if isinstance(x, (int, float)) else x  # noqa: E731
    assert lamina.tree.map_structure(double, structure) == keras.tree.map_structure(double, structure)
    assert lamina.tree.lists_to_tuples(structure) == keras.tree.lists_to_tuples(structure)
    assert lamina.tree.flatten_with_path(structure) == keras.tree.flatten_with_path(structure)


def test_tree_functions_of_several_structures():
    a, b = [1, {"a": 2}], [3, {"a": 4}]
    pairs = lamina.tree.map_structure(lambda x, y: (x, y), a, b)
    assert pairs == keras.tree.map_structure(lambda x, y: (x, y), a, b)
    with pytest.raises(ValueError):
        lamina.tree.assert_same_structure([1, 2], [1])
    lamina.tree.assert_same_structure([1, {"a": 2}], [5, {"a": 6}])
    shapes = [(1, 2), {"a": (3, None)}]
    assert lamina.tree.map_shape_structure(lambda s: s, shapes) == keras.tree.map_shape_structure(lambda s: s, shapes)
    up_to = lamina.tree.map_structure_up_to([1, [2]], lambda x: x, [10, [20, 30]])
    assert up_to == [10, [20]]
    doubled = lamina.tree.traverse(lambda x: x * 2 if isinstance(x, int) else None, [1, [2]])
    assert doubled == keras.tree.traverse(lambda x: x * 2 if isinstance(x, int) else None, [1, [2]])
    assert lamina.tree.traverse(lambda x: lamina.tree.MAP_TO_NONE if x == [2] else None, [1, [2]]) == [1, None]
    point = collections.namedtuple("Point", "x y")(1, [2, 3])
    assert lamina.tree.flatten(point) == [1, 2, 3]
    assert lamina.tree.map_structure(lambda v: v + 1, point) == type(point)(2, [3, 4])


def test_input_spec_rules_and_errors():
    class Pairs(lamina.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = lamina.InputSpec(ndim=3, axes={-1: 2})

        def call(self, x):
            return x

    layer = Pairs(name="pairs")
    assert layer(torch.ones(1, 4, 2)).shape == (1, 4, 2)
    assert layer(lamina.Input((5, 2))).shape == (None, 5, 2)
    with pytest.raises(ValueError, match=r"layer 'pairs'.*expected ndim=3, found ndim=2"):
        layer(torch.ones(2, 2))
    with pytest.raises(ValueError, match="axis -1"):
        layer(np.ones((1, 2, 3), "float32"))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layer(lamina.Input((4,)))
    spec = lamina.InputSpec(min_ndim=2, dtype="float32")
    assert spec.get_config() == keras.InputSpec(min_ndim=2, dtype="float32").get_config()


def test_layers_and_models_accept_numpy_and_lists():
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(3)])
    assert model(np.ones((2, 4))).dtype == torch.float32  # float64 NumPy autocast, as Keras
    assert model([[1.0, 2.0, 3.0, 4.0]]).shape == (1, 3)
    stateful = lamina.layers.LSTM(5, stateful=True)
    assert stateful(np.ones((2, 3, 4), "float32")).shape == (2, 5)
    assert stateful(np.ones((2, 3, 4), "float32")).shape == (2, 5)
    assert lamina.layers.Concatenate()([np.ones((2, 2)), torch.ones(2, 3)]).shape == (2, 5)
    assert lamina.layers.Embedding(10, 3)(np.array([[1, 2]])).shape == (1, 2, 3)


def test_utils_names():
    assert lamina.utils.Sequence is lamina.utils.PyDataset
    assert lamina.utils.get_file is lamina.datasets.get_file if hasattr(lamina.datasets, "get_file") else True
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(lamina.utils.normalize(x), keras.utils.normalize(x))
    np.testing.assert_allclose(lamina.utils.normalize(x, order=1), keras.utils.normalize(x, order=1))
    # Keras 3.15 turns axis=0 into -1 when it divides (``axis or -1``); lamina divides along axis 0.
    np.testing.assert_allclose(np.abs(lamina.utils.normalize(x, axis=0, order=1)).sum(axis=0), [1.0, 1.0])
    assert torch.allclose(lamina.utils.normalize(torch.tensor(x)), torch.as_tensor(keras.utils.normalize(x)))


def test_image_utils_round_trip_as_keras(tmp_path):
    rng = np.random.default_rng(0)
    array = rng.integers(0, 256, size=(6, 8, 3)).astype("float32")
    path = tmp_path / "x.png"
    lamina.utils.save_img(path, array, scale=False)
    ours = lamina.utils.img_to_array(lamina.utils.load_img(path))
    theirs = keras.utils.img_to_array(keras.utils.load_img(path))
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, array)
    small = lamina.utils.img_to_array(lamina.utils.load_img(path, color_mode="grayscale", target_size=(3, 4)))
    expected = keras.utils.img_to_array(keras.utils.load_img(path, color_mode="grayscale", target_size=(3, 4)))
    np.testing.assert_array_equal(small, expected)
    scaled = lamina.utils.img_to_array(lamina.utils.array_to_img(array / 10.0))
    np.testing.assert_array_equal(scaled, keras.utils.img_to_array(keras.utils.array_to_img(array / 10.0)))
    first = lamina.utils.img_to_array(lamina.utils.array_to_img(array), data_format="channels_first")
    assert first.shape == (3, 6, 8)


def test_missing_pillow_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("no PIL")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(ImportError, match=r"lamina\[image\]"):
        lamina.utils.load_img("missing.png")
