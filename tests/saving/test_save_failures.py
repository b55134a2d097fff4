"""A save that fails half way (a full disk) leaves the previous file intact and loadable,
and no temporary file behind: ``.keras``, ``.weights.h5``, ``ModelCheckpoint`` files and
``BackupAndRestore`` backups.

In-process tests simulate the full disk: every file opened for writing fails with ENOSPC
once a byte budget is used up, part-way through the file. A subprocess test makes the
kernel refuse the writes for real (``RLIMIT_FSIZE``), which also covers HDF5's own writer.
"""

import errno
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from repo_paths import SCRIPTS

import lamina
from lamina import callbacks, layers
from lamina.saving.training_state import read_training_state

SCRIPT = SCRIPTS / "full_disk_saves.py"
RNG = np.random.default_rng(3)
X = RNG.normal(size=(64, 6)).astype(np.float32)
Y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)


def make_model():
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([layers.Dense(16, activation="relu", input_shape=(6,)), layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train(model, epochs=1):
    model.fit(X, Y, epochs=epochs, batch_size=16, verbose=0)
    return [w.copy() for w in model.get_weights()]


def assert_weights_equal(expected, actual):
    assert len(expected) == len(actual)
    for a, b in zip(expected, actual):
        np.testing.assert_array_equal(a, b)


class FillingFile:
    """A writable file that raises ENOSPC once the disk's byte budget is used up."""

    def __init__(self, stream, disk):
        self._stream, self._disk = stream, disk

    def write(self, data):
        data = memoryview(data).cast("B")
        room = self._disk.room()
        if room is not None and len(data) > room:
            self._stream.write(data[:room])  # part of the data lands, as on a real disk
            self._disk.used += room
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._disk.used += len(data)
        return self._stream.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._stream.close()

    def __getattr__(self, name):
        return getattr(self._stream, name)


class FullDisk:
    """Patches the openers lamina's writers use (``os.fdopen`` for ``atomic_write``,
    ``io.open`` for zipfile); ``fill_after(n)`` lets n more bytes through, then fails."""

    def __init__(self, monkeypatch):
        self.budget, self.used, self.failures = None, 0, 0
        monkeypatch.setattr(os, "fdopen", self._wrap(os.fdopen))
        monkeypatch.setattr(io, "open", self._wrap(io.open))

    def fill_after(self, nbytes):
        self.budget, self.used = nbytes, 0

    def free(self):
        self.budget = None

    def room(self):
        return None if self.budget is None else max(0, self.budget - self.used)

    def _wrap(self, opener):
        def open_for_the_test(*args, **kwargs):
            stream = opener(*args, **kwargs)
            writable = getattr(stream, "writable", lambda: False)()
            return FillingFile(stream, self) if writable else stream

        return open_for_the_test


@pytest.fixture
def disk(monkeypatch):
    return FullDisk(monkeypatch)


def assert_no_full_disk(call):
    with pytest.raises(OSError) as caught:
        call()
    assert caught.value.errno == errno.ENOSPC


# ------------------------------------------------------------- model.save / weights
@pytest.mark.parametrize("budget", [0, 200, 0.5])
def test_failed_model_save_keeps_the_previous_keras_file(tmp_path, disk, budget):
    model = make_model()
    saved = train(model)
    path = tmp_path / "model.keras"
    model.save(path)
    before = path.read_bytes()
    train(model)  # the weights move on; saving them fails part-way through the file
    disk.fill_after(int(budget * len(before)) if isinstance(budget, float) else budget)
    assert_no_full_disk(lambda: model.save(path))
    disk.free()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.keras"]
    loaded = lamina.models.load_model(path)
    assert_weights_equal(saved, loaded.get_weights())
    np.testing.assert_array_equal(loaded.optimizer.iterations, 4)  # optimizer state of the old file too


@pytest.mark.parametrize("budget", [0, 200, 0.5])
def test_failed_save_weights_keeps_the_previous_weights_file(tmp_path, disk, budget):
    model = make_model()
    saved = train(model)
    path = tmp_path / "model.weights.h5"
    model.save_weights(path)
    before = path.read_bytes()
    train(model)
    disk.fill_after(int(budget * len(before)) if isinstance(budget, float) else budget)
    assert_no_full_disk(lambda: model.save_weights(path))
    disk.free()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.weights.h5"]
    fresh = make_model()
    fresh.load_weights(path)
    assert_weights_equal(saved, fresh.get_weights())


# ------------------------------------------------------------------ ModelCheckpoint
@pytest.mark.parametrize("name", ["ckpt.keras", "ckpt.weights.h5"])
def test_a_checkpoint_that_fails_mid_write_keeps_the_last_good_one(tmp_path, disk, name):
    model = make_model()
    per_epoch = []
    record = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: per_epoch.append(model.get_weights()))
    fill = callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: epoch == 1 and disk.fill_after(500))
    path = tmp_path / name
    checkpoint = callbacks.ModelCheckpoint(path, save_weights_only=name.endswith(".weights.h5"))
    with pytest.raises(OSError) as caught:
        model.fit(X, Y, epochs=3, batch_size=16, verbose=0, callbacks=[fill, record, checkpoint])
    disk.free()
    assert caught.value.errno == errno.ENOSPC
    assert len(per_epoch) == 2  # the save at the end of epoch 2 failed and stopped fit
    assert os.listdir(tmp_path) == [name]
    if name.endswith(".keras"):
        restored = lamina.models.load_model(path).get_weights()
    else:
        fresh = make_model()
        fresh.load_weights(path)
        restored = fresh.get_weights()
    assert_weights_equal(per_epoch[0], restored)


