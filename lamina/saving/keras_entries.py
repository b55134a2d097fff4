"""Losses, metrics, optimizers, schedules and functions as Keras 3 writes them in a config:
``{"module", "class_name", "config", "registered_name"}``, so Keras's ``load_model`` and
``deserialize_keras_object`` find lamina's objects, and lamina reads Keras's entries.

Built-in classes carry Keras's public module (``keras.losses``, ``keras.metrics``,
``keras.optimizers``, ``keras.optimizers.schedules``) and ``registered_name: None``; their
configs hold the keys Keras writes (a loss's ``dtype`` only when set; a metric's resolved
``dtype``). Functions are Keras's ``{"module": "builtins", "class_name": "function"}``
entries named by their registered name or ``__name__``. Your own classes carry their
Python module and their registered name (or class name), as Keras writes them.
"""

import inspect

from lamina import losses, metrics, optimizers
from lamina.optimizers import schedules
from lamina.serialization import registry

FUNCTION_MODULE = "builtins"
# Keras's IoU metrics keep an integer dtype in their configs.
_INTEGER_DTYPE_METRICS = ("IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU")
# Keras's own module for classes its public API does not export.
_PRIVATE_MODULES = {"LossFunctionWrapper": "keras.src.losses.losses"}


def function_entry(fn):
    """Keras's entry for a function: built-ins by name, registered ones by ``package>name``."""
    name = registry.get_registered_name(fn) or fn.__name__
    return {"module": FUNCTION_MODULE, "class_name": "function", "config": name, "registered_name": "function"}


def is_function_entry(entry):
    """Whether ``entry`` is Keras's entry for a function (``class_name: "function"``)."""
    return isinstance(entry, dict) and entry.get("class_name") == "function" and isinstance(entry.get("config"), str)


def loss_entry(loss):
    """Keras's entry for a ``Loss`` (or a loss function)."""
    if inspect.isfunction(loss):
        return function_entry(loss)
    entry = _class_entry(loss, losses, "keras.losses")
    if entry["config"].get("dtype", 0) is None:
        del entry["config"]["dtype"]  # Keras's losses write no dtype unless one is set
    return entry


def metric_entry(metric):
    """Keras's entry for a ``Metric`` (or a metric function)."""
    if inspect.isfunction(metric):
        return function_entry(metric)
    entry = _class_entry(metric, metrics, "keras.metrics")
    config = entry["config"]
    if "dtype" in config and config["dtype"] is None:
        integer = type(metric).__name__ in _INTEGER_DTYPE_METRICS and entry["registered_name"] is None
        config["dtype"] = "int32" if integer else metric.dtype
    return entry


def optimizer_entry(optimizer):
    """Keras's entry for an optimizer; its learning-rate schedule nests as Keras's entry."""
    entry = optimizers.serialize(optimizer)
    builtin = _is_builtin(optimizer, optimizers)
    return {
        "module": "keras.optimizers" if builtin else type(optimizer).__module__,
        "class_name": entry["class_name"],
        "config": entry["config"],
        "registered_name": None if builtin else _registered_name(optimizer),
    }


def schedule_entry(schedule):
    """Keras's entry for a learning-rate schedule."""
    return schedules.serialize(schedule)


def _class_entry(obj, family, module):
    builtin = _is_builtin(obj, family)
    config = dict(obj.get_config())
    fn = getattr(obj, "fn", None) or getattr(obj, "_fn", None)
    if isinstance(config.get("fn"), str) and inspect.isfunction(fn):
        config["fn"] = function_entry(fn)
    name = type(obj).__name__
    return {
        "module": _PRIVATE_MODULES.get(name, module) if builtin else type(obj).__module__,
        "class_name": name,
        "config": config,
        "registered_name": None if builtin else _registered_name(obj),
    }


def _is_builtin(obj, family):
    """Whether ``obj`` is an instance of one of ``family``'s own classes (not a subclass)."""
    cls = type(obj)
    return getattr(family, cls.__name__, None) is cls and registry.get_registered_name(cls) is None


def _registered_name(obj):
    return registry.get_registered_name(type(obj)) or type(obj).__name__


def decoded_fn(config):
    """A wrapper's config with a Keras function entry in ``fn`` turned back into its name
    (lamina's wrappers look names up among functions, registrations and the scope)."""
    if isinstance(config, dict) and is_function_entry(config.get("fn")):
        return {**config, "fn": config["fn"]["config"]}
    return config
