"""Keras 3 operation nodes (``keras.ops.not_equal(x, 0)``, ``x + 1``...) as weightless layers.

A Keras 3 functional model records tensor operations as graph nodes next to its layers:
``Embedding(mask_zero=True)`` feeding an ``LSTM`` saves a ``NotEqual`` node (the mask)
whose output reaches the LSTM as ``mask=``; ``x + 1`` saves an ``Add`` node. Their saved
entries name a module under ``keras.src.ops`` and Keras's class name, and their calls
hold the operands (tensors or Python numbers) as ``args``.

Loading finds such a node here by its class name, and only here (so the operation
``Add`` is never mistaken for the merge layer ``Add``): a fixed list of operations, each
a torch function, so a file cannot make lamina run code of its choosing (safe mode). The
layers save themselves back in Keras's form, so Keras reads lamina's files.

These layers are not in ``lamina.layers``; build new models with lamina's layers and
torch code inside a layer's ``call`` instead.
"""

import inspect

import torch

from lamina.errors import ConfigurationError, SavingError
from lamina.layers import symbolic
from lamina.layers.layer import _PACKED_CALL, Layer, _torch_dtype
from lamina.ops.operation import find_op, register_symbolic
from lamina.utils.tree import flatten, map_structure

KERAS_OPERATIONS_MODULE = "keras.src.ops"
_NUMPY = "keras.src.ops.numpy"
_CORE = "keras.src.ops.core"


