"""Argument checks the activation layers share."""

from lamina.errors import ConfigurationError


def non_negative(layer, name, value, allow_none=False):
    """``float(value)``, or a ConfigurationError naming ``layer`` and ``name`` unless it is a
    number >= 0 (or None where ``allow_none``)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        accepted = "a number >= 0" + (" or None" if allow_none else "")
        raise ConfigurationError(
            f"{type(layer).__name__} '{layer.name}': {name} must be {accepted}. Received: {name}={value!r}."
        )
    return float(value)
