"""Which device lamina puts models and data on.

Default: CUDA when available, then Apple's MPS, else CPU. Under torchrun each process
takes the GPU of its ``LOCAL_RANK`` (data parallel, see ``lamina.distribute``). Override in
one place with ``lamina.backend.set_device("cpu")`` or the ``LAMINA_DEVICE`` environment
variable.
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
        return _cuda_for_this_process()
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _cuda_for_this_process():
    local_rank = os.environ.get("LOCAL_RANK")
    if local_rank is not None and local_rank.isdigit() and int(local_rank) < torch.cuda.device_count():
        return torch.device("cuda", int(local_rank))
    return torch.device("cuda")
