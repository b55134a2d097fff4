"""``get`` / ``serialize`` / ``deserialize`` for a small family of callables (regularizers,
constraints), in Keras 3's serialized form.

A family knows its base class, its classes by name and a few string aliases. User classes
and functions come from ``custom_objects`` or from ``register_keras_serializable``.
"""

import inspect

from lamina.backend.naming import to_snake_case
from lamina.errors import ConfigurationError, describe
from lamina.serialization import registry


class ObjectFamily:
    """Look-ups for one family of objects.

    Args:
        kind: singular noun used in messages and as the argument name ("regularizer").
        module: Keras module written in configs ("keras.regularizers").
        base: the family's base class.
        classes: lamina's classes, found by class name and snake_case class name.
        aliases: extra names, each mapped to a zero-argument factory of the object.
    """

    def __init__(self, kind, module, base, classes, aliases=None):
        self.kind, self.module, self.base = kind, module, base
        self.classes = {cls.__name__: cls for cls in classes}
        self.names = {to_snake_case(cls.__name__): cls for cls in classes}
        self.names.update(self.classes)
        self.aliases = dict(aliases or {})

    def known_names(self):
        return sorted(name for name in [*self.names, *self.aliases] if name.islower())

    def get(self, identifier, custom_objects=None):
        """The object ``identifier`` stands for (``None`` stays ``None``).

        Accepts an instance (returned as is), a class (instantiated with its defaults), a
        name, a config dict ``{"class_name": ..., "config": {...}}`` or any callable.
        """
        if identifier is None or isinstance(identifier, self.base):
            return identifier
        if isinstance(identifier, str) and identifier in self.aliases:
            return self.aliases[identifier]()
        if isinstance(identifier, str):
            return self._instantiate(self._lookup(identifier, custom_objects), identifier)
        if isinstance(identifier, dict):
            return self.deserialize(identifier, custom_objects)
        if inspect.isclass(identifier):
            return self._instantiate(identifier, identifier.__name__)
        if callable(identifier):
            return identifier
        raise ConfigurationError(
            f"Could not interpret the {self.kind}. Received: {self.kind}={describe(identifier)}. "
            f"Pass a name (one of {', '.join(self.known_names())}), an instance of "
            f"lamina.{self.module.split('.')[-1]}.{self.base.__name__}, a config dict or a callable."
        )

    def serialize(self, obj):
        """Keras's form: ``{"module", "class_name", "config", "registered_name"}``."""
        if obj is None:
            return None
        registered = registry.get_registered_name(obj)
        if inspect.isfunction(obj):
            name = registered or obj.__name__
            return {"module": obj.__module__, "class_name": "function", "config": name, "registered_name": name}
        cls = type(obj)
        builtin = self.classes.get(cls.__name__) is cls
        try:
            config = obj.get_config()
        except NotImplementedError as err:
            raise ConfigurationError(
                f"{cls.__name__} cannot be saved: it does not implement get_config(). Add "
                f"`def get_config(self): return {{...constructor arguments...}}`."
            ) from err
        return {
            "module": self.module if builtin else cls.__module__,
            "class_name": cls.__name__,
            "config": config,
            "registered_name": None if builtin else (registered or cls.__name__),
        }

    def deserialize(self, config, custom_objects=None):
        """Rebuild an object from ``serialize``'s output (or a Keras config)."""
        if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
            raise ConfigurationError(
                f"A {self.kind} config must be a dict with a 'class_name'. Received: {describe(config)}."
            )
        class_name = config["class_name"]
        if class_name == "function":
            return self._lookup(config.get("registered_name") or config.get("config"), custom_objects)
        names = [n for n in (config.get("registered_name"), class_name) if n]
        cls = next((found for found in map(lambda n: self._find(n, custom_objects), names) if found), None)
        if cls is None:
            raise self._unknown(class_name)
        arguments = dict(config.get("config") or {})
        try:
            return cls.from_config(arguments)
        except TypeError as err:
            raise ConfigurationError(
                f"The saved {self.kind} config does not fit {class_name}: {err}. Config: {arguments!r}."
            ) from err

    # ---------------------------------------------------------------------- helpers
    def _find(self, name, custom_objects):
        custom_objects = custom_objects or {}
        if name in custom_objects:
            return custom_objects[name]
        return registry.find_registered(name) or self.names.get(name)

    def _lookup(self, name, custom_objects):
        found = self._find(name, custom_objects) if isinstance(name, str) else None
        if found is None:
            raise self._unknown(name)
        return found

    def _instantiate(self, found, name):
        if not inspect.isclass(found):
            return found
        try:
            return found()
        except TypeError as err:
            raise ConfigurationError(
                f"{self.kind} {name!r} needs arguments ({err}); create it yourself, e.g. "
                f"{found.__name__}(...)."
            ) from err

    def _unknown(self, name):
        return ConfigurationError(
            f"Unknown {self.kind}. Received: {self.kind}={name!r}. Valid names: "
            f"{', '.join(self.known_names())}. For your own class or function, decorate it with "
            f"@lamina.saving.register_keras_serializable() or pass custom_objects={{{name!r}: ...}}."
        )
