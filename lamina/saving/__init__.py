"""Saving and loading: atomic writes, weights files, ``.keras`` archives, Keras interop."""

from lamina.saving.atomic import atomic_path, atomic_write
from lamina.saving.keras_archive import save_model
from lamina.saving.keras_objects import (
    deserialize_keras_object,
    get_registered_name,
    serialize_keras_object,
)
from lamina.saving.model_files import load_model
from lamina.saving.weights_file import load_weights, save_weights
from lamina.serialization import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_object,
    register_keras_serializable,
)
from lamina.serialization.safe_mode import in_safe_mode, safe_mode_scope

__all__ = [
    "CustomObjectScope",
    "atomic_path",
    "atomic_write",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "in_safe_mode",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "safe_mode_scope",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
