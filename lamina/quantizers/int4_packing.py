"""Two int4 values per byte: ``pack_int4`` and ``unpack_int4`` along an axis, as Keras
stores int4 kernels (the first of each pair in the low nibble)."""

import numpy as np
import torch

from lamina.backend.dtypes import standardize_dtype
from lamina.errors import ConfigurationError
from lamina.ops.convert import convert_to_tensor


def _check_dtype(dtype, tensor, what):
    if dtype not in ("int8", "uint8"):
        raise ConfigurationError(f"{what}: dtype must be 'int8' or 'uint8'. Received: dtype={dtype!r}.")
    received = standardize_dtype(tensor.dtype)
    if received != dtype:
        raise TypeError(f"{what}: expected a {dtype} tensor (dtype={dtype!r}). Received a {received} tensor.")


def pack_int4(arr, axis=0, dtype="int8"):
    """``(packed, packed_shape, orig_len)``: pairs of int4 values (``[-8, 7]``, stored as
    ``dtype``) along ``axis`` packed into one byte each; an odd length is padded with a
    zero. ``orig_len`` is the length of ``axis`` before packing.

    Raises:
        ConfigurationError: ``dtype`` is not int8 or uint8.
        TypeError: ``arr``'s dtype is not ``dtype``.
    """
    _check_dtype(dtype, arr, "pack_int4")
    array = arr.detach().cpu().numpy() if isinstance(arr, torch.Tensor) else np.asarray(arr)
    axis = axis % array.ndim
    rows = np.moveaxis(array, axis, 0)
    length = rows.shape[0]
    if length % 2:
        rows = np.concatenate([rows, np.zeros((1, *rows.shape[1:]), rows.dtype)])
    nibble = np.array(0x0F, dtype=dtype)
    low = np.bitwise_and(rows[0::2].astype(dtype), nibble)
    high = np.bitwise_and(rows[1::2].astype(dtype), nibble)
    packed = np.moveaxis(np.bitwise_or(low, np.left_shift(high, np.array(4, dtype=dtype))).astype(dtype), 0, axis)
    return convert_to_tensor(packed), tuple(packed.shape), length


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """The int4 values ``pack_int4`` packed along ``axis``, as ``dtype`` (signed ``[-8, 7]``
    for int8, ``[0, 15]`` for uint8), the padding removed (``orig_len`` values kept).

    Raises:
        ConfigurationError: ``dtype`` is not int8 or uint8.
        TypeError: ``packed``'s dtype is not ``dtype``.
    """
    packed = convert_to_tensor(packed)
    _check_dtype(dtype, packed, "unpack_int4")
    axis = axis % packed.ndim
    rows = packed.movedim(axis, 0).to(torch.int16) & 0xFF
    low, high = rows & 0x0F, (rows >> 4) & 0x0F
    if dtype == "int8":
        low, high = (low ^ 8) - 8, (high ^ 8) - 8
    target = torch.int8 if dtype == "int8" else torch.uint8
    values = torch.stack([low, high], dim=1).reshape(-1, *rows.shape[1:])[:orig_len]
    return values.to(target).movedim(0, axis)