class KerasOperation(Layer):
    """A weightless layer computing one Keras operation with a torch function.

    Called with the operation's operands (``op(x1, x2)``), any of which may be a Python
    number. Subclasses set ``_function`` (a function of the operands).
    """

    _keras_module = _NUMPY
    _function = None

    def __init__(self, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.built = True

    def __call__(self, *operands, **kwargs):
        # The first operand may be a number (``2.0 - x``): the base class would not see a
        # symbolic call there, so operations record their node themselves.
        if _PACKED_CALL not in kwargs and symbolic.is_symbolic(operands):
            return self._record_operation(operands, kwargs)
        return super().__call__(*operands, **kwargs)

    def call(self, *operands):
        """Apply the operation to the operands (tensors or numbers)."""
        return type(self)._function(*operands)

    def get_config(self):
        """Keras's config of an operation: its name (and its arguments, if any)."""
        return {"name": self.name}

    def _record_operation(self, operands, kwargs):
        kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        output = symbolic.KerasTensor(self._output_shape(operands), dtype=self._output_dtype(operands), name=self.name)
        return self._record_node(operands[0], operands[1:], kwargs, output)

    def _output_shape(self, operands):
        """The operands' shapes broadcast (element-wise operations)."""
        return _broadcast_shapes(self, operands)

    def _output_dtype(self, operands):
        """The dtype torch gives for these operands (1-element stand-ins for tensors)."""

        def stand_in(operand):
            if isinstance(operand, symbolic.KerasTensor):
                return torch.zeros((1,), dtype=operand.dtype)
            return operand

        return self.call(*(stand_in(operand) for operand in operands)).dtype


def _broadcast_shapes(layer, operands):
    shapes = [operand.shape for operand in operands if isinstance(operand, symbolic.KerasTensor)]
    rank = max(len(shape) for shape in shapes)
    aligned = [(1,) * (rank - len(shape)) + tuple(shape) for shape in shapes]
    result = []
    for axis, sizes in enumerate(zip(*aligned)):
        known = {size for size in sizes if size is not None and size != 1}
        if len(known) > 1:
            raise ConfigurationError(
                f"Operation '{layer.name}' ({type(layer).__name__}): the operand shapes "
                f"{[tuple(s) for s in shapes]} do not broadcast (axis {axis} has sizes {sorted(known)}). "
                f"Give operands of equal shapes, or sizes of 1 where one should be repeated."
            )
        result.append(known.pop() if known else (None if None in sizes else 1))
    return tuple(result)


def _as_tensors(*operands):
    """Numbers as 0-d tensors on the tensors' device (torch's logical ops take only tensors)."""
    device = next((o.device for o in operands if isinstance(o, torch.Tensor)), None)
    return [o if isinstance(o, torch.Tensor) else torch.as_tensor(o, device=device) for o in operands]


def _with_number_first(function):
    """``function`` for operands where the first may be a number (``2.0 - x``)."""

    def apply(x1, x2):
        if isinstance(x1, torch.Tensor):
            return function(x1, x2)
        return function(*_as_tensors(x1, x2))

    return apply


def _logical(function):
    return lambda *operands: function(*_as_tensors(*operands))


class Cast(KerasOperation):
    """``keras.ops.cast(x, dtype)``: ``x`` converted to ``dtype``.

    Args:
        dtype: the target dtype's name ("float32", "bool", "int32"...).
        name: the operation's name in the model.
    """

    _keras_module = _CORE
    _keras_registered_name = "Cast"

    def __init__(self, dtype, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        self._target = _torch_dtype(self.dtype)

    def call(self, x):
        """``x`` converted to the target dtype."""
        return x.to(self._target)

    def get_config(self):
        """Keras's config of ``Cast``: its name and target dtype."""
        return {"name": self.name, "dtype": self.dtype}


class _Reduction(KerasOperation):
    """A Keras reduction over ``axis`` (an int, a list, or None for all axes)."""

    _reduce = None

    def __init__(self, axis=None, keepdims=False, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.axis = axis if axis is None or isinstance(axis, int) else tuple(axis)
        self.keepdims = bool(keepdims)

    def call(self, x):
        """The reduction of ``x`` (as booleans) over ``axis``."""
        x = x.bool()
        if self.axis is None:
            out = type(self)._reduce(x)
            return out.reshape((1,) * x.dim()) if self.keepdims else out
        return type(self)._reduce(x, dim=self.axis, keepdim=self.keepdims)

    def get_config(self):
        """Keras's config: the name, axis and keepdims."""
        axis = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return {"name": self.name, "axis": axis, "keepdims": self.keepdims}

    def _output_shape(self, operands):
        """``x``'s shape without the reduced axes (or with them as 1: ``keepdims``)."""
        shape = operands[0].shape
        axes = (self.axis,) if isinstance(self.axis, int) else self.axis
        reduced = range(len(shape)) if axes is None else {a % len(shape) for a in axes}
        return tuple(1 if i in reduced else d for i, d in enumerate(shape) if self.keepdims or i not in reduced)

    def _output_dtype(self, operands):
        return torch.bool


class Any(_Reduction):
    """``keras.ops.any(x, axis, keepdims)``: whether any element over ``axis`` is true
    (Keras saves one for a ``Masking`` layer's mask)."""

    _keras_registered_name = "Any"
    _reduce = staticmethod(torch.any)


class All(_Reduction):
    """``keras.ops.all(x, axis, keepdims)``: whether every element over ``axis`` is true."""

    _keras_registered_name = "All"
    _reduce = staticmethod(torch.all)


def _operation(class_name, function, doc):
    """A ``KerasOperation`` subclass named (and saved) as Keras's class ``class_name``."""
    return type(
        class_name,
        (KerasOperation,),
        {
            "__doc__": f"Keras's ``{class_name}`` operation: {doc}.",
            "__module__": __name__,
            "_function": staticmethod(function),
            "_keras_registered_name": class_name,
        },
    )


OPERATIONS = {
    cls.__name__: cls
    for cls in [
        _operation("NotEqual", _with_number_first(torch.ne), "``x1 != x2`` element-wise"),
        _operation("Equal", _with_number_first(torch.eq), "``x1 == x2`` element-wise"),
        _operation("Greater", _with_number_first(torch.gt), "``x1 > x2`` element-wise"),
        _operation("GreaterEqual", _with_number_first(torch.ge), "``x1 >= x2`` element-wise"),
        _operation("Less", _with_number_first(torch.lt), "``x1 < x2`` element-wise"),
        _operation("LessEqual", _with_number_first(torch.le), "``x1 <= x2`` element-wise"),
        _operation("LogicalAnd", _logical(torch.logical_and), "``x1 and x2`` element-wise"),
        _operation("LogicalOr", _logical(torch.logical_or), "``x1 or x2`` element-wise"),
        _operation("LogicalNot", _logical(torch.logical_not), "``not x`` element-wise"),
        _operation("Add", _with_number_first(torch.add), "``x1 + x2``"),
        _operation("Subtract", _with_number_first(torch.sub), "``x1 - x2``"),
        _operation("Multiply", _with_number_first(torch.mul), "``x1 * x2``"),
        _operation("Divide", _with_number_first(torch.true_divide), "``x1 / x2`` (true division)"),
        _operation("TrueDivide", _with_number_first(torch.true_divide), "``x1 / x2`` (true division)"),
        Cast,
        Any,
        All,
    ]
}


def is_keras_operation_module(module):
    """Whether a saved entry's ``module`` names a Keras operation (``keras.src.ops...``)."""
    return isinstance(module, str) and (module == KERAS_OPERATIONS_MODULE or module.startswith(KERAS_OPERATIONS_MODULE + "."))


def operation_class(class_name, module):
    """The layer computing the Keras operation ``class_name`` saved from ``module``.

    Raises:
        SavingError: lamina does not compute that operation.
    """
    spec = find_op(class_name, module)
    if spec is not None:
        return spec_operation_class(spec)
    cls = OPERATIONS.get(class_name)
    if cls is None:
        raise SavingError(
            f"The saved model uses the Keras operation {class_name!r} (module {module!r}), which "
            f"lamina cannot rebuild. Supported operations: {', '.join(sorted(OPERATIONS))}. Build "
            f"the model without it (put the computation inside a custom layer), or pass "
            f"custom_objects={{{class_name!r}: YourLayer}} with a lamina layer that computes it."
        )
    return cls


class SpecOperation(KerasOperation):
    """A node of a ``lamina.ops`` function (``ops.mean(x, axis=1)`` on a symbolic tensor):
    its config is the op's non-tensor arguments, its call the eager function."""

    _spec = None

    def __init__(self, name=None, **config):
        super().__init__(name=name)
        self._config = config

    def call(self, *operands):
        """The op's eager function on real operands."""
        return self._spec.compute(operands, self._config)

    def get_config(self):
        """Keras's config of the operation: its name and its non-tensor arguments."""
        return {"name": self.name, **self._config}

    def _output_shape(self, operands):
        return self._output_spec(operands)[0]

    def _output_dtype(self, operands):
        return self._output_spec(operands)[1]

    def _output_spec(self, operands):
        """Shape and dtype found by running the function on zeros: twice, with two sizes for
        unknown axes, so an output axis that changes with them is unknown too."""
        runs = [self._stand_in_run(operands, size) for size in (2, 3)]
        return _unknown_where_different(*(_shapes_of(out) for out in runs)), _dtypes_of(runs[0])

    def _stand_in_run(self, operands, size):
        def stand_in(value):
            if isinstance(value, symbolic.KerasTensor):
                return torch.zeros([size if d is None else d for d in value.shape], dtype=value.dtype)
            return value

        with torch.no_grad():
            return self.call(*map_structure(stand_in, list(operands)))


def _shapes_of(output):
    return map_structure(lambda t: tuple(t.shape), output)


def _dtypes_of(output):
    flat = flatten(output)
    return flat[0].dtype if len(flat) == 1 else [t.dtype for t in flat]


def _unknown_where_different(first, second):
    if isinstance(first, tuple) and all(isinstance(d, int) for d in first):
        return tuple(a if a == b else None for a, b in zip(first, second))
    return type(first)(_unknown_where_different(a, b) for a, b in zip(first, second))


_SPEC_CLASSES = {}


def spec_operation_class(spec):
    """The ``SpecOperation`` subclass saved as Keras's ``spec.class_name``."""
    cls = _SPEC_CLASSES.get((spec.family, spec.class_name))
    if cls is None:

        def __init__(self, name=None, **config):  # noqa: N807
            SpecOperation.__init__(self, name=name, **config)

        parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        parameters += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None) for n in ("name", *spec.config_names)]
        __init__.__signature__ = inspect.Signature(parameters)  # what a saved config may set
        cls = type(spec.class_name, (SpecOperation,), {
            "__doc__": f"Keras's ``{spec.class_name}`` operation (``lamina.ops``).",
            "__module__": __name__,
            "__init__": __init__,
            "_spec": spec,
            "_keras_module": spec.module,
            "_keras_registered_name": spec.class_name,
        })
        _SPEC_CLASSES[(spec.family, spec.class_name)] = cls
    return cls


def _record_spec(spec, operands, config):
    return spec_operation_class(spec)(**config)(*operands)


register_symbolic(symbolic.KerasTensor, _record_spec)
