"""imdb / reuters loaders on synthetic files from a local HTTP server, Keras's loader as the oracle,
and the pickle-free reader refusing tampered files."""

import hashlib
import io
import json
import os
import pickle
import zipfile

import keras
import numpy as np
import pytest
from local_http_server import serving_datasets

from lamina.datasets import imdb, reuters
from lamina.datasets.safe_npz import load_npz
from lamina.errors import ConfigurationError, InputError


@pytest.fixture(autouse=True)
def clean_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "lamina-home"))
    monkeypatch.delenv("LAMINA_DATASETS_ORIGIN", raising=False)


@pytest.fixture
def server(monkeypatch):
    """A real HTTP server on 127.0.0.1 that lamina downloads datasets from."""
    with serving_datasets(monkeypatch) as served:
        yield served.files

def ragged(rng, count, vocabulary=40):
    array = np.empty(count, dtype=object)
    # Python ints, as in Keras's files (NumPy scalars would need another pickle global).
    array[:] = [[int(w) for w in rng.integers(1, vocabulary, size=rng.integers(1, 12))] for _ in range(count)]
    return array


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def synthetic_imdb():
    rng = np.random.default_rng(3)
    return npz_bytes(
        x_train=ragged(rng, 30),
        y_train=rng.integers(0, 2, 30),
        x_test=ragged(rng, 20),
        y_test=rng.integers(0, 2, 20),
    )


def sha256(body):
    return hashlib.sha256(body).hexdigest()


def assert_same_split(ours, theirs):
    (x_train, y_train), (x_test, y_test) = ours
    (kx_train, ky_train), (kx_test, ky_test) = theirs
    assert [list(s) for s in x_train] == [list(s) for s in kx_train]
    assert [list(s) for s in x_test] == [list(s) for s in kx_test]
    np.testing.assert_array_equal(y_train, ky_train)
    np.testing.assert_array_equal(y_test, ky_test)
    assert x_train.dtype == object and x_train.ndim == 1


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"num_words": 20, "skip_top": 3},
        {"maxlen": 8, "seed": 5},
        {"oov_char": None, "num_words": 15},
        {"start_char": None, "index_from": 0},
    ],
)
def test_imdb_matches_keras_loader(server, tmp_path, monkeypatch, options):
    body = synthetic_imdb()
    server["imdb.npz"] = body
    ours = imdb.load_data(_file_hash=sha256(body), **options)
    local = tmp_path / "keras-imdb.npz"
    local.write_bytes(body)
    keras_imdb = __import__("keras.src.datasets.imdb", fromlist=["get_file"])
    monkeypatch.setattr(keras_imdb, "get_file", lambda **kwargs: str(local))
    assert_same_split(ours, keras.datasets.imdb.load_data(**options))


def test_reuters_matches_keras_loader_and_names_labels(server, tmp_path, monkeypatch):
    rng = np.random.default_rng(4)
    body = npz_bytes(x=ragged(rng, 40), y=rng.integers(0, 46, 40))
    server["reuters.npz"] = body
    options = {"num_words": 25, "test_split": 0.25, "maxlen": 10}
    ours = reuters.load_data(_file_hash=sha256(body), **options)
    local = tmp_path / "keras-reuters.npz"
    local.write_bytes(body)
    keras_reuters = __import__("keras.src.datasets.reuters", fromlist=["get_file"])
    monkeypatch.setattr(keras_reuters, "get_file", lambda **kwargs: str(local))
    assert_same_split(ours, keras.datasets.reuters.load_data(**options))
    assert len(reuters.get_label_names()) == 46 and reuters.get_label_names()[3] == "earn"


def test_word_indexes_are_downloaded_json(server):
    body = json.dumps({"the": 1, "and": 2}).encode()
    server["imdb_word_index.json"] = body
    server["reuters_word_index.json"] = body
    md5 = hashlib.md5(body).hexdigest()
    assert imdb.get_word_index(_file_hash=md5) == {"the": 1, "and": 2}
    assert reuters.get_word_index(_file_hash=md5) == {"the": 1, "and": 2}


def test_maxlen_that_keeps_nothing_and_bad_arguments_are_explained(server):
    body = synthetic_imdb()
    server["imdb.npz"] = body
    with pytest.raises(ConfigurationError, match="no review is shorter than maxlen=1"):
        imdb.load_data(maxlen=1, _file_hash=sha256(body))
    with pytest.raises(ConfigurationError, match="num_words must be an integer >= 1"):
        imdb.load_data(num_words=0, _file_hash=sha256(body))


# ------------------------------------------------------------ tampered files
def object_npy(payload, shape=(1,)):
    """A .npy file that declares an object array and carries ``payload`` as its pickle."""
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, {"descr": "|O", "fortran_order": False, "shape": shape})
    stream.write(payload)
    return stream.getvalue()


def npz_with(member_bytes, **numeric):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x_train.npy", member_bytes)
        for name, array in numeric.items():
            member = io.BytesIO()
            np.save(member, array)
            archive.writestr(f"{name}.npy", member.getvalue())
    return buffer.getvalue()


def test_pickled_code_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "executed"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.npz"
    path.write_bytes(npz_with(object_npy(pickle.dumps(Exploit())), y_train=np.zeros(1)))
    with pytest.raises(InputError, match="refusing to load `(posix|os|nt).system`.*delete it"):
        load_npz(path)
    assert not marker.exists()


def test_object_arrays_holding_other_things_are_refused(tmp_path):
    path = tmp_path / "odd.npz"
    strings = np.array(["a", "b"], dtype=object)
    path.write_bytes(npz_bytes(x_train=strings))
    with pytest.raises(InputError, match="holds a str, not a list of ids"):
        load_npz(path)
    path.write_bytes(npz_with(object_npy(pickle.dumps([1, 2, 3]), shape=(3,))))
    with pytest.raises(InputError, match="does not hold an array"):
        load_npz(path)
    path.write_bytes(b"not a zip file")
    with pytest.raises(InputError, match="not a valid dataset .npz"):
        load_npz(path)


def test_real_shaped_file_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    x = ragged(rng, 5)
    path = tmp_path / "ok.npz"
    path.write_bytes(npz_bytes(x=x, y=np.arange(5)))
    arrays = load_npz(path)
    assert [list(s) for s in arrays["x"]] == [list(s) for s in x]
    np.testing.assert_array_equal(arrays["y"], np.arange(5))
