"""Whether torch's autocast is on for a device kind, and in which dtype, on every supported
torch (the per-device functions came in torch 2.4)."""

import torch


def autocast_on(device_type):
    """Whether autocast is enabled for ``device_type`` ("cpu", "cuda", ...)."""
    try:
        return torch.is_autocast_enabled(device_type)
    except TypeError:  # torch < 2.4 asks per device kind
        return torch.is_autocast_cpu_enabled() if device_type == "cpu" else torch.is_autocast_enabled()


def autocast_dtype(device_type):
    """The dtype autocast computes in on ``device_type``."""
    try:
        return torch.get_autocast_dtype(device_type)
    except AttributeError:  # torch < 2.4
        return torch.get_autocast_cpu_dtype() if device_type == "cpu" else torch.get_autocast_gpu_dtype()
