"""Keras 3 operation nodes (``keras.ops.not_equal(x, 0)``, ``x + 1``...) as weightless layers.

A Keras 3 functional model records tensor operations as graph nodes next to its layers:
``Embedding(mask_zero=True)`` feeding an ``LSTM`` saves a ``NotEqual`` node (the mask)
whose output reaches the LSTM as ``mask=``; ``x + 1`` saves an ``Add`` node. Their saved
entries name a module under ``keras.src.ops`` and Keras's class name, and their calls
hold the operands (tensors or Python numbers) as ``args``.

Each node is a ``SpecOperation`` built from the ``lamina.ops`` function of that Keras class
(``ops.not_equal`` for ``NotEqual``): one definition per operation, whether the node was
recorded by calling the function or an operator on a symbolic tensor, or loaded from a
file. Loading finds such a node here by its module and class name, and only here (so the
operation ``Add`` is never mistaken for the merge layer ``Add``), among the functions of
``lamina.ops`` only, so a file cannot make lamina run code of its choosing (safe mode).
The nodes save themselves back in Keras's form, so Keras reads lamina's files.
A user's ``lamina.ops.Operation`` subclass called on symbolic tensors becomes an
``OperationNode``.
"""

import inspect

import torch

from lamina.errors import ConfigurationError, SavingError
from lamina.layers import symbolic
from lamina.layers.layer import _PACKED_CALL, Layer
from lamina.ops.operation import OPS, find_op, register_symbolic
from lamina.serialization import registry
from lamina.tree.nested import flatten, map_structure, pack_like

KERAS_OPERATIONS_MODULE = "keras.src.ops"
_NUMPY = "keras.src.ops.numpy"


