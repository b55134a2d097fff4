"""mnist / fashion_mnist loaders and the strict IDX reader, on real files and a local server."""

import gzip
import hashlib
import io
import os
import socket
import struct

import numpy as np
import pytest
from local_http_server import serving

from lamina.datasets import fashion_mnist, mnist, read_idx
from lamina.errors import ConfigurationError, DownloadError, InputError

FASHION_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)


@pytest.fixture(autouse=True)
def clean_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "lamina-home"))
    monkeypatch.delenv("LAMINA_DATASETS_ORIGIN", raising=False)
    monkeypatch.delenv("LAMINA_FASHION_MNIST_DIR", raising=False)
    return tmp_path / "lamina-home"


@pytest.fixture
def served_files():
    """A real HTTP server on 127.0.0.1; yields (files dict to fill, base URL)."""
    with serving() as served:
        yield served.files, served.base_url

def closed_port_base_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


def synthetic_mnist(**drop):
    rng = np.random.default_rng(1)
    arrays = {
        "x_train": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 12, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 5, dtype=np.uint8),
    }
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: v for k, v in arrays.items() if k not in drop})
    return arrays, buffer.getvalue()


# ---- mnist -------------------------------------------------------------------------------


def test_mnist_downloads_from_mirror_and_returns_keras_tuples(
    served_files, clean_environment, monkeypatch
):
    files, base = served_files
    arrays, npz = synthetic_mnist()
    files["mnist.npz"] = npz
    monkeypatch.setenv("LAMINA_DATASETS_ORIGIN", base)
    (x_train, y_train), (x_test, y_test) = mnist.load_data(
        _file_hash=hashlib.sha256(npz).hexdigest()
    )
    for name, loaded in zip(
        ("x_train", "y_train", "x_test", "y_test"), (x_train, y_train, x_test, y_test)
    ):
        np.testing.assert_array_equal(loaded, arrays[name])
        assert loaded.dtype == np.uint8
    assert (clean_environment / "datasets" / "mnist.npz").read_bytes() == npz


def test_mnist_enforces_keras_sha256(served_files, monkeypatch):
    files, base = served_files
    files["mnist.npz"] = synthetic_mnist()[1]
    monkeypatch.setenv("LAMINA_DATASETS_ORIGIN", base)
    with pytest.raises(DownloadError, match=mnist.FILE_HASH):
        mnist.load_data()


def test_mnist_offline_error_names_url_manual_path_and_fashion_mnist(
    clean_environment, monkeypatch
):
    base = closed_port_base_url()
    monkeypatch.setenv("LAMINA_DATASETS_ORIGIN", base)
    with pytest.raises(DownloadError) as caught:
        mnist.load_data()
    message = str(caught.value)
    assert base + "mnist.npz" in message
    assert str(clean_environment / "datasets" / "mnist.npz") in message
    assert "lamina.datasets.fashion_mnist.load_data()" in message
    assert "dataset-fashion-mnist" in message


def test_mnist_file_without_expected_arrays_is_an_input_error(served_files, monkeypatch):
    files, base = served_files
    npz = synthetic_mnist(y_test=True)[1]
    files["mnist.npz"] = npz
    monkeypatch.setenv("LAMINA_DATASETS_ORIGIN", base)
    with pytest.raises(InputError, match="y_test"):
        mnist.load_data(_file_hash=hashlib.sha256(npz).hexdigest())


# ---- fashion_mnist -----------------------------------------------------------------------


@pytest.mark.skipif(
    not all(os.path.isfile(os.path.join(fashion_mnist.DEBIAN_DIR, name)) for name in FASHION_FILES),
    reason="Debian's dataset-fashion-mnist is not installed (/usr/share/datasets/fashion-mnist)",
)
def test_fashion_mnist_reads_debian_package():
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    # Fashion-MNIST is balanced: 6000 training and 1000 test images per class 0..9.
    np.testing.assert_array_equal(np.bincount(y_train), np.full(10, 6000))
    np.testing.assert_array_equal(np.bincount(y_test), np.full(10, 1000))
    assert x_train.max() == 255 and x_train.min() == 0


