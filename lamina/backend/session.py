"""``clear_session`` and ``get_uid``: the process-wide state Keras programs reset or read."""

import gc

import torch

from lamina.backend import naming
from lamina.backend.random import _global_state as _random_state

_uids = {}


def clear_session(free_memory=True):
    """Reset default layer names, ``get_uid`` counters and the ``seed=None`` random generator.

    As ``keras.backend.clear_session``. With ``free_memory``, also run Python's garbage
    collector and return cached CUDA memory to the driver.
    """
    naming.clear_session()
    _uids.clear()
    _random_state["seed_generator"] = None
    if free_memory:
        gc.collect()
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            torch.cuda.empty_cache()


def get_uid(prefix=""):
    """1, 2, 3... at successive calls with the same ``prefix`` (until ``clear_session``)."""
    _uids[prefix] = _uids.get(prefix, 0) + 1
    return _uids[prefix]


def backend():
    """The name of the engine: ``"torch"``."""
    return "torch"
