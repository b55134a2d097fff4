"""Exact resume: a run killed with SIGKILL and restarted ends bitwise equal to one never killed."""

import os
import random
import signal
import subprocess
import sys

import numpy as np
import pytest
from repo_paths import SCRIPTS

SCRIPT = SCRIPTS / "resumable_training.py"
STEPS_PER_EPOCH, EPOCHS = 16, 3


def run(backup_dir, out, mode):
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(backup_dir), str(out), mode],
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout


def run_until(backup_dir, out, mode, should_kill):
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(backup_dir), str(out), mode], stdout=subprocess.PIPE, text=True
    )
    seen = []
    try:
        for line in process.stdout:
            seen.append(line.strip())
            if should_kill(seen):
                os.kill(process.pid, signal.SIGKILL)
                break
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, f"the run ended before the kill: {seen[-3:]}"
    return seen


def weights(path):
    with np.load(path) as stored:
        return [stored[key] for key in sorted(stored.files)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    run(folder / "unused", folder / "weights.npz", "plain")
    return weights(folder / "weights.npz")


def assert_same(reference, path):
    resumed = weights(path)
    assert len(resumed) == len(reference)
    for a, b in zip(reference, resumed):
        np.testing.assert_array_equal(a, b)


def test_sigkill_mid_epoch_then_rerun_finishes_bitwise_equal(tmp_path, reference):
    kill_at = random.randrange(4, STEPS_PER_EPOCH * EPOCHS - 4)
    seen = run_until(tmp_path / "backup", tmp_path / "weights.npz", "backed_up", lambda lines: len(lines) > kill_at)
    assert (tmp_path / "backup" / "training_state.h5").exists()
    output = run(tmp_path / "backup", tmp_path / "weights.npz", "backed_up")
    first = output.splitlines()[0]
    assert first != "batch 0 0", f"restart did not resume (killed after {seen[-1]!r}, restarted at {first!r})"
    assert_same(reference, tmp_path / "weights.npz")
    assert not (tmp_path / "backup" / "training_state.h5").exists()


def test_sigkill_during_a_backup_write_resumes_from_the_previous_backup(tmp_path, reference):
    writes_before_kill = random.randrange(2, 8)
    run_until(
        tmp_path / "backup", tmp_path / "weights.npz", "slow_write",
        lambda lines: lines.count("WRITING") == writes_before_kill,
    )
    leftovers = [name for name in os.listdir(tmp_path / "backup") if name.endswith(".tmp")]
    assert leftovers, "the kill should have landed while a temporary backup file was open"
    output = run(tmp_path / "backup", tmp_path / "weights.npz", "slow_write")
    assert output.splitlines()[0] != "batch 0 0"
    assert_same(reference, tmp_path / "weights.npz")
