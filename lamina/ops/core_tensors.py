"""Tensor basics of ``keras.ops`` core: ``is_tensor``, ``shape``, ``dtype``, ``cast``,
``saturate_cast``, ``convert_to_numpy``, ``unstack``, ``stop_gradient``."""

import numpy as np
import torch

from lamina.ops.arguments import tensor
from lamina.ops.dtypes import dtype_name, standardize_dtype, to_torch_dtype
from lamina.ops.operation import keras_op


def is_tensor(x):
    """Whether ``x`` is a torch tensor (this backend's tensor), as ``keras.ops.is_tensor``."""
    return isinstance(x, torch.Tensor)


def shape(x):
    """The shape of ``x`` as a tuple (``None`` for unknown sizes of a symbolic tensor), as
    ``keras.ops.shape``."""
    if isinstance(x, torch.Tensor):
        return tuple(x.shape)
    value_shape = getattr(x, "shape", None)
    return tuple(value_shape) if value_shape is not None else tuple(tensor(x).shape)


def dtype(x):
    """Keras's dtype name of ``x`` (``"float32"``, ``"int32"``...), as ``keras.ops.dtype``."""
    if isinstance(x, torch.Tensor):
        return dtype_name(x)
    value_dtype = getattr(x, "dtype", None)
    return standardize_dtype(value_dtype) if value_dtype is not None else dtype_name(tensor(x))


def convert_to_numpy(x):
    """``x`` as a NumPy array (detached from autograd, copied to the CPU), as
    ``keras.ops.convert_to_numpy``."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.numpy()
    return np.asarray(getattr(x, "value", x))


@keras_op("Cast", "core")
def cast(x, dtype):
    """``x`` converted to ``dtype`` (a name or a dtype), as ``keras.ops.cast``."""
    return tensor(x).to(to_torch_dtype(dtype))


@keras_op("SaturateCast", "core")
def saturate_cast(x, dtype):
    """``x`` clipped to the range of ``dtype`` then cast (no integer wrap-around), as
    ``keras.ops.saturate_cast``."""
    x = tensor(x)
    target = to_torch_dtype(dtype)
    if target == torch.bool or target.is_complex or x.dtype == torch.bool:
        return x.to(target)
    info = torch.finfo(target) if target.is_floating_point else torch.iinfo(target)
    low, high = info.min, info.max
    if x.is_floating_point() and not target.is_floating_point:
        # The largest float of x's dtype not above the bound (int64's max is not a float32).
        high_t = torch.tensor(high, dtype=torch.float64).to(x.dtype)
        if float(high_t) > high:
            high_t = torch.nextafter(high_t, torch.tensor(0.0, dtype=x.dtype))
        low_t = torch.tensor(low, dtype=torch.float64).to(x.dtype)
        return torch.clamp(x, low_t, high_t).to(target)
    if not x.is_floating_point() and not target.is_floating_point:
        source = torch.iinfo(x.dtype)
        low, high = max(low, source.min), min(high, source.max)
    elif x.is_floating_point() and target.is_floating_point:
        source = torch.finfo(x.dtype)
        low, high = max(low, source.min), min(high, source.max)
    else:
        return x.to(target)
    return torch.clamp(x, low, high).to(target)


@keras_op("Unstack", "core")
def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis`` as a list, as ``keras.ops.unstack``."""
    x = tensor(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"unstack: num must equal x.shape[axis]. Received: num={num}, x.shape={tuple(x.shape)}, axis={axis}.")
    return list(x.unbind(axis))


@keras_op("StopGradient", "core")
def stop_gradient(variable):
    """``variable``'s value with no gradient flowing back through it, as
    ``keras.ops.stop_gradient``."""
    value = getattr(variable, "value", variable) if not isinstance(variable, torch.Tensor) else variable
    return tensor(value).detach()
