"""Turning the arguments of the core/nn/linalg/math/image ops into torch tensors.

A torch tensor goes through untouched (the fast path, checked first); anything else goes
through ``convert_to_tensor`` (Keras's default dtypes: Python ints ``int32``, floats
``floatx``, NumPy arrays keep theirs).
"""

import torch

from lamina.backend.config import float_dtype, image_data_format
from lamina.ops.convert import convert_to_tensor
from lamina.ops.dtypes import to_torch_dtype

Tensor = torch.Tensor

__all__ = ["tensor", "float_tensor", "tensors", "data_format_of", "axis_tuple", "to_torch_dtype"]


def tensor(x, device=None):
    """``x`` as a torch tensor (a tensor itself when it is one)."""
    if isinstance(x, Tensor):
        return x
    x = convert_to_tensor(x)
    return x if device is None else x.to(device)


def float_tensor(x, device=None):
    """``x`` as a floating tensor: integers and booleans become ``floatx`` (as Keras's JAX
    backend computes them; its torch backend has no integer kernels for most activations)."""
    if type(x) is Tensor and x.is_floating_point():
        return x
    x = tensor(x, device)
    if x.is_floating_point() or x.is_complex():
        return x
    return x.to(float_dtype())


def tensors(*values):
    """Each value as a tensor on the first tensor's device (None stays None)."""
    device = next((v.device for v in values if isinstance(v, Tensor)), None)
    return [v if isinstance(v, Tensor) or v is None else tensor(v, device) for v in values]


def data_format_of(data_format):
    """``data_format``, or the global ``image_data_format()`` when None."""
    if data_format is None:
        return image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "data_format must be 'channels_last' or 'channels_first'. "
            f"Received: data_format={data_format!r}."
        )
    return data_format


def axis_tuple(axis, rank):
    """``axis`` (an int, a sequence, or None for all) as a tuple of non-negative axes."""
    if axis is None:
        return tuple(range(rank))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % rank if rank else a for a in axis)
