"""Saving and loading: atomic writes, weights files, ``.keras`` archives, Keras interop."""

from lamina.saving.atomic import atomic_path, atomic_write

__all__ = ["atomic_path", "atomic_write"]
