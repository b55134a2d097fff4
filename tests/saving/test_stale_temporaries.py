"""Temporary files of writers killed mid-write (``kill -9`` during save, an interrupted
download) are removed by the next write into that folder; a live writer's file never is."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from local_http_server import serving

import lamina
from lamina import layers
from lamina.datasets import get_file
from lamina.saving import atomic

pytestmark = pytest.mark.skipif(atomic.fcntl is None, reason="leftovers are only removed where flock exists")

ATOMIC_PY = Path(atomic.__file__)
LONG_AGO = time.time() - 3600

# A writer in another process, loading only lamina/saving/atomic.py (fast): it creates
# its temporary through atomic_write, says where, and waits to be killed.
WRITER = textwrap.dedent(
    f"""
    import importlib.util, os, sys, time
    spec = importlib.util.spec_from_file_location("atomic", {str(ATOMIC_PY)!r})
    atomic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(atomic)
    with atomic.atomic_write(sys.argv[1]) as handle:
        handle.write(b"half a model" * 100000)
        handle.flush()
        print("writing", flush=True)
        time.sleep(600)
    """
)

# A live download in another process: holds the lock on a ``.part`` file as _download does.
HOLDER = textwrap.dedent(
    f"""
    import importlib.util, os, sys, time
    spec = importlib.util.spec_from_file_location("atomic", {str(ATOMIC_PY)!r})
    atomic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(atomic)
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    atomic.hold_temporary(fd)
    print("holding", flush=True)
    time.sleep(600)
    """
)


def start(script, argument):
    process = subprocess.Popen([sys.executable, "-c", script, argument], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    return process, line


def stop(process):
    process.kill()
    process.wait(timeout=60)


def make(path, data=b"stale", age=LONG_AGO):
    path.write_bytes(data)
    os.utime(path, (age, age))
    return path


def small_model():
    model = lamina.Sequential([layers.Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse")
    return model


def test_stale_temporaries_go_and_live_or_foreign_files_stay_on_the_next_save(tmp_path):
    stale = [
        make(tmp_path / ".model.keras.ab3d_9z1.tmp"),
        make(tmp_path / ".model.weights.h5.k1ll3d00.tmp", b"\x89HDF" + bytes(100_000)),
        make(tmp_path / ".mnist.npz.0123456789ab.part"),
    ]
    staging = tmp_path / ".extracting-q1w2e3r4"
    (staging / "data").mkdir(parents=True)
    make(staging / "data" / "half.txt")
    os.utime(staging, (LONG_AGO, LONG_AGO))
    fresh = make(tmp_path / ".model.keras.fresh001.tmp", age=time.time())  # may be a writer's first instant
    foreign = [  # not lamina's naming
        make(tmp_path / "notes.tmp"),
        make(tmp_path / ".notes.tmp"),
        make(tmp_path / "model.keras.ab3d_9z1.tmp"),
        make(tmp_path / ".model.keras.AB3D_9Z1.tmp"),
        make(tmp_path / ".model.keras.0123456789ab.partial"),
    ]
    live_part = tmp_path / ".data.bin.fedcba987654.part"
    holder, said = start(HOLDER, str(live_part))
    try:
        assert said == "holding"
        os.utime(live_part, (LONG_AGO, LONG_AGO))  # old, but its writer is alive
        small_model().save(tmp_path / "model.keras")
        assert not any(path.exists() for path in stale) and not staging.exists()
        assert live_part.exists() and fresh.exists() and all(path.exists() for path in foreign)
    finally:
        stop(holder)


def test_a_save_killed_with_sigkill_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    target = tmp_path / "model.weights.h5"
    writer, said = start(WRITER, str(target))
    try:
        assert said == "writing"
        leftover = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
        assert len(leftover) == 1
        temporary = tmp_path / leftover[0]
        os.utime(temporary, (LONG_AGO, LONG_AGO))
        small_model().save_weights(target)  # the writer is alive: its file stays
        assert temporary.exists()
    finally:
        stop(writer)  # SIGKILL: the writer cannot clean up
    assert temporary.stat().st_size >= 1_200_000  # the full-size leftover of issue #20
    small_model().save_weights(target)
    assert sorted(os.listdir(tmp_path)) == ["model.weights.h5"]


def test_the_next_download_removes_interrupted_downloads(tmp_path):
    folder = tmp_path / "cache" / "datasets"
    folder.mkdir(parents=True)
    interrupted = make(folder / ".mnist.npz.a1b2c3d4e5f6.part", bytes(50_000))
    with serving() as server:
        server.files["data.bin"] = b"payload"
        path = get_file("data.bin", server.url("data.bin"), cache_dir=tmp_path / "cache", progress=False)
    assert Path(path).read_bytes() == b"payload"
    assert not interrupted.exists()
    assert sorted(os.listdir(folder)) == ["data.bin"]


def test_cleaning_never_stops_a_save_in_a_folder_it_cannot_clean(tmp_path, monkeypatch):
    make(tmp_path / ".model.keras.ab3d_9z1.tmp")

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(atomic.os, "unlink", refuse)
    assert atomic.remove_stale_temporaries(tmp_path) == []
    monkeypatch.undo()
    assert atomic.remove_stale_temporaries(tmp_path) == [".model.keras.ab3d_9z1.tmp"]
    assert os.listdir(tmp_path) == []
