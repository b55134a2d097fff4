"""Keras's Variable API on the tensors lamina keeps weights in.

A trainable weight is a ``Variable``: an ``nn.Parameter`` subclass, so a module registers
it, optimizers update it, ``state_dict()``/``.to()``/DDP/``torch.compile`` treat it as any
parameter. A non-trainable weight (BatchNorm statistics, metric state, a SeedGenerator's
state) is a ``NonTrainableVariable``: a plain-tensor subclass kept as a registered buffer.
Both carry Keras's API (``value``, ``assign``, ``assign_add``, ``assign_sub``, ``numpy``,
``name``, ``path``, ``trainable``) and keep ``__torch_function__`` disabled, as
``nn.Parameter`` does, so a torch op on them costs what it costs on a plain tensor and
returns a plain tensor.

``dtype`` stays a ``torch.dtype`` (Keras gives a name such as ``"float32"``): torch code
reads ``.dtype`` of parameters everywhere and compares it with torch dtypes.
``lamina.backend.standardize_dtype(v.dtype)`` gives Keras's name.
"""

import copy

import numpy as np
import torch
from torch import nn

from lamina import initializers
from lamina.backend.device import get_device
from lamina.backend.dtypes import standardize_dtype, to_torch_dtype
from lamina.backend.name_scope import scoped
from lamina.errors import InputError, describe
from lamina.variables.stateless_scope import _active as _stateless_scopes

_NO_TORCH_FUNCTION = nn.Parameter.__dict__["__torch_function__"]


class _VariableAPI:
    """The methods and properties Keras's ``Variable`` has, for both kinds of weight."""

    @property
    def value(self):
        """The tensor itself (``v.value.grad`` is the gradient after ``backward``).

        Inside a ``StatelessScope`` it is the value the scope maps the variable to, if any.
        """
        if _stateless_scopes:
            mapped = _stateless_scopes[-1].get_current_value(self)
            if mapped is not None:
                return mapped
        return self

    @property
    def name(self):
        """The weight's own name, e.g. ``"kernel"``."""
        return self.__dict__.get("_variable_name", "variable")

    @property
    def path(self):
        """``"layer_name/weight_name"`` for a layer's weight (Keras's ``Variable.path``)."""
        return self.__dict__.get("_variable_path") or self.name

    @property
    def trainable(self):
        """Whether training updates this variable (``requires_grad`` for a parameter)."""
        return self.requires_grad

    @trainable.setter
    def trainable(self, value):
        if value and not isinstance(self, nn.Parameter):
            raise InputError(
                f"Variable '{self.path}' is a non-trainable weight (a buffer) and cannot become "
                "trainable. Create it with trainable=True (add_weight(..., trainable=True))."
            )
        self.requires_grad_(bool(value))

    def assign(self, value):
        """Overwrite the value in place (no gradient recorded); returns the variable."""
        value = self._as_value(value, "assign")
        if _stateless_scopes:
            _stateless_scopes[-1].add_update((self, value))
            return self
        with torch.no_grad():
            self.copy_(value)
        return self

    def assign_add(self, value):
        """Add ``value`` in place (no gradient recorded); returns the variable."""
        value = self._as_value(value, "assign_add")
        if _stateless_scopes:
            _stateless_scopes[-1].add_update((self, self.value + value))
            return self
        with torch.no_grad():
            self.add_(value)
        return self

    def assign_sub(self, value):
        """Subtract ``value`` in place (no gradient recorded); returns the variable."""
        value = self._as_value(value, "assign_sub")
        if _stateless_scopes:
            _stateless_scopes[-1].add_update((self, self.value - value))
            return self
        with torch.no_grad():
            self.sub_(value)
        return self

    def numpy(self, *, force=False):
        """A NumPy copy of the value (detached, on the host), for trainable weights too."""
        return self.detach().cpu().numpy()

    def _as_value(self, value, method):
        value = torch.as_tensor(np.asarray(value) if isinstance(value, (list, tuple)) else value)
        if value.shape != self.shape:
            raise InputError(
                f"Variable '{self.path}'.{method}: the value's shape must match the variable's "
                f"shape {tuple(self.shape)}. Received: {describe(value)}. Pass a value of the "
                "variable's shape."
            )
        return value.to(device=self.device, dtype=self.dtype)

    def __repr__(self):
        value = self.detach().cpu()
        value = value.float() if value.dtype == torch.bfloat16 else value
        return (
            f"<Variable path={self.path}, shape={tuple(self.shape)}, "
            f"dtype={standardize_dtype(self.dtype)}, value={value.numpy()}>"
        )

    def _named(self, name, path):
        self._variable_name = name
        self._variable_path = path
        return self

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        data = self.detach().clone(memory_format=torch.preserve_format)
        result = _wrap(type(self), data, self.requires_grad)
        memo[id(self)] = result
        result.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return result

    def __reduce_ex__(self, protocol):
        return (_rebuild, (type(self), self.detach(), self.requires_grad, dict(self.__dict__)))


