"""Nested structures (lists, tuples, dicts) of tensors: flatten and map."""


def flatten(structure):
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn, structure):
    if isinstance(structure, list):
        return [map_structure(fn, item) for item in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)


def pack_like(structure, flat):
    """Inverse of ``flatten``: rebuild ``structure``'s nesting from the ``flat`` leaves."""
    leaves = iter(flat)

    def rebuild(node):
        if isinstance(node, (list, tuple)):
            items = [rebuild(item) for item in node]
            return items if isinstance(node, list) else tuple(items)
        if isinstance(node, dict):
            values = {key: rebuild(node[key]) for key in sorted(node)}
            return {key: values[key] for key in node}
        return next(leaves)

    return rebuild(structure)


def is_shape(value):
    """A shape is a tuple of ints / None (a leaf, not a structure)."""
    return isinstance(value, tuple) and all(d is None or isinstance(d, int) for d in value)


def map_shapes(fn, shapes):
    """``map_structure`` over a structure whose leaves are shapes."""
    if is_shape(shapes):
        return fn(shapes)
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(map_shapes(fn, s) for s in shapes)
    if isinstance(shapes, dict):
        return {key: map_shapes(fn, value) for key, value in shapes.items()}
    return fn(shapes)


def flatten_shapes(shapes):
    if is_shape(shapes):
        return [shapes]
    if isinstance(shapes, (list, tuple)):
        return [s for item in shapes for s in flatten_shapes(item)]
    if isinstance(shapes, dict):
        return [s for key in sorted(shapes) for s in flatten_shapes(shapes[key])]
    return [shapes]
