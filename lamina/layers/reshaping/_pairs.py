"""``(before, after)`` amounts per spatial axis, from Keras's padding/cropping arguments."""

import numbers

from lamina.errors import ConfigurationError


def _is_count(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0


def normalize_pairs(value, rank, name, where):
    """One ``(before, after)`` pair per axis from an int, ``rank`` ints, or ``rank`` pairs.

    For ``rank == 1`` a pair ``(before, after)`` is also accepted, as Keras does.
    """
    if _is_count(value):
        return ((int(value), int(value)),) * rank
    try:
        items = tuple(value)
    except TypeError:
        items = ()
    if rank == 1 and len(items) == 2 and all(_is_count(v) for v in items):
        return ((int(items[0]), int(items[1])),)
    if len(items) == rank and all(_is_count(v) for v in items):
        return tuple((int(v), int(v)) for v in items)
    if len(items) == rank and all(
        isinstance(v, (tuple, list)) and len(v) == 2 and all(_is_count(x) for x in v) for v in items
    ):
        return tuple((int(a), int(b)) for a, b in items)
    example = "(1, 2)" if rank == 1 else str(((1, 1),) * rank)
    raise ConfigurationError(
        f"{where}: {name} must be a non-negative int, a tuple of {rank} such ints (same amount "
        f"before and after), or {rank} (before, after) pairs such as {example}. "
        f"Received: {name}={value!r}."
    )
