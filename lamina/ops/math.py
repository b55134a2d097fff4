"""Keras 3's ``keras.ops.math`` functions on torch."""

__all__ = []
