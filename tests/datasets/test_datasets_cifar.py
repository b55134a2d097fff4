"""cifar10 / cifar100 loaders on synthetic archives served from 127.0.0.1, and the pickle guard."""

import hashlib
import io
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest
from local_http_server import serving_datasets

from lamina.backend import config as backend_config
from lamina.datasets import cifar, cifar10, cifar100
from lamina.errors import ConfigurationError, DownloadError, InputError


@pytest.fixture(autouse=True)
def clean_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "lamina-home"))
    monkeypatch.delenv("LAMINA_DATASETS_ORIGIN", raising=False)
    return tmp_path / "lamina-home"


@pytest.fixture
def served_files(monkeypatch):
    """A real HTTP server on 127.0.0.1 used as the datasets origin; yields the files dict."""
    with serving_datasets(monkeypatch) as served:
        yield served.files

class _Python2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 ``str`` (BINSTRING), as in the real CIFAR files, which
    Python 2 wrote; Python 3's protocol 2 would route bytes through ``_codecs.encode``."""

    def save_bytes(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch = {**pickle._Pickler.dispatch, bytes: save_bytes}


def py2_pickle(obj):
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def batch_dict(count, label_key="labels", seed=0, classes=10):
    rng = np.random.default_rng(seed)
    return {
        b"batch_label": b"synthetic batch",
        label_key.encode(): [int(v) for v in rng.integers(0, classes, count)],
        b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8),
        b"filenames": [f"img_{i}.png".encode() for i in range(count)],
    }


