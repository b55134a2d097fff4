"""Look up activations by name (``get``), write them in configs as Keras does
(``serialize``) and read such configs back (``deserialize``)."""

import inspect

from lamina.activations import functions
from lamina.errors import ConfigurationError, describe
from lamina.serialization import registry

# Canonical names first; Keras 3 serializes swish as "silu" and hard_swish as "hard_silu".
_CANONICAL = (
    "celu",
    "crelu",
    "elu",
    "exponential",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "squareplus",
    "tanh",
    "tanh_shrink",
)
_ALIASES = {"swish": "silu", "hard_swish": "hard_silu"}

_BY_NAME = {name: getattr(functions, name) for name in _CANONICAL}
_BY_NAME.update({alias: _BY_NAME[target] for alias, target in _ALIASES.items()})
_NAME_OF = {fn: name for name, fn in _BY_NAME.items() if name in _CANONICAL}

ALL_NAMES = tuple(sorted(_BY_NAME))


def get(identifier):
    """Return the activation function ``identifier`` stands for.

    Args:
        identifier: ``None`` (linear), a name such as ``"relu"`` (case-insensitive) or
            the name of a registered function (``"package>name"``) or of one in the
            current ``custom_object_scope``, a Keras config dict
            ``{"class_name": "function", "config": "relu"}``, or any callable, which is
            returned as is.

    Returns:
        A callable mapping a tensor to a tensor.

    Raises:
        ConfigurationError: if the name is unknown or the identifier is not usable.
    """
    if identifier is None:
        return functions.linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ConfigurationError(
        f"Could not interpret the activation. Received: activation={describe(identifier)}. "
        f"Pass a name (one of {', '.join(ALL_NAMES)}), a callable, or None for linear."
    )


def deserialize(config, custom_objects=None):
    """The activation function a config names (inverse of ``serialize``).

    Args:
        config: a name (``"relu"``, ``"package>my_fn"``) or Keras's function entry
            ``{"module": "builtins", "class_name": "function", "config": "my_fn", ...}``.
        custom_objects: Optional ``{name: function}`` for your own, unregistered functions.

    Raises:
        ConfigurationError: if nothing is known under that name.
    """
    name = config
    if isinstance(config, dict):
        if config.get("class_name") != "function" or not isinstance(config.get("config"), str):
            raise ConfigurationError(
                "An activation config must be a name or {'class_name': 'function', 'config': "
                f"name}}. Received: {describe(config)}."
            )
        name = config["config"]
    if not isinstance(name, str):
        raise ConfigurationError(f"An activation name must be a string. Received: {describe(name)}.")
    found = _find(name, custom_objects or {})
    if found is None:
        raise ConfigurationError(
            f"Unknown activation. Received: activation={name!r}. Valid names: {', '.join(ALL_NAMES)}. "
            "For your own function, decorate it with @lamina.saving.register_keras_serializable() "
            f"or pass custom_objects={{{name!r}: your_function}}; or pass any callable tensor -> tensor."
        )
    return found


def _find(name, custom_objects):
    """Keras's order: the current scope, registrations, ``custom_objects``, then the built-ins."""
    found = registry.get_registered_object(name, custom_objects)
    if found is None:
        found = _BY_NAME.get(name.lower())
    if found is None and ">" not in name:
        tables = (registry.scoped_objects(), custom_objects, registry.get_custom_objects())
        found = next(
            (obj for table in tables for key, obj in table.items() if key.endswith(f">{name}")), None
        )
    return found


def serialize(activation):
    """``activation`` as Keras writes it in a config: the name of a built-in (``"relu"``,
    ``"silu"`` for swish); for any other function Keras's entry
    ``{"module": "builtins", "class_name": "function", "config": name, "registered_name":
    "function"}``, named by its registered name (``"package>name"``) or ``__name__``."""
    if activation is None:
        return "linear"
    builtin = _builtin_name(activation)
    if builtin is not None:
        return builtin
    if inspect.isfunction(activation) and activation.__name__ != "<lambda>":
        name = registry.get_registered_name(activation) or activation.__name__
        return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}
    return name_of(activation)


def name_of(activation):
    """A plain name for ``activation`` (for labels and messages): a built-in's name, a
    function's registered name or ``__name__``."""
    if activation is None:
        return "linear"
    builtin = _builtin_name(activation)
    if builtin is not None:
        return builtin
    registered = registry.get_registered_name(activation) if inspect.isfunction(activation) else None
    return registered or getattr(activation, "__name__", type(activation).__name__)


def _builtin_name(activation):
    for fn, name in _NAME_OF.items():
        if activation is fn:
            return name
    return None
