"""Shared helpers of the ``lamina.ops`` functions: operands as tensors, Keras's result dtypes."""

import torch

from lamina.backend import config
from lamina.ops.convert import convert_to_tensor
from lamina.ops.dtypes import result_type, to_torch_dtype

Tensor = torch.Tensor


def tensor(x):
    """``x`` as a torch tensor (a tensor is returned as is)."""
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def tensors(*values):
    """Each value as a torch tensor."""
    return [v if isinstance(v, Tensor) else convert_to_tensor(v) for v in values]


def floatx_dtype():
    """The torch dtype of ``floatx()``."""
    return config.float_dtype()


def keep_float(x):
    """``x`` as itself when floating, else as ``floatx`` (Keras's rule for ``sin``, ``mean``...)."""
    x = tensor(x)
    return x if x.is_floating_point() or x.is_complex() else x.to(config.float_dtype())


def promoted_float(x):
    """``x`` cast to Keras's ``result_type(x.dtype, float)`` (64-bit floats narrowed to 32)."""
    x = tensor(x)
    return x.to(to_torch_dtype(result_type(x.dtype, float)))


def keras_dtype(*values):
    """The torch dtype of Keras's ``result_type`` of ``values`` (Python numbers are weak)."""
    return to_torch_dtype(result_type(*values))


def promote(x1, x2, *extra):
    """``x1`` and ``x2`` as tensors of Keras's ``result_type(x1, x2, *extra)``."""
    dtype = keras_dtype(x1, x2, *extra)
    a, b = tensors(x1, x2)
    return a.to(dtype), b.to(dtype)


def axes(axis, ndim):
    """``axis`` (None, an int or a sequence) as a tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim if ndim else a for a in axis)


def dims(axis):
    """``axis`` as torch's ``dim`` argument (a tuple for sequences)."""
    return axis if axis is None or isinstance(axis, int) else tuple(axis)


def unsupported(name, why):
    """The error of a function torch cannot compute."""
    return NotImplementedError(f"lamina.ops.{name} is not available on torch: {why}.")
