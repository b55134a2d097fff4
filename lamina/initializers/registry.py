"""Look up initializers by name or config (``get``) and describe them (``serialize``)."""

import inspect
import re

from lamina.errors import ConfigurationError, describe
from lamina.initializers.constant import Constant, Identity, Ones, Zeros
from lamina.initializers.initializer import Initializer
from lamina.initializers.orthogonal import Orthogonal
from lamina.initializers.random import RandomNormal, RandomUniform, TruncatedNormal
from lamina.initializers.stft import STFT
from lamina.initializers.variance_scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    VarianceScaling,
)

ALL_CLASSES = (
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Identity,
    LecunNormal,
    LecunUniform,
    Ones,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    STFT,
    TruncatedNormal,
    VarianceScaling,
    Zeros,
)

# Extra names Keras accepts (its Keras 3 class names and legacy short names).
_ALIASES = {
    "uniform": RandomUniform,
    "normal": RandomNormal,
    "one": Ones,
    "zero": Zeros,
    "OrthogonalInitializer": Orthogonal,
    "IdentityInitializer": Identity,
    "STFTInitializer": STFT,
}


def _snake_case(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _key(name):
    """Names match ignoring case and underscores: "glorot_uniform" == "GlorotUniform"."""
    return name.replace("_", "").lower()


_BY_KEY = {_key(cls.__name__): cls for cls in ALL_CLASSES}
_BY_KEY.update({_key(alias): cls for alias, cls in _ALIASES.items()})

ALL_NAMES = tuple(
    sorted(
        {_snake_case(cls.__name__) for cls in ALL_CLASSES} | {a for a in _ALIASES if a.islower()}
    )
)


def _unknown(name):
    return ConfigurationError(
        f"Unknown initializer. Received: initializer={name!r}. Valid names (snake_case or "
        f"CamelCase): {', '.join(ALL_NAMES)}. Or pass an Initializer instance or a callable "
        "(shape, dtype) -> tensor."
    )


def _class_named(name, custom_objects):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    cls = _BY_KEY.get(_key(name))
    if cls is None:
        raise _unknown(name)
    return cls


def deserialize(config, custom_objects=None):
    """Build an initializer from ``{"class_name": ..., "config": {...}}``.

    Args:
        config: The dict ``serialize`` (or Keras) wrote; extra keys such as ``module``
            are ignored.
        custom_objects: Optional ``{class_name: class}`` for user-defined initializers.

    Raises:
        ConfigurationError: if the class name is unknown or the config does not fit it.
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ConfigurationError(
            "Initializer config must be a dict with a 'class_name' string. "
            f"Received: {describe(config)}. Example: "
            "{'class_name': 'GlorotUniform', 'config': {'seed': None}}."
        )
    cls = _class_named(config["class_name"], custom_objects)
    arguments = _drop_unknown_unset(cls, config.get("config") or {})
    try:
        return cls.from_config(arguments)
    except TypeError as err:
        raise ConfigurationError(
            f"Initializer config does not fit {cls.__name__}. Received: config={arguments!r}. "
            f"({err})"
        ) from err


def _drop_unknown_unset(cls, arguments):
    """Drop arguments newer Keras versions write as None (input_axes...) that lamina lacks."""
    accepted = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
        return dict(arguments)
    return {k: v for k, v in arguments.items() if k in accepted or v is not None}


def get(identifier):
    """Return the initializer ``identifier`` stands for.

    Args:
        identifier: ``None`` (returned as is), a name (``"glorot_uniform"``,
            ``"GlorotUniform"``, ``"he_normal"``, ``"zeros"``, ...), an ``Initializer``
            instance or subclass, a config dict ``{"class_name": ..., "config": {...}}``,
            or a callable ``(shape, dtype) -> tensor``.

    Returns:
        An initializer (called as ``init(shape, dtype)``), or ``None``.

    Raises:
        ConfigurationError: if the identifier is unknown or unusable.
    """
    if identifier is None or isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        return _class_named(identifier, None)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if inspect.isclass(identifier) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ConfigurationError(
        f"Could not interpret the initializer. Received: initializer={describe(identifier)}. "
        f"Pass a name (one of {', '.join(ALL_NAMES)}), an Initializer, a config dict or a "
        "callable (shape, dtype) -> tensor."
    )


def serialize(initializer):
    """Keras's serialized form ``{"class_name": "GlorotUniform", "config": {"seed": None}}``.

    A plain callable (not an ``Initializer``) is serialized as its ``__name__``; it can
    only be restored by passing the callable again.
    """
    if initializer is None:
        return None
    if isinstance(initializer, Initializer):
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    return getattr(initializer, "__name__", type(initializer).__name__)
