"""get_file(extract=True) against hostile archives: nothing may be written outside the
extraction folder, and no link left in it may lead outside, whatever the interpreter's own
tar filter does (these tests switch it off)."""

import io
import os
import stat
import tarfile
import zipfile

import pytest
from local_http_server import serving

from lamina.datasets import get_file
from lamina.datasets.extract import extract_archive
from lamina.errors import DownloadError

CHAIN = [  # the chain from issue #20: lexically inside, really outside
    ("dir", "a"),
    ("dir", "a/b"),
    ("sym", "a/b/s", ".."),
    ("sym", "t", "a/b/s/b/s/../.."),
    ("file", "t/escaped.txt", b"outside!"),
]


def tar_bytes(entries):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for kind, name, *rest in entries:
            info = tarfile.TarInfo(name)
            data = None
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, rest[0]
            elif kind == "hard":
                info.type, info.linkname = tarfile.LNKTYPE, rest[0]
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            else:
                data = rest[0]
                info.size, info.mode = len(data), 0o644
            archive.addfile(info, None if data is None else io.BytesIO(data))
    return buffer.getvalue()


def zip_bytes(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for kind, name, *rest in entries:
            if kind == "dir":
                archive.writestr(name + "/", b"")
            elif kind == "sym":  # how Info-ZIP stores a symlink: its target as the content
                info = zipfile.ZipInfo(name)
                info.create_system = 3
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, rest[0])
            else:
                archive.writestr(name, rest[0])
    return buffer.getvalue()


@pytest.fixture
def interpreter_filter_off(monkeypatch):
    """Make tarfile's safety filter a no-op, as on Python 3.10.0-3.10.11 / 3.11.0-3.11.3
    (by function, and by the name ``filter="data"`` looks up)."""
    if hasattr(tarfile, "fully_trusted_filter"):
        for name in ("data", "tar"):
            monkeypatch.setitem(tarfile._NAMED_FILTERS, name, tarfile.fully_trusted_filter)
        monkeypatch.setattr(tarfile, "data_filter", tarfile.fully_trusted_filter)
        monkeypatch.setattr(tarfile, "tar_filter", tarfile.fully_trusted_filter)
        monkeypatch.setattr(tarfile.TarFile, "extraction_filter", staticmethod(tarfile.fully_trusted_filter))


def all_paths(root):
    """Every entry under ``root``, links not followed."""
    found = set()
    for folder, dirs, files in os.walk(root):
        found.update(os.path.relpath(os.path.join(folder, n), root) for n in dirs + files)
    return found


def test_the_chain_really_escapes_when_nothing_checks_it(tmp_path):
    """The archive is truly hostile: plain tarfile with no filter writes outside."""
    (tmp_path / "chain.tar.gz").write_bytes(tar_bytes(CHAIN))
    sandbox = tmp_path / "box" / "inner"
    sandbox.mkdir(parents=True)
    extra = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}
    with tarfile.open(tmp_path / "chain.tar.gz") as archive:
        archive.extractall(sandbox, **extra)
    assert (tmp_path / "box" / "escaped.txt").read_bytes() == b"outside!"


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_symlink_chain_is_refused_with_the_interpreter_filter_off(kind, tmp_path, interpreter_filter_off):
    name = "chain.tar.gz" if kind == "tar" else "chain.zip"
    data = tar_bytes(CHAIN) if kind == "tar" else zip_bytes(CHAIN)
    with serving() as server:
        server.files[name] = data
        with pytest.raises(DownloadError, match=r"member 't' links to 'a/b/s/b/s/\.\./\.\.', which leads outside"):
            get_file(name, server.url(name), cache_dir=tmp_path / "cache", extract=True, progress=False)
    assert all_paths(tmp_path) == {"cache", "cache/datasets", f"cache/datasets/{name}"}


