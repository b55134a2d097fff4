"""Argument checks shared by the optimizers: each error names the argument and the value."""

import math
import numbers

from lamina.errors import ConfigurationError, describe


def _interval(low, high, low_open, high_open):
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    low_text = "-inf" if low is None else f"{low:g}"
    high_text = "inf" if high is None else f"{high:g}"
    return f"{left}{low_text}, {high_text}{right}"


def check_number(owner, name, value, *, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a float if it is a real number inside the interval, else raise.

    ``low``/``high`` of ``None`` leave that side unbounded; ``*_open`` excludes the bound.

    Raises:
        ConfigurationError: naming ``owner``'s argument ``name`` and the received value.
    """
    in_range = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if in_range:
        number = float(value)
        in_range = math.isfinite(number)
        if in_range and low is not None:
            in_range = number > low if low_open else number >= low
        if in_range and high is not None:
            in_range = number < high if high_open else number <= high
    if not in_range:
        interval = _interval(low, high, low_open, high_open)
        raise ConfigurationError(
            f"{owner}: argument `{name}` must be a number in {interval}. "
            f"Received: {name}={describe(value)}."
        )
    return number


def check_optional_positive(owner, name, value):
    """``None`` (the feature is off) or a float > 0."""
    if value is None:
        return None
    return check_number(owner, name, value, low=0.0, low_open=True)


def check_bool(owner, name, value):
    """Return ``value`` if it is a bool, else raise (``"False"`` is not a bool)."""
    if not isinstance(value, bool):
        raise ConfigurationError(
            f"{owner}: argument `{name}` must be True or False. Received: {name}={describe(value)}."
        )
    return value


def check_moments(owner, beta_1, beta_2, epsilon):
    """Validated ``(beta_1, beta_2, epsilon)`` of the Adam family: betas in [0, 1), epsilon >= 0."""
    return (
        check_number(owner, "beta_1", beta_1, low=0.0, high=1.0, high_open=True),
        check_number(owner, "beta_2", beta_2, low=0.0, high=1.0, high_open=True),
        check_number(owner, "epsilon", epsilon, low=0.0),
    )
