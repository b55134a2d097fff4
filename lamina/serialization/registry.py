"""Which classes a saved config may name: lamina's own and those registered by the user.

Loading never imports a module or calls a function a file names: a config's
``class_name`` is looked up here, in ``custom_objects`` passed to the loader, or it is
refused.
"""

import contextlib
import inspect
import threading

from lamina.errors import ConfigurationError

_REGISTERED = {}
_scope = threading.local()


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    """Make ``custom_objects`` visible to every config loaded inside the ``with`` block
    (nested models included), as Keras's ``custom_object_scope``."""
    stack = getattr(_scope, "stack", [])
    _scope.stack = [*stack, dict(custom_objects or {})]
    try:
        yield
    finally:
        _scope.stack = stack


def register_keras_serializable(package="Custom", name=None):
    """Class decorator: make a custom layer/model/loss/metric loadable by name.

    The class is saved as ``"package>Name"`` (Keras's ``registered_name``).

    Example:
        >>> import lamina
        >>> @lamina.saving.register_keras_serializable(package="demo")
        ... class Double(lamina.layers.Layer):
        ...     def call(self, inputs):
        ...         return 2 * inputs
        >>> lamina.saving.get_registered_name(Double)
        'demo>Double'
    """
    if "/" in str(package) or ">" in str(package):
        raise ConfigurationError(f"register_keras_serializable: package may not contain '/' or '>'. Received: {package!r}.")

    def decorate(obj):
        key = f"{package}>{name or obj.__name__}"
        _REGISTERED[key] = obj
        obj._registered_name = key
        return obj

    return decorate


def get_registered_name(obj):
    """The name ``register_keras_serializable`` gave ``obj`` (a class, function or instance), or None."""
    cls = obj if inspect.isclass(obj) or inspect.isfunction(obj) else type(obj)
    return cls.__dict__.get("_registered_name") if inspect.isclass(cls) else getattr(cls, "_registered_name", None)


def registered_object(name):
    return _REGISTERED.get(name)


def registered_items():
    """``(registered name, object)`` pairs of everything registered so far."""
    return list(_REGISTERED.items())


def find_registered(name):
    """What was registered as ``name`` ("package>Name"), or under the bare ``Name``; else None."""
    if not isinstance(name, str):
        return None
    if name in _REGISTERED:
        return _REGISTERED[name]
    return next((obj for key, obj in _REGISTERED.items() if key.split(">", 1)[1] == name), None)


_BUILTIN = {}


def register_builtin(*classes):
    """Make lamina's own classes (models register themselves) loadable by class name."""
    for cls in classes:
        _BUILTIN[cls.__name__] = cls


def lamina_classes():
    """Every serializable lamina class by class name."""
    from lamina import layers

    found = {name: getattr(layers, name) for name in layers.__all__ if inspect.isclass(getattr(layers, name))}
    found.update(_BUILTIN)
    return found


def resolve_class(class_name, registered_name=None, custom_objects=None, module=None):
    """The class a config names, or None. Custom objects and registrations come first.

    An entry whose ``module`` is under ``keras.src.ops`` is a Keras operation node: it
    resolves (after ``custom_objects``) only among lamina's Keras operations, so the
    operation ``Add`` is not the merge layer ``Add``; an unknown one raises SavingError.
    """
    merged = {}
    for scoped in getattr(_scope, "stack", []):
        merged.update(scoped)
    custom_objects = {**merged, **(custom_objects or {})}
    for key in (registered_name, class_name):
        if key and key in custom_objects:
            return custom_objects[key]
    from lamina.layers import keras_operations

    if keras_operations.is_keras_operation_module(module):
        return keras_operations.operation_class(class_name, module)
    if registered_name and registered_name in _REGISTERED:
        return _REGISTERED[registered_name]
    for key, value in _REGISTERED.items():
        if key.split(">", 1)[1] == class_name:
            return value
    return lamina_classes().get(class_name)