def write_fashion_like_dir(directory, gz):
    rng = np.random.default_rng(2)
    data = {
        "train-labels-idx1-ubyte": rng.integers(0, 10, 7, dtype=np.uint8),
        "train-images-idx3-ubyte": rng.integers(0, 256, (7, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 3, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
    }
    for name, array in data.items():
        write_idx(directory / (name + ".gz" if gz else name), array, 0x08)
    return data


@pytest.mark.parametrize("gz", [True, False])
def test_fashion_mnist_dir_env_var_points_elsewhere(tmp_path, monkeypatch, gz):
    data = write_fashion_like_dir(tmp_path, gz)
    monkeypatch.setenv("LAMINA_FASHION_MNIST_DIR", str(tmp_path))
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, data["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_train, data["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(x_test, data["t10k-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, data["t10k-labels-idx1-ubyte"])


def test_fashion_mnist_dir_env_var_missing_files_is_a_configuration_error(tmp_path, monkeypatch):
    write_fashion_like_dir(tmp_path, gz=True)
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    monkeypatch.setenv("LAMINA_FASHION_MNIST_DIR", str(tmp_path))
    with pytest.raises(ConfigurationError, match="t10k-images-idx3-ubyte.gz"):
        fashion_mnist.load_data()


def test_fashion_mnist_without_local_files_downloads(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", str(tmp_path / "absent"))
    base = closed_port_base_url()
    monkeypatch.setenv("LAMINA_DATASETS_ORIGIN", base)
    with pytest.raises(DownloadError, match=base + "train-labels-idx1-ubyte.gz"):
        fashion_mnist.load_data()


# ---- IDX reader --------------------------------------------------------------------------


def idx_bytes(array, type_code):
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, type_code, payload=None):
    data = idx_bytes(array, type_code) if payload is None else payload
    if str(path).endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize(
    "dtype, type_code",
    [
        (np.uint8, 0x08),
        (np.int8, 0x09),
        (np.int16, 0x0B),
        (np.int32, 0x0C),
        (np.float32, 0x0D),
        (np.float64, 0x0E),
    ],
)
def test_idx_round_trip(tmp_path, suffix, dtype, type_code):
    array = (np.arange(2 * 3 * 4) - 7).reshape(2, 3, 4).astype(dtype) * dtype(3)
    loaded = read_idx(write_idx(tmp_path / f"a.idx{suffix}", array, type_code))
    assert loaded.dtype == np.dtype(dtype)  # native byte order
    assert loaded.flags.writeable
    np.testing.assert_array_equal(loaded, array)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_truncated_payload_is_an_input_error(tmp_path, suffix):
    full = idx_bytes(np.zeros((10, 28, 28), np.uint8), 0x08)
    path = write_idx(tmp_path / f"t.idx{suffix}", None, None, payload=full[:-100])
    with pytest.raises(InputError, match=rf"{path}.*truncated"):
        read_idx(path)


def test_idx_header_promising_huge_payload_fails_without_allocating(tmp_path):
    header = bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 2**32 - 1, 2**32 - 1, 2**32 - 1)
    path = tmp_path / "huge.idx"
    path.write_bytes(header + b"\0" * 64)
    with pytest.raises(InputError, match="holds only 64 bytes|too large for any array"):
        read_idx(path)


@pytest.mark.parametrize(
    "payload, match",
    [
        (b"\x08\x03\x00\x00" + b"\0" * 20, "not an IDX file"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "unknown IDX type code 0x07"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (b"\x00\x00\x08\x02\x00\x00", "truncated"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x02abc", "more data than"),
    ],
    ids=["bad-magic", "bad-type", "rank-0", "short-header", "trailing-data"],
)
def test_idx_corrupt_header_is_an_input_error_naming_the_file(tmp_path, payload, match):
    path = tmp_path / "bad.idx"
    path.write_bytes(payload)
    with pytest.raises(InputError, match=match) as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_idx_corrupt_gzip_stream_is_an_input_error(tmp_path):
    compressed = bytearray(gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8), 0x08)))
    compressed[30:40] = b"\xff" * 10
    path = tmp_path / "broken.idx.gz"
    path.write_bytes(bytes(compressed))
    with pytest.raises(InputError, match=str(path)):
        read_idx(path)
