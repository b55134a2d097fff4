"""Keras's generic ``serialize_keras_object`` / ``deserialize_keras_object``: any layer,
model, loss, metric, optimizer, schedule, initializer, regularizer, constraint or function
as the ``{"module", "class_name", "config", "registered_name"}`` dict Keras 3 writes, and
back. Deserializing only builds lamina's classes and those you registered or pass in
``custom_objects`` (never an import a config names).
"""

import inspect

from lamina import activations, constraints, initializers, losses, metrics, optimizers, regularizers
from lamina.errors import ConfigurationError, describe
from lamina.layers.layer import Layer
from lamina.losses import registry as loss_registry
from lamina.metrics import registry as metric_registry
from lamina.optimizers import schedules
from lamina.saving import keras_entries
from lamina.serialization import deserialize_layer, registry, serialize_layer
from lamina.serialization.safe_mode import safe_mode_scope

_PLAIN = (str, int, float, bool)


def get_registered_name(obj):
    """The name ``obj`` is saved under: its ``register_keras_serializable`` name
    (``"package>Name"``), else its ``__name__`` (Keras's ``get_registered_name``).

    Example:
        >>> import lamina
        >>> def plain(x):
        ...     return x
        >>> lamina.saving.get_registered_name(plain)
        'plain'
    """
    return registry.get_registered_name(obj) or getattr(obj, "__name__", type(obj).__name__)


