"""Which classes a saved config may name: lamina's own and those registered by the user.

Loading never imports a module or calls a function a file names: a config's
``class_name`` is looked up here, in ``custom_objects`` passed to the loader, or it is
refused.
"""

import inspect
import threading

from lamina.errors import ConfigurationError

_REGISTERED = {}
_scope = threading.local()


class CustomObjectScope:
    """Make ``custom_objects`` visible to every config deserialized inside the ``with``
    block (``load_model``, ``from_config``, ``deserialize_keras_object``...), as Keras's
    ``CustomObjectScope``.

    As in Keras, a scope replaces the one around it rather than adding to it: inside a
    nested scope only the inner scope's objects are visible. Inside a scope, its objects
    win over registered ones and over a loader's ``custom_objects`` argument.

    Args:
        custom_objects: ``{name: class or function}``.

    Example:
        >>> import lamina
        >>> def my_fn(x):
        ...     return x
        >>> with lamina.saving.custom_object_scope({"my_fn": my_fn}):
        ...     lamina.saving.get_registered_object("my_fn") is my_fn
        True
    """

    def __init__(self, custom_objects):
        self.custom_objects = custom_objects or {}
        self.backup = None

    def __enter__(self):
        self.backup = dict(scoped_objects())
        _scope.objects = dict(self.custom_objects)
        return self

    def __exit__(self, *exc_info):
        _scope.objects = dict(self.backup or {})


#: Keras's other name for ``CustomObjectScope``.
custom_object_scope = CustomObjectScope


def scoped_objects():
    """The objects of the innermost ``CustomObjectScope`` (``{}`` outside any)."""
    return getattr(_scope, "objects", {})


def loading_scope(custom_objects):
    """The scope a loader runs in: its ``custom_objects`` argument and, winning over it as
    in Keras, the scope it was called in."""
    return CustomObjectScope({**(custom_objects or {}), **scoped_objects()})


def get_custom_objects():
    """The global dict of registered custom objects (Keras's ``get_custom_objects``).

    ``register_keras_serializable`` adds to it under ``"package>Name"``; objects you put
    in it yourself are found by their key when configs are loaded.

    Example:
        >>> import lamina
        >>> def scaled(x):
        ...     return 2 * x
        >>> lamina.saving.get_custom_objects()["scaled"] = scaled
        >>> lamina.saving.get_registered_object("scaled") is scaled
        True
        >>> del lamina.saving.get_custom_objects()["scaled"]
    """
    return _REGISTERED


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered as ``name``, looked up as Keras does: the current
    ``custom_object_scope`` first, then registered objects (``get_custom_objects()``),
    then ``custom_objects``, then ``module_objects``; None if none has it.

    Example:
        >>> import lamina
        >>> @lamina.saving.register_keras_serializable(package="demo")
        ... def halve(x):
        ...     return x / 2
        >>> lamina.saving.get_registered_object("demo>halve") is halve
        True
    """
    for table in (scoped_objects(), _REGISTERED, custom_objects or {}, module_objects or {}):
        if name in table:
            return table[name]
    return None


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
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ConfigurationError(
                f"register_keras_serializable: {obj.__name__} cannot be registered because it has "
                "no get_config() method; loading could not rebuild it. Add get_config (and "
                "from_config if its constructor needs more than the config's keys)."
            )
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
    """What the current scope or a registration holds as ``name``: the exact key
    ("package>Name"), else a registration under the bare ``Name``; None if nothing."""
    if not isinstance(name, str):
        return None
    for table in (scoped_objects(), _REGISTERED):
        if name in table:
            return table[name]
    return next((obj for key, obj in _REGISTERED.items() if _short(key) == name), None)


def _short(key):
    return key.split(">", 1)[-1]


_BUILTIN = {}
# ``(is_operation_module, operation_class)``: how a saved Keras operation node resolves,
# registered by ``lamina.layers.keras_operations`` (this floor imports nothing above it).
_OPERATIONS = []


def register_builtin(*classes, **named):
    """Make lamina's own classes loadable by class name (``lamina.layers`` and
    ``lamina.models`` register theirs when they load); ``named`` adds them under other
    names (Keras's aliases, such as ``Convolution2D``)."""
    for cls in classes:
        _BUILTIN[cls.__name__] = cls
    _BUILTIN.update(named)


# Classes Keras keeps inside one of its modules rather than among its layers (ConvNeXt's
# ``LayerScale`` in ``keras.src.applications.convnext``): ``(module, class_name) -> class``.
# As in Keras, only an entry naming that module finds one, so a user's own class of the same
# name is never mistaken for it.
_IN_KERAS_MODULE = {}


def register_in_keras_module(*classes):
    """Make lamina's versions of such classes loadable for configs naming their Keras module
    (the class's ``_keras_module``)."""
    for cls in classes:
        _IN_KERAS_MODULE[(cls._keras_module, cls.__name__)] = cls


def register_operations(is_operation_module, operation_class):
    """How configs whose ``module`` is Keras's operations resolve (``resolve_class``)."""
    _OPERATIONS[:] = [(is_operation_module, operation_class)]


def lamina_classes():
    """Every serializable lamina class by class name."""
    return dict(_BUILTIN)


def resolve_class(class_name, registered_name=None, custom_objects=None, module=None):
    """The class a config names, or None. Custom objects and registrations come first.

    An entry whose ``module`` is under ``keras.src.ops`` is a Keras operation node: it
    resolves (after ``custom_objects``) only among lamina's Keras operations, so the
    operation ``Add`` is not the merge layer ``Add``; an unknown one raises SavingError.
    """
    custom_objects = {**(custom_objects or {}), **scoped_objects()}
    for is_operation_module, operation_class in _OPERATIONS:
        if is_operation_module(module):
            return custom_objects.get(class_name) or operation_class(class_name, module)
    # As Keras: the scope (merged into custom_objects above, winning), then registrations,
    # then the loader's argument, looked up by the registered name first.
    for key in (registered_name, class_name):
        if not key:
            continue
        if key in scoped_objects():
            return scoped_objects()[key]
        if key in _REGISTERED:
            return _REGISTERED[key]
        if key in custom_objects:
            return custom_objects[key]
    if (module, class_name) in _IN_KERAS_MODULE:
        return _IN_KERAS_MODULE[(module, class_name)]
    for key, value in _REGISTERED.items():
        if _short(key) == class_name:
            return value
    return lamina_classes().get(class_name)
