"""Which device lamina puts models and data on.

Default: CUDA when available, then Apple's MPS, else CPU. Override in one place with
``lamina.backend.set_device("cpu")`` or the ``LAMINA_DEVICE`` environment variable.
"""

import os

import torch

from lamina.errors import ConfigurationError

_chosen = {"device": None}


def set_device(device):
    """Use ``device`` ("cpu", "cuda", "cuda:1", "mps" or a torch.device) from now on."""
    if device is None:
        _chosen["device"] = None
        return
    try:
        _chosen["device"] = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ConfigurationError(
            f"set_device: not a device. Received: {device!r}. Use 'cpu', 'cuda', 'cuda:N' or 'mps'."
        ) from err


def get_device():
    """The torch.device lamina places new models and data on."""
    if _chosen["device"] is not None:
        return _chosen["device"]
    forced = os.environ.get("LAMINA_DEVICE")
    if forced:
        return torch.device(forced)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
