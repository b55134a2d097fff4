"""Checks on every array read back from a saved HDF5 file, made before it is read.

A file is data from outside: its arrays may have any shape, dtype or declared size. Each
array lamina restores (weights, optimizer slots, step counts, learning rates, metric
state, random generator state) is compared with what it replaces before a byte of it is
read: it must be an array (not a group), of the expected shape and dtype kind (float,
integer, bool), and its declared size must be backed by data the file really holds. A
13 KB file declaring a 64 GiB array is refused without allocating it; an optimizer slot of
the wrong shape never reaches torch's fused kernels (which would read past its end).
Loaders read and check everything first and write into the model last, so a refused file
changes nothing.
"""

import math

import numpy as np
import torch

from lamina.errors import SavingError
from lamina.saving.h5_safety import CORRUPT_H5_ERRORS

# A declared size may exceed the bytes stored for it (a compressed or unwritten dataset
# reads as its fill value) only up to this floor, or this ratio past it; as for zip members.
SIZE_FLOOR = 16 * 1024 * 1024
INFLATION_LIMIT = 100
NUMERIC_KINDS = ("float", "integer", "bool")


def kind_of(dtype):
    """``"float"``, ``"integer"``, ``"bool"`` (or another word) for a NumPy or torch dtype."""
    if hasattr(dtype, "is_floating_point"):  # torch.dtype
        if dtype.is_floating_point:
            return "float"
        if dtype.is_complex:
            return "complex"
        return "bool" if str(dtype) == "torch.bool" else "integer"
    return {"f": "float", "i": "integer", "u": "integer", "b": "bool", "c": "complex"}.get(
        np.dtype(dtype).kind, f"non-numeric ({dtype})"
    )


def describe_item(item):
    """What an HDF5 object holds, for messages: ``array of shape (3, 4) and dtype float32``."""
    import h5py

    if isinstance(item, h5py.Dataset):
        return f"an array of shape {item.shape} and dtype {item.dtype}"
    if item is None:
        return "nothing"
    return f"an HDF5 {type(item).__name__}, not an array"


def check_array(item, where, shape=None, kinds=NUMERIC_KINDS, source="the file"):
    """Refuse ``item`` unless it is an array of ``shape`` (None: any) whose dtype kind is in
    ``kinds`` and whose declared size the file backs; return None when it passes.

    ``where`` is the path inside the file, used in the message with what was expected.
    """
    import h5py

    expected = f"an array of shape {shape}" if shape is not None else "an array"
    if not isinstance(item, h5py.Dataset) or item.shape is None:
        found = describe_item(item) if item is None or not isinstance(item, h5py.Dataset) else "an empty dataspace"
        _refuse(source, where, f"expected {expected}, found {found}")
    if shape is not None and tuple(item.shape) != tuple(shape):
        _refuse(source, where, f"expected shape {tuple(shape)}, found shape {item.shape}")
    kind = kind_of(item.dtype)
    if kind not in kinds:
        _refuse(source, where, f"expected a {' or '.join(kinds)} array, found dtype {item.dtype} ({kind})")
    check_declared_size(item, where, source)


def check_declared_size(dataset, where, source="the file"):
    """Refuse a dataset whose declared size the file's stored bytes do not back."""
    declared = math.prod(dataset.shape) * dataset.dtype.itemsize
    try:
        stored = dataset.id.get_storage_size()
    except CORRUPT_H5_ERRORS as err:
        raise SavingError(f"{source}: cannot read the storage of '{where}' ({err}); the file is damaged.") from err
    if declared > SIZE_FLOOR and declared > INFLATION_LIMIT * stored:
        _refuse(
            source,
            where,
            f"it declares {declared:,} bytes of data ({dataset.shape} x {dataset.dtype}) but the file "
            f"stores {stored:,} bytes for it (a size bomb or a damaged header)",
        )


def read_array(item, where, shape=None, kinds=NUMERIC_KINDS, source="the file"):
    """``check_array``, then the data as a native-byte-order NumPy array."""
    check_array(item, where, shape, kinds, source)
    try:
        value = np.asarray(item[()])
    except CORRUPT_H5_ERRORS as err:
        raise SavingError(f"{source}: cannot read '{where}' ({type(err).__name__}: {err}); the file is damaged.") from err
    return value.astype(value.dtype.newbyteorder("="), copy=False)


