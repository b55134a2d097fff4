"""get_file against a real HTTP server on 127.0.0.1: caching, hashes, atomic writes, errors."""

import hashlib
import io
import os
import socket
import tarfile
import zipfile

import numpy as np
import pytest
from local_http_server import serving

from lamina.datasets import get_file
from lamina.datasets.progress import DownloadProgress
from lamina.errors import ConfigurationError, DownloadError

PAYLOAD = np.random.default_rng(0).bytes(300_000)
PAYLOAD_SHA256 = hashlib.sha256(PAYLOAD).hexdigest()
TRUNCATED = "truncated.bin"


@pytest.fixture
def server():
    with serving() as served:
        served.truncated.add(TRUNCATED)
        yield served


@pytest.fixture(autouse=True)
def lamina_home(tmp_path, monkeypatch):
    """Keep every test's cache inside tmp_path, never in the real ~/.lamina."""
    home = tmp_path / "lamina-home"
    monkeypatch.setenv("LAMINA_HOME", str(home))
    return home


def closed_port_url(name):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def read_bytes(path):
    with open(path, "rb") as stream:
        return stream.read()


def test_download_saves_file_and_checks_sha256(server, tmp_path):
    server.files["data.bin"] = PAYLOAD
    path = get_file(
        "data.bin", server.url("data.bin"), file_hash=PAYLOAD_SHA256, cache_dir=tmp_path
    )
    assert path == str(tmp_path / "datasets" / "data.bin")
    assert read_bytes(path) == PAYLOAD
    assert os.listdir(tmp_path / "datasets") == ["data.bin"]  # no temporary file left


def test_md5_hash_is_accepted_by_length(server, tmp_path):
    server.files["data.bin"] = PAYLOAD
    md5 = hashlib.md5(PAYLOAD).hexdigest()
    path = get_file(origin=server.url("data.bin"), file_hash=md5, cache_dir=tmp_path)
    assert read_bytes(path) == PAYLOAD


def test_second_call_is_a_cache_hit_and_force_download_fetches_again(server, tmp_path):
    server.files["data.bin"] = PAYLOAD
    for _ in range(2):
        path = get_file(origin=server.url("data.bin"), file_hash=PAYLOAD_SHA256, cache_dir=tmp_path)
    assert server.requests == ["data.bin"]
    get_file(origin=server.url("data.bin"), cache_dir=tmp_path, force_download=True)
    assert server.requests == ["data.bin", "data.bin"]
    assert read_bytes(path) == PAYLOAD


def test_cached_file_with_wrong_hash_is_downloaded_again(server, tmp_path):
    server.files["data.bin"] = PAYLOAD
    stale = tmp_path / "datasets" / "data.bin"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"an older, different file")
    path = get_file(origin=server.url("data.bin"), file_hash=PAYLOAD_SHA256, cache_dir=tmp_path)
    assert server.requests == ["data.bin"]
    assert read_bytes(path) == PAYLOAD


def test_hash_mismatch_raises_and_leaves_no_file(server, tmp_path):
    server.files["data.bin"] = PAYLOAD
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(DownloadError) as caught:
        get_file(origin=server.url("data.bin"), file_hash=wrong, cache_dir=tmp_path)
    message = str(caught.value)
    assert wrong in message and PAYLOAD_SHA256 in message
    assert os.listdir(tmp_path / "datasets") == []


def test_server_down_names_url_reason_and_manual_path(tmp_path):
    url = closed_port_url("data.bin")
    with pytest.raises(DownloadError) as caught:
        get_file(origin=url, file_hash=PAYLOAD_SHA256, cache_dir=tmp_path)
    message = str(caught.value)
    assert url in message
    assert "refused" in message.lower()
    assert str(tmp_path / "datasets" / "data.bin") in message
    assert PAYLOAD_SHA256 in message
    assert os.listdir(tmp_path / "datasets") == []


