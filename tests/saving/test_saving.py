"""Saving and loading: round trips, continued training, mismatch reports, atomic writes."""

import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.backend import set_random_seed
from lamina.errors import ConfigurationError, SavingError


def data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 6), dtype=np.float32), rng.integers(0, 3, n)


def sequential():
    return lamina.Sequential(
        [layers.Dense(8, activation="relu", input_shape=(6,)), layers.Dropout(0.1), layers.Dense(3, activation="softmax")]
    )


def functional():
    a = lamina.Input(shape=(6,), name="a")
    h = layers.Dense(8, activation="tanh", name="h")(a)
    label = layers.Dense(3, activation="softmax", name="label")(h)
    value = layers.Dense(1, name="value")(layers.Dense(4, name="hv")(h))
    return lamina.Model(a, [label, value], name="two_heads")


def test_keras_file_round_trip_gives_identical_predictions_and_continued_training(tmp_path):
    x, y = data()
    model = sequential()
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = lamina.models.load_model(path)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert loaded.optimizer.iterations == model.optimizer.iterations
    for trained in (model, loaded):
        set_random_seed(11)
        trained.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_functional_multi_output_round_trip(tmp_path):
    x, y = data()
    model = functional()
    model.compile("adam", ["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.3])
    model.fit(x, [y, x[:, :1]], epochs=1, verbose=0)
    model.save(tmp_path / "f.keras")
    loaded = lamina.models.load_model(tmp_path / "f.keras")
    assert loaded.output_names == ["label", "value"]
    for a, b in zip(model.predict(x, verbose=0), loaded.predict(x, verbose=0)):
        np.testing.assert_array_equal(a, b)


def test_archive_layout_matches_keras(tmp_path):
    model = functional()
    model.save(tmp_path / "f.keras")
    with zipfile.ZipFile(tmp_path / "f.keras") as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(archive.read("config.json"))
        weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
    assert config["class_name"] == "Functional" and config["config"]["output_layers"] == [["label", 0, 0], ["value", 0, 0]]
    assert weights["layers/dense/vars"].attrs["name"] == b"h"  # fixed-length: see h5_writing
    assert weights["layers/dense/vars/0"].shape == (6, 8)  # Keras layout (in, out)
    assert weights["layers/dense_3/vars"].attrs["name"] == b"value"


def test_weights_file_round_trip(tmp_path):
    model = sequential()
    model.save_weights(tmp_path / "w.weights.h5")
    clone = sequential()
    clone.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_mismatch_lists_missing_unexpected_and_mis_shaped_and_loads_nothing(tmp_path):
    model = sequential()
    model.save_weights(tmp_path / "w.weights.h5")
    other = lamina.Sequential([layers.Dense(5, input_shape=(6,)), layers.Dense(3), layers.Dense(2)])
    before = other.get_weights()
    with pytest.raises(SavingError) as info:
        other.load_weights(tmp_path / "w.weights.h5")
    text = str(info.value)
    assert "missing" in text and "mis-shaped" in text and "dense_2" in text
    assert "expects (6, 5)" in text and "(6, 8)" in text
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)
    report = other.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    assert "mis-shaped" in report


def test_weight_names_guard_against_wrong_order(tmp_path):
    model = sequential()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r+") as handle:
        group = handle["layers/dense/vars"]
        group.move("1", "tmp")
        group["1"] = np.zeros(8, dtype=np.float32)
        group["1"].attrs["name"] = "kernel"
        del group["tmp"]
    with pytest.raises(SavingError, match="named 'kernel'"):
        sequential().load_weights(path)


def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    model = sequential()
    path = tmp_path / "model.keras"
    model.save(path)
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", explode)
    with pytest.raises(OSError, match="disk full"):
        sequential().save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.keras"]
    lamina.models.load_model(path)


def test_bad_files_give_clear_errors(tmp_path):
    model = sequential()
    path = tmp_path / "model.keras"
    model.save(path)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(path.read_bytes()[:200])
    with pytest.raises(SavingError, match="zip"):
        lamina.models.load_model(truncated)

    def rewrite(name, mutate):
        target = tmp_path / name
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
            for item in source.infolist():
                data = source.read(item)
                if item.filename == "config.json":
                    data = json.dumps(mutate(json.loads(data))).encode()
                out.writestr(item, data)
        return target

    def unknown_class(config):
        config["config"]["layers"][1]["class_name"] = "Mystery"
        return config

    with pytest.raises(SavingError, match="Unknown class name 'Mystery'.*custom_objects"):
        lamina.models.load_model(rewrite("unknown.keras", unknown_class))

    def wider(config):
        config["config"]["layers"][1]["config"]["units"] = 9
        return config

    with pytest.raises(SavingError, match="mis-shaped"):
        lamina.models.load_model(rewrite("shapes.keras", wider))

    traversal = tmp_path / "traversal.keras"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(traversal, "w") as out:
        for item in source.infolist():
            out.writestr(item, source.read(item))
        out.writestr("../evil.txt", b"x")
    with pytest.raises(SavingError, match="unsafe path"):
        lamina.models.load_model(traversal)


def test_zip_bomb_member_is_refused(tmp_path):
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("config.json", "{}")
        out.writestr("model.weights.h5", b"\0" * (40 * 1024 * 1024))
    with pytest.raises(SavingError, match="zip bomb"):
        lamina.models.load_model(bomb)


def test_external_link_in_weights_file_is_refused(tmp_path):
    model = sequential()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    secret = tmp_path / "secret.h5"
    with h5py.File(secret, "w") as handle:
        handle["data"] = np.arange(3)
    with h5py.File(path, "r+") as handle:
        handle["layers/dense/link"] = h5py.ExternalLink(str(secret), "/data")
    with pytest.raises(SavingError, match="external link"):
        sequential().load_weights(path)


def test_virtual_dataset_is_refused(tmp_path):
    path = tmp_path / "v.weights.h5"
    sequential().save_weights(path)
    source = tmp_path / "src.h5"
    with h5py.File(source, "w") as handle:
        handle["d"] = np.arange(4.0)
    layout = h5py.VirtualLayout(shape=(4,), dtype="f8")
    layout[:] = h5py.VirtualSource(str(source), "d", shape=(4,))
    with h5py.File(path, "r+") as handle:
        handle.create_virtual_dataset("layers/dense/virtual", layout)
    with pytest.raises(SavingError, match="virtual dataset"):
        sequential().load_weights(path)


def test_custom_layer_needs_registration_or_custom_objects(tmp_path):
    class Doubler(layers.Layer):
        def call(self, inputs):
            return inputs * 2

    model = lamina.Sequential([layers.Dense(2, input_shape=(3,)), Doubler()])
    model.save(tmp_path / "c.keras")
    with pytest.raises(SavingError, match="Doubler"):
        lamina.models.load_model(tmp_path / "c.keras")
    loaded = lamina.models.load_model(tmp_path / "c.keras", custom_objects={"Doubler": Doubler})
    x = np.ones((1, 3), dtype=np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_registered_custom_layer_loads_by_name(tmp_path):
    @lamina.saving.register_keras_serializable(package="tests")
    class Shift(layers.Layer):
        def __init__(self, amount=1.0, **kwargs):
            super().__init__(**kwargs)
            self.amount = amount

        def call(self, inputs):
            return inputs + self.amount

        def get_config(self):
            return {**super().get_config(), "amount": self.amount}

    model = lamina.Sequential([layers.Dense(2, input_shape=(3,)), Shift(3.0)])
    model.save(tmp_path / "r.keras")
    loaded = lamina.models.load_model(tmp_path / "r.keras")
    assert loaded.layers[1].amount == 3.0


def test_config_round_trip_of_models():
    for model in (sequential(), functional()):
        clone = type(model).from_config(json.loads(json.dumps(model.get_config())))
        clone.set_weights(model.get_weights())
        x = np.random.rand(4, 6).astype(np.float32)
        out_a, out_b = model.predict(x, verbose=0), clone.predict(x, verbose=0)
        for a, b in zip(out_a if isinstance(out_a, list) else [out_a], out_b if isinstance(out_b, list) else [out_b]):
            np.testing.assert_array_equal(a, b)


def test_wrong_suffixes_are_explained(tmp_path):
    with pytest.raises(SavingError, match=".keras"):
        sequential().save(tmp_path / "model.h5")
    with pytest.raises(SavingError, match=".weights.h5"):
        sequential().save_weights(tmp_path / "model.h5")
    (tmp_path / "exists.keras").write_bytes(b"")
    with pytest.raises(ConfigurationError, match="overwrite"):
        sequential().save(tmp_path / "exists.keras", overwrite=False)


def test_custom_objects_reach_layers_inside_nested_models(tmp_path):
    class Triple(layers.Layer):
        def call(self, inputs):
            return inputs * 3

    inner = lamina.Sequential([layers.Dense(2, input_shape=(3,)), Triple()], name="inner")
    outer_input = lamina.Input(shape=(3,))
    outer = lamina.Model(outer_input, layers.Dense(1)(inner(outer_input)))
    outer.save(tmp_path / "nested.keras")
    loaded = lamina.models.load_model(tmp_path / "nested.keras", custom_objects={"Triple": Triple})
    x = np.ones((2, 3), dtype=np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), outer.predict(x, verbose=0), rtol=1e-6)
