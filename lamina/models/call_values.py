"""The values of a saved call other than symbolic tensors, in Keras's form.

A node's arguments may hold what JSON cannot: ``x[1:3, ..., None]`` holds slices and
``Ellipsis``, ``x @ ops.ones((5, 2))`` a constant tensor. Keras writes them as
``{"class_name": "__slice__", "config": {"start", "stop", "step"}}``,
``{"class_name": "__ellipsis__", "config": {}}``, ``{"class_name": "__tensor__", "config":
{"value", "dtype"}}`` and ``{"class_name": "__numpy__", ...}`` (``None``, ``np.newaxis``,
stays ``null``; a tuple becomes a list).
"""

import numpy as np
import torch

from lamina.errors import SavingError
from lamina.ops.dtypes import to_torch_dtype

_SLICE, _ELLIPSIS, _TENSOR, _NUMPY = "__slice__", "__ellipsis__", "__tensor__", "__numpy__"


def to_saved(value):
    """``value`` (one argument, not a symbolic tensor) in Keras's JSON form."""
    if isinstance(value, slice):
        return {"class_name": _SLICE, "config": {"start": to_saved(value.start), "stop": to_saved(value.stop),
                                                 "step": to_saved(value.step)}}
    if value is Ellipsis:
        return {"class_name": _ELLIPSIS, "config": {}}
    if isinstance(value, torch.Tensor):
        data = value.detach().cpu()
        return {"class_name": _TENSOR, "config": {"value": data.tolist(), "dtype": _name(data.dtype)}}
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return {"class_name": _NUMPY, "config": {"value": value.tolist(), "dtype": str(value.dtype)}}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, torch.dtype):
        return _name(value)
    return value


def from_saved(value):
    """A saved special value (slice, Ellipsis, tensor, array) as Python's; others unchanged.

    Raises:
        SavingError: a ``__tensor__`` entry holds a value torch cannot read.
    """
    if not isinstance(value, dict):
        return value
    kind, config = value.get("class_name"), value.get("config") or {}
    if kind == _SLICE:
        return slice(config.get("start"), config.get("stop"), config.get("step"))
    if kind == _ELLIPSIS:
        return Ellipsis
    if kind in (_TENSOR, _NUMPY):
        try:
            array = np.asarray(config["value"], dtype=config.get("dtype"))
        except (KeyError, TypeError, ValueError) as error:
            raise SavingError(
                f"A saved {kind} argument cannot be read: {error}. Received: {str(value)[:200]}."
            ) from error
        if kind == _NUMPY:
            return array
        return torch.as_tensor(array, dtype=to_torch_dtype(config.get("dtype") or str(array.dtype)))
    return value


def _name(dtype):
    return str(dtype).replace("torch.", "")
