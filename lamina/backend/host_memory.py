"""glibc malloc settings that let CPU training reuse freed memory.

PyTorch's CPU tensors come from ``malloc``. With glibc's defaults, a large block (an
activation or its gradient) is returned to the operating system when freed — ``munmap``,
or a trim of the heap's top — and the next step's block of the same size comes back as
fresh pages, each one faulted in and zeroed by the kernel. A training step frees and
re-allocates the same blocks every time, so it pays that on every step: on a 2-core x86
machine the keras-io convnet (batch 128) ran 25 ms per step with the defaults and 13 ms
with the settings below (``benchmarks/convnet.py``).

``tune_host_memory()`` raises two thresholds once per process: blocks up to
``MMAP_THRESHOLD`` come from the heap instead of their own mapping, and the heap keeps up
to ``TRIM_THRESHOLD`` of free memory at its top instead of returning it. The price is a
process that keeps (up to that much) memory it freed, as jemalloc and tcmalloc do.

It changes nothing when: ``LAMINA_TUNE_MALLOC=0`` is set; the process already set its
own (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``, or ``GLIBC_TUNABLES`` with
``glibc.malloc``); or the C library is not glibc (macOS, Windows, musl).
"""

import ctypes
import os
import sys

MMAP_THRESHOLD = 256 << 20
OLD_GLIBC_MMAP_THRESHOLD = 32 << 20  # glibc before 2.26 refuses anything larger
TRIM_THRESHOLD = 1 << 30
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")

_state = {"done": False, "applied": False}


def host_memory_tuned():
    """Whether ``tune_host_memory`` has changed this process's malloc settings."""
    return _state["applied"]


def tune_host_memory():
    """Apply the malloc thresholds (once per process). Returns whether they are in effect.

    ``fit`` and ``train_on_batch`` call it (a process-wide, lasting setting: training
    processes gain, a process that only predicts or evaluates is left as it was); call it
    yourself to get the same for a hand-written loop."""
    if not _state["done"]:
        _state["done"] = True
        _state["applied"] = _wanted() and _apply(_glibc())
    return _state["applied"]


def _wanted():
    if os.environ.get("LAMINA_TUNE_MALLOC", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    if any(name in os.environ for name in _USER_SETTINGS):
        return False
    return "glibc.malloc" not in os.environ.get("GLIBC_TUNABLES", "")


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - only glibc defines it
    except (OSError, AttributeError):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    return libc


def _apply(libc):
    if libc is None:
        return False
    if not libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD):
        if not libc.mallopt(_M_MMAP_THRESHOLD, OLD_GLIBC_MMAP_THRESHOLD):
            return False
    return bool(libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