class _VariableMeta(type(nn.Parameter)):
    """Makes ``isinstance(buffer_weight, lamina.Variable)`` true as in Keras (not ``nn.Parameter``)."""

    def __instancecheck__(cls, instance):
        if cls is Variable and isinstance(instance, _VariableAPI):
            return True
        return super().__instancecheck__(instance)


class Variable(_VariableAPI, nn.Parameter, metaclass=_VariableMeta):
    """A weight with Keras's Variable API that stays a ``torch.nn.Parameter``.

    ``lamina.Variable(initializer, shape=None, dtype=None, trainable=True, name=None)``
    makes one on its own, as ``keras.Variable``: ``initializer`` is an initializer
    (name, object or callable ``(shape, dtype)``) or a value (array, tensor, number).
    With ``trainable=False`` the result is a ``NonTrainableVariable`` (a plain tensor,
    registered as a buffer when set on a layer); ``isinstance(v, lamina.Variable)`` is
    true for both.

    Args:
        initializer: initializer or initial value.
        shape: the shape (needed with an initializer; read from a value otherwise).
        dtype: dtype name or torch dtype (default: ``floatx()`` for an initializer, the
            value's dtype for a value).
        trainable: whether training updates it.
        autocast, aggregation, synchronization: accepted for Keras compatibility (no
            effect on torch).
        name: the variable's name (default ``"variable"``).

    Example:
        ```python
        v = lamina.Variable("zeros", shape=(2, 3), name="acc")
        v.assign_add(np.ones((2, 3)))
        v.numpy()
        ```
    """

    __torch_function__ = _NO_TORCH_FUNCTION

    def __new__(
        cls,
        initializer=None,
        shape=None,
        dtype=None,
        trainable=True,
        autocast=True,
        aggregation="none",
        synchronization="auto",
        name=None,
    ):
        if isinstance(initializer, torch.Tensor) and isinstance(shape, bool):
            # torch's own ``type(param)(data, requires_grad)`` (deepcopy, module utilities).
            return _wrap(cls, initializer, shape)
        value = _initial_value(initializer, shape, dtype)
        name = name or "variable"
        if trainable:
            return _wrap(cls, value, True)._named(name, scoped(name))
        return _wrap(NonTrainableVariable, value, False)._named(name, scoped(name))



class NonTrainableVariable(_VariableAPI, torch.Tensor):
    """A non-trainable weight (a registered buffer) with Keras's Variable API.

    Ops on it return plain tensors; ``isinstance(v, lamina.Variable)`` is true.
    """

    __torch_function__ = _NO_TORCH_FUNCTION



def _wrap(cls, tensor, requires_grad):
    if issubclass(cls, nn.Parameter):
        return nn.Parameter.__new__(cls, tensor.detach(), requires_grad)
    return tensor.detach().as_subclass(cls)


def _rebuild(cls, data, requires_grad, state):
    result = _wrap(cls, data, requires_grad)
    result.__dict__.update(state)
    return result


def _initial_value(initializer, shape, dtype):
    if isinstance(initializer, (str, dict, initializers.Initializer)) or (
        callable(initializer) and not isinstance(initializer, torch.Tensor)
    ):
        if shape is None:
            raise InputError(
                f"Variable: an initializer needs a shape. Received: initializer={initializer!r}, "
                "shape=None. Pass shape=(...), or pass an initial value instead of an initializer."
            )
        dtype = to_torch_dtype(dtype)
        init = initializers.get(initializer) if isinstance(initializer, (str, dict)) else initializer
        value = torch.as_tensor(init(tuple(int(d) for d in shape), dtype=dtype))
    else:
        value = _value_of(initializer)
        if dtype is not None:
            value = value.to(to_torch_dtype(dtype))
        if shape is not None and tuple(value.shape) != tuple(shape):
            raise InputError(
                f"Variable: the initial value's shape {tuple(value.shape)} does not match "
                f"shape={tuple(shape)}. Pass a value of that shape, or leave shape=None."
            )
    return value.to(get_device()).clone()


def _value_of(data):
    """A tensor of ``data``; Python numbers and lists give int32/float32 as in Keras."""
    if isinstance(data, (torch.Tensor, np.ndarray, np.generic)):
        return torch.as_tensor(data)
    value = torch.as_tensor(np.asarray(data))
    python_dtypes = {torch.int64: torch.int32, torch.float64: torch.float32, torch.complex128: torch.complex64}
    return value.to(python_dtypes.get(value.dtype, value.dtype))


def as_variable(tensor, name, path, parameter, requires_grad=True):
    """``tensor`` (same storage) as a named ``Variable`` (``parameter``) or ``NonTrainableVariable``."""
    if parameter:
        return _wrap(Variable, tensor, requires_grad)._named(name, path)
    return _wrap(NonTrainableVariable, tensor, False)._named(name, path)


def rewrap(tensor, like):
    """``tensor`` with ``like``'s variable class and names (after ``.to()`` made a plain copy)."""
    if type(tensor) is type(like) or not isinstance(like, _VariableAPI):
        return tensor
    result = _wrap(type(like), tensor, tensor.requires_grad)
    result.__dict__.update(like.__dict__)
    return result
