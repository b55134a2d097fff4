"""Keras 3 functional models whose saved graph holds operation nodes (``keras.src.ops``):
the ``NotEqual`` mask of ``Embedding(mask_zero=True)``, ``x + 1``, ``ops.cast``... load in
lamina with Keras's outputs, save back in Keras's form, and unknown operations are refused."""

import json
import zipfile

import h5py
import keras
import numpy as np
import pytest
import torch

import lamina
from lamina.errors import SavingError
from lamina.layers import keras_operations
from lamina.serialization import deserialize_layer


def padded_ids(n=6, length=5, vocab=10, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, vocab, size=(n, length)).astype("int32")
    for row, kept in enumerate(rng.integers(1, length + 1, size=n)):
        ids[row, kept:] = 0
    ids[0, 1:] = 0  # one sequence of a single token
    return ids


def masked_lstm():
    inputs = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(10, 4, mask_zero=True)(inputs)
    return keras.Model(inputs, keras.layers.LSTM(3)(x))


def op_class(name):
    """The node class lamina loads Keras's numpy operation ``name`` as."""
    return keras_operations.operation_class(name, "keras.src.ops.numpy")


def saved_config(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))["config"]


def weight_groups(path):
    with zipfile.ZipFile(path) as archive, archive.open("model.weights.h5") as raw, h5py.File(raw, "r") as weights:
        return sorted(weights["layers"])


def test_masked_lstm_saved_by_keras_loads_with_the_same_outputs(tmp_path):
    model = masked_lstm()
    model.save(tmp_path / "masked.keras")
    entry = next(e for e in saved_config(tmp_path / "masked.keras")["layers"] if e["class_name"] == "NotEqual")
    assert entry["module"] == "keras.src.ops.numpy"  # what this test is about

    loaded = lamina.models.load_model(tmp_path / "masked.keras", safe_mode=True)

    ids = padded_ids()
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0), atol=1e-5)
    operations = {op.name: op for op in loaded._operations}
    assert type(operations[entry["name"]]) is op_class("NotEqual")
    # Keras's own split: the operation node is among the operations, not the layers.
    assert [op.name for op in loaded._operations] == [op.name for op in model._operations]
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]


def test_loaded_model_saves_back_in_keras_form_for_lamina_and_keras(tmp_path):
    model = masked_lstm()
    model.save(tmp_path / "keras.keras")
    lamina.models.load_model(tmp_path / "keras.keras").save(tmp_path / "lamina.keras")

    entry = next(e for e in saved_config(tmp_path / "lamina.keras")["layers"] if e["class_name"] == "NotEqual")
    assert (entry["module"], entry["registered_name"]) == ("keras.src.ops.numpy", "NotEqual")
    assert entry["config"] == {"name": entry["name"]}
    assert entry["inbound_nodes"][0]["args"][1] == 0
    groups = [weight_groups(tmp_path / name) for name in ("keras.keras", "lamina.keras")]
    assert groups[0] == groups[1] and not any("equal" in group for group in groups[1])  # Keras's layout

    ids = padded_ids(seed=1)
    expected = model.predict(ids, verbose=0)
    again = lamina.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(again.predict(ids, verbose=0), expected, atol=1e-5)
    in_keras = keras.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(in_keras.predict(ids, verbose=0), expected, atol=1e-5)


def operations_model():
    ops = keras.ops
    a, b = keras.Input((3,)), keras.Input((3,))
    i = keras.Input((3,), dtype="int32")
    outputs = [
        a + 1,
        a - b,
        2.0 - a,  # a number as the first operand
        a * b,
        a / b,  # TrueDivide
        ops.divide(a, 2.0),
        i + 1,
        ops.cast(i, "float32"),
        ops.cast(ops.logical_and(a > 0, b <= 0.5), "float32"),
        ops.cast(ops.logical_or(a < b, a >= 1.0), "float32"),
        ops.cast(ops.logical_not(ops.equal(i, 2)), "int32"),
        ops.cast(ops.not_equal(i, 0), "float32"),
    ]
    return keras.Model([a, b, i], outputs)


def test_arithmetic_comparison_logical_and_cast_operations_match_keras(tmp_path):
    model = operations_model()
    model.save(tmp_path / "ops.keras")
    loaded = lamina.models.load_model(tmp_path / "ops.keras")
    rng = np.random.default_rng(0)
    a, b = (rng.normal(size=(4, 3)).astype("float32") for _ in range(2))
    i = rng.integers(0, 4, size=(4, 3)).astype("int32")

    with torch.no_grad():
        ours = loaded([torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(i)])
    theirs = model([a, b, i])
    for mine, expected in zip(ours, theirs):
        expected = keras.ops.convert_to_numpy(expected)
        assert str(mine.dtype).replace("torch.", "") == str(expected.dtype)
        np.testing.assert_allclose(mine.numpy(), expected, atol=1e-6)
    assert [str(t.dtype) for t in loaded.outputs][6:8] == ["torch.int32", "torch.float32"]


