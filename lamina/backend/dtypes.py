"""Dtype names as Keras writes them ("float32", "int32", ...) and the torch dtypes behind them."""

import numpy as np
import torch

from lamina.backend import config
from lamina.errors import ConfigurationError

#: Keras 3's dtype names that have a torch dtype ("string" and the float8 types do not
#: all exist on every torch build, so they are left out).
TORCH_DTYPES = {
    "bool": torch.bool,
    "uint8": torch.uint8,
    "uint16": getattr(torch, "uint16", None),
    "uint32": getattr(torch, "uint32", None),
    "uint64": getattr(torch, "uint64", None),
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
    "float32": torch.float32,
    "float64": torch.float64,
    "complex64": torch.complex64,
    "complex128": torch.complex128,
    "float8_e4m3fn": getattr(torch, "float8_e4m3fn", None),
    "float8_e5m2": getattr(torch, "float8_e5m2", None),
}
TORCH_DTYPES = {name: dtype for name, dtype in TORCH_DTYPES.items() if dtype is not None}
NAME_OF_TORCH_DTYPE = {dtype: name for name, dtype in TORCH_DTYPES.items()}

# Python types and the "int" shorthand, as Keras reads them on its torch backend.
_PYTHON_NAMES = {bool: "bool", int: "int32", float: "float32", complex: "complex64", "int": "int32", "float": "float32"}


def standardize_dtype(dtype):
    """Keras's name for ``dtype`` (``None`` gives ``floatx()``).

    Accepts names (``"float32"``), torch dtypes (``torch.int64``), NumPy dtypes and Python
    types (``int`` -> ``"int32"``, ``float`` -> ``"float32"``, as Keras on torch).

    Raises:
        ConfigurationError: ``dtype`` is not one of Keras's dtypes.
    """
    if dtype is None:
        return config.floatx()
    if isinstance(dtype, torch.dtype):
        name = NAME_OF_TORCH_DTYPE.get(dtype) or str(dtype).split(".")[-1]
    else:
        try:
            name = _PYTHON_NAMES.get(dtype, dtype)
        except TypeError:  # unhashable
            name = dtype
        if isinstance(name, (np.dtype, type)) and not isinstance(name, str):
            name = np.dtype(name).name if name is not str else "string"
        name = getattr(name, "name", name)
    if name not in TORCH_DTYPES and name != "string":
        raise ConfigurationError(
            f"Invalid dtype. Received: dtype={dtype!r}. Expected one of {sorted(TORCH_DTYPES)}."
        )
    return name


def to_torch_dtype(dtype):
    """The ``torch.dtype`` for any dtype ``standardize_dtype`` reads (``None``: floatx)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    known = TORCH_DTYPES.get(dtype) if isinstance(dtype, str) else None
    if known is not None:
        return known
    name = standardize_dtype(dtype)
    if name not in TORCH_DTYPES:
        raise ConfigurationError(f"dtype {name!r} has no torch equivalent. Received: dtype={dtype!r}.")
    return TORCH_DTYPES[name]


def is_float_dtype(dtype):
    """Whether ``dtype`` is a floating-point dtype (Keras's ``backend.is_float_dtype``)."""
    name = standardize_dtype(dtype)
    return name.startswith("float") or name.startswith("bfloat")


def is_int_dtype(dtype):
    """Whether ``dtype`` is a (signed or unsigned) integer dtype."""
    name = standardize_dtype(dtype)
    return name.startswith("int") or name.startswith("uint")
