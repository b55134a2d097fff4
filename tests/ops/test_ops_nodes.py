"""``lamina.ops`` functions, Python operators and ``[...]`` between layers of a functional model
record Keras's operation nodes: the model runs, lists its nodes in Keras's order, and saves
and loads both ways with Keras 3 (slices, ``Ellipsis``, ``None`` and constant tensors in a
node's arguments written as Keras writes them)."""

import io
import json
import zipfile
from contextlib import redirect_stdout

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import ops


def _model(k, constant):
    """The same graph in Keras (``k = keras``) or lamina: ops between layers."""
    inputs = k.Input((4, 5))
    sliced = inputs[:, 1:3, ..., None]
    pooled = k.layers.Dense(3)(k.ops.mean(inputs, axis=1, keepdims=True))
    mixed = -inputs + abs(inputs) * 2 - 1.5 ** inputs
    joined = k.ops.concatenate([inputs, mixed], axis=-1)
    turned = k.ops.transpose(k.layers.Dense(2)(joined), (0, 2, 1))
    picked = k.ops.where(inputs > 0, inputs, 0.0)
    taken = k.ops.take(inputs, [0, 2], axis=1)
    folded = k.ops.expand_dims(inputs, 1) // 0.3 % 2
    squashed = k.ops.reshape(k.ops.tanh(k.ops.square(inputs) / (1.0 + inputs[..., ::2].shape[-1])), (-1, 20))
    activated = k.ops.nn.relu(k.layers.Dense(4)(squashed)) if hasattr(k.ops, "nn") else squashed
    return k.Model(inputs, [sliced, inputs[:, None, 1], inputs[..., ::2], pooled, turned, inputs @ constant,
                            picked, taken, folded, activated, k.ops.sum(k.ops.exp(taken), axis=(1, 2))])


def _data(seed=0):
    return np.random.default_rng(seed).normal(size=(3, 4, 5)).astype("float32")


def _assert_outputs_equal(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second):
        np.testing.assert_allclose(np.asarray(a, dtype="float32"), np.asarray(b, dtype="float32"), rtol=1e-5, atol=1e-5)


def test_a_lamina_model_with_ops_and_slicing_loads_in_keras_with_equal_outputs(tmp_path):
    model = _model(lamina, torch.linspace(-1, 1, 10).reshape(5, 2))
    x = _data()
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "lamina.keras")
    in_keras = keras.models.load_model(tmp_path / "lamina.keras")
    _assert_outputs_equal(in_keras.predict(x, verbose=0), expected)
    assert [op.name for op in in_keras._operations] == [op.name for op in model._operations]
    again = lamina.models.load_model(tmp_path / "lamina.keras")
    _assert_outputs_equal(again.predict(x, verbose=0), expected)


def test_a_keras_model_with_ops_and_slicing_loads_in_lamina_and_saves_back(tmp_path):
    model = _model(keras, keras.ops.reshape(keras.ops.linspace(-1, 1, 10), (5, 2)))
    x = _data(1)
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "keras.keras")
    loaded = lamina.models.load_model(tmp_path / "keras.keras")
    _assert_outputs_equal(loaded.predict(x, verbose=0), expected)
    loaded.save(tmp_path / "back.keras")
    again = keras.models.load_model(tmp_path / "back.keras")
    _assert_outputs_equal(again.predict(x, verbose=0), expected)


def test_slices_ellipsis_and_newaxis_are_saved_as_keras_writes_them(tmp_path):
    def get_item_args(k, path):
        inputs = k.Input((4, 5))
        k.Model(inputs, inputs[:, 1:3:2, ..., None]).save(path)
        with zipfile.ZipFile(path) as archive:
            layers = json.loads(archive.read("config.json"))["config"]["layers"]
        entry = next(e for e in layers if e["class_name"] == "GetItem")
        return entry["module"], entry["inbound_nodes"][0]["args"][1]

    assert get_item_args(lamina, tmp_path / "l.keras") == get_item_args(keras, tmp_path / "k.keras")


def test_nodes_and_summary_follow_keras_order_and_layers_exclude_op_nodes():
    lamina.backend.clear_session()
    keras.backend.clear_session()
    mine, theirs = _model(lamina, torch.ones(5, 2)), _model(keras, keras.ops.ones((5, 2)))
    names = [op.name for op in mine._operations]
    assert names == [op.name for op in theirs._operations]
    assert [layer.name for layer in mine.layers] == [layer.name for layer in theirs.layers]
    assert all(not type(layer).__module__.startswith("lamina.layers.keras_operations") for layer in mine.layers)
    text = io.StringIO()
    with redirect_stdout(text):
        mine.summary()
    rows = [line.split()[0] for line in text.getvalue().splitlines() if line.startswith(" ") and "(" in line]
    listed = [row for row in rows if row in names]
    assert listed == names  # e.g. ``mean`` before the Dense that reads it