def test_operation_add_is_not_the_merge_layer_add(tmp_path):
    a, b = keras.Input((3,)), keras.Input((3,))
    merged = keras.layers.Add()([a, b])
    model = keras.Model([a, b], [merged, merged + 1.0])
    model.save(tmp_path / "adds.keras")
    loaded = lamina.models.load_model(tmp_path / "adds.keras")
    assert lamina.layers.Add in [type(op) for op in loaded._operations]
    assert op_class("Add") in [type(op) for op in loaded._operations]
    # As in Keras, model.layers lists layers only, not operation nodes.
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert op_class("Add") not in [type(layer) for layer in loaded.layers]
    x = [np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")]
    first, second = loaded.predict(x, verbose=0)
    np.testing.assert_allclose(second, first + 1.0)


def test_an_unknown_operation_is_refused_naming_it_and_the_supported_ones():
    entry = {"module": "keras.src.ops.numpy", "class_name": "NoSuchOperation", "config": {"name": "x"}}
    with pytest.raises(SavingError) as info:
        deserialize_layer(entry)
    message = str(info.value)
    assert "'NoSuchOperation'" in message and "keras.src.ops.numpy" in message
    assert "Absolute" in message and "in all" in message and "custom_objects" in message


def test_custom_objects_can_replace_an_operation(tmp_path):
    class Sin(lamina.layers.Layer):
        def call(self, inputs):
            return torch.sin(inputs)

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.ops.sin(inputs))
    model.save(tmp_path / "sin.keras")
    loaded = lamina.models.load_model(tmp_path / "sin.keras", custom_objects={"Sin": Sin})
    x = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), np.sin(x), atol=1e-6)


def test_an_operation_module_never_reaches_other_lamina_classes():
    # Resolution by module: "keras.src.ops.*" names only the listed operations, so a file
    # cannot reach a layer (a Lambda, a model...) through an operation entry.
    for class_name in ("Lambda", "Dense", "Functional"):
        entry = {"module": "keras.src.ops.numpy", "class_name": class_name, "config": {"name": "x"}}
        with pytest.raises(SavingError, match="Supported operations"):
            deserialize_layer(entry)


def test_operations_run_eagerly_and_check_broadcasting():
    not_equal = op_class("NotEqual")()
    ids = torch.tensor([[3, 0], [0, 1]])
    assert torch.equal(not_equal(ids, 0), ids != 0)
    subtract = op_class("Subtract")()
    np.testing.assert_allclose(subtract(2.0, torch.ones(2)).numpy(), [1.0, 1.0])
    with pytest.raises(lamina.errors.ConfigurationError, match="do not broadcast"):
        op_class("Add")()(lamina.Input((3,)), lamina.Input((4,)))


@pytest.mark.parametrize("keepdims", [False, True])
def test_a_masking_layer_saved_by_keras_loads_with_its_any_node_and_saves_back(tmp_path, keepdims):
    inputs = keras.Input((5, 3))
    mask = keras.ops.any(keras.ops.not_equal(inputs, 0.0), axis=-1, keepdims=keepdims)
    model = keras.Model(inputs, [keras.layers.SimpleRNN(2, return_sequences=True)(keras.layers.Masking()(inputs)),
                                 keras.ops.all(mask, axis=[1]) if not keepdims else mask])
    x = np.random.default_rng(1).normal(size=(3, 5, 3)).astype("float32")
    x[:, -2:] = 0.0  # masked steps: the RNN carries its last state over them
    model.save(tmp_path / "keras_made.keras")
    loaded = lamina.models.load_model(tmp_path / "keras_made.keras")
    classes = {type(layer).__name__ for layer in loaded._operations}
    assert {"Any", "NotEqual"} <= classes
    for mine, expected in zip(loaded.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_allclose(np.asarray(mine, dtype="float32"), np.asarray(expected, dtype="float32"), atol=1e-6)
    loaded.save(tmp_path / "lamina_made.keras")
    again = keras.models.load_model(tmp_path / "lamina_made.keras")
    for mine, expected in zip(again.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_allclose(np.asarray(mine, dtype="float32"), np.asarray(expected, dtype="float32"), atol=1e-6)
