"""Keras 3's dtype promotion (``keras.backend.result_type``) and dtype names, on torch.

Keras promotes like JAX: a lattice of dtypes where Python numbers are *weak* (``int8 + 1``
stays ``int8``, ``float16 * 2.0`` stays ``float16``) and, on the torch backend, a 64-bit
result is narrowed to 32 bits (``int64`` -> ``int32``, ``float64`` -> ``float32``) unless
every operand has that one 64-bit dtype.
"""

import functools

import torch

from lamina.backend import config
from lamina.backend.dtypes import NAME_OF_TORCH_DTYPE as _NAME_OF
from lamina.backend.dtypes import standardize_dtype, to_torch_dtype
from lamina.errors import ConfigurationError

__all__ = ["result_type", "standardize_dtype", "to_torch_dtype", "is_float", "is_int", "dtype_name"]

_WEAK_INT, _WEAK_FLOAT = "int", "float"

# Each dtype and the dtypes immediately above it in Keras's (JAX's) promotion lattice.
_LATTICE = {
    "bool": [_WEAK_INT],
    "uint8": ["int16", "uint16"],
    "uint16": ["int32", "uint32"],
    "uint32": ["int64", "uint64"],
    "uint64": [_WEAK_FLOAT],
    _WEAK_INT: ["uint8", "int8", "complex64"],
    "int8": ["int16"],
    "int16": ["int32"],
    "int32": ["int64"],
    "int64": [_WEAK_FLOAT],
    _WEAK_FLOAT: ["bfloat16", "float16"],
    "bfloat16": ["float32"],
    "float16": ["float32"],
    "float32": ["float64", "complex64"],
    "float64": ["complex128"],
    "complex64": ["complex128"],
    "complex128": [],
}


def _upper_bounds():
    bounds = {}
    for node in _LATTICE:
        seen, todo = {node}, [node]
        while todo:
            for above in _LATTICE[todo.pop()]:
                if above not in seen:
                    seen.add(above)
                    todo.append(above)
        bounds[node] = frozenset(seen)
    return bounds


_UPPER = _upper_bounds()
_NARROW = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


@functools.lru_cache(maxsize=1024)
def _least_upper_bound(nodes):
    common = frozenset.intersection(*(_UPPER[n] for n in nodes))
    least = (common & nodes) or {c for c in common if common <= _UPPER[c]}
    if len(least) != 1:
        raise ConfigurationError(
            f"result_type: the dtypes {sorted(nodes)} have no implicit promotion. Cast the "
            f"operands to one dtype first (ops.cast)."
        )
    return next(iter(least))


def _weak(name):
    if name == "bool":
        return name
    if "float" in name:
        return _WEAK_FLOAT
    if "int" in name:
        return _WEAK_INT
    return "complex64"


@functools.lru_cache(maxsize=4096)
def _result(entries, floatx):
    names = [name for name, _ in entries]
    weak = [is_weak for _, is_weak in entries]
    if len(entries) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(frozenset(names)), True
    else:
        out = _least_upper_bound(frozenset(_weak(n) if w else n for n, w in entries))
        out_weak = out in (_WEAK_INT, _WEAK_FLOAT)
    if out_weak and out != "bool":
        precision = floatx[-2:]
        kind = "f" if out == "bfloat16" else out[0]
        out = {"b": "bool", "i": f"int{precision}", "u": f"uint{precision}"}.get(kind, f"float{precision}")
    return _NARROW.get(out, out)


def _entry(item):
    """``(Keras dtype name, is_weak)`` of a dtype, a Python type, a number or a tensor."""
    if item is None:
        return config.floatx(), False
    if isinstance(item, torch.dtype):
        return _NAME_OF[item], False
    dtype = getattr(item, "dtype", None)
    if dtype is not None and not isinstance(item, type):
        return standardize_dtype(dtype), False
    if item is int or item is float:
        return ("int32" if item is int else "float32"), True
    if isinstance(item, bool):
        return "bool", False
    if isinstance(item, int):
        return "int32", True
    if isinstance(item, float):
        return "float32", True
    return standardize_dtype(item), False


def result_type(*dtypes_or_values):
    """Keras's result dtype name for these dtypes, Python types (``int``, ``float``: weak),
    numbers (weak too) or tensors, as ``keras.backend.result_type`` on torch.

    ``result_type()`` is ``floatx()``; ``result_type("int8", float)`` is ``"float32"``;
    ``result_type("int8", "float16")`` is ``"float16"``.

    Raises:
        ConfigurationError: a float8 dtype (never promoted implicitly) or an unknown dtype.
    """
    if not dtypes_or_values:
        return config.floatx()
    key = (dtypes_or_values, config.floatx())
    try:
        return _BY_DTYPES[key]
    except (KeyError, TypeError):  # not seen yet, or an unhashable item
        pass
    out = _result_type(dtypes_or_values)
    if len(_BY_DTYPES) < 4096 and all(type(item) in _CACHEABLE for item in dtypes_or_values):
        _BY_DTYPES[key] = out
    return out


# ``result_type`` of dtypes (torch dtypes, names, Python types), cached: the ops' hot path
# calls it with the same few dtypes. Numbers and tensors are not cached (``True == 1 == 1.0``
# would collide; tensors would be kept alive).
_BY_DTYPES = {}
_CACHEABLE = (torch.dtype, str, type)


def _result_type(dtypes_or_values):
    entries = tuple(_entry(item) for item in dtypes_or_values)
    for name, _ in entries:
        if name.startswith("float8"):
            raise ConfigurationError(
                f"result_type: float8 dtypes are never promoted implicitly. Cast them first. "
                f"Received: {dtypes_or_values}."
            )
        if name == "string":
            raise ConfigurationError(f"result_type: 'string' has no numeric promotion. Received: {dtypes_or_values}.")
    return _result(entries, config.floatx())


def dtype_name(tensor):
    """Keras's dtype name of a torch tensor."""
    return _NAME_OF[tensor.dtype]


def is_float(dtype):
    """Whether a torch dtype is a floating-point dtype."""
    return dtype.is_floating_point


def is_int(dtype):
    """Whether a torch dtype is a (signed or unsigned) integer dtype."""
    return not dtype.is_floating_point and not dtype.is_complex and dtype is not torch.bool
