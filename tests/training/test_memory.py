"""No leaks: building, compiling, fitting and deleting a small model 50 times in one
process does not grow its resident memory, and leaves no model or layer alive."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from repo_paths import SCRIPTS

SCRIPT = SCRIPTS / "repeated_models.py"
ITERATIONS = 50
MAX_GROWTH_MB = 50


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc")
def test_fifty_models_in_one_process_do_not_grow_memory():
    # A fresh process, so what other tests imported or cached does not count.
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(ITERATIONS)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    growth = report["after_last"] - report["after_5"]
    print(
        f"resident memory after model 5: {report['after_5']:.1f} MB, after model {ITERATIONS}: "
        f"{report['after_last']:.1f} MB (growth {growth:+.1f} MB)"
    )
    assert growth < MAX_GROWTH_MB
    assert report["models_alive"] == 0, "a deleted model is still referenced from somewhere"
    assert report["layers_alive"] == 0, "layers of deleted models are still alive"
