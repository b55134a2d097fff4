"""Sampling with torch functions that take no ``generator`` (gamma, beta, binomial)."""

import contextlib

import torch

from lamina.backend.device import get_device
from lamina.random.seed_generator import torch_seed


@contextlib.contextmanager
def seeded_torch_rng(seed):
    """Seed torch's global generator of lamina's device for ``seed``, restoring it after."""
    device = torch.device(get_device())
    devices = [] if device.type == "cpu" else [device.index or 0]
    device_type = "cuda" if device.type == "cpu" else device.type
    with torch.random.fork_rng(devices=devices, device_type=device_type):
        if device.type == "cpu":
            torch.random.default_generator.manual_seed(torch_seed(seed))
        else:
            getattr(torch, device.type).manual_seed(torch_seed(seed))
        yield
