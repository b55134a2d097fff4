"""lamina.backend.host_memory: freed CPU blocks stay in the process for reuse instead of
going back to the operating system (and being faulted in again at the next step).

Each case runs in a fresh interpreter: malloc settings are process-wide and one-way.
"""

import os
import platform
import subprocess
import sys

import pytest

glibc_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="glibc malloc settings",
)

# After one small fit, fills a 64 MiB tensor and frees it, as a training step frees its
# activations; prints whether the tuning applied and how many MiB of resident memory the
# free gave back to the operating system (read from /proc, so huge pages do not matter).
PROBE = """
import os
import numpy as np
import torch
import lamina
from lamina.backend import host_memory

def resident_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

model = lamina.Sequential([lamina.layers.Dense(2, input_shape=(3,))])
model.compile(optimizer="sgd", loss="mse")
model.fit(np.zeros((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)
block = torch.ones(16 << 20)
before = resident_mib()
del block
print(host_memory.tune_host_memory(), before - resident_mib())
"""


def run_probe(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    environment.pop("LAMINA_TUNE_MALLOC", None)
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    applied, returned = done.stdout.split()
    return applied == "True", float(returned)


@glibc_only
def test_fit_keeps_freed_blocks_for_reuse():
    applied, returned_mib = run_probe()
    assert applied
    assert returned_mib < 8, f"freeing a 64 MiB block gave {returned_mib:.1f} MiB back to the OS"


@glibc_only
def test_opting_out_keeps_glibc_defaults_which_give_the_block_back():
    applied, returned_mib = run_probe(LAMINA_TUNE_MALLOC="0")
    assert not applied
    assert returned_mib > 56


@glibc_only
def test_a_process_with_its_own_malloc_settings_is_left_alone():
    applied, _ = run_probe(MALLOC_TRIM_THRESHOLD_="1000000")
    assert not applied


def test_only_training_changes_the_process_malloc_settings():
    """predict/evaluate leave glibc's defaults (a server that predicts keeps them); fit tunes."""
    code = (
        "import numpy as np, lamina\n"
        "from lamina.backend import host_memory_tuned\n"
        "m = lamina.Sequential([lamina.layers.Input((3,)), lamina.layers.Dense(2)])\n"
        "m.compile('sgd', 'mse')\n"
        "x, y = np.ones((8, 3), 'float32'), np.ones((8, 2), 'float32')\n"
        "m.predict(x, verbose=0); m.evaluate(x, y, verbose=0); m(x)\n"
        "print(host_memory_tuned(), end=' ')\n"
        "m.fit(x, y, verbose=0)\n"
        "print(host_memory_tuned())\n"
    )
    environment = dict(os.environ)
    for name in ("LAMINA_TUNE_MALLOC", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"):
        environment.pop(name, None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=300)
    assert result.returncode == 0, result.stderr
    before, after = result.stdout.split()
    assert before == "False"
    expected = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert after == str(expected)
