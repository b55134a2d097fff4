"""Layer and model configs in Keras 3's serialized form, and back.

``serialize_layer`` writes ``{"module", "class_name", "config", "registered_name",
"build_config"}`` as Keras does, so Keras reads lamina's files. ``deserialize_layer``
reads lamina's and Keras's configs: keys that Keras writes for features lamina does not
have are accepted when they hold Keras's "off" value (``quantization_config: None``,
``sparse: False``...) and refused with a clear error otherwise.
"""

import inspect

from lamina.errors import SavingError
from lamina.serialization import registry
from lamina.serialization.config_check import check_config_rebuilds

_OFF_VALUES = (None, False, [], {}, "")
# Arguments of Keras's initializers (and similar nested objects) lamina does not have.
_KERAS_ONLY_NESTED = ("input_axes", "output_axes")


def serialize_layer(layer):
    """Keras-format dict for ``layer`` (its class, config and the shape it was built for)."""
    config = layer.get_config()
    check_config_rebuilds(layer, config)
    registered = registry.get_registered_name(type(layer))
    keras_module = getattr(type(layer), "_keras_module", "keras.layers")
    if registered is None and not type(layer).__module__.startswith("lamina."):
        # Your own class, as Keras writes one: no module, its class name as registered name.
        registered = type(layer).__name__
    entry = {
        "module": keras_module if registered is None else None,
        # A class exported under another name (GroupedQueryAttention as GroupQueryAttention) says so.
        "class_name": type(layer).__dict__.get("_keras_class_name", type(layer).__name__),
        "config": _keras_nested(config),
        "registered_name": registered or getattr(type(layer), "_keras_registered_name", None),
    }
    # A built layer (lamina's ``Layer``: this floor sits below it) records its build shapes.
    shapes_dict = getattr(layer, "_build_shapes_dict", None)
    built = bool(getattr(layer, "built", False)) and hasattr(layer, "_build_shapes")
    if built and shapes_dict:
        entry["build_config"] = {"shapes_dict": jsonable(shapes_dict)}
    elif built and layer._build_shapes is not None:
        entry["build_config"] = {"input_shape": jsonable(layer._build_shapes)}
    return entry


def deserialize_layer(entry, custom_objects=None):
    """Create a layer or model from a Keras-format (or lamina) config dict."""
    if not isinstance(entry, dict) or "class_name" not in entry:
        raise SavingError(f"A layer config must be a dict with 'class_name'. Received: {entry!r:.200}.")
    class_name = entry["class_name"]
    with registry.loading_scope(custom_objects):
        return _deserialize(entry, class_name, custom_objects)


def _deserialize(entry, class_name, custom_objects):
    cls = registry.resolve_class(class_name, entry.get("registered_name"), custom_objects, entry.get("module"))
    if cls is None:
        raise SavingError(unknown_class_message(class_name, entry.get("module")))
    config = dict(entry.get("config") or {})
    try:
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            return cls.from_config(config, custom_objects=custom_objects)
        return cls.from_config(clean_config(cls, config))
    except TypeError as err:
        raise SavingError(f"The saved config does not fit {class_name}: {err}. Config: {config!r:.300}") from err


def unknown_class_message(class_name, module):
    """Why ``class_name`` cannot be loaded: a Keras class lamina lacks (its ``module`` is
    Keras's), or a class of the user's that was not registered or passed."""
    if isinstance(module, str) and (module == "keras" or module.startswith("keras.")):
        return (
            f"Unknown class name {class_name!r} from Keras's module {module!r}: a Keras class "
            f"that lamina does not have yet, so this file cannot be loaded in lamina. Build the "
            f"model in Keras without {class_name} before saving it, or, if you implement "
            f"{class_name} yourself, pass custom_objects={{{class_name!r}: YourImplementation}} "
            "to the loader."
        )
    return (
        f"Unknown class name {class_name!r} in the saved config. It is neither a lamina class "
        f"nor a registered custom one. If it is your own layer, decorate it with "
        f"@lamina.saving.register_keras_serializable() or pass "
        f"custom_objects={{{class_name!r}: {class_name}}} to the loader."
    )


def clean_config(cls, config):
    """Translate Keras-only keys and drop Keras features that are switched off."""
    config = dict(config)
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        name = (dtype.get("config") or {}).get("name", "float32")
        config["dtype"] = "float32" if str(name).startswith("mixed_") else name
    for value in config.values():
        if isinstance(value, dict) and isinstance(value.get("config"), dict):
            nested = value["config"]
            value["config"] = {k: v for k, v in nested.items() if not (k in _KERAS_ONLY_NESTED and v is None)}
    accepted = _accepted_arguments(cls)
    if accepted is None:
        return config
    for key in list(config):
        if key in accepted:
            continue
        if config[key] in _OFF_VALUES:
            del config[key]
            continue
        raise SavingError(
            f"{cls.__name__}: the saved config sets {key}={config[key]!r:.120}, which lamina's "
            f"{cls.__name__} does not support. Remove that setting (or implement it) before loading."
        )
    return config


def _accepted_arguments(cls):
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        parameters = inspect.signature(init).parameters
        names.update(p for p in parameters if p != "self")
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            break
        if klass.__name__ == "Layer":
            names.update(("input_shape", "batch_input_shape", "batch_size", "input_dim"))
            break
    names.discard("kwargs")
    return names or None


def _keras_nested(config):
    """Give nested serialized objects (initializers...) Keras's module keys."""
    result = {}
    for key, value in config.items():
        if isinstance(value, dict) and "class_name" in value and "module" not in value:
            value = {"module": _module_for(key), **value, "registered_name": value.get("registered_name")}
        result[key] = value
    return result


def _module_for(key):
    if key.endswith("initializer"):
        return "keras.initializers"
    if key.endswith("regularizer"):
        return "keras.regularizers"
    if key.endswith("constraint"):
        return "keras.constraints"
    return "keras"


def jsonable(value):
    """Shapes and nested tuples as JSON lists (``(None, 4)`` -> ``[None, 4]``)."""
    if isinstance(value, (tuple, list)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value
