"""Issue #16 items 6 and 8: Keras's saving helpers (custom objects, scopes, generic
(de)serialization, registered activations through .keras files) and the error for Keras
classes lamina lacks. Keras 3 is the oracle."""

import json
import zipfile

import keras
import numpy as np
import pytest

import lamina
from lamina.errors import SavingError


@lamina.saving.register_keras_serializable(package="helpers")
def custom_fn(x):
    return lamina.ops.relu(x) * 2


@keras.saving.register_keras_serializable(package="helpers")
def keras_custom_fn(x):
    return keras.ops.relu(x) * 2


def test_names_exist_where_keras_has_them():
    for name in ("CustomObjectScope", "custom_object_scope", "get_custom_objects", "serialize_keras_object",
                 "deserialize_keras_object", "get_registered_object", "get_registered_name",
                 "register_keras_serializable"):
        assert hasattr(keras.saving, name) and hasattr(lamina.saving, name), name
        assert hasattr(keras.utils, name) and hasattr(lamina.utils, name), name
    assert lamina.saving.custom_object_scope is lamina.saving.CustomObjectScope
    assert callable(lamina.layers.serialize) and callable(lamina.layers.deserialize)
    assert callable(lamina.activations.serialize) and callable(lamina.activations.deserialize)


def _scope_behaviour(saving):
    a, b, c = object(), object(), object()
    seen = []
    with saving.custom_object_scope({"a": a}) as scope:
        seen.append(isinstance(scope, saving.CustomObjectScope))
        seen.append(saving.get_registered_object("a") is a)
        with saving.custom_object_scope({"b": b}):
            seen += [saving.get_registered_object("a"), saving.get_registered_object("b") is b]
        seen += [saving.get_registered_object("a") is a, saving.get_registered_object("b")]
    seen.append(saving.get_registered_object("a"))
    seen.append(saving.get_registered_object("z", custom_objects={"z": b}, module_objects={"z": c}) is b)
    seen.append(saving.get_registered_object("z", module_objects={"z": c}) is c)
    return seen


def test_scopes_nest_as_in_keras():
    assert _scope_behaviour(lamina.saving) == _scope_behaviour(keras.saving)


def test_scope_beats_registered_beats_argument_as_in_keras():
    other = object()
    for saving, fn in ((lamina.saving, custom_fn), (keras.saving, keras_custom_fn)):
        key = f"helpers>{fn.__name__}"
        assert saving.get_custom_objects()[key] is fn
        assert saving.get_registered_object(key, custom_objects={key: other}) is fn
        with saving.custom_object_scope({key: other}):
            assert saving.get_registered_object(key) is other


def test_get_registered_name_as_in_keras():
    def plain(x):
        return x

    assert lamina.saving.get_registered_name(custom_fn) == "helpers>custom_fn"
    assert keras.saving.get_registered_name(keras_custom_fn) == "helpers>keras_custom_fn"
    assert lamina.saving.get_registered_name(plain) == keras.saving.get_registered_name(plain) == "plain"
    assert lamina.saving.get_registered_name(lamina.layers.Dense) == "Dense"


def test_objects_added_to_get_custom_objects_load(tmp_path):
    class Tripled(lamina.layers.Layer):
        def call(self, x):
            return x * 3

    model = lamina.Sequential([lamina.Input((2,)), Tripled()])
    model.save(tmp_path / "m.keras")
    with pytest.raises(SavingError, match="Unknown class name 'Tripled'.*register_keras_serializable"):
        lamina.saving.load_model(tmp_path / "m.keras")
    lamina.saving.get_custom_objects()["Tripled"] = Tripled
    try:
        assert isinstance(lamina.saving.load_model(tmp_path / "m.keras").layers[0], Tripled)
    finally:
        del lamina.saving.get_custom_objects()["Tripled"]


def test_loading_inside_a_scope_and_scope_beats_argument(tmp_path):
    class Doubled(lamina.layers.Layer):
        def call(self, x):
            return x * 2

    class Other(Doubled):
        pass

    lamina.Sequential([lamina.Input((2,)), Doubled()]).save(tmp_path / "m.keras")
    with lamina.saving.custom_object_scope({"Doubled": Doubled}):
        assert type(lamina.saving.load_model(tmp_path / "m.keras").layers[0]) is Doubled
    with lamina.saving.custom_object_scope({"Doubled": Other}):  # as Keras: the scope wins
        loaded = lamina.saving.load_model(tmp_path / "m.keras", custom_objects={"Doubled": Doubled})
        assert type(loaded.layers[0]) is Other


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
        lambda m: m.metrics.SparseCategoricalAccuracy(),
        lambda m: m.metrics.AUC(num_thresholds=50, name="auc"),
        lambda m: m.optimizers.schedules.CosineDecay(0.1, 100),
        lambda m: m.initializers.GlorotUniform(seed=3),
        lambda m: m.regularizers.L2(0.01),
        lambda m: m.constraints.MaxNorm(2.0),
        lambda m: m.losses.mean_squared_error,
        lambda m: m.activations.relu,
        lambda m: (1, "a", None),
        lambda m: [1.5, {"k": "v"}],
    ],
)
def test_serialize_keras_object_matches_keras(make):
    theirs = keras.saving.serialize_keras_object(make(keras))
    written = lamina.saving.serialize_keras_object(make(lamina))
    if isinstance(theirs, dict) and isinstance(theirs.get("config"), dict):
        theirs["config"].pop("input_axes", None), theirs["config"].pop("output_axes", None)
    assert written == theirs
    back = lamina.saving.deserialize_keras_object(theirs)
    # As Keras: a tuple comes back a list.
    assert lamina.saving.serialize_keras_object(back) == (list(written) if isinstance(written, tuple) else written)
    again = keras.saving.deserialize_keras_object(written)
    expected = keras.saving.serialize_keras_object(make(keras))
    assert keras.saving.serialize_keras_object(again) == (list(expected) if isinstance(expected, tuple) else expected)


