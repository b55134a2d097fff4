"""Python functions and values in configs, in Keras 3's format (used by ``Lambda``).

A named function is saved by name (``{"class_name": "function", "config": "my_fn"}``)
and found again through ``custom_objects``, ``@lamina.saving.register_keras_serializable``
or lamina's activations. A Python ``lambda`` has no name, so it is saved as its
bytecode: ``{"class_name": "__lambda__", "config": {"code": <base64 marshal>,
"defaults": ..., "closure": ...}}``. Loading bytecode runs code from the file, so it is
refused unless safe mode is off.
"""

import base64
import builtins
import marshal
import math
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F

from lamina import activations
from lamina.errors import ConfigurationError, SavingError
from lamina.serialization import registry

UNSAFE_LAMBDA = (
    "{where}: the saved config holds a Python lambda as bytecode. Loading it would run code "
    "taken from the file, so it is refused in safe mode. If you trust the file, load it with "
    "lamina.saving.load_model(path, safe_mode=False), or build the layer inside "
    "`with lamina.saving.safe_mode_scope(False):`. Better for the future: replace the lambda "
    "with a named function decorated with @lamina.saving.register_keras_serializable(), "
    "which is saved by name."
)

UNKNOWN_FUNCTION = (
    "{where}: the saved config names the function {name!r}, which lamina cannot find. Named "
    "functions are loaded by name only, never imported from a module the file names. "
    "Decorate the function with @lamina.saving.register_keras_serializable() before loading, "
    "or pass custom_objects={{{name!r}: {short}}} to the loader."
)

# Names a loaded lambda may use besides Python's builtins (Keras gives it none).
_LAMBDA_GLOBALS = {"torch": torch, "F": F, "np": np, "numpy": np, "math": math}


def is_lambda(fn):
    return isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>"


def serialize_function(fn, where="Lambda"):
    """Keras-format config of ``fn``: bytecode for a lambda, the name for a named function."""
    if is_lambda(fn):
        closure = None
        if fn.__closure__:
            closure = [serialize_value(cell.cell_contents) for cell in fn.__closure__]
        return {
            "class_name": "__lambda__",
            "config": {
                "code": base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii"),
                "defaults": None if fn.__defaults__ is None else [serialize_value(v) for v in fn.__defaults__],
                "closure": closure,
            },
        }
    if not callable(fn):
        raise ConfigurationError(f"{where}: expected a function. Received: {fn!r:.80}.")
    return {
        "module": "builtins",
        "class_name": "function",
        "config": _function_name(fn),
        "registered_name": "function",
    }


def deserialize_function(config, custom_objects=None, safe_mode=True, where="Lambda"):
    """The function ``config`` describes (see ``serialize_function``).

    Raises:
        SavingError: for bytecode in safe mode, unreadable bytecode, or an unknown name.
    """
    if callable(config):
        return config
    if isinstance(config, str):
        config = {"class_name": "function", "config": config}
    if not isinstance(config, dict) or "class_name" not in config:
        raise SavingError(f"{where}: cannot read a function from {config!r:.120}.")
    if config["class_name"] == "__lambda__":
        if safe_mode:
            raise SavingError(UNSAFE_LAMBDA.format(where=where))
        return _load_lambda(config["config"], custom_objects, where)
    name = config.get("config")
    if not isinstance(name, str):
        raise SavingError(f"{where}: cannot read a function from {config!r:.120}.")
    return _find_named(name, custom_objects, where)


def serialize_value(value):
    """A JSON-friendly form of an argument value; arrays and tensors as Keras writes them."""
    if isinstance(value, torch.Tensor):
        return {"class_name": "__tensor__", "config": _array_config(value.detach().cpu().numpy())}
    if isinstance(value, np.ndarray):
        return {"class_name": "__numpy__", "config": _array_config(value)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [serialize_value(v) for v in value]
    if isinstance(value, dict):
        return {k: serialize_value(v) for k, v in value.items()}
    return value


def deserialize_value(value):
    """Inverse of ``serialize_value``."""
    if isinstance(value, dict):
        kind = value.get("class_name")
        if kind in ("__tensor__", "__numpy__") and isinstance(value.get("config"), dict):
            array = np.asarray(value["config"]["value"], dtype=value["config"].get("dtype"))
            return torch.from_numpy(array) if kind == "__tensor__" else array
        return {k: deserialize_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deserialize_value(v) for v in value]
    return value


def _array_config(array):
    return {"value": array.tolist(), "dtype": str(array.dtype)}


def _function_name(fn):
    registered = registry.get_registered_name(fn) if isinstance(fn, types.FunctionType) else None
    if registered:
        return registered
    name = activations.registry.name_of(fn)
    if name == "<lambda>" or not isinstance(name, str):
        raise ConfigurationError(f"Cannot name the function {fn!r:.80} in a config.")
    return name


def _find_named(name, custom_objects, where):
    custom_objects = custom_objects or {}
    short = name.split(">", 1)[-1]
    for key in (name, short):
        if key in custom_objects:
            return custom_objects[key]
    found = registry.registered_object(name)
    if found is not None:
        return found
    try:
        return activations.get(name)
    except ConfigurationError:
        raise SavingError(UNKNOWN_FUNCTION.format(where=where, name=name, short=short)) from None


def _load_lambda(config, custom_objects, where):
    if not isinstance(config, dict):
        raise SavingError(f"{where}: cannot read a lambda from {config!r:.120}.")
    if "value" in config:  # Keras's generic form: {"value": [code, defaults, closure]}
        code, defaults, closure = config["value"]
    else:
        code, defaults, closure = config.get("code"), config.get("defaults"), config.get("closure")
    try:
        code = marshal.loads(base64.decodebytes(code.encode("ascii")))
    except (ValueError, EOFError, TypeError, AttributeError) as err:
        raise SavingError(
            f"{where}: the saved lambda's bytecode cannot be read ({err}). Python bytecode only "
            f"loads in the Python version that wrote it (this is Python "
            f"{sys.version_info.major}.{sys.version_info.minor}). Rebuild the layer in code and "
            f"load the weights, or re-save the model with a named, registered function."
        ) from err
    if not isinstance(code, types.CodeType):
        raise SavingError(f"{where}: the saved lambda is not Python bytecode.")
    namespace = {"__builtins__": builtins, **_LAMBDA_GLOBALS, **(custom_objects or {})}
    cells = None
    if closure is not None:
        cells = tuple(types.CellType(deserialize_value(v)) for v in closure)
    if len(cells or ()) != len(code.co_freevars):
        raise SavingError(f"{where}: the saved lambda's closure does not match its bytecode.")
    defaults = None if defaults is None else tuple(deserialize_value(v) for v in defaults)
    return types.FunctionType(code, namespace, code.co_name, defaults, cells)
