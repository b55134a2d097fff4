"""Look up activations by name (``get``) and name them for configs (``serialize``)."""

from lamina.activations import functions
from lamina.errors import ConfigurationError, describe

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
        identifier: ``None`` (linear), a name such as ``"relu"`` (case-insensitive),
            a Keras config dict ``{"class_name": "function", "config": "relu"}``, or any
            callable, which is returned as is.

    Returns:
        A callable mapping a tensor to a tensor.

    Raises:
        ConfigurationError: if the name is unknown or the identifier is not usable.
    """
    if identifier is None:
        return functions.linear
    if isinstance(identifier, str):
        return _lookup(identifier)
    if isinstance(identifier, dict) and isinstance(identifier.get("config"), str):
        return _lookup(identifier["config"])
    if callable(identifier):
        return identifier
    raise ConfigurationError(
        f"Could not interpret the activation. Received: activation={describe(identifier)}. "
        f"Pass a name (one of {', '.join(ALL_NAMES)}), a callable, or None for linear."
    )


def _lookup(name):
    fn = _BY_NAME.get(name.lower())
    if fn is None:
        raise ConfigurationError(
            f"Unknown activation. Received: activation={name!r}. "
            f"Valid names: {', '.join(ALL_NAMES)}. Or pass any callable tensor -> tensor."
        )
    return fn


def serialize(activation):
    """Name of ``activation`` for a config: the registered name of lamina's own functions
    (``"relu"``, ``"silu"`` for swish), else the callable's ``__name__``."""
    if activation is None:
        return "linear"
    for fn, name in _NAME_OF.items():
        if activation is fn:
            return name
    return getattr(activation, "__name__", type(activation).__name__)
