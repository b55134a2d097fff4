"""Keras 3's ``keras.ops.core`` functions on torch."""

__all__ = []
