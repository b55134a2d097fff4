"""Saving and loading: atomic writes, weights files, ``.keras`` archives, Keras interop."""

from lamina.saving.atomic import atomic_path, atomic_write
from lamina.saving.keras_archive import load_model, save_model
from lamina.saving.safe_mode import in_safe_mode, safe_mode_scope
from lamina.saving.weights_file import load_weights, save_weights
from lamina.serialization import get_registered_name, register_keras_serializable

__all__ = [
    "atomic_path",
    "atomic_write",
    "get_registered_name",
    "in_safe_mode",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "safe_mode_scope",
    "save_model",
    "save_weights",
]
