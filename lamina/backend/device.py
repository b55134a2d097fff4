"""Which device lamina puts models and data on.

Default: CUDA when available, then Apple's MPS, else CPU. Under torchrun each process
takes the GPU of its ``LOCAL_RANK`` (data parallel, see ``lamina.distribute``). Override in
one place with ``lamina.backend.set_device("cpu")`` or the ``LAMINA_DEVICE`` environment
variable, or for a block with ``with lamina.device("cpu"):`` (Keras's ``keras.device``).
"""

import contextlib
import os

import torch

from lamina.errors import ConfigurationError

_chosen = {"device": None, "scoped": []}


def _parse(device, where):
    if isinstance(device, str):
        device = device.lower().replace("gpu", "cuda")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ConfigurationError(
            f"{where}: not a device. Received: {device!r}. Use 'cpu', 'cuda', 'cuda:N' or 'mps'."
        ) from err


@contextlib.contextmanager
def device(device_name):
    """Place the tensors and weights created inside the block on ``device_name``.

    Keras's ``keras.device``: ``with lamina.device("cpu"): model = ...`` builds the model
    on the CPU whatever the default. ``"gpu"``/``"gpu:1"`` mean ``"cuda"``/``"cuda:1"``.

    Args:
        device_name: "cpu", "cuda", "cuda:N", "gpu", "gpu:N", "mps" or a torch.device.

    Yields:
        The ``torch.device`` in use inside the block.
    """
    chosen = _parse(device_name, "device")
    _chosen["scoped"].append(chosen)
    try:
        yield chosen
    finally:
        _chosen["scoped"].pop()


def set_device(device):
    """Use ``device`` ("cpu", "cuda", "cuda:1", "mps" or a torch.device) from now on."""
    _chosen["device"] = None if device is None else _parse(device, "set_device")


def get_device():
    """The torch.device lamina places new models and data on."""
    if _chosen["scoped"]:
        return _chosen["scoped"][-1]
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
