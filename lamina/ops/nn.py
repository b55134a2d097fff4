"""Keras 3's ``keras.ops.nn`` functions on torch."""

__all__ = []
