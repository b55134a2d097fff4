"""``keras.ops.image.map_coordinates`` and the sampler the warping ops share: values of an
array read at fractional coordinates, by nearest-neighbour (order 0) or linear (order 1)
interpolation, with Keras's rules for points outside the array (``fill_mode``).

The sampler takes one coordinate tensor per axis, broadcast together, so a whole batch of
images is sampled in one gather: an integer-typed coordinate (a batch or channel index) is
read as is, a floating one is interpolated.
"""

import itertools

import torch

from lamina.ops.arguments import tensor
from lamina.ops.operation import keras_op

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _mirror(index, size):
    # A triangular wave of half-period ``size - 1``: ``(c d c b | a b c d | c b a b)``.
    period = size - 1
    return torch.abs((index + period) % (2 * period) - period)


def _reflect(index, size):
    # Mirror about the pixel edges: ``(d c b a | a b c d | d c b a)``.
    return torch.div(_mirror(2 * index + 1, 2 * size + 1) - 1, 2, rounding_mode="floor")


_FIXERS = {
    "constant": lambda index, size: index.clamp(0, size - 1),
    "nearest": lambda index, size: index.clamp(0, size - 1),
    "wrap": lambda index, size: index % size,
    "mirror": _mirror,
    "reflect": _reflect,
}


def _nodes(coordinate, order):
    """``[(index, weight)]`` of one axis: weight None means exactly 1."""
    if not coordinate.is_floating_point():
        return [(coordinate, None)]
    if order == 0:
        return [(torch.round(coordinate).to(torch.int32), None)]
    lower = torch.floor(coordinate)
    upper_weight = coordinate - lower
    index = lower.to(torch.int32)
    return [(index, 1 - upper_weight), (index + 1, upper_weight)]


def check_fill_mode(function, fill_mode, allowed=FILL_MODES):
    """Raise ValueError naming ``function`` unless ``fill_mode`` is one of ``allowed``."""
    if fill_mode not in allowed:
        raise ValueError(f"{function}: fill_mode must be one of {list(allowed)}. Received: fill_mode={fill_mode!r}.")


def check_order(function, order):
    """Raise unless ``order`` is 0 or 1 (Keras's torch backend has no higher orders either)."""
    if order not in (0, 1):
        raise NotImplementedError(
            f"{function}: only order=0 (nearest) and order=1 (linear) are available. Received: order={order!r}."
        )


def sample(inputs, coordinates, order, fill_mode="constant", fill_value=0.0):
    """``inputs`` read at ``coordinates`` (one tensor per axis of ``inputs``, broadcast
    together): the result has their broadcast shape and ``inputs``' dtype (integers rounded).

    Linear interpolation sums its corners in Keras's order (axis by axis), so results match
    Keras's to the last bit for the same coordinates.
    """
    fixer = _FIXERS[fill_mode]
    integer_input = not (inputs.is_floating_point() or inputs.is_complex())
    if integer_input and isinstance(fill_value, (int, float)):
        fill_value = int(fill_value)
    axes = []
    for coordinate, size in zip(coordinates, inputs.shape):
        nodes = []
        for index, weight in _nodes(coordinate, order):
            valid = (index >= 0) & (index < size) if fill_mode == "constant" else None
            nodes.append((fixer(index, size), valid, weight))
        axes.append(nodes)
    result = None
    for corner in itertools.product(*axes):
        indices = tuple(index for index, _, _ in corner)
        value = inputs[indices]
        valid = [v for _, v, _ in corner if v is not None]
        if valid:
            mask = valid[0]
            for v in valid[1:]:
                mask = mask & v
            value = torch.where(mask, value, fill_value)
        weights = [w for _, _, w in corner if w is not None]
        if weights:
            weight = weights[0]
            for w in weights[1:]:
                weight = weight * w
            value = weight * value
        result = value if result is None else result + value
    if integer_input and result.is_floating_point():
        result = torch.round(result)
    return result.to(inputs.dtype)


@keras_op("MapCoordinates", "image", operands=("inputs", "coordinates"))
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """``inputs`` interpolated at ``coordinates``, as ``keras.ops.image.map_coordinates``.

    Args:
        inputs: An array of any rank.
        coordinates: One array per axis of ``inputs`` (a sequence, or an array whose first
            axis has ``inputs.ndim`` entries), all of the output's shape.
        order: 0 (nearest neighbour) or 1 (linear).
        fill_mode: Points outside ``inputs``: "constant" (``fill_value``), "nearest",
            "wrap", "mirror" (``c d c b | a b c d | c b a b``) or "reflect"
            (``d c b a | a b c d | d c b a``).
        fill_value: The value of outside points with ``fill_mode="constant"``.

    Returns:
        The sampled values, of ``coordinates``' trailing shape and ``inputs``' dtype.
    """
    inputs = tensor(inputs)
    coordinates = [tensor(c, inputs.device) for c in coordinates]
    if len(coordinates) != inputs.dim():
        raise ValueError(
            "map_coordinates: coordinates must have one entry per axis of inputs. "
            f"Received: inputs.shape={tuple(inputs.shape)} and {len(coordinates)} coordinates."
        )
    if coordinates and coordinates[0].dim() < 1:
        raise ValueError(
            "map_coordinates: coordinates must be at least rank 2 (axes, *points). "
            f"Received: coordinates of shape {(len(coordinates), *coordinates[0].shape)}."
        )
    check_fill_mode("map_coordinates", fill_mode)
    check_order("map_coordinates", order)
    return sample(inputs, coordinates, order, fill_mode, fill_value)