# ----------------------------------------------------------------- BackupAndRestore
def test_a_backup_that_fails_mid_write_keeps_the_previous_one_and_training_resumes(tmp_path, disk):
    backup_dir = tmp_path / "backup"
    reference = make_model()
    reference_weights = train(reference, epochs=3)

    model = make_model()
    fill = callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: epoch == 1 and disk.fill_after(1000))
    with pytest.raises(OSError) as caught:
        model.fit(X, Y, epochs=3, batch_size=16, verbose=0, callbacks=[fill, callbacks.BackupAndRestore(backup_dir)])
    disk.free()
    assert caught.value.errno == errno.ENOSPC
    assert os.listdir(backup_dir) == ["training_state.h5"]
    resume_point = read_training_state(backup_dir / "training_state.h5", make_model(), [])
    assert resume_point["epoch"] == 1 and resume_point["batch"] == 0

    rerun = make_model()
    history = rerun.fit(X, Y, epochs=3, batch_size=16, verbose=0, callbacks=[callbacks.BackupAndRestore(backup_dir)])
    assert history.epoch == [0, 1, 2]
    assert_weights_equal(reference_weights, rerun.get_weights())
    assert os.listdir(backup_dir) == []  # deleted after the run finished


def test_a_temporary_file_left_by_a_killed_backup_is_removed_at_the_next_start(tmp_path):
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    stale = backup_dir / ".training_state.h5.k1ll3d.tmp"  # what SIGKILL mid-write leaves
    stale.write_bytes(b"\x89HDF half written")
    make_model().fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.BackupAndRestore(backup_dir)])
    assert os.listdir(backup_dir) == []


# ------------------------------------------------------------------- a real failure
@pytest.mark.skipif(sys.platform != "linux", reason="uses Linux RLIMIT_FSIZE")
def test_saves_refused_by_the_kernel_fail_cleanly_and_keep_the_previous_files(tmp_path):
    """The kernel refuses writes past a file-size limit (EFBIG), as a full disk refuses
    them (ENOSPC). HDF5 writing straight to such a file crashed the process when closing
    it; lamina builds HDF5 files in memory, so this subprocess must exit normally."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr[-3000:]}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report) == {"model.keras", "model.weights.h5", "ckpt.keras", "backup/training_state.h5"}
    for name, outcome in report.items():
        assert outcome["error"] == "OSError errno 27", (name, outcome)
        assert outcome["intact"] and outcome["loadable"], (name, outcome)
        assert outcome["leftovers"] == [], (name, outcome)
    assert "Exception ignored" not in result.stderr
