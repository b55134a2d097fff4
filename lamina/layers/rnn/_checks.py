"""Argument checks shared by the recurrent layers and cells."""

from lamina.errors import ConfigurationError
from lamina.layers.argument_checks import positive_int


def check_units(layer, units):
    return positive_int(units, "units", f"{type(layer).__name__} '{layer.name}'")


def check_rate(layer, name, rate):
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ConfigurationError(
            f"{type(layer).__name__} '{layer.name}': {name} must be a number in [0, 1). "
            f"Received: {name}={rate!r}."
        )
    return float(rate)
