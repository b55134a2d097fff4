"""Legacy Keras ``.h5`` files (keras.applications weights, tf.keras 2 ``save_weights`` /
``model.save("x.h5")``) written by Keras's own legacy writer load into lamina with
Keras's outputs; mismatches are reported, never loaded silently."""

import json
import warnings

import h5py
import keras
import keras.src.legacy.saving.legacy_h5_format as legacy
import numpy as np
import pytest

import lamina
from lamina.errors import SavingError

STACKS = [
    ("dense_bn", (6,), lambda L: [L.Dense(8, activation="relu"), L.BatchNormalization(), L.Dense(3)], False),
    ("conv_bn", (8, 8, 3), lambda L: [L.Conv2D(4, 3, padding="same"), L.BatchNormalization(), L.ReLU(),
                                      L.DepthwiseConv2D(3, depth_multiplier=2), L.SeparableConv2D(3, 2),
                                      L.GlobalAveragePooling2D(), L.Dense(2)], False),
    ("embedding_lstm", (7,), lambda L: [L.Embedding(20, 4), L.LSTM(5, return_sequences=True), L.GRU(3), L.Dense(2)], True),
]


def build(library, shape, make, integer):
    inputs = library.Input(shape=shape, dtype="int32" if integer else "float32")
    x = inputs
    for layer in make(library.layers):
        x = layer(x)
    return library.Model(inputs, x)


def sample(shape, integer, n=4):
    rng = np.random.default_rng(0)
    if integer:
        return rng.integers(1, 20, size=(n, *shape)).astype("int32")
    return rng.normal(size=(n, *shape)).astype("float32")


def randomize(model):
    """Non-trivial values everywhere (BatchNormalization statistics included)."""
    rng = np.random.default_rng(3)
    model.set_weights([rng.uniform(0.2, 1.0, size=w.shape).astype(w.dtype) for w in model.get_weights()])


def write_legacy_weights(model, path):
    with h5py.File(path, "w") as handle:
        legacy.save_weights_to_hdf5_group(handle, model)


@pytest.mark.parametrize("name, shape, make, integer", STACKS, ids=[s[0] for s in STACKS])
def test_keras_legacy_weights_load_with_keras_outputs(tmp_path, name, shape, make, integer):
    source = build(keras, shape, make, integer)
    randomize(source)
    path = tmp_path / "legacy.h5"
    write_legacy_weights(source, path)
    model = build(lamina, shape, make, integer)
    assert model.load_weights(path) == ""
    x = sample(shape, integer)
    np.testing.assert_allclose(model.predict(x, verbose=0), source.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def test_keras_3_refuses_h5_suffix_for_save_weights(tmp_path):
    # Keras 3 writes legacy weights only through its legacy writer (what the tests use).
    with pytest.raises(ValueError):
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save_weights(tmp_path / "x.h5")


def test_by_name_with_skip_mismatch_loads_what_fits_and_reports_the_rest(tmp_path):
    source = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, name="body"), keras.layers.Dense(3, name="head")])
    randomize(source)
    path = tmp_path / "w.h5"
    write_legacy_weights(source, path)
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(5, name="body"),
                               lamina.layers.Dense(7, name="head"), lamina.layers.Dense(2, name="new")])
    before = model.get_layer("head").get_weights()
    with pytest.raises(SavingError, match="head/kernel"):
        model.load_weights(path, by_name=True)
    with pytest.warns(UserWarning, match="head"):
        report = model.load_weights(path, by_name=True, skip_mismatch=True)
    assert "head/kernel" in report and "'new'" in report
    np.testing.assert_array_equal(model.get_layer("body").get_weights()[0], source.get_layer("body").get_weights()[0])
    np.testing.assert_array_equal(model.get_layer("head").get_weights()[0], before[0])


def test_by_position_mismatch_lists_everything_and_loads_nothing(tmp_path):
    source = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), keras.layers.Dense(3)])
    path = tmp_path / "w.h5"
    write_legacy_weights(source, path)
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(6), lamina.layers.Dense(3)])
    before = model.get_weights()
    with pytest.raises(SavingError, match=r"(?s)mis-shaped.*\(4, 6\).*\(4, 5\)"):
        model.load_weights(path)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    three = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(5), lamina.layers.Dense(3), lamina.layers.Dense(1)])
    with pytest.raises(SavingError, match="file has 2 layers with weights"):
        three.load_weights(path)
    with pytest.raises(SavingError, match="by_name=True only applies"):
        model.load_weights(tmp_path / "x.weights.h5", by_name=True)


def test_batchnorm_weights_in_the_wrong_order_are_refused(tmp_path):
    source = keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization(name="bn")])
    path = tmp_path / "bn.h5"
    write_legacy_weights(source, path)
    with h5py.File(path, "r+") as handle:
        names = list(handle["bn"].attrs["weight_names"])
        handle["bn"].attrs["weight_names"] = [names[2], names[1], names[0], names[3]]
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.BatchNormalization(name="bn")])
    with pytest.raises(SavingError, match="'moving_mean', not 'gamma'"):
        model.load_weights(path)


def test_legacy_weights_pass_the_hdf5_safety_walk(tmp_path):
    source = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")])
    path = tmp_path / "w.h5"
    write_legacy_weights(source, path)
    with h5py.File(path, "r+") as handle:
        handle["elsewhere"] = h5py.ExternalLink("/etc/passwd", "/")
    with pytest.raises(SavingError, match="external link"):
        lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(2, name="d")]).load_weights(path)


