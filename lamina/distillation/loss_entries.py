"""The losses a distillation loss compares with: resolved and saved as Keras does.

A name resolves to Keras's per-sample loss *function* (``"kl_divergence"`` ->
``kl_divergence``), not to a ``Loss`` object, and is saved as Keras saves a function
(``{"class_name": "function", "config": "kl_divergence", ...}``). That matters:
``LogitsDistillation`` softens with a softmax and scales by ``temperature**2`` only for a
``KLDivergence`` *object*, as in Keras.
"""

import inspect

from lamina import losses
from lamina.errors import ConfigurationError
from lamina.losses.registry import get_function
from lamina.tree.nested import map_structure


def resolve(loss, owner):
    """``loss`` (a structure of names, ``Loss`` objects, callables and None) with each name
    replaced by its loss function.

    Raises:
        ConfigurationError: every entry is None, or a name is unknown.
    """
    def one(item):
        if isinstance(item, str):
            found = losses.get(item)
            return getattr(found, "fn", found)
        if item is not None and not callable(item):
            raise ConfigurationError(
                f"{owner}: each loss must be a name, a loss object, a function or None. Received: loss={item!r}."
            )
        return item

    resolved = map_structure(one, loss)
    if all(item is None for item in _leaves(resolved)):
        raise ConfigurationError(
            f"{owner}: `loss` must hold at least one loss that is not None. Received: loss={loss!r}."
        )
    return resolved


def serialize(loss):
    """Keras's entries of a structure of losses (functions as Keras saves functions)."""
    def one(item):
        if item is None:
            return None
        if inspect.isfunction(item):
            return {"module": "builtins", "class_name": "function", "config": item.__name__, "registered_name": "function"}
        return {"module": "keras.losses", **losses.serialize(item), "registered_name": None}

    return map_structure(one, loss)


def deserialize(entries):
    """The losses ``serialize`` (lamina's or Keras's) wrote."""
    def one(entry):
        if entry is None or isinstance(entry, str):
            return entry
        if entry.get("class_name") == "function":
            return get_function(entry.get("config"))
        return losses.deserialize(entry)

    if isinstance(entries, dict) and "class_name" in entries:
        return one(entries)
    return map_structure(one, entries)


def _leaves(structure):
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _leaves(item)]
    if isinstance(structure, dict):
        return [leaf for item in structure.values() for leaf in _leaves(item)]
    return [structure]
