"""Keras 3's ``keras.ops.image`` functions on torch."""

__all__ = []
