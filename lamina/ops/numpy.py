"""Keras 3's ``keras.ops.numpy`` functions on torch."""

from lamina.ops.reductions import mean

__all__ = ["mean"]
