"""lamina.backend.host_memory: freed CPU blocks are reused instead of faulted in again.

Each case runs in a fresh interpreter: malloc settings are process-wide and one-way.
"""

import os
import subprocess
import sys

import pytest

glibc_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc settings")

# Allocates and fills a 64 MiB tensor 10 times, as a training step re-creates its
# activations, after one small fit; prints whether the tuning applied and how many
# minor page faults the 10 allocations cost.
PROBE = """
import resource
import numpy as np
import torch
import lamina
from lamina.backend import host_memory

model = lamina.Sequential([lamina.layers.Dense(2, input_shape=(3,))])
model.compile(optimizer="sgd", loss="mse")
model.fit(np.zeros((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    block = torch.ones(16 << 20)
    del block
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(host_memory.reuse_freed_memory(), faults)
"""
PAGES_PER_BLOCK = (64 << 20) // 4096


def run_probe(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    environment.pop("LAMINA_TUNE_MALLOC", None)
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    applied, faults = done.stdout.split()
    return applied == "True", int(faults)


@glibc_only
def test_fit_makes_freed_blocks_reusable_without_page_faults():
    applied, faults = run_probe()
    assert applied
    assert faults < 2 * PAGES_PER_BLOCK, f"{faults} faults for 10 allocations of {PAGES_PER_BLOCK} pages"


@glibc_only
def test_opting_out_keeps_glibc_defaults_which_fault_every_block_in_again():
    applied, faults = run_probe(LAMINA_TUNE_MALLOC="0")
    assert not applied
    assert faults > 5 * PAGES_PER_BLOCK


@glibc_only
def test_a_process_with_its_own_malloc_settings_is_left_alone():
    applied, _ = run_probe(MALLOC_TRIM_THRESHOLD_="1000000")
    assert not applied