def test_registered_function_serializes_as_keras():
    assert lamina.activations.serialize(custom_fn) == {
        "module": "builtins", "class_name": "function", "config": "helpers>custom_fn", "registered_name": "function"
    }
    assert keras.activations.serialize(keras_custom_fn)["config"] == "helpers>keras_custom_fn"
    assert lamina.activations.serialize(lamina.activations.relu) == keras.activations.serialize(keras.activations.relu)
    assert lamina.activations.deserialize(lamina.activations.serialize(custom_fn)) is custom_fn
    assert lamina.activations.deserialize("helpers>custom_fn") is custom_fn
    assert lamina.saving.deserialize_keras_object(lamina.saving.serialize_keras_object(custom_fn)) is custom_fn


def test_layers_serialize_deserialize_both_ways():
    dense = lamina.layers.Dense(4, activation=custom_fn)
    entry = lamina.layers.serialize(dense)
    assert entry["config"]["activation"]["config"] == "helpers>custom_fn"
    copy = lamina.layers.deserialize(entry)
    assert copy.units == 4 and copy.activation is custom_fn
    keras_dense = keras.layers.deserialize(
        json.loads(json.dumps(entry).replace("helpers>custom_fn", "helpers>keras_custom_fn"))
    )
    assert keras_dense.units == 4 and keras_dense.activation is keras_custom_fn
    from_keras = lamina.layers.deserialize(keras.layers.serialize(keras.layers.Dense(5, activation="tanh")))
    assert from_keras.units == 5 and from_keras.activation is lamina.activations.tanh


def test_registered_activation_round_trips_through_keras_files(tmp_path):
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, activation=custom_fn, name="d")])
    x = np.random.rand(4, 3).astype("float32")
    model.save(tmp_path / "lamina.keras")
    with zipfile.ZipFile(tmp_path / "lamina.keras") as archive:
        layer = json.loads(archive.read("config.json"))["config"]["layers"][-1]
    assert layer["config"]["activation"] == keras.saving.serialize_keras_object(keras_custom_fn) | {
        "config": "helpers>custom_fn"
    }
    back = lamina.saving.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    # Keras reads lamina's file (its registration under the same name) and lamina reads Keras's.
    loaded = keras.saving.load_model(tmp_path / "lamina.keras", custom_objects={"helpers>custom_fn": keras_custom_fn})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    keras_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=keras_custom_fn)])
    keras_model.save(tmp_path / "keras.keras")
    ours = lamina.saving.load_model(tmp_path / "keras.keras", custom_objects={"helpers>keras_custom_fn": custom_fn})
    np.testing.assert_allclose(ours.predict(x, verbose=0), keras_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_unregistered_function_loads_with_custom_objects(tmp_path):
    def halved(x):
        return x / 2

    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, activation=halved)])
    model.save(tmp_path / "m.keras")
    with pytest.raises(SavingError, match="halved"):
        lamina.saving.load_model(tmp_path / "m.keras")
    assert lamina.saving.load_model(tmp_path / "m.keras", custom_objects={"halved": halved}).layers[0].activation is halved


def test_weights_numpy_on_trainable_weights():
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, name="d")])
    layer = model.get_layer("d")
    kernel, bias = (weight.numpy() for weight in layer.weights)
    assert isinstance(kernel, np.ndarray) and layer.weights[0].requires_grad
    # lamina keeps a Dense kernel in torch's (units, inputs) layout; get_weights gives Keras's.
    np.testing.assert_array_equal(kernel.T, layer.get_weights()[0])
    np.testing.assert_array_equal(bias, layer.get_weights()[1])


def test_keras_class_lamina_lacks_is_named(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Identity()])
    model.save(tmp_path / "k.keras")
    # write the config by hand: a Keras class lamina has no version of
    with zipfile.ZipFile(tmp_path / "k.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][-1].update(class_name="TFSMLayer", module="keras.layers")
    members["config.json"] = json.dumps(config).encode()
    path = tmp_path / "edited.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(SavingError, match="'TFSMLayer' from Keras's module '[a-z.]+'.*Keras class that lamina does not have yet") as info:
        lamina.saving.load_model(path)
    assert "if it is your own layer" not in str(info.value)


def test_convnext_layer_scale_by_hand():
    # Keras's ConvNeXt LayerScale (under its module) is lamina's; a class of the same name from
    # elsewhere is the user's own, which lamina cannot guess.
    entry = {"module": "keras.src.applications.convnext", "class_name": "LayerScale",
             "config": {"init_values": 1e-6, "projection_dim": 4}, "registered_name": "LayerScale"}
    assert lamina.layers.deserialize(entry).projection_dim == 4
    for module in ("my_project.layers", None):
        own = {"module": module, "class_name": "LayerScale", "config": {}, "registered_name": "LayerScale"}
        with pytest.raises(SavingError, match="If it is your own layer"):
            lamina.layers.deserialize(own)