@pytest.mark.parametrize(
    "expression",
    ["x + 1", "1 + x", "x - y", "2.0 - x", "x * y", "3 * x", "x / y", "1 / x", "x // y", "4 // x", "x % y",
     "2 % x", "x ** 2", "2 ** x", "x @ w", "-x", "abs(x)", "x < y", "x <= 1", "x > y", "x >= 0", "x != y",
     "(x > 0) & (y > 0)", "(x > 0) | (y > 0)", "(x > 0) ^ (y > 0)", "~(x > 0)", "x[0]", "x[:, 1:]",
     "x[..., None]", "round(x)"],
)
def test_operators_record_the_node_keras_records(expression):
    def run(k, weights):
        x, y = k.Input((3, 3)), k.Input((3, 3))
        out = eval(expression, {"x": x, "y": y, "w": weights})  # noqa: S307
        model = k.Model([x, y], out)
        return [type(op).__name__ for op in model._operations if type(op).__name__ != "InputLayer"], model

    mine, model = run(lamina, torch.eye(3))
    theirs, keras_model = run(keras, keras.ops.eye(3))
    assert mine == theirs
    a, b = _data(2)[:2, :3, :3], _data(3)[:2, :3, :3]
    expected = keras_model.predict([a, b], verbose=0)
    got = model.predict([a, b], verbose=0)
    np.testing.assert_allclose(np.asarray(got, dtype="float64"), np.asarray(expected, dtype="float64"), rtol=1e-5, atol=1e-5)


def test_symbolic_tensors_keep_shape_dtype_and_ndim():
    x = lamina.Input((4, 5), dtype="int32")
    assert isinstance(x, lamina.KerasTensor)
    assert lamina.utils.is_keras_tensor(x) and lamina.backend.is_keras_tensor(x + 1)
    assert not lamina.utils.is_keras_tensor(torch.ones(2)) and not lamina.backend.is_keras_tensor(np.ones(2))
    assert x.dtype == torch.int32 and x.ndim == 3 and x.shape == (None, 4, 5)
    assert (x / 2).dtype == torch.float32  # Keras's true division of an int32 gives float32
    assert (x > 0).dtype == torch.bool and x[:, 0].shape == (None, 5)
    assert lamina.KerasTensor((None, 2), dtype="float16").dtype == torch.float16


def test_a_user_operation_runs_eagerly_and_inside_a_model():
    class ScaledSplit(lamina.Operation):
        def __init__(self, factor, name=None):
            super().__init__(name=name)
            self.factor = factor

        def call(self, x):
            scaled = ops.multiply(x, self.factor)
            return scaled[:, :2], scaled[:, 2:]

        def compute_output_spec(self, x):
            return (lamina.KerasTensor((x.shape[0], 2), dtype=x.dtype),
                    lamina.KerasTensor((x.shape[0], x.shape[1] - 2), dtype=x.dtype))

    assert lamina.ops.Operation is lamina.Operation
    head, tail = ScaledSplit(3.0)(torch.ones(1, 5))
    assert torch.equal(head, torch.full((1, 2), 3.0)) and tail.shape == (1, 3)

    inputs = lamina.Input((5,))
    head, tail = ScaledSplit(2.0)(inputs)
    assert head.shape == (None, 2) and tail.shape == (None, 3)
    model = lamina.Model(inputs, lamina.layers.Dense(1, kernel_initializer="ones")(head) + ops.sum(tail, axis=1, keepdims=True))
    x = np.arange(10, dtype="float32").reshape(2, 5)
    np.testing.assert_allclose(model.predict(x, verbose=0), 2.0 * x.sum(axis=1, keepdims=True), rtol=1e-6)
    assert [type(op).__name__ for op in model._operations][:2] == ["InputLayer", "ScaledSplit"]


def test_a_default_output_spec_finds_unknown_axes():
    class Pairs(lamina.Operation):
        def call(self, x):
            return ops.reshape(x, (-1, 2))

    out = Pairs()(lamina.Input((4,)))
    assert out.shape == (None, 2)
