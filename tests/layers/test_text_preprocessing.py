"""Text preprocessing layers (TextVectorization, StringLookup, IntegerLookup, Hashing,
HashedCrossing): what the Keras oracle (tests/layers/test_string_layers_keras_oracle.py, which
compares values, dtypes, vocabularies, configs and files with real Keras for the cases of
tests/string_layer_cases.py) does not cover.

Here: the hash functions against TensorFlow's documented values and the published SipHash
test vectors (no TensorFlow needed), lamina's errors, ``set_vocabulary``, callables and
torch datasets, training on raw strings, the ``.keras`` layout
(``assets/<layer path>/vocabulary.txt``, ``idf_weights`` in the layer's ``vars`` group)
and safe mode.
"""

import io
import json
import zipfile

import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError, SavingError
from lamina.layers.preprocessing._fingerprints import fingerprint64, siphash64


def ids(tensor):
    return (tensor.cpu() if isinstance(tensor, torch.Tensor) else np.asarray(tensor)).tolist()


# ----------------------------------------------------------------- hashes
def test_fingerprint64_matches_tensorflow_documented_buckets():
    # tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) -> [0, 2, 2]
    assert [fingerprint64(w.encode()) % 3 for w in ["Hello", "TensorFlow", "2.x"]] == [0, 2, 2]
    # every length branch of farmhashna::Hash64 runs (0-16, 17-32, 33-64, >64 bytes)
    values = {fingerprint64(bytes(range(n % 256)) * 1) for n in (0, 3, 7, 12, 20, 40, 65, 200, 1000)}
    assert len(values) == 9


def test_siphash_matches_reference_vectors_and_tensorflow():
    key0, key1 = int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little")
    assert siphash64(key0, key1, b"") == 0x726FDB47DD0E0E31  # SipHash-2-4 paper, empty message
    assert siphash64(key0, key1, bytes(range(15))) == 0xA129CA6149BE45E5
    # tf.strings.to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2]) -> [2, 0]
    assert [siphash64(1, 2, w.encode()) % 3 for w in ["Hello", "TF"]] == [2, 0]


def test_hashing_refuses_sparse():
    with pytest.raises(ConfigurationError, match="sparse=True"):
        layers.Hashing(num_bins=3, output_mode="count", sparse=True)


def test_hashed_crossing_needs_two_features():
    with pytest.raises(InputError, match="at least two"):
        layers.HashedCrossing(num_bins=5)(np.array(["A", "B"]))


# ----------------------------------------------------------------- lookups
VOCAB = ["a", "b", "c", "d"]


def test_set_vocabulary_with_idf_weights_as_keras_docstring():
    """The oracle's sl_docstring_tf_idf cases pass the same vocabulary to the constructor."""
    data4 = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    tfidf = layers.StringLookup(output_mode="tf_idf")
    tfidf.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tfidf(data4).cpu(), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    tfidf.set_vocabulary(["[UNK]"] + VOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tfidf(data4).cpu(), [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)


def test_string_lookup_errors():
    with pytest.raises(InputError, match="num_oov_indices=0"):
        layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)([["zz"]])
    with pytest.raises(ConfigurationError, match="repeats"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ConfigurationError, match="invert=True needs output_mode='int'"):
        layers.StringLookup(invert=True, output_mode="count")
    with pytest.raises(ConfigurationError, match="sparse=True"):
        layers.StringLookup(output_mode="count", sparse=True)


# ----------------------------------------------------------------- TextVectorization
def test_text_vectorization_callables_and_input_shape_error():
    layer = layers.TextVectorization(vocabulary=["x"])
    custom = layers.TextVectorization(standardize=lambda s: np.char.upper(s.astype(str)), split=lambda s: [t.split("-") for t in s], vocabulary=["x"])
    assert custom._tokens(["a-b"]) == [["A", "B"]]
    with pytest.raises(InputError, match="last axis of size 1"):
        layer(np.array([["a", "b"]]))


def test_text_vectorization_refuses_sparse_and_ragged():
    with pytest.raises(ConfigurationError, match="sparse=True"):
        layers.TextVectorization(output_mode="count", sparse=True)
    with pytest.raises(ConfigurationError, match="ragged=True"):
        layers.TextVectorization(ragged=True)


def test_text_vectorization_adapt_from_generators_and_torch_datasets():
    docs = ["red fish", "blue fish", "one fish two fish"]
    expected = layers.TextVectorization()
    expected.adapt(np.array(docs))

    def generator():
        yield np.array(docs[:2])
        yield docs[2:]

    for source in (generator(), [np.array(docs[:1]), np.array(docs[1:])]):
        layer = layers.TextVectorization()
        layer.adapt(iter(source) if isinstance(source, list) else source)
        assert layer.get_vocabulary() == expected.get_vocabulary()

    class Reviews(torch.utils.data.Dataset):
        def __len__(self):
            return len(docs)

        def __getitem__(self, i):
            return docs[i], i % 2

    layer = layers.TextVectorization()
    layer.adapt(Reviews())
    assert layer.get_vocabulary() == expected.get_vocabulary()
    layer = layers.TextVectorization()
    layer.adapt(torch.utils.data.DataLoader(Reviews(), batch_size=2))
    assert layer.get_vocabulary() == expected.get_vocabulary()


# ----------------------------------------------------------------- models and .keras files
def text_model(output_mode="int"):
    inputs = lamina.Input(shape=(1,), dtype="string")
    vectorize = layers.TextVectorization(max_tokens=30, output_mode=output_mode, output_sequence_length=6 if output_mode == "int" else None)
    vectorize.adapt(["good movie", "bad movie", "really good fun", "really bad plot"])
    x = vectorize(inputs)
    if output_mode == "int":
        x = layers.GlobalAveragePooling1D()(layers.Embedding(30, 8)(x))
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return lamina.Model(inputs, outputs)