class KerasOperation(Layer):
    """A weightless layer computing one Keras operation with a torch function.

    Called with the operation's operands (``op(x1, x2)``), any of which may be a Python
    number. Subclasses define ``call`` and ``_output_shape`` / ``_output_dtype`` (the
    symbolic output of ``operands``).
    """

    _keras_module = _NUMPY

    def __init__(self, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.built = True

    def __call__(self, *operands, **kwargs):
        # The first operand may be a number (``2.0 - x``): the base class would not see a
        # symbolic call there, so operations record their node themselves.
        if _PACKED_CALL not in kwargs and symbolic.is_symbolic(operands):
            return self._record_operation(operands, kwargs)
        return super().__call__(*operands, **kwargs)

    def get_config(self):
        """Keras's config of an operation: its name (and its arguments, if any)."""
        return {"name": self.name}

    def _record_operation(self, operands, kwargs):
        kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        output = symbolic.KerasTensor(self._output_shape(operands), dtype=self._output_dtype(operands), name=self.name)
        return self._record_node(operands[0], operands[1:], kwargs, output)


def is_keras_operation_module(module):
    """Whether a saved entry's ``module`` names a Keras operation (``keras.src.ops...``)."""
    return isinstance(module, str) and (module == KERAS_OPERATIONS_MODULE or module.startswith(KERAS_OPERATIONS_MODULE + "."))


def operation_class(class_name, module):
    """The layer computing the Keras operation ``class_name`` saved from ``module``.

    Raises:
        SavingError: lamina does not compute that operation.
    """
    spec = find_op(class_name, module)
    if spec is None:
        family = module.rsplit(".", 1)[-1] if isinstance(module, str) else ""
        known = sorted(name for fam, name in OPS if fam == family)
        listed = ", ".join(known[:12]) + (f"... ({len(known)} in all)" if len(known) > 12 else "")
        raise SavingError(
            f"The saved model uses the Keras operation {class_name!r} (module {module!r}), which "
            f"lamina cannot rebuild: no lamina.ops function is Keras's {class_name!r}. Supported "
            f"operations of {module!r}: {listed or 'none'}. Build the model without it (put the "
            f"computation inside a custom layer), or pass custom_objects={{{class_name!r}: YourLayer}} "
            f"with a lamina layer that computes it."
        )
    return spec_operation_class(spec)


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
        return {"name": self.name, **{k: _dtype_as_name(v) for k, v in self._config.items()}}

    def _record_operation(self, operands, kwargs):
        """One node whatever the function returns: a function of several results (``top_k``,
        ``moments``, ``svd``...) gives the node several outputs, as Keras's node has (its
        ``keras_history`` indexes them)."""
        structure, other = self._stand_in_runs(operands)
        outputs = [
            symbolic.KerasTensor(_unknown_where_different(tuple(a.shape), tuple(b.shape)), dtype=a.dtype, name=self.name)
            for a, b in zip(flatten(structure), flatten(other))
        ]
        kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        return self._record_node(operands[0], operands[1:], kwargs, pack_like(structure, outputs))

    def _output_shape(self, operands):
        return self._output_spec(operands)[0]

    def _output_dtype(self, operands):
        return self._output_spec(operands)[1]

    def _output_spec(self, operands):
        runs = self._stand_in_runs(operands)
        return _unknown_where_different(*(_shapes_of(out) for out in runs)), _dtypes_of(runs[0])

    def _stand_in_runs(self, operands):
        """The function's outputs on zeros standing in for the symbolic operands: twice, with
        sizes 2 and 3 for unknown axes, so an output axis that changes with them is unknown too.

        Each stand-in is one zero broadcast to the operand's shape (no memory of its own, so
        ``x + y`` on big feature maps only writes its output); a function that cannot take
        such a tensor (it writes into it, or ``view``s it) runs on full-size zeros instead."""
        try:
            return [self._stand_in_run(operands, size, broadcast=True) for size in (2, 3)]
        except Exception:  # the full-size zeros below answer, or raise the error
            pass
        try:
            return [self._stand_in_run(operands, size, broadcast=False) for size in (2, 3)]
        except Exception as error:
            raise _operand_error(self, operands, error) from error

    def _stand_in_run(self, operands, size, broadcast):
        def stand_in(value):
            if not isinstance(value, symbolic.KerasTensor):
                return value
            shape = [size if d is None else d for d in value.shape]
            if broadcast:
                return torch.zeros((), dtype=value.dtype).expand(shape)
            return torch.zeros(shape, dtype=value.dtype)

        with torch.no_grad():
            return self.call(*map_structure(stand_in, list(operands)))


class GetItemOperation(SpecOperation):
    """``x[key]``: a key saved as a list (Keras writes a tuple key as a JSON list) indexes as
    the tuple it was."""

    def call(self, x, key):
        """``x[key]``, a list key read as a tuple."""
        return self._spec.compute([x, tuple(key) if isinstance(key, list) else key], self._config)


_NODE_BASES = {"GetItem": GetItemOperation}


def _dtype_as_name(value):
    return str(value).replace("torch.", "") if isinstance(value, torch.dtype) else value


def _operand_error(layer, operands, error):
    shapes = [tuple(o.shape) for o in operands if isinstance(o, symbolic.KerasTensor)]
    known = [tuple(1 if d is None else d for d in shape) for shape in shapes]
    try:
        torch.broadcast_shapes(*known)
    except RuntimeError:
        return ConfigurationError(
            f"Operation '{layer.name}' ({type(layer).__name__}): the operand shapes {shapes} do not "
            f"broadcast. Give operands of equal shapes, or sizes of 1 where one should be repeated."
        )
    return ConfigurationError(
        f"Operation '{layer.name}' ({type(layer).__name__}) cannot take these operands: {error} "
        f"Received: symbolic operands of shapes {shapes} and config {layer._config}."
    )


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
        cls = type(spec.class_name, (_NODE_BASES.get(spec.class_name, SpecOperation),), {
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


class OperationNode(KerasOperation):
    """A node of a user's ``lamina.ops.Operation`` called on symbolic tensors: it runs the
    operation's ``call``; its output spec is the operation's ``compute_output_spec``."""

    def __init__(self, operation, call_kwargs=None, **kwargs):
        super().__init__(name=operation.name, **kwargs)
        self.operation = operation
        self._call_kwargs = dict(call_kwargs or {})
        self._keras_registered_name = type(operation).__name__

    def call(self, *operands):
        """The operation's ``call`` on real operands."""
        return self.operation.call(*operands, **self._call_kwargs)

    def get_config(self):
        """The operation's own config."""
        return self.operation.get_config()

    def _record_operation(self, operands, kwargs):
        spec = self.operation.compute_output_spec(*operands, **self._call_kwargs)
        output = map_structure(lambda t: symbolic.KerasTensor(t.shape, dtype=t.dtype, name=self.name), spec)
        return self._record_node(operands[0], operands[1:], {}, output)


_NODE_CLASSES = {}


def _record_operation(operation, args, kwargs):
    cls = _NODE_CLASSES.get(type(operation))
    if cls is None:  # named as the operation's class, as Keras lists it in summary()
        cls = _NODE_CLASSES[type(operation)] = type(type(operation).__name__, (OperationNode,), {
            "__doc__": OperationNode.__doc__, "__module__": __name__})
    return cls(operation, kwargs)(*args)


register_symbolic(symbolic.KerasTensor, _record_spec, _record_operation)
registry.register_operations(is_keras_operation_module, operation_class)