def test_http_error_is_a_download_error(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        get_file(origin=server.url("missing.bin"), cache_dir=tmp_path)
    assert os.listdir(tmp_path / "datasets") == []


def test_connection_closed_early_leaves_no_file(server, tmp_path):
    with pytest.raises(DownloadError, match="announced 1000 bytes but sent 10"):
        get_file(origin=server.url(TRUNCATED), cache_dir=tmp_path)
    assert os.listdir(tmp_path / "datasets") == []


def test_lamina_home_is_the_default_cache_root(server, lamina_home):
    server.files["data.bin"] = PAYLOAD
    path = get_file(origin=server.url("data.bin"))
    assert path == str(lamina_home / "datasets" / "data.bin")
    assert read_bytes(path) == PAYLOAD


def test_without_lamina_home_the_cache_is_dot_lamina_in_home(server, tmp_path, monkeypatch):
    monkeypatch.delenv("LAMINA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    server.files["data.bin"] = PAYLOAD
    path = get_file(origin=server.url("data.bin"), cache_subdir="sub")
    assert path == str(tmp_path / ".lamina" / "sub" / "data.bin")


def test_progress_is_two_lines_when_not_a_terminal(server, tmp_path, capsys):
    server.files["data.bin"] = PAYLOAD
    get_file(origin=server.url("data.bin"), cache_dir=tmp_path)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"Downloading data from {server.url('data.bin')}", lines[1]]
    assert lines[1].startswith("Downloaded 0.3 MB in ")
    get_file(origin=server.url("data.bin"), cache_dir=tmp_path, progress=False, force_download=True)
    assert capsys.readouterr().err == ""


def test_progress_on_a_terminal_redraws_one_line():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    bar = DownloadProgress("http://example/x", total=2_000_000, stream=stream)
    bar.update(1_000_000)
    bar.close(2_000_000)
    first, redraws = stream.getvalue().split("\n", 1)
    assert first == "Downloading data from http://example/x"
    assert redraws.count("\r") == 2 and redraws.endswith("\n")
    assert "[" + "=" * 30 + "] 2.0/2.0 MB" in redraws


def make_tar_gz(add_members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        add_members(archive)
    return buffer.getvalue()


def add_file(archive, name, data=b"hello"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def add_symlink(archive, name, target):
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    archive.addfile(info)


def test_extract_tar_gz_returns_the_extraction_folder(server, tmp_path):
    server.files["pack.tar.gz"] = make_tar_gz(lambda a: add_file(a, "folder/a.txt", b"content"))
    path = get_file("pack.tar.gz", server.url("pack.tar.gz"), cache_dir=tmp_path, extract=True)
    assert path == str(tmp_path / "datasets" / "pack_extracted")
    assert read_bytes(os.path.join(path, "folder", "a.txt")) == b"content"
    assert sorted(os.listdir(tmp_path / "datasets")) == ["pack.tar.gz", "pack_extracted"]


def test_extract_zip_without_fname_uses_keras_layout(server, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", b"zipped")
    server.files["pack.zip"] = buffer.getvalue()
    path = get_file(origin=server.url("pack.zip"), cache_dir=tmp_path, extract=True)
    assert path == str(tmp_path / "datasets" / "pack.zip")
    assert read_bytes(os.path.join(path, "a.txt")) == b"zipped"
    assert os.path.isfile(tmp_path / "datasets" / "pack.zip_archive")


@pytest.mark.parametrize(
    "add_members",
    [
        lambda a: add_file(a, "../evil.txt"),
        lambda a: add_file(a, "/tmp/evil.txt"),
        lambda a: add_symlink(a, "link", "../../outside"),
        lambda a: add_symlink(a, "link", "/etc/passwd"),
    ],
    ids=["dotdot", "absolute", "symlink-up", "symlink-absolute"],
)
def test_unsafe_tar_members_are_refused(server, tmp_path, add_members):
    server.files["bad.tar.gz"] = make_tar_gz(lambda a: (add_file(a, "ok.txt"), add_members(a)))
    with pytest.raises(DownloadError, match="Refusing to extract"):
        get_file("bad.tar.gz", server.url("bad.tar.gz"), cache_dir=tmp_path, extract=True)
    assert os.listdir(tmp_path / "datasets") == ["bad.tar.gz"]  # no folder, no staging left
    assert sorted(os.listdir(tmp_path)) == ["datasets"]


def test_unsafe_zip_member_is_refused(server, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.txt", b"x")
    server.files["bad.zip"] = buffer.getvalue()
    with pytest.raises(DownloadError, match="'../evil.txt'"):
        get_file("bad.zip", server.url("bad.zip"), cache_dir=tmp_path, extract=True)
    assert os.listdir(tmp_path / "datasets") == ["bad.zip"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"origin": None}, "origin"),
        ({"origin": "not-a-url/data.bin"}, "origin"),
        ({"fname": "sub/data.bin", "origin": "http://127.0.0.1/d"}, "fname"),
        ({"origin": "http://127.0.0.1/d", "file_hash": "abc123"}, "file_hash"),
        ({"origin": "http://127.0.0.1/d", "hash_algorithm": "sha1"}, "hash_algorithm"),
    ],
)
def test_invalid_arguments_raise_configuration_error(tmp_path, kwargs, match):
    with pytest.raises(ConfigurationError, match=match):
        get_file(cache_dir=tmp_path, **kwargs)
