"""Seeding: one call makes weights, shuffles and dropout reproducible."""

import random

import numpy as np
import torch


def set_random_seed(seed):
    """Seed Python, NumPy and PyTorch (all devices) with ``seed``.

    After this call the same script gives the same initial weights, the same shuffle
    order, the same dropout masks and so the same History on CPU.
    """
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