def tar_gz(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def cifar10_archive(train_counts=(3, 2, 4, 1, 2), test_count=3):
    batches = {f"data_batch_{i + 1}": batch_dict(n, seed=i) for i, n in enumerate(train_counts)}
    batches["test_batch"] = batch_dict(test_count, seed=9)
    members = {f"cifar-10-batches-py/{name}": py2_pickle(b) for name, b in batches.items()}
    members["cifar-10-batches-py/batches.meta"] = py2_pickle({b"label_names": [b"airplane"]})
    return batches, tar_gz(members)


def as_images(data):
    """CIFAR rows (1024 red, 1024 green, 1024 blue values) as (N, 32, 32, 3) images."""
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def test_cifar10_loads_keras_shapes_dtypes_and_pixel_order(served_files, clean_environment):
    batches, archive = cifar10_archive()
    served_files["cifar-10-python.tar.gz"] = archive
    (x_train, y_train), (x_test, y_test) = cifar10.load_data(_file_hash=hashlib.sha256(archive).hexdigest())
    assert x_train.shape == (12, 32, 32, 3) and y_train.shape == (12, 1)
    assert x_test.shape == (3, 32, 32, 3) and y_test.shape == (3, 1)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    train = [batches[f"data_batch_{i}"] for i in range(1, 6)]
    np.testing.assert_array_equal(x_train, as_images(np.concatenate([b[b"data"] for b in train])))
    np.testing.assert_array_equal(y_train[:, 0], np.concatenate([b[b"labels"] for b in train]))
    np.testing.assert_array_equal(x_test, as_images(batches["test_batch"][b"data"]))
    # The first pixel's red, green and blue values are the 0th, 1024th and 2048th bytes.
    row = batches["data_batch_1"][b"data"][0]
    np.testing.assert_array_equal(x_train[0, 0, 0], [row[0], row[1024], row[2048]])
    extracted = clean_environment / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    assert (extracted / "test_batch").is_file()


def test_cifar10_channels_first_follows_image_data_format(served_files, monkeypatch):
    batches, archive = cifar10_archive()
    served_files["cifar-10-python.tar.gz"] = archive
    monkeypatch.setitem(backend_config._settings, "image_data_format", "channels_first")
    (x_train, _), _ = cifar10.load_data(_file_hash=hashlib.sha256(archive).hexdigest())
    assert x_train.shape == (12, 3, 32, 32)
    np.testing.assert_array_equal(x_train[0, 1].reshape(-1), batches["data_batch_1"][b"data"][0, 1024:2048])


def test_cifar10_enforces_keras_sha256(served_files):
    served_files["cifar-10-python.tar.gz"] = cifar10_archive()[1]
    with pytest.raises(DownloadError, match=cifar10.FILE_HASH):
        cifar10.load_data()


@pytest.mark.parametrize("label_mode, classes", [("fine", 100), ("coarse", 20)])
def test_cifar100_label_modes(served_files, label_mode, classes):
    train = {**batch_dict(5, "fine_labels", 1, 100), b"coarse_labels": [0, 19, 3, 4, 5]}
    test = {**batch_dict(2, "fine_labels", 2, 100), b"coarse_labels": [7, 8]}
    archive = tar_gz({
        "cifar-100-python/train": py2_pickle(train),
        "cifar-100-python/test": py2_pickle(test),
    })
    served_files["cifar-100-python.tar.gz"] = archive
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(
        label_mode, _file_hash=hashlib.sha256(archive).hexdigest()
    )
    key = f"{label_mode}_labels".encode()
    assert x_train.shape == (5, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)
    np.testing.assert_array_equal(y_train[:, 0], train[key])
    np.testing.assert_array_equal(y_test[:, 0], test[key])
    assert y_train.dtype == np.uint8 and y_train.max() < classes


def test_cifar100_rejects_unknown_label_mode():
    with pytest.raises(ConfigurationError, match="label_mode='medium'"):
        cifar100.load_data("medium")


def test_cifar_origin_defaults_to_keras_source():
    assert cifar.origin(cifar10.ARCHIVE) == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert cifar100.FILE_HASH == "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


# ---- the restricted unpickler ---------------------------------------------------------------


class _RunsShell:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_pickle_calling_os_system_is_refused_before_it_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": _RunsShell(marker), b"labels": [1]}, protocol=2))
    with pytest.raises(InputError, match=r"system.*a CIFAR batch never needs") as caught:
        cifar.load_batch(path)
    assert str(path) in str(caught.value) and "delete it" in str(caught.value)
    assert not marker.exists()


@pytest.mark.parametrize("evil", [("builtins", "eval"), ("subprocess", "Popen"), ("numpy", "load")])
def test_any_global_outside_numpy_array_rebuilding_is_refused(tmp_path, evil):
    module, name = evil
    payload = f"c{module}\n{name}\n(S'1'\ntR.".encode()  # protocol 0: module.name('1')
    path = tmp_path / "batch"
    path.write_bytes(payload)
    with pytest.raises(InputError, match=f"{module}.{name}"):
        cifar.load_batch(path)


def test_python3_pickles_of_higher_protocols_are_read(tmp_path):
    batch = batch_dict(3)
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps(batch, protocol=4))
    images, labels = cifar.load_batch(path)
    np.testing.assert_array_equal(images.reshape(3, -1), batch[b"data"])
    assert images.shape == (3, 3, 32, 32) and labels.dtype == np.uint8


def test_numpy_1_pickles_are_read(tmp_path):
    batch = batch_dict(2)
    payload = py2_pickle(batch)
    # Files written by NumPy 1 (as the real CIFAR files are) name numpy.core, not numpy._core.
    legacy = payload.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert b"numpy.core.multiarray\n_reconstruct" in legacy
    path = tmp_path / "legacy_batch"
    path.write_bytes(legacy)
    images, labels = cifar.load_batch(path)
    np.testing.assert_array_equal(images.reshape(2, -1), batch[b"data"])
    np.testing.assert_array_equal(labels, batch[b"labels"])


@pytest.mark.parametrize(
    "content, match",
    [
        (pickle.dumps([1, 2, 3], protocol=2), "not a dict"),
        (py2_pickle({b"data": np.zeros((2, 10), np.uint8), b"labels": [0, 1]}), "3072"),
        (py2_pickle({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}), "labels"),
        (py2_pickle({b"data": np.zeros((1, 3072), np.uint8), b"labels": [-4]}), "labels"),
        (py2_pickle(batch_dict(2))[:-40], "not a valid CIFAR batch"),
    ],
    ids=["not-dict", "bad-shape", "label-count", "negative-label", "truncated"],
)
def test_corrupt_batches_are_input_errors(tmp_path, content, match):
    path = tmp_path / "batch"
    path.write_bytes(content)
    with pytest.raises(InputError, match=match):
        cifar.load_batch(path)