def serialize_keras_object(obj):
    """``obj`` as the dict Keras 3 writes for it (plain values, lists and dicts as
    themselves, tuples as Keras's ``__tuple__`` entry, None as None).

    Example:
        >>> import lamina
        >>> lamina.saving.serialize_keras_object(lamina.losses.MeanSquaredError())["module"]
        'keras.losses'
    """
    if obj is None or isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, list):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, tuple):
        return tuple(serialize_keras_object(item) for item in obj)
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if inspect.isfunction(obj):
        return keras_entries.function_entry(obj)
    if isinstance(obj, Layer):
        return serialize_layer(obj)
    if isinstance(obj, losses.Loss):
        return keras_entries.loss_entry(obj)
    if isinstance(obj, metrics.Metric):
        return keras_entries.metric_entry(obj)
    if isinstance(obj, optimizers.Optimizer):
        return keras_entries.optimizer_entry(obj)
    if isinstance(obj, schedules.LearningRateSchedule):
        return keras_entries.schedule_entry(obj)
    for family in (initializers, regularizers, constraints):
        base = _base_class(family)
        if base is not None and isinstance(obj, base):
            return _family_entry(family, obj)
    if hasattr(obj, "get_config"):
        return {
            "module": type(obj).__module__,
            "class_name": type(obj).__name__,
            "config": obj.get_config(),
            "registered_name": get_registered_name(type(obj)),
        }
    raise ConfigurationError(
        f"serialize_keras_object: cannot serialize {describe(obj)}. Pass a layer, model, loss, "
        "metric, optimizer, schedule, initializer, regularizer, constraint, function, or an "
        "object with get_config()."
    )


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Rebuild what ``serialize_keras_object`` (lamina's or Keras's) wrote.

    Args:
        config: the serialized object (a dict with ``class_name``; plain values, lists and
            dicts without ``class_name`` are rebuilt item by item).
        custom_objects: Optional ``{name: class or function}`` for your own objects.
        safe_mode: refuse Python code (``Lambda`` bytecode) in the config.
        **kwargs: ``module_objects``, a further ``{name: object}`` table, as in Keras.

    Raises:
        ConfigurationError: for a class or function that is neither lamina's nor registered
            nor in ``custom_objects``.
    """
    module_objects = kwargs.pop("module_objects", None)
    if kwargs:
        raise ConfigurationError(
            f"deserialize_keras_object: unexpected arguments {sorted(kwargs)}. It takes config, "
            "custom_objects, safe_mode and module_objects."
        )
    with registry.loading_scope(custom_objects), safe_mode_scope(safe_mode):
        return _deserialize(config, custom_objects or {}, module_objects or {})


def _deserialize(config, custom_objects, module_objects):
    if isinstance(config, str):
        found = registry.get_registered_object(config, custom_objects, module_objects)
        return config if found is None else found
    if config is None or isinstance(config, _PLAIN):
        return config
    if isinstance(config, (list, tuple)):
        return [_deserialize(item, custom_objects, module_objects) for item in config]
    if not isinstance(config, dict):
        raise ConfigurationError(f"deserialize_keras_object: cannot read {describe(config)}.")
    class_name = config.get("class_name")
    if not isinstance(class_name, str) or "config" not in config:
        return {key: _deserialize(value, custom_objects, module_objects) for key, value in config.items()}
    if class_name == "__tuple__":
        return tuple(_deserialize(v, custom_objects, module_objects) for v in config["config"]["value"])
    if class_name == "function":
        return _function(config["config"], custom_objects, module_objects)
    return _object(config, custom_objects, module_objects)


def _function(name, custom_objects, module_objects):
    found = registry.get_registered_object(name, custom_objects, module_objects)
    if found is not None:
        return found
    for lookup in (activations.deserialize, loss_registry.get_function, metric_registry.get_function):
        try:
            return lookup(name, custom_objects)
        except ConfigurationError:
            continue
    raise ConfigurationError(
        f"Unknown function. Received: {name!r}. It is not one of lamina's activations, losses "
        "or metrics. For your own function, decorate it with "
        f"@lamina.saving.register_keras_serializable() or pass custom_objects={{{name!r}: your_function}}."
    )


def _object(config, custom_objects, module_objects):
    module = config.get("module") or ""
    cls = None
    for key in (config.get("registered_name"), config["class_name"]):
        if key and key != "function":
            cls = cls or registry.get_registered_object(key, custom_objects, module_objects)
    families = {
        "keras.losses": losses.deserialize,
        "keras.metrics": metrics.deserialize,
        "keras.optimizers.schedules": schedules.deserialize,
        "keras.initializers": initializers.deserialize,
        "keras.regularizers": regularizers.deserialize,
        "keras.constraints": constraints.deserialize,
    }
    entry = {**config, "config": keras_entries.decoded_fn(config["config"])}
    if inspect.isclass(cls) and not issubclass(cls, Layer) and not _is_family_class(cls):
        return cls.from_config(config["config"])
    if inspect.isclass(cls):
        module = _family_module(cls) or module
    if module in families:
        return families[module](entry, custom_objects)
    if module.startswith("keras.") and "optimizers" in module or _is_optimizer(cls):
        return optimizers.deserialize(entry)
    return deserialize_layer(config, custom_objects)


def _family_entry(family, obj):
    """An initializer's, regularizer's or constraint's entry with Keras's module keys."""
    entry = family.serialize(obj)
    builtin = getattr(family, type(obj).__name__, None) is type(obj) and not registry.get_registered_name(obj)
    return {
        "module": family.__name__.replace("lamina.", "keras.") if builtin else type(obj).__module__,
        "class_name": entry["class_name"],
        "config": entry["config"],
        "registered_name": None if builtin else get_registered_name(type(obj)),
    }


def _base_class(family):
    name = {"lamina.initializers": "Initializer", "lamina.regularizers": "Regularizer"}.get(
        family.__name__, "Constraint"
    )
    return getattr(family, name, None)


def _family_module(cls):
    for module, base in (
        ("keras.losses", losses.Loss),
        ("keras.metrics", metrics.Metric),
        ("keras.optimizers.schedules", schedules.LearningRateSchedule),
        ("keras.initializers", _base_class(initializers)),
        ("keras.regularizers", _base_class(regularizers)),
        ("keras.constraints", _base_class(constraints)),
    ):
        if base is not None and issubclass(cls, base):
            return module
    return None


def _is_optimizer(cls):
    return inspect.isclass(cls) and issubclass(cls, optimizers.Optimizer)


def _is_family_class(cls):
    return _family_module(cls) is not None or _is_optimizer(cls)
