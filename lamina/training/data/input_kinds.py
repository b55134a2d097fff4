"""Which input arrays stay integers (token ids) and which become floats.

A model says it either for its whole input (a bool: Sequential and subclassed models, and
functional models whose inputs all share a kind) or per input (a function of the data
returning ``{id(leaf): bool}``, from a functional model that mixes integer and float
``Input``s). Keras casts each input to its own ``Input``'s dtype the same way.
"""

from lamina.utils.tree import map_structure


def map_inputs(convert, x, integer_inputs):
    """``x`` with ``convert(leaf, integer_ok)`` applied to each leaf."""
    if callable(integer_inputs):
        flags = integer_inputs(x)
        return map_structure(lambda leaf: convert(leaf, flags.get(id(leaf), False)), x)
    return map_structure(lambda leaf: convert(leaf, integer_inputs), x)
