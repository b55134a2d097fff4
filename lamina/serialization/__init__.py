"""Configs in Keras 3's serialized form and the registry of loadable classes."""

from lamina.serialization.layer_config import clean_config, deserialize_layer, serialize_layer
from lamina.serialization.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_builtin,
    register_keras_serializable,
    resolve_class,
)

__all__ = [
    "CustomObjectScope",
    "clean_config",
    "custom_object_scope",
    "deserialize_layer",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_builtin",
    "register_keras_serializable",
    "resolve_class",
    "serialize_layer",
]
