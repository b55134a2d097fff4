"""Unique, Keras-style default names: dense, dense_1, dense_2, ..."""

import re

_counters = {}


def to_snake_case(name):
    """Keras's rule, so default names and weight-file paths match Keras's (Conv2D -> conv2d)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix):
    count = _counters.get(prefix, 0)
    _counters[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def clear_session():
    """Reset default layer names (as ``keras.backend.clear_session``)."""
    _counters.clear()
