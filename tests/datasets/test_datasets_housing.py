"""boston_housing / california_housing against Keras's loaders, over a server on 127.0.0.1."""

import hashlib
import io

import numpy as np
import pytest
from local_http_server import serving_datasets

from lamina.datasets import boston_housing, california_housing
from lamina.errors import ConfigurationError, DownloadError, InputError


@pytest.fixture(autouse=True)
def clean_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "lamina-home"))
    monkeypatch.delenv("LAMINA_DATASETS_ORIGIN", raising=False)
    return tmp_path / "lamina-home"


@pytest.fixture
def server(monkeypatch):
    """Serves ``files`` on 127.0.0.1 and points LAMINA_DATASETS_ORIGIN at it; yields
    (files, the names requested)."""
    with serving_datasets(monkeypatch) as served:
        yield served.files, served.requests

def housing_npz(samples, features, dtype, **drop):
    rng = np.random.default_rng(samples)
    arrays = {"x": rng.normal(size=(samples, features)).astype(dtype), "y": rng.uniform(5, 50, samples).astype(dtype)}
    buffer = io.BytesIO()
    np.savez(buffer, **{k: v for k, v in arrays.items() if k not in drop})
    return buffer.getvalue()


LOADERS = {
    "boston": (boston_housing, "boston_housing.npz", 13, "float64"),
    "california": (california_housing, "california_housing.npz", 8, "float32"),
}


def keras_split(module_name, local_file, monkeypatch, **kwargs):
    """Keras's own loader on our local file (its get_file is replaced: no network)."""
    import importlib

    module = importlib.import_module(f"keras.src.datasets.{module_name}")
    monkeypatch.setattr(module, "get_file", lambda *args, **kw: str(local_file))
    return module.load_data(**kwargs)


@pytest.mark.parametrize("which", sorted(LOADERS))
@pytest.mark.parametrize("kwargs", [{}, {"test_split": 0.35, "seed": 7}, {"test_split": 0.0}])
def test_split_matches_keras(which, kwargs, server, clean_environment, monkeypatch):
    module, fname, features, dtype = LOADERS[which]
    files, _ = server
    body = housing_npz(700, features, dtype)
    files[fname] = body
    ours = module.load_data(**kwargs, _file_hash=hashlib.sha256(body).hexdigest())
    local = clean_environment / "datasets" / fname
    assert local.read_bytes() == body
    theirs = keras_split(f"{which}_housing", local, monkeypatch, **kwargs)
    for mine, expected in zip((*ours[0], *ours[1]), (*theirs[0], *theirs[1])):
        np.testing.assert_array_equal(mine, expected)
        assert mine.dtype == expected.dtype


@pytest.mark.parametrize("version", ["small", "large"])
def test_california_versions_match_keras(version, server, clean_environment, monkeypatch):
    files, _ = server
    body = housing_npz(900, 8, "float32")
    files["california_housing.npz"] = body
    ours = california_housing.load_data(version=version, _file_hash=hashlib.sha256(body).hexdigest())
    local = clean_environment / "datasets" / "california_housing.npz"
    theirs = keras_split("california_housing", local, monkeypatch, version=version)
    assert len(ours[0][0]) + len(ours[1][0]) == (600 if version == "small" else 900)
    np.testing.assert_array_equal(ours[1][0], theirs[1][0])


def test_cached_file_is_reused_offline(server):
    files, hits = server
    body = housing_npz(50, 13, "float64")
    files["boston_housing.npz"] = body
    digest = hashlib.sha256(body).hexdigest()
    first = boston_housing.load_data(_file_hash=digest)
    files.clear()
    second = boston_housing.load_data(_file_hash=digest)
    assert len(hits) == 1
    np.testing.assert_array_equal(first[0][0], second[0][0])


@pytest.mark.parametrize("which", sorted(LOADERS))
def test_keras_sha256_is_enforced(which, server):
    module, fname, features, dtype = LOADERS[which]
    files, _ = server
    files[fname] = housing_npz(30, features, dtype)
    with pytest.raises(DownloadError, match=module.FILE_HASH):
        module.load_data()


def test_file_without_y_is_an_input_error(server):
    files, _ = server
    body = housing_npz(30, 13, "float64", y=True)
    files["boston_housing.npz"] = body
    with pytest.raises(InputError, match="arrays x and y"):
        boston_housing.load_data(_file_hash=hashlib.sha256(body).hexdigest())


def test_bad_arguments_are_named():
    with pytest.raises(ConfigurationError, match="test_split=1"):
        boston_housing.load_data(test_split=1)
    with pytest.raises(ConfigurationError, match="version='medium'"):
        california_housing.load_data(version="medium")
