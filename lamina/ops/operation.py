"""How a function of ``lamina.ops`` becomes a Keras operation.

Each op is a plain eager function on torch tensors, declared with ``keras_op``: its Keras
class name (``"Mean"``), its family (``"numpy"``, ``"nn"``, ``"core"``, ``"linalg"``,
``"math"``, ``"image"``: Keras saves the node under ``keras.src.ops.<family>``) and which
of its parameters are operands (tensors, passed to the node's call); the others are the
node's config, as Keras's ``Mean(axis, keepdims)``.

Called on tensors, NumPy arrays or numbers, an op runs its function at once. Called with a
symbolic tensor among its operands (inside a functional model being built), it records an
operation node instead. The floor above (``lamina.layers``) registers how: the symbolic
tensor class and the recorder (``register_symbolic``), so this floor imports nothing above it.
"""

import functools
import inspect

from torch import Tensor

from lamina.backend.naming import to_snake_case, unique_name

OPS = {}
"""``{(family, class_name): OpSpec}``: every op lamina computes, for loading saved nodes."""

_symbolic = {"tensor_type": None, "record": None, "record_operation": None}


class OpSpec:
    """What a saved or recorded operation node needs: the function, its operand names and
    its config names (the function's other parameters), in the function's order."""

    def __init__(self, function, class_name, family, operands):
        self.function = function
        self.class_name = class_name
        self.family = family
        self.module = f"keras.src.ops.{family}"
        parameters = inspect.signature(function).parameters
        self.operands = tuple(operands) if operands is not None else (next(iter(parameters)),)
        unknown = [name for name in self.operands if name not in parameters]
        if unknown:
            raise TypeError(f"keras_op({class_name!r}): operands {unknown} are not parameters of {function.__name__}")
        self.config_names = tuple(
            name for name, p in parameters.items() if name not in self.operands and p.kind is not p.VAR_KEYWORD
        )
        self.signature = inspect.signature(function)
        self._plain = all(p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in parameters.values())

    def split(self, args, kwargs):
        """``(operands, config)`` of one call, defaults filled in."""
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = bound.arguments
        return [arguments[name] for name in self.operands], {name: arguments[name] for name in self.config_names}

    def compute(self, operands, config):
        """The eager result for ``operands`` (in ``self.operands`` order) and ``config``."""
        if self._plain:
            return self.function(**dict(zip(self.operands, operands)), **config)
        values = dict(zip(self.operands, operands))
        args, kwargs = [], {}
        for name, parameter in self.signature.parameters.items():
            value = values[name] if name in values else config.get(name, parameter.default)
            if parameter.kind is parameter.VAR_POSITIONAL:
                args.extend(value)
            elif parameter.kind is parameter.KEYWORD_ONLY:
                kwargs[name] = value
            elif parameter.kind is not parameter.VAR_KEYWORD:
                args.append(value)
        return self.function(*args, **kwargs)


def keras_op(class_name, family="numpy", operands=None, eager=None):
    """Declare ``function`` as Keras's operation ``class_name`` of ``keras.src.ops.<family>``.

    ``operands`` names the parameters that are tensors (default: the first parameter).
    ``eager``, if given, is called instead of ``function`` when the (one or two) operands
    are torch tensors passed by position and nothing else is: a torch function that
    computes exactly what ``function`` would there (``torch.relu`` for ``relu``), saving
    the Python frames of the general path.
    """

    def declare(function):
        spec = OpSpec(function, class_name, family, operands)
        OPS[(family, class_name)] = spec
        operand_positions = tuple(i for i, name in enumerate(spec.signature.parameters) if name in spec.operands)
        if any(p.kind is p.VAR_POSITIONAL for p in spec.signature.parameters.values()):
            operand_positions = ()  # every positional argument may be an operand: the generic check

        fast = operand_positions[:2] if 0 < len(operand_positions) <= 2 else None
        operand_names = frozenset(spec.operands)
        first, last = (fast[0], fast[-1]) if fast else (0, 0)
        direct = function if eager is None else eager

        @functools.wraps(function)
        def op(*args, **kwargs):
            # The common eager case first: the operands are torch tensors, passed by position.
            if fast and len(args) > last and isinstance(args[first], Tensor) and isinstance(args[last], Tensor):
                if not kwargs:
                    return direct(*args)
                if eager is None and operand_names.isdisjoint(kwargs):
                    for value in kwargs.values():  # plain settings (numbers, names) cannot be symbolic
                        if type(value) not in _SETTING_TYPES and not _settings_sequence(value):
                            break
                    else:
                        return function(*args, **kwargs)  # ops.mean(x, axis=1)
            tensor_type = _symbolic["tensor_type"]
            if tensor_type is not None and _has_symbolic(args, kwargs, tensor_type, operand_positions):
                operand_values, config = spec.split(args, kwargs)
                return _symbolic["record"](spec, operand_values, config)
            return function(*args, **kwargs)

        op.spec = spec
        return op

    return declare


