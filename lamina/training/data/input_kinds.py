"""Which input arrays stay integers (token ids) and which become floats.

A model says it either for its whole input (a bool: Sequential and subclassed models, and
functional models whose inputs all share a kind) or per input (a function of the data's
structure returning ``{id(leaf): bool}``, from a functional model that mixes integer and
float ``Input``s). Keras casts each input to its own ``Input``'s dtype the same way.
"""

from lamina.tree.nested import map_structure


class _Occurrence:
    """One place of a leaf in ``x``: one array passed for two inputs is two occurrences."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def map_inputs(convert, x, integer_inputs):
    """``x`` with ``convert(leaf, integer_ok)`` applied to each leaf."""
    if not callable(integer_inputs):
        return map_structure(lambda leaf: convert(leaf, integer_inputs), x)
    occurrences = map_structure(_Occurrence, x)
    flags = integer_inputs(occurrences)
    return map_structure(lambda place: convert(place.value, flags.get(id(place), False)), occurrences)
