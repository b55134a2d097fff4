"""Argument checks that many layers share."""

import numbers

from lamina.errors import ConfigurationError


def positive_int(value, name, where):
    """``value`` as a Python int if it is an integer >= 1 (NumPy integers included, so
    ``Dense(y.max() + 1)`` works); else a ConfigurationError naming ``where`` and ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigurationError(f"{where}: {name} must be a positive integer. Received: {name}={value!r}.")
    return int(value)
