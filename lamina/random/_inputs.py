"""Arguments of ``lamina.random`` functions: shapes, dtypes and tensors on lamina's device."""

import numbers

import numpy as np
import torch

from lamina.backend.device import get_device
from lamina.backend.dtypes import is_float_dtype, is_int_dtype, standardize_dtype, to_torch_dtype
from lamina.errors import ConfigurationError, InputError


def to_shape(shape, where):
    """``shape`` as a tuple of ints (a tuple, list, torch.Size or a single int)."""
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        return tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise InputError(
            f"{where}: shape must be a tuple of ints. Received: shape={shape!r}. Example: shape=(2, 3)."
        ) from None


def float_dtype(dtype, where):
    """The torch float dtype for ``dtype`` (``None``: floatx), or an error naming ``where``."""
    if not is_float_dtype(dtype):
        raise ConfigurationError(
            f"{where} requires a floating point dtype. Received: dtype={standardize_dtype(dtype)!r}. "
            "Use 'float16', 'bfloat16', 'float32' or 'float64'."
        )
    return to_torch_dtype(dtype)


def int_dtype(dtype, where):
    """The torch integer dtype for ``dtype``, or an error naming ``where``."""
    if not is_int_dtype(dtype):
        raise ConfigurationError(
            f"{where} requires an integer dtype. Received: dtype={standardize_dtype(dtype)!r}. "
            "Use e.g. 'int32' or 'int64'."
        )
    return to_torch_dtype(dtype)


def to_tensor(value, dtype=None):
    """A tensor on lamina's device from a tensor, NumPy array or Python number/list."""
    if isinstance(value, torch.Tensor):
        tensor = value
    elif isinstance(value, (np.ndarray, np.generic)):
        tensor = torch.as_tensor(value)
    else:
        tensor = torch.as_tensor(np.asarray(value))
        if tensor.dtype == torch.float64:
            tensor = tensor.to(torch.float32)
        elif tensor.dtype == torch.int64:
            tensor = tensor.to(torch.int32)
    return tensor.to(device=get_device(), dtype=dtype)
