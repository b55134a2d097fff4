"""``convert_to_tensor``: torch tensors from tensors, NumPy arrays, lists and numbers, with
Keras's default dtypes (Python float -> ``floatx()``, int -> ``int32``, NumPy keeps its dtype)."""

import numpy as np
import torch

from lamina.backend import config
from lamina.backend.device import get_device
from lamina.errors import ConfigurationError
from lamina.ops.dtypes import result_type, to_torch_dtype

__all__ = ["convert_to_tensor", "as_tensor"]

_INT32_MIN, _INT32_END = -(2**31), 2**31


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` as a torch tensor on ``lamina.backend.get_device()``, as ``keras.ops.convert_to_tensor``.

    Python floats become ``floatx()``, ints ``int32`` (``int64`` beyond its range), bools
    ``bool``; NumPy arrays keep their dtype (``uint32`` becomes ``int64``); lists take Keras's
    promotion of their items. ``dtype`` casts the result. A tensor already on the device is
    returned as is (autograd flows through).

    Raises:
        ConfigurationError: ``sparse=True`` or ``ragged=True`` (torch has neither here).
    """
    if sparse:
        raise ConfigurationError("convert_to_tensor: sparse=True is not supported on torch. Received: sparse=True.")
    if ragged:
        raise ConfigurationError("convert_to_tensor: ragged=True is not supported on torch. Received: ragged=True.")
    value = getattr(x, "value", None)
    if isinstance(value, torch.Tensor) and not isinstance(x, torch.Tensor):
        x = value  # a Keras-style Variable wrapper
    device = get_device()
    if isinstance(x, torch.Tensor):
        if x.device != device:
            x = x.to(device)
        return x if dtype is None else x.to(to_torch_dtype(dtype))
    if dtype is not None:
        dtype = to_torch_dtype(dtype)
    if isinstance(x, bool):
        return torch.tensor(x, dtype=dtype or torch.bool, device=device)
    if isinstance(x, int):
        default = torch.int32 if _INT32_MIN <= x < _INT32_END else torch.int64
        return torch.tensor(x, dtype=dtype or default, device=device)
    if isinstance(x, float):
        return torch.tensor(x, dtype=dtype or config.float_dtype(), device=device)
    if isinstance(x, complex):
        return torch.tensor(x, dtype=dtype or torch.complex64, device=device)
    if isinstance(x, (list, tuple)):
        return _from_sequence(x, dtype, device)
    array = np.asarray(x)
    if array.dtype == np.uint32:
        array = array.astype(np.int64)
    if array.dtype.kind in "OUS":
        raise ConfigurationError(
            f"convert_to_tensor: cannot make a numeric tensor from {type(x).__name__} of dtype "
            f"{array.dtype}. Received: {x!r:.80}."
        )
    tensor = torch.from_numpy(array if array.flags.c_contiguous else np.ascontiguousarray(array)) if array.dtype.kind != "V" else torch.as_tensor(array)
    return tensor.to(device=device, dtype=dtype) if dtype is not None or tensor.device != device else tensor


def _from_sequence(items, dtype, device):
    if any(isinstance(item, torch.Tensor) for item in items):
        return torch.stack([convert_to_tensor(item, dtype) for item in items])
    if dtype is None:
        leaves = []
        _leaves(items, leaves)
        dtype = to_torch_dtype(result_type(*leaves)) if leaves else config.float_dtype()
    array = np.asarray(items)
    if array.dtype == np.uint32:
        array = array.astype(np.int64)
    return torch.as_tensor(array, dtype=dtype, device=device)


def _leaves(items, out):
    for item in items:
        if isinstance(item, (list, tuple)):
            _leaves(item, out)
        elif isinstance(item, (bool, int, float)) and not isinstance(item, np.generic):
            out.append(type(item))
        else:
            out.append(getattr(item, "dtype", type(item)))


def as_tensor(x):
    """``x`` itself if a torch tensor, else ``convert_to_tensor(x)`` (the ops' fast path)."""
    return x if type(x) is torch.Tensor or isinstance(x, torch.Tensor) else convert_to_tensor(x)
