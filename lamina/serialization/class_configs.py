"""Configs of the class-based families (losses, metrics): ``{"class_name", "config"}``
entries, and objects rebuilt from them through lamina's classes, ``custom_objects`` and
registered classes only (never an import a file names)."""

from lamina.errors import ConfigurationError, describe
from lamina.serialization.registry import find_registered, get_registered_name


def class_entry(obj):
    """``{"class_name": ..., "config": {...}}`` of ``obj``, with its registered name if any."""
    entry = {"class_name": type(obj).__name__, "config": obj.get_config()}
    registered = get_registered_name(type(obj))
    if registered:
        entry["registered_name"] = registered
    return entry


def find_function(name, custom_objects, functions, kind):
    """The per-sample ``kind`` function ``name``: custom, lamina's own, or registered."""
    fn = (custom_objects or {}).get(name) or functions.get(name) or find_registered(name)
    if fn is None:
        raise ConfigurationError(
            f"Unknown {kind} function. Received: fn={name!r}. Known functions: "
            f"{', '.join(sorted(functions))}. Pass custom_objects={{{name!r}: your_function}} "
            "for your own."
        )
    return fn


def from_class_entry(config, custom_objects, classes, functions, kind, own_class_hint):
    """Rebuild an object from ``class_entry``'s output; a string ``fn`` in its config
    (a function wrapper's) is looked up with ``find_function``."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigurationError(
            "deserialize: expected a dict {'class_name': ..., 'config': {...}}. "
            f"Received: {describe(config)}."
        )
    custom_objects = custom_objects or {}
    name = config["class_name"]
    cls = (
        custom_objects.get(name)
        or find_registered(config.get("registered_name"))
        or classes.get(name)
        or find_registered(name)
    )
    if cls is None:
        raise ConfigurationError(
            f"Unknown {kind} class. Received: class_name={name!r}. Known classes: "
            f"{', '.join(sorted(classes))}. Pass custom_objects={{{name!r}: {own_class_hint}}} "
            "for your own."
        )
    arguments = dict(config.get("config") or {})
    if isinstance(arguments.get("fn"), str):
        arguments["fn"] = find_function(arguments["fn"], custom_objects, functions, kind)
    return cls.from_config(arguments)
