"""Text preprocessing layers (TextVectorization, StringLookup, IntegerLookup, Hashing,
HashedCrossing) against Keras 3.

Keras runs these layers with TensorFlow (tf.strings, tf.lookup), which is not installed
here: ``keras.layers.StringLookup(...)`` raises ImportError. The expected values therefore
come from Keras's documented examples (its docstrings, run by Keras's own doctests with
TensorFlow), TensorFlow's documented hash values, the published SipHash test vectors,
and Keras's source for configs, vocabulary order and the ``.keras`` layout
(``assets/<layer path>/vocabulary.txt``, ``idf_weights`` in the layer's ``vars`` group).
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


def test_hashing_matches_keras_docstring_examples():
    data = [["A"], ["B"], ["C"], ["D"], ["E"]]
    assert ids(layers.Hashing(num_bins=3)(data)) == [[1], [0], [1], [1], [2]]
    masked = [["A"], ["B"], [""], ["C"], ["D"]]
    assert ids(layers.Hashing(num_bins=3, mask_value="")(masked)) == [[1], [1], [0], [2], [2]]
    assert ids(layers.Hashing(num_bins=3, salt=[133, 137])(data)) == [[1], [2], [1], [0], [2]]
    assert ids(layers.Hashing(num_bins=3, salt=133)(data)) == [[0], [0], [2], [1], [0]]
    # integers hash as their decimal strings (tf.as_string)
    assert ids(layers.Hashing(num_bins=7)(np.array([[12], [345]]))) == ids(layers.Hashing(num_bins=7)([["12"], ["345"]]))
    out = layers.Hashing(num_bins=3, output_mode="multi_hot")(data)
    assert out.shape == (5, 3) and out.dtype == torch.float32


def test_hashing_config_has_keras_keys():
    config = layers.Hashing(num_bins=3, salt=5).get_config()
    assert {"num_bins", "salt", "mask_value", "output_mode", "sparse", "name", "dtype"} <= set(config)
    assert config["salt"] == [5, 5] and config["dtype"] == "int64"
    with pytest.raises(ConfigurationError, match="sparse=True"):
        layers.Hashing(num_bins=3, output_mode="count", sparse=True)


def test_hashed_crossing_matches_keras_docstring():
    layer = layers.HashedCrossing(num_bins=5)
    feat1, feat2 = np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])
    assert ids(layer((feat1, feat2))) == [1, 4, 1, 1, 3]
    one_hot = layers.HashedCrossing(num_bins=5, output_mode="one_hot")((feat1, feat2))
    assert one_hot.shape == (5, 5) and one_hot.argmax(-1).tolist() == [1, 4, 1, 1, 3]
    with pytest.raises(InputError, match="at least two"):
        layer(feat1)


# ----------------------------------------------------------------- lookups
VOCAB = ["a", "b", "c", "d"]


def test_string_lookup_keras_docstring_examples():
    data = [["a", "c", "d"], ["d", "z", "b"]]
    assert ids(layers.StringLookup(vocabulary=VOCAB)(data)) == [[1, 3, 4], [4, 0, 2]]
    adapted = layers.StringLookup()
    adapted.adapt(data)
    assert adapted.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert ids(adapted(data)) == [[5, 3, 1], [1, 2, 4]]
    two = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    assert ids(two([["a", "c", "d"], ["m", "z", "b"]])) == [[2, 4, 5], [0, 1, 3]]
    one_hot = layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(["a", "b", "c", "d", "z"])
    assert one_hot.argmax(-1).tolist() == [1, 2, 3, 4, 0]
    data4 = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    multi = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(data4)
    assert multi.tolist() == [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]
    count = layers.StringLookup(vocabulary=VOCAB, output_mode="count")(data4)
    assert count.tolist() == [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]
    tfidf = layers.StringLookup(output_mode="tf_idf")
    tfidf.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tfidf(data4).cpu(), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    tfidf.set_vocabulary(["[UNK]"] + VOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tfidf(data4).cpu(), [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)
    inverse = layers.StringLookup(vocabulary=VOCAB, invert=True)([[1, 3, 4], [4, 0, 2]])
    assert inverse.tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]


def test_string_lookup_mask_token_and_errors():
    layer = layers.StringLookup(vocabulary=VOCAB, mask_token="")
    assert layer.get_vocabulary()[:2] == ["", "[UNK]"]
    assert ids(layer([["a", ""], ["z", "d"]])) == [[2, 0], [1, 5]]
    with pytest.raises(InputError, match="num_oov_indices=0"):
        layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)([["zz"]])
    with pytest.raises(ConfigurationError, match="repeats"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ConfigurationError, match="invert=True needs output_mode='int'"):
        layers.StringLookup(invert=True, output_mode="count")
    with pytest.raises(ConfigurationError, match="sparse=True"):
        layers.StringLookup(output_mode="count", sparse=True)


def test_integer_lookup_keras_docstring_examples():
    vocab = [12, 36, 1138, 42]
    data = [[12, 1138, 42], [42, 1000, 36]]
    assert ids(layers.IntegerLookup(vocabulary=vocab)(torch.tensor(data))) == [[1, 3, 4], [4, 0, 2]]
    adapted = layers.IntegerLookup()
    adapted.adapt(np.array(data))
    assert adapted.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    two = layers.IntegerLookup(vocabulary=vocab, num_oov_indices=2)
    assert ids(two(np.array([[12, 1138, 42], [37, 1000, 36]]))) == [[2, 4, 5], [1, 0, 3]]  # floormod
    masked = layers.IntegerLookup(vocabulary=vocab, mask_token=0)
    assert ids(masked(np.array([[12, 0]]))) == [[2, 0]]
    inverse = layers.IntegerLookup(vocabulary=vocab, invert=True)
    assert ids(inverse(np.array([[1, 3, 4], [4, 0, 2]]))) == [[12, 1138, 42], [42, -1, 36]]
    config = layers.IntegerLookup(vocabulary=vocab).get_config()
    assert config["vocabulary"] == vocab and config["vocabulary_dtype"] == "int64" and config["oov_token"] == -1


LOOKUP_KEYS = {
    "invert", "max_tokens", "num_oov_indices", "oov_token", "mask_token", "output_mode", "sparse",
    "pad_to_max_tokens", "idf_weights", "vocabulary", "vocabulary_size", "oov_method", "salt", "name",
    "trainable", "dtype",
}


def test_lookup_configs_have_keras_keys_and_round_trip():
    layer = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=2, mask_token="[M]")
    config = layer.get_config()
    assert LOOKUP_KEYS | {"encoding"} <= set(config) and "vocabulary_dtype" not in config
    again = layers.StringLookup.from_config(json.loads(json.dumps(config)))
    assert again.get_vocabulary() == layer.get_vocabulary()


# ----------------------------------------------------------------- TextVectorization
def test_text_vectorization_keras_docstring_examples():
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    assert ids(layer([["foo qux bar"], ["qux baz"]])) == [[4, 1, 3, 0], [1, 2, 0, 0]]
    fixed = layers.TextVectorization(output_sequence_length=4, vocabulary=["earth", "wind", "and", "fire"])
    assert fixed.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    assert fixed.vocabulary_size() == 6


def test_text_vectorization_standardize_split_ngrams():
    raw = np.array(["Hello, World! Ça va?"])
    layer = layers.TextVectorization(vocabulary=["x"])
    # tf.strings.lower lowers ASCII only; Keras's regex strips ASCII punctuation
    assert layer._tokens(raw) == [["hello", "world", "Ça", "va"]]
    assert layers.TextVectorization(standardize="lower", vocabulary=["x"])._tokens(raw) == [["hello,", "world!", "Ça", "va?"]]
    assert layers.TextVectorization(standardize=None, split="character", vocabulary=["x"])._tokens(["ab c"]) == [["a", "b", " ", "c"]]
    assert layers.TextVectorization(split=None, vocabulary=["x"])._tokens(["a b"]) == [["a b"]]
    # ngrams=2: all unigrams, then all bigrams (tf.strings.ngrams with widths (1, 2))
    assert layers.TextVectorization(ngrams=2, vocabulary=["x"])._tokens(["a b c"]) == [["a", "b", "c", "a b", "b c"]]
    custom = layers.TextVectorization(standardize=lambda s: np.char.upper(s.astype(str)), split=lambda s: [t.split("-") for t in s], vocabulary=["x"])
    assert custom._tokens(["a-b"]) == [["A", "B"]]
    with pytest.raises(InputError, match="last axis of size 1"):
        layer(np.array([["a", "b"]]))


def test_text_vectorization_output_modes_and_tf_idf():
    docs = ["the cat sat", "the dog sat down", "a cat"]
    counts = layers.TextVectorization(output_mode="count")
    counts.adapt(docs)
    vocab = counts.get_vocabulary()
    assert vocab[:3] == ["[UNK]", "the", "sat"]  # counts 2, 2 (then 'cat' 2): ties by token, descending
    out = counts(["the the cat zebra"])
    assert out[0, vocab.index("the")] == 2 and out[0, 0] == 1 and out.shape == (1, len(vocab))
    tfidf = layers.TextVectorization(output_mode="tf_idf")
    tfidf.adapt(docs)
    weights = tfidf._lookup_layer.idf_weights.numpy()
    the = tfidf.get_vocabulary().index("the")
    np.testing.assert_allclose(weights[the], np.log(1 + 3 / (1 + 2)), rtol=1e-6)
    np.testing.assert_allclose(weights[0], weights[1:].mean(), rtol=1e-6)  # OOV: the mean
    padded = layers.TextVectorization(max_tokens=10, output_mode="multi_hot", pad_to_max_tokens=True)
    padded.adapt(docs)
    assert padded(["cat"]).shape == (1, 10)
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


TEXT_KEYS = {
    "max_tokens", "standardize", "split", "ngrams", "output_mode", "output_sequence_length",
    "pad_to_max_tokens", "sparse", "ragged", "vocabulary", "idf_weights", "encoding", "vocabulary_size",
    "name", "trainable", "dtype",
}


def test_text_vectorization_config_keras_keys():
    layer = layers.TextVectorization(max_tokens=20, ngrams=(1, 3), output_sequence_length=7, vocabulary=["a", "b"])
    config = layer.get_config()
    assert TEXT_KEYS <= set(config)
    assert config["vocabulary"] == ["a", "b"] and config["vocabulary_size"] == 4 and config["ngrams"] == [1, 3]
    again = layers.TextVectorization.from_config(json.loads(json.dumps(config)))
    assert again.get_config() == config


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