def read_scalar(item, where, kinds=("float", "integer"), low=None, source="the file"):
    """A finite number stored as a one-element array (shape ``()`` or ``(1,)``), at least ``low``
    (with ``low=0``, an integer count: below 2**53 too)."""
    import h5py

    if isinstance(item, h5py.Dataset) and item.shape == (1,):
        value = read_array(item, where, (1,), kinds, source)[0]
    else:
        value = read_array(item, where, (), kinds, source)[()]
    return check_number(value, where, low, source)


def check_number(value, where, low=None, source="the file"):
    """``value`` as a Python int or float, refused unless it is a finite real number >= ``low``
    (a count, with ``low=0``, must also be a whole number below 2**53)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        _refuse(source, where, f"expected a number, found {type(value).__name__} {value!r:.60}")
    number = int(value) if isinstance(value, (int, np.integer)) else float(value)
    count = low == 0
    if not math.isfinite(number) or (low is not None and number < low) or (count and not 0 <= number < 2**53):
        bound = "a finite number" if low is None else f"a finite number >= {low}"
        _refuse(source, where, f"expected {bound}, found {number!r}")
    if count and number != int(number):
        _refuse(source, where, f"expected a whole number of steps, found {number!r}")
    return int(number) if count else number


# Per-weight optimizer state that is one number, not a tensor shaped like the weight:
# torch's step counts and NAdam's momentum product.
SCALAR_SLOTS = frozenset({"step", "mu_product"})


def read_torch_slot(group, tensor, allowed, where, source="the file", required=()):
    """The torch optimizer state for ``tensor`` stored in ``group`` (``optimizer/torch_state/<i>``),
    checked key by key before anything is read.

    A key that neither ``allowed`` (the optimizer's slots; None when unknown) nor
    ``SCALAR_SLOTS`` names is refused; a slot must have ``tensor``'s shape and be a float
    array; a scalar is one finite number. With ``allowed=None`` any 0-d array or attribute
    counts as a scalar. A group that holds anything must hold every key of ``required`` (torch
    reads them all once a weight has state; an empty group is a weight that never stepped). Returns ``{key: value}``: slots and scalars as CPU tensors, attributes
    as numbers (as torch kept them).
    """
    import h5py

    if not isinstance(group, h5py.Group):
        _refuse(source, where, f"expected an HDF5 group of optimizer slots, found {describe_item(group)}")
    known = SCALAR_SLOTS if allowed is None else SCALAR_SLOTS | set(allowed)
    unknown = sorted(key for key in [*group.attrs.keys(), *group.keys()] if key not in known)
    if allowed is not None and unknown:
        _refuse(source, where, f"expected slots among {sorted(known)}, found unused slot(s) {unknown}")
    present = {*group.attrs.keys(), *group.keys()}
    absent = sorted(set(required) - present)
    if present and absent:
        _refuse(source, where, f"expected the slots {sorted(required)}, found {sorted(present)} (missing {absent})")
    state = {}
    for key in group.attrs.keys():
        if allowed is not None and key not in SCALAR_SLOTS:
            _refuse(source, f"{where}@{key}", "expected an array, found an attribute")
        state[key] = check_number(_attribute(group, key, where, source), f"{where}@{key}", source=source)
    for key in group.keys():
        item, path = group.get(key), f"{where}/{key}"
        scalar = key in SCALAR_SLOTS or (allowed is None and getattr(item, "shape", None) == ())
        if scalar:
            state[key] = torch.tensor(float(read_scalar(item, path, source=source)), dtype=torch.float32)
        else:
            value = read_array(item, path, tuple(tensor.shape), ("float",), source)
            state[key] = torch.from_numpy(value).to(dtype=tensor.dtype)
    return state


def place_slot_state(state, tensor, fused):
    """``read_torch_slot``'s state where torch keeps it: on ``tensor``'s device, except the
    step count, which stays on the CPU unless the kernels are fused or capturable."""
    placed = {}
    for key, value in state.items():
        if isinstance(value, torch.Tensor) and not (key == "step" and not fused):
            value = value.to(tensor.device).contiguous()
        placed[key] = value
    return placed


def _attribute(group, key, where, source):
    try:
        value = group.attrs[key]
    except CORRUPT_H5_ERRORS as err:
        raise SavingError(f"{source}: cannot read '{where}@{key}' ({err}); the file is damaged.") from err
    value = np.asarray(value)
    if value.size != 1:
        _refuse(source, f"{where}@{key}", f"expected one number, found an array of shape {value.shape}")
    return value.reshape(-1)[0]


def _refuse(source, where, problem):
    raise SavingError(
        f"Refusing to load {source}: '{where}' does not fit what it would replace: {problem}. "
        "The file is damaged, was edited, or was saved from a different model or optimizer; "
        "nothing was loaded."
    )
