"""Nested structures: lists, tuples, namedtuples and dicts of leaves (Keras's ``keras.tree``).

Dict children are visited in sorted key order (``OrderedDict``: insertion order), list and
tuple children by index; everything else, ``None`` included, is a leaf. Rebuilt dicts keep
the key order of the structure they mirror.
"""

import collections

from lamina.errors import InputError


class MAP_TO_NONE:  # noqa: N801 - Keras's name
    """Return this class from a ``traverse`` function to map a node to ``None``."""


def _is_namedtuple(node):
    return isinstance(node, tuple) and hasattr(type(node), "_fields")


def _keys(node):
    if isinstance(node, collections.OrderedDict):
        return list(node)
    try:
        return sorted(node)
    except TypeError:
        return list(node)


def _children(node, none_is_leaf=True):
    """``(keys, children)`` of a nested node, or ``None`` for a leaf."""
    if isinstance(node, dict):
        keys = _keys(node)
        return keys, [node[key] for key in keys]
    if isinstance(node, (list, tuple)):
        return list(range(len(node))), list(node)
    if node is None and not none_is_leaf:
        return [], []
    return None


def _rebuild(node, children):
    """A node like ``node`` holding ``children`` (in ``_children``'s order)."""
    if isinstance(node, dict):
        by_key = dict(zip(_keys(node), children))
        if isinstance(node, collections.defaultdict):
            result = type(node)(node.default_factory)
            result.update((key, by_key[key]) for key in node)
            return result
        return type(node)((key, by_key[key]) for key in node)
    if _is_namedtuple(node):
        return type(node)(*children)
    if isinstance(node, tuple):
        return tuple(children) if type(node) is tuple else type(node)(children)
    if isinstance(node, list):
        return list(children)
    return None  # None as an empty node (none_is_leaf=False)


def is_nested(structure):
    """Whether ``structure`` is a list, tuple (namedtuple) or dict, not a leaf."""
    return isinstance(structure, (list, tuple, dict))


def flatten(structure):
    """The leaves of ``structure``, in order (dicts by sorted key)."""
    found = _children(structure)
    if found is None:
        return [structure]
    return [leaf for child in found[1] for leaf in flatten(child)]


def flatten_with_path(structure):
    """``(path, leaf)`` pairs, ``path`` a tuple of the keys and indices leading to the leaf."""
    found = _children(structure)
    if found is None:
        return [((), structure)]
    return [((key,) + path, leaf) for key, child in zip(*found) for path, leaf in flatten_with_path(child)]


def pack_sequence_as(structure, flat_sequence):
    """A structure like ``structure`` holding the leaves of ``flat_sequence``, in order.

    Raises:
        InputError: ``flat_sequence`` has more or fewer leaves than ``structure``.
    """
    flat_sequence = list(flat_sequence)
    expected = len(flatten(structure))
    if expected != len(flat_sequence):
        raise InputError(
            f"pack_sequence_as: the structure holds {expected} leaves but flat_sequence has "
            f"{len(flat_sequence)}. Received: structure={structure!r}."
        )
    leaves = iter(flat_sequence)

    def fill(node):
        found = _children(node)
        if found is None:
            return next(leaves)
        return _rebuild(node, [fill(child) for child in found[1]])

    return fill(structure)


def assert_same_structure(a, b, check_types=None):
    """Raise ``InputError`` unless ``a`` and ``b`` nest the same way (same keys and lengths).

    ``check_types`` is accepted for Keras code; list and tuple nodes must match in kind.
    """
    _compare(a, b, ())


def _compare(a, b, path):
    found_a, found_b = _children(a), _children(b)
    if (found_a is None) != (found_b is None) or (
        found_a is not None and (found_a[0] != found_b[0] or isinstance(a, dict) != isinstance(b, dict))
    ):
        raise InputError(
            f"The two structures don't have the same nested structure at path {path}. "
            f"Received: {a!r} and {b!r}."
        )
    if found_a is not None:
        for key, child_a, child_b in zip(found_a[0], found_a[1], found_b[1]):
            _compare(child_a, child_b, path + (key,))


def assert_same_paths(a, b):
    """Raise ``InputError`` unless ``a`` and ``b`` have the same leaf paths."""
    paths_a = {path for path, _ in flatten_with_path(a)}
    paths_b = {path for path, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise InputError(
            "The two structures don't have the same paths. Only in the first: "
            f"{sorted(map(str, paths_a - paths_b))}; only in the second: {sorted(map(str, paths_b - paths_a))}."
        )


def map_structure(func, *structures, none_is_leaf=True):
    """``func`` applied leaf by leaf to structures that nest the same way.

    Args:
        func: called with one leaf from each structure.
        *structures: one or more structures of the same nesting.
        none_is_leaf: whether ``None`` is a leaf passed to ``func`` (else kept as ``None``).
    """
    if not structures:
        raise InputError("map_structure needs at least one structure.")
    for other in structures[1:]:
        _compare(structures[0], other, ())

    def apply(*nodes):
        found = _children(nodes[0], none_is_leaf)
        if found is None:
            return func(*nodes)
        columns = [_children(node, none_is_leaf)[1] for node in nodes]
        return _rebuild(nodes[0], [apply(*items) for items in zip(*columns)])

    return apply(*structures)


def map_structure_up_to(shallow_structure, func, *structures):
    """``map_structure`` down to the leaves of ``shallow_structure`` only.

    Where ``shallow_structure`` has a leaf, ``func`` receives the whole substructure of
    each of ``structures`` at that place.
    """

    def apply(shallow, *nodes):
        found = _children(shallow)
        if found is None:
            return func(*nodes)
        children = []
        for key in found[0]:
            try:
                children.append(apply(shallow[key], *(node[key] for node in nodes)))
            except (KeyError, IndexError, TypeError):
                raise InputError(
                    f"map_structure_up_to: the structures lack the key or index {key!r} that "
                    f"shallow_structure has. Received: shallow_structure={shallow_structure!r}."
                ) from None
        return _rebuild(shallow, children)

    return apply(shallow_structure, *structures)


def traverse(func, structure, top_down=True):
    """Apply ``func`` to every node (nested nodes and leaves) of ``structure``.

    Top-down: where ``func`` returns ``None`` the traversal goes on into the node's
    children; any other value replaces the node (``MAP_TO_NONE`` gives ``None``).
    Bottom-up: children are traversed first; ``func`` then sees the rebuilt node, and
    ``None`` keeps it.
    """

    def visit(node):
        if top_down:
            result = func(node)
            if result is MAP_TO_NONE:
                return None
            if result is not None:
                return result
            found = _children(node)
            return node if found is None else _rebuild(node, [visit(child) for child in found[1]])
        found = _children(node)
        rebuilt = node if found is None else _rebuild(node, [visit(child) for child in found[1]])
        result = func(rebuilt)
        if result is MAP_TO_NONE:
            return None
        return rebuilt if result is None else result

    return visit(structure)


def lists_to_tuples(structure):
    """``structure`` with every list turned into a tuple."""
    found = _children(structure)
    if found is None:
        return structure
    children = [lists_to_tuples(child) for child in found[1]]
    return tuple(children) if isinstance(structure, list) else _rebuild(structure, children)


def _is_shape(value):
    return isinstance(value, (list, tuple)) and not _is_namedtuple(value) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value
    )


def map_shape_structure(func, structure):
    """``func`` applied to every shape (a tuple or list of ints and ``None``) in ``structure``."""
    if _is_shape(structure):
        return func(structure)
    found = _children(structure)
    if found is None:
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, child) for child in found[1]])