def test_model_trains_on_raw_strings_and_saves_vocabulary(tmp_path):
    model = text_model()
    assert model.inputs[0].dtype == "string"
    model.compile("adam", "binary_crossentropy")
    x = np.array([["good movie"], ["bad movie"], ["good fun"], ["bad plot"]])
    model.fit(x, np.array([1, 0, 1, 0]), epochs=2, batch_size=2, verbose=0)
    before = model.predict(x, verbose=0)
    path = tmp_path / "text.keras"
    model.save(path)
    names = zipfile.ZipFile(path).namelist()
    assert "assets/layers/text_vectorization/vocabulary.txt" in names
    vocabulary = zipfile.ZipFile(path).read("assets/layers/text_vectorization/vocabulary.txt").decode()
    assert vocabulary.split("\n")[:2] == ["", "[UNK]"]
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    layer_config = config["config"]["layers"][1]["config"]
    assert layer_config["vocabulary"] is None and config["config"]["layers"][0]["config"]["dtype"] == "string"
    loaded = lamina.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), before, rtol=1e-5)
    assert loaded.layers[1].get_vocabulary() == model.layers[1].get_vocabulary()


def test_multi_hot_model_trains_on_keras_int64_vectors():
    """TextVectorization's multi_hot vectors are int64, as Keras's; Dense takes them."""
    model = text_model("multi_hot")
    x = np.array([["good movie"], ["bad movie"], ["good fun"], ["bad plot"]] * 4)
    assert model.layers[1](x[:1]).dtype == torch.int64
    model.compile(lamina.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, np.array([1, 0, 1, 0] * 4), epochs=20, batch_size=4, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] == 1.0


def test_tf_idf_model_saves_idf_weights_in_vars_group(tmp_path):
    import h5py

    model = text_model("tf_idf")
    path = tmp_path / "tfidf.keras"
    model.save(path)
    with h5py.File(io.BytesIO(zipfile.ZipFile(path).read("model.weights.h5"))) as handle:
        stored = handle["layers/text_vectorization/vars/idf_weights"][()]
    np.testing.assert_allclose(stored, model.layers[1]._lookup_layer.idf_weights.numpy())
    loaded = lamina.saving.load_model(path)
    x = np.array([["good plot"], ["zebra"]])
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)


def keras_layout_archive(path, vocabulary_in_config=None):
    """A .keras file laid out as Keras 3 writes a Sequential([StringLookup]) (from
    keras/src/saving/saving_lib.py and index_lookup.save_assets)."""
    import h5py

    lookup = {
        "module": "keras.layers", "class_name": "StringLookup", "registered_name": None,
        "config": {"name": "string_lookup", "trainable": True, "dtype": "int64", "invert": False, "max_tokens": None,
                   "num_oov_indices": 1, "oov_token": "[UNK]", "mask_token": None, "output_mode": "int",
                   "sparse": False, "pad_to_max_tokens": False, "idf_weights": None,
                   "vocabulary": vocabulary_in_config, "vocabulary_size": 4, "oov_method": "floormod", "salt": None,
                   "encoding": "utf-8"},
    }
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None,
              "config": {"name": "sequential", "trainable": True, "dtype": "float32", "layers": [
                  {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
                   "config": {"batch_shape": [None, 2], "dtype": "string", "sparse": False, "name": "input_layer"}},
                  lookup]}}
    weights = io.BytesIO()
    with h5py.File(weights, "w") as handle:
        handle.create_group("layers/string_lookup/vars")
        handle.create_group("vars")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", weights.getvalue())
        archive.writestr("assets/layers/string_lookup/vocabulary.txt", "[UNK]\nx\ny\nz")


def test_loads_keras_layout_vocabulary_asset(tmp_path):
    path = tmp_path / "keras_lookup.keras"
    keras_layout_archive(path)
    model = lamina.saving.load_model(path)
    assert ids(model.predict(np.array([["y", "q"]]), verbose=0)) == [[2, 0]]


def test_vocabulary_file_path_in_config_refused_in_safe_mode(tmp_path):
    outside = tmp_path / "vocab.txt"
    outside.write_text("x\ny\n")
    path = tmp_path / "path_vocab.keras"
    keras_layout_archive(path, vocabulary_in_config=str(outside))
    with pytest.raises(SavingError, match="outside the .keras archive"):
        lamina.saving.load_model(path)
    assert lamina.saving.load_model(path, safe_mode=False).layers[0].get_vocabulary() == ["[UNK]", "x", "y"]
    inside = tmp_path / "inside.keras"
    keras_layout_archive(inside, vocabulary_in_config="assets/layers/string_lookup/vocabulary.txt")
    assert lamina.saving.load_model(inside).layers[0].get_vocabulary() == ["[UNK]", "x", "y", "z"]
    # In code (not loading a file), a vocabulary path is the user's own choice.
    assert layers.StringLookup(vocabulary=str(outside)).get_vocabulary() == ["[UNK]", "x", "y"]


def test_text_vectorization_in_a_data_pipeline():
    vectorize = layers.TextVectorization(output_sequence_length=3, vocabulary=["a", "b"])
    batch = vectorize(np.array(["a b c", "b"]))
    assert batch.dtype == torch.int64 and batch.device.type == lamina.backend.get_device().type
    assert ids(batch) == [[2, 3, 1], [3, 0, 0]]