_SETTING_TYPES = frozenset((int, float, bool, str, type(None)))


def _settings_sequence(value):
    """Whether ``value`` is a tuple or list of plain settings (``axis=(1, 2)``)."""
    kind = type(value)
    return (kind is tuple or kind is list) and all(type(item) in _SETTING_TYPES for item in value)


def _has_symbolic(args, kwargs, tensor_type, positions):
    if not positions:
        return any(_contains(value, tensor_type) for value in args) or any(
            _contains(value, tensor_type) for value in kwargs.values()
        )
    for position in positions:
        if position < len(args) and _contains(args[position], tensor_type):
            return True
    return any(_contains(value, tensor_type) for value in kwargs.values()) if kwargs else False


def _contains(value, tensor_type):
    if isinstance(value, tensor_type):
        return True
    if type(value) in (list, tuple):
        return any(_contains(item, tensor_type) for item in value)
    return False


def register_symbolic(tensor_type, record, record_operation=None):
    """Called once by ``lamina.layers``: ``record(spec, operands, config)`` makes the node
    for a call whose operands hold a ``tensor_type`` (the functional API's symbolic tensor);
    ``record_operation(operation, args, kwargs)`` the node of an ``Operation`` instance."""
    _symbolic["tensor_type"] = tensor_type
    _symbolic["record"] = record
    _symbolic["record_operation"] = record_operation


class Operation:
    """Keras's base class of an operation: subclass it, define ``call`` (torch code or
    ``lamina.ops`` calls) and, optionally, ``compute_output_spec``.

    Called on tensors, an operation runs ``call`` at once. Called on symbolic tensors (a
    functional model being built), it records a node of the graph, whose output shape and
    dtype come from ``compute_output_spec`` (by default: ``call`` run on zeros, twice, with
    two sizes for unknown axes).

    Args:
        name: The operation's name in a model (default: its class name in snake case).

    Example:
        ```python
        class Scale(lamina.Operation):
            def call(self, x):
                return x * 2.0

            def compute_output_spec(self, x):
                return lamina.KerasTensor(x.shape, dtype=x.dtype)
        ```
    """

    def __init__(self, name=None):
        self.name = name or unique_name(to_snake_case(type(self).__name__))

    def __call__(self, *args, **kwargs):
        """``call`` on tensors; a graph node on symbolic tensors."""
        tensor_type = _symbolic["tensor_type"]
        if tensor_type is not None and _has_symbolic(args, kwargs, tensor_type, ()):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def symbolic_call(self, *args, **kwargs):
        """Record this operation's node on symbolic tensors and return its symbolic output."""
        return _symbolic["record_operation"](self, args, kwargs)

    def call(self, *args, **kwargs):
        """The computation on real tensors: define it in a subclass."""
        raise NotImplementedError(f"Operation '{self.name}' ({type(self).__name__}) defines no `call`. Define `call(self, ...)`.")

    def compute_output_spec(self, *args, **kwargs):
        """The symbolic output (shape and dtype) for symbolic ``args``.

        Returns:
            A ``lamina.KerasTensor`` or a structure of them.
        """
        import torch  # noqa: PLC0415

        tensor_type = _symbolic["tensor_type"]

        def run(size):
            def stand_in(value):
                if isinstance(value, tensor_type):
                    return torch.zeros([size if d is None else d for d in value.shape], dtype=value.dtype)
                if type(value) in (list, tuple):
                    return type(value)(stand_in(v) for v in value)
                return value

            with torch.no_grad():
                return self.call(*(stand_in(a) for a in args), **{k: stand_in(v) for k, v in kwargs.items()})

        first, second = run(2), run(3)

        def spec(a, b):
            if isinstance(a, (list, tuple)):
                return type(a)(spec(x, y) for x, y in zip(a, b))
            shape = tuple(d if d == e else None for d, e in zip(a.shape, b.shape))
            return tensor_type(shape, dtype=a.dtype)

        return spec(first, second)

    def get_config(self):
        """The operation's config: its name (subclasses add their arguments)."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        """An operation made from ``get_config``'s dict.

        Args:
            config: The dict ``get_config`` returned.
        """
        return cls(**config)


def find_op(class_name, module):
    """The ``OpSpec`` of a node saved as ``class_name`` from ``keras.src.ops.<family>``, or None."""
    family = module.rsplit(".", 1)[-1] if isinstance(module, str) else ""
    return OPS.get((family, class_name))