HOSTILE = {
    "absolute-symlink": [("sym", "etc", "/etc")],
    "dotdot-symlink": [("sym", "up", "../x")],
    "symlink-chain": CHAIN,
    "hardlink-outside": [("hard", "h", "../outside.txt")],
    "hardlink-to-escaping-chain": [("dir", "a"), ("sym", "a/s", ".."), ("hard", "h", "a/s/../x")],
    "hardlink-to-a-folder": [("dir", "a"), ("dir", "a/b"), ("sym", "a/b/s", ".."), ("hard", "h", "a/b/s")],
    # Each link is inside when it is created; the later one turns the first into an escape.
    "link-escapes-after-later-members": [("sym", "A", "B/C/../.."), ("sym", "B", ".")],
    "write-through-a-link-that-escapes-later": [
        ("sym", "A", "B/C/../.."), ("sym", "B", "."), ("file", "A/evil.txt", b"x"),
    ],
    "link-loop": [("sym", "l1", "l2"), ("sym", "l2", "l1"), ("file", "l1/x", b"x")],
    "dotdot-name": [("file", "../evil.txt", b"x")],
    "absolute-name": [("file", "/tmp/evil.txt", b"x")],
    "fifo": [("fifo", "pipe")],
    "file-over-folder": [("dir", "d"), ("file", "d", b"x")],
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_tar_is_refused_and_leaves_nothing(case, tmp_path, interpreter_filter_off):
    archive = tmp_path / "hostile.tar.gz"
    archive.write_bytes(tar_bytes(HOSTILE[case]))
    with pytest.raises(DownloadError, match=r"Refusing to extract .*hostile\.tar\.gz: member "):
        extract_archive(archive, tmp_path / "out")
    assert all_paths(tmp_path) == {"hostile.tar.gz"}


@pytest.mark.parametrize("case", ["absolute-symlink", "dotdot-symlink", "symlink-chain",
                                  "link-escapes-after-later-members", "write-through-a-link-that-escapes-later",
                                  "dotdot-name", "absolute-name"])
def test_hostile_zip_is_refused_and_leaves_nothing(case, tmp_path):
    archive = tmp_path / "hostile.zip"
    archive.write_bytes(zip_bytes(HOSTILE[case]))
    with pytest.raises(DownloadError, match=r"Refusing to extract .*hostile\.zip: member "):
        extract_archive(archive, tmp_path / "out")
    assert all_paths(tmp_path) == {"hostile.zip"}


def test_links_that_stay_inside_are_kept(tmp_path, interpreter_filter_off):
    entries = [
        ("dir", "v1"),
        ("file", "v1/data.txt", b"data"),
        ("sym", "latest", "v1"),
        ("dir", "docs"),
        ("sym", "docs/readme", "../v1/data.txt"),
        ("file", "latest/extra.txt", b"extra"),  # through a link that stays inside
        ("hard", "copy.txt", "v1/data.txt"),
    ]
    archive = tmp_path / "good.tar.gz"
    archive.write_bytes(tar_bytes(entries))
    out = tmp_path / "out"
    extract_archive(archive, out)
    assert os.readlink(out / "latest") == "v1"
    assert (out / "docs" / "readme").read_bytes() == b"data"
    assert (out / "v1" / "extra.txt").read_bytes() == b"extra"
    assert (out / "copy.txt").read_bytes() == b"data" and not (out / "copy.txt").is_symlink()
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask  # not the staging folder's 0700
    assert all_paths(tmp_path) == {"good.tar.gz", "out", "out/v1", "out/v1/data.txt", "out/v1/extra.txt",
                                   "out/latest", "out/docs", "out/docs/readme", "out/copy.txt"}


def test_a_file_member_replaces_a_link_instead_of_writing_through_it(tmp_path):
    entries = [("file", "inner.txt", b"A"), ("sym", "link", "inner.txt"), ("file", "link", b"B")]
    archive = tmp_path / "replace.tar.gz"
    archive.write_bytes(tar_bytes(entries))
    extract_archive(archive, tmp_path / "out")
    assert (tmp_path / "out" / "inner.txt").read_bytes() == b"A"
    assert not (tmp_path / "out" / "link").is_symlink()
    assert (tmp_path / "out" / "link").read_bytes() == b"B"


def test_a_refused_archive_keeps_the_previous_extraction(tmp_path):
    out = tmp_path / "out"
    (tmp_path / "good.zip").write_bytes(zip_bytes([("file", "x.txt", b"good")]))
    extract_archive(tmp_path / "good.zip", out)
    (tmp_path / "bad.zip").write_bytes(zip_bytes(CHAIN))
    with pytest.raises(DownloadError):
        extract_archive(tmp_path / "bad.zip", out)
    assert all_paths(out) == {"x.txt"} and (out / "x.txt").read_bytes() == b"good"
