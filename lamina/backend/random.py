"""Seeding: one call makes weights, shuffles, dropout and ``lamina.random`` reproducible."""

import random

import numpy as np
import torch

# The SeedGenerator that ``lamina.random`` functions draw from when called with
# ``seed=None``; made on first use from Python's ``random`` (so after ``set_random_seed``).
_global_state = {"seed_generator": None}


def set_random_seed(seed):
    """Seed Python, NumPy and PyTorch (all devices) with ``seed``.

    After this call the same script gives the same initial weights, the same shuffle
    order, the same dropout masks, the same ``lamina.random`` draws with ``seed=None``,
    and so the same History on CPU.
    """
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    _global_state["seed_generator"] = None


def global_seed_generator(make):
    """The process-wide seed generator, made with ``make()`` when there is none yet."""
    found = _global_state["seed_generator"]
    if found is None:
        found = _global_state["seed_generator"] = make()
    return found