def test_nested_model_weights_use_the_legacy_trainable_first_order(tmp_path):
    def make(library):
        inner = library.Sequential([library.Input((4,)), library.layers.Dense(3), library.layers.BatchNormalization(),
                                    library.layers.Dense(2)], name="base")
        return library.Sequential([library.Input((4,)), inner, library.layers.Dense(1)])

    source = make(keras)
    randomize(source)
    path = tmp_path / "nested.h5"
    write_legacy_weights(source, path)
    model = make(lamina)
    model.layers[0].trainable = False  # a frozen base reads the files of its unfrozen original
    model.load_weights(path)
    x = sample((4,), False)
    np.testing.assert_allclose(model.predict(x, verbose=0), source.predict(x, verbose=0), atol=1e-5)


# ------------------------------------------------------------------ full-model files
def test_keras_legacy_model_file_loads_compiled_with_keras_outputs(tmp_path):
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.BatchNormalization()(x)
    y = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Add()([keras.layers.Dense(3)(y), keras.layers.Dense(3)(y)])
    source = keras.Model(inputs, outputs)
    randomize(source)
    source.compile(optimizer=keras.optimizers.Adam(0.003), loss="mse", metrics=["mae"])
    path = tmp_path / "model.h5"
    legacy.save_model_to_hdf5(source, str(path))
    model = lamina.models.load_model(path)
    x = sample((8, 8, 3), False)
    np.testing.assert_allclose(model.predict(x, verbose=0), source.predict(x, verbose=0), atol=1e-5)
    assert model.compiled and abs(float(model.optimizer.learning_rate) - 0.003) < 1e-7
    model.fit(x, np.zeros((4, 3), "float32"), epochs=1, verbose=0)
    uncompiled = lamina.saving.load_model(path, compile=False)
    assert not uncompiled.compiled


def test_keras_legacy_sequential_file_loads(tmp_path):
    source = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(2)])
    randomize(source)
    path = tmp_path / "seq.hdf5"
    legacy.save_model_to_hdf5(source, str(path), include_optimizer=False)
    model = lamina.models.load_model(path)
    x = sample((5,), False)
    np.testing.assert_allclose(model.predict(x, verbose=0), source.predict(x, verbose=0), atol=1e-5)


def _keras2_file(path, model_config, layers, training_config=None):
    """A file laid out as tf.keras 2 wrote it: weight names ``<layer>/<weight>:0``."""
    with h5py.File(path, "w") as handle:
        handle.attrs["keras_version"] = b"2.13.1"
        handle.attrs["backend"] = b"tensorflow"
        handle.attrs["model_config"] = json.dumps(model_config).encode()
        if training_config:
            handle.attrs["training_config"] = json.dumps(training_config).encode()
        group = handle.create_group("model_weights")
        group.attrs["layer_names"] = [name.encode() for name, _ in layers]
        for name, weights in layers:
            layer_group = group.create_group(name)
            layer_group.attrs["weight_names"] = [f"{name}/{w}:0".encode() for w, _ in weights]
            for weight, value in weights:
                layer_group.create_dataset(f"{name}/{weight}:0", data=value)


def test_hand_written_keras_2_functional_and_sequential_configs_load(tmp_path):
    rng = np.random.default_rng(0)
    kernel, bias = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(3,)).astype("float32")
    dense = {"name": "dense", "trainable": True, "dtype": "float32", "units": 3, "activation": "relu", "use_bias": True,
             "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
             "bias_initializer": {"class_name": "Zeros", "config": {}}}
    functional = {"class_name": "Model", "config": {"name": "model", "layers": [
        {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False, "ragged": False, "name": "input_1"}},
        {"class_name": "Dense", "name": "dense", "config": dense, "inbound_nodes": [[["input_1", 0, 0, {}]]]},
        {"class_name": "Add", "name": "add", "config": {"name": "add", "trainable": True, "dtype": "float32"},
         "inbound_nodes": [[["dense", 0, 0, {}], ["dense", 0, 0, {}]]]}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["add", 0, 0]]}}
    training = {"loss": "mse", "metrics": ["mae"], "weighted_metrics": None, "loss_weights": None,
                "optimizer_config": {"class_name": "SGD", "config": {"name": "SGD", "learning_rate": 0.05, "momentum": 0.0}}}
    _keras2_file(tmp_path / "f.h5", functional, [("input_1", []), ("dense", [("kernel", kernel), ("bias", bias)]), ("add", [])], training)
    model = lamina.models.load_model(tmp_path / "f.h5")
    x = rng.normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), 2 * np.maximum(x @ kernel + bias, 0), atol=1e-5)
    assert type(model.optimizer).__name__ == "SGD"

    sequential = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "Dense", "config": {**dense, "batch_input_shape": [None, 4]}}]}}
    _keras2_file(tmp_path / "s.h5", sequential, [("dense", [("kernel", kernel), ("bias", bias)])])
    model = lamina.models.load_model(tmp_path / "s.h5")
    np.testing.assert_allclose(model.predict(x, verbose=0), np.maximum(x @ kernel + bias, 0), atol=1e-5)


def test_safe_mode_refuses_lambda_bytecode_in_legacy_files(tmp_path):
    source = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: t * 2.0), keras.layers.Dense(2)])
    path = tmp_path / "lambda.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy.save_model_to_hdf5(source, str(path), include_optimizer=False)
    with pytest.raises(SavingError, match="(?i)safe_mode"):
        lamina.models.load_model(path)


def test_a_weights_only_file_is_not_a_model(tmp_path):
    source = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    write_legacy_weights(source, tmp_path / "w.h5")
    with pytest.raises(SavingError, match="weights-only"):
        lamina.models.load_model(tmp_path / "w.h5")
