"""Keras 3's ``keras.ops.linalg`` functions on torch."""

__all__ = []
