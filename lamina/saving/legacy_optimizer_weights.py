"""Optimizer state in a legacy Keras full-model ``.h5`` file (``optimizer_weights``).

Keras 3's legacy writer (``model.save("x.h5")``) stores ``optimizer.variables`` in the
group ``optimizer_weights``: its ``weight_names`` attribute lists them in order
(``adam/iteration``, ``adam/learning_rate``, then the slots weight by weight:
``adam/dense_kernel_momentum``, ``adam/dense_kernel_velocity``, ...), each name the path
of its array inside the group. That is the order of a ``.keras`` file's
``optimizer/vars``, so the arrays restore through the same reader
(``optimizer_state.prepare_keras_variables``).

Keras's loader assigns the arrays it can and logs a warning on a mismatch; lamina checks
the whole list first (count, and each array's shape and dtype kind against the variable
it replaces, and its declared size) and raises ``SavingError`` on any mismatch, so a
damaged or hostile file changes nothing. An optimizer saved before its first step keeps
only its step count and learning rate; its slots start fresh, as in Keras. tf.keras 2
files (names like ``Adam/iter:0``) keep their variables in another order, without a
learning rate; for them, and for optimizers whose slots lamina does not convert, the
optimizer starts fresh with a warning.
"""

import warnings

from lamina.errors import SavingError
from lamina.saving.optimizer_state import keras_variable_shapes, prepare_keras_variables
from lamina.saving.restore_checks import check_array, describe_item

GROUP = "optimizer_weights"


def prepare_legacy_optimizer(group, names, model, source="the file"):
    """Check and read a legacy ``.h5`` file's ``optimizer_weights`` ``group`` (None when the
    file has none), whose ``weight_names`` are ``names``, for ``model``'s optimizer; return
    the function that restores them (it does nothing when there is nothing to restore)."""
    import h5py

    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or group is None:
        return lambda: None
    if not isinstance(group, h5py.Group):
        raise SavingError(
            f"Refusing to load {source}: '{GROUP}' should be a group of arrays, the file has "
            f"{describe_item(group)}. The file is damaged or was edited; load it with compile=False."
        )
    if not names:
        return lambda: None
    if all(name.endswith(":0") for name in names):
        return _start_fresh(source, f"it was written by tf.keras 2 (names like {names[0]!r}), whose optimizer variables lamina does not convert")
    shapes = keras_variable_shapes(optimizer, model)
    if shapes is None:
        return _start_fresh(source, f"lamina does not convert the slots of {type(optimizer).__name__}")
    unbuilt = 1 if optimizer.learning_rate_schedule is not None else 2  # iteration (and learning rate)
    if len(names) not in (len(shapes), unbuilt):
        raise SavingError(
            f"Refusing to load {source}: '{GROUP}' lists {len(names)} optimizer arrays {names[:8]}, but "
            f"{type(optimizer).__name__} with this model's {_count_trainable(model)} trainable weights has "
            f"{len(shapes)} variables ({unbuilt} before its first step). The file is damaged, was edited, or was saved from a different model "
            "or optimizer; nothing was loaded. Load it with compile=False to skip the optimizer."
        )
    arrays = {}
    for index, (name, shape) in enumerate(zip(names, shapes)):
        item = group.get(name) if name and not name.startswith("/") else None
        kinds = ("integer", "float") if index == 0 else ("float",)
        check_array(item, f"{GROUP}/{name}", shape, kinds, source)
        arrays[str(index)] = item
    return prepare_keras_variables(arrays, None, GROUP, optimizer, model, source)


def _count_trainable(model):
    return sum(1 for *_, trainable, _ in model._weight_entries() if trainable)


def _start_fresh(source, reason):
    warnings.warn(f"The optimizer state in {source} is not restored: {reason}. The optimizer starts fresh.", stacklevel=4)
    return lambda: None
