"""Axis arguments of the normalization layers: checked against the input's rank."""

from lamina.errors import ConfigurationError, InputError


def check_axis_argument(axis, where, allow_list=True):
    """``axis`` as an int or a list of ints, as given; ConfigurationError otherwise."""
    if isinstance(axis, (list, tuple)) and allow_list:
        if not axis or not all(_is_int(a) for a in axis):
            raise ConfigurationError(
                f"{where}: axis must be an int or a non-empty list of ints. "
                f"Received: axis={axis!r}."
            )
        return [int(a) for a in axis]
    if not _is_int(axis):
        kind = "an int or a list of ints" if allow_list else "an int"
        raise ConfigurationError(f"{where}: axis must be {kind}. Received: axis={axis!r}.")
    return int(axis)


def resolve_axes(axis, rank, where):
    """Non-negative, sorted axes of ``axis`` for inputs of ``rank``; never the batch axis."""
    axes = axis if isinstance(axis, list) else [axis]
    resolved = []
    for a in axes:
        if not -rank <= a < rank or a % rank == 0:
            raise InputError(
                f"{where}: axis {a} is out of range for inputs of rank {rank} (axis 0 is the "
                f"batch). Received: axis={axis!r}; use an axis in 1..{rank - 1} or -{rank - 1}..-1."
            )
        resolved.append(a % rank)
    return sorted(set(resolved))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def per_sample_axes(axis, input_shape, where):
    """``(axes, weight_shape, broadcast_shape)`` of a per-sample normalization over
    ``axis``: the resolved axes, the shape of a weight over them (their sizes, which
    must be known) and that weight's shape for broadcasting against the inputs."""
    rank = len(input_shape)
    axes = resolve_axes(axis, rank, where)
    shape = tuple(input_shape[a] for a in axes)
    if any(d is None for d in shape):
        raise InputError(
            f"{where}: the normalized axes {axes} must have known sizes. "
            f"Received: input_shape={tuple(input_shape)}."
        )
    broadcast = [1] + [input_shape[a] if a in axes else 1 for a in range(1, rank)]
    return axes, shape, broadcast
