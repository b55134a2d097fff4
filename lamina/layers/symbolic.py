"""Symbolic tensors: the placeholders a functional graph is built from.

Calling a layer on a ``KerasTensor`` builds the layer from the placeholder's shape,
works out the output shape, and records a ``Node`` (layer, input placeholders, output
placeholders). A functional ``Model`` later replays those nodes in order on real data.
Python operators (``x + 1``, ``x[:, 0]``, ``-x``...) record Keras's operation nodes
through the ``lamina.ops`` functions, as Keras's ``KerasTensor`` does.
"""

import numpy as np
import torch

from lamina.backend.keras_tensor import register_keras_tensor_type
from lamina.ops import numpy as ops_numpy
from lamina.ops.dtypes import to_torch_dtype
from lamina.tree.nested import flatten, map_structure


class _StringDType:
    """The dtype of a symbolic string tensor (``lamina.Input(dtype="string")``).

    Strings are not torch tensors: they stay on the host (NumPy arrays, lists) and only
    preprocessing layers (``TextVectorization``, ``StringLookup``, ``Hashing``...) read
    them. This stands in for a torch dtype on symbolic tensors and compares equal to
    ``"string"``.
    """

    is_floating_point = False
    is_complex = False
    is_signed = False
    itemsize = 0

    def __eq__(self, other):
        return other is self or other == "string"

    def __hash__(self):
        return hash("string")

    def __repr__(self):
        return "string"

    __str__ = __repr__


STRING = _StringDType()


class KerasTensor:
    """A symbolic tensor of the functional API: shape (``None`` for unknown sizes, batch
    first), dtype and the node that made it.

    ``dtype`` is a torch dtype (``torch.float32``); a name such as ``"float32"`` is accepted
    and converted. Python operators and ``[...]`` on it record Keras's operation nodes
    (``Add``, ``GetItem``...), saved in ``.keras`` files as Keras saves them.

    Args:
        shape: The shape, ``None`` for unknown sizes.
        dtype: A torch dtype or a dtype name.
        name: An optional name.
    """

    def __init__(self, shape, dtype=torch.float32, name=None, node=None, index=0):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        if isinstance(dtype, _StringDType) or dtype == "string":
            self.dtype = STRING
        else:
            self.dtype = dtype if isinstance(dtype, torch.dtype) else _torch_dtype(dtype)
        self.name = name
        self.node = node
        self.index = index

    @property
    def ndim(self):
        """Number of axes, batch axis included."""
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __bool__(self):
        raise TypeError(
            "A symbolic tensor (from Input or a layer called on one) has no value, so it cannot be "
            "used in an `if` or a Python condition. Put data-dependent logic inside a layer's `call`."
        )

    def reshape(self, newshape):
        """``ops.reshape(self, newshape)``."""
        return _ops().reshape(self, newshape)

    def squeeze(self, axis=None):
        """``ops.squeeze(self, axis)``."""
        return _ops().squeeze(self, axis)

    # Keras defines ``!=`` but not ``==``: ``==`` stays identity, so tensors can be looked up.
    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().subtract(self, other)

    def __rsub__(self, other):
        return _ops().subtract(other, self)

    def __mul__(self, other):
        return _ops().multiply(self, other)

    def __rmul__(self, other):
        return _ops().multiply(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __truediv__(self, other):
        return _ops().true_divide(self, other)

    def __rtruediv__(self, other):
        return _ops().true_divide(other, self)

    def __floordiv__(self, other):
        return _ops().floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops().floor_divide(other, self)

    def __mod__(self, other):
        return _ops().mod(self, other)

    def __rmod__(self, other):
        return _ops().mod(other, self)

    def __pow__(self, other):
        return _ops().power(self, other)

    def __rpow__(self, other):
        return _ops().power(other, self)

    def __neg__(self):
        return _ops().negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops().absolute(self)

    def __lt__(self, other):
        return _ops().less(self, other)

    def __le__(self, other):
        return _ops().less_equal(self, other)

    def __gt__(self, other):
        return _ops().greater(self, other)

    def __ge__(self, other):
        return _ops().greater_equal(self, other)

    def __ne__(self, other):
        return _ops().not_equal(self, other)

    def __and__(self, other):
        return _ops().logical_and(self, other)

    def __rand__(self, other):
        return _ops().logical_and(other, self)

    def __or__(self, other):
        return _ops().logical_or(self, other)

    def __ror__(self, other):
        return _ops().logical_or(other, self)

    def __xor__(self, other):
        return _ops().logical_xor(self, other)

    def __rxor__(self, other):
        return _ops().logical_xor(other, self)

    def __invert__(self):
        return _ops().logical_not(self)

    def __getitem__(self, key):
        return _ops().get_item(self, key)

    def __round__(self, ndigits=None):
        return _ops().round(self, decimals=ndigits or 0)

    __hash__ = object.__hash__


def _ops():
    # Python operators on a KerasTensor record the ``lamina.ops`` op (the floor below).
    return ops_numpy


def _torch_dtype(name):
    return to_torch_dtype(name)


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic tensor of the functional API (``lamina.KerasTensor``).

    Args:
        x: Any value.

    Returns:
        True for a ``KerasTensor`` (from ``lamina.Input`` or a layer or op called on one).
    """
    return isinstance(x, KerasTensor)


register_keras_tensor_type(KerasTensor)


class Node:
    """One call of ``layer`` on symbolic ``inputs`` that produced symbolic ``outputs``."""

    def __init__(self, layer, inputs, outputs, call_kwargs):
        self.layer = layer
        self.inputs = inputs
        self.outputs = outputs
        self.call_kwargs = call_kwargs
        self.input_tensors = [t for t in flatten(inputs) if isinstance(t, KerasTensor)]
        self.output_tensors = flatten(outputs)

    @property
    def parents(self):
        return [t.node for t in self.input_tensors if t.node is not None]


def is_symbolic(structure):
    return any(isinstance(t, KerasTensor) for t in flatten(structure))


def shape_of(structure):
    return map_structure(lambda t: tuple(t.shape), structure)


def placeholder_values(structure, device, batch_size=2):
    """Real zero tensors standing in for placeholders (unknown sizes become ``batch_size``)."""

    def make(t):
        if not isinstance(t, KerasTensor):
            return t
        shape = [batch_size if d is None else d for d in t.shape]
        if t.dtype is STRING:  # strings stay on the host
            return np.full(shape, "", dtype=object)
        if t.dtype == torch.bool:  # masks: every position kept
            return torch.ones(shape, dtype=torch.bool, device=device)
        return torch.zeros(shape, dtype=t.dtype, device=device)

    return map_structure(make, structure)
