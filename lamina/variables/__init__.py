"""Keras's ``Variable`` API on lamina's weights (``nn.Parameter``s and buffers)."""

from lamina.variables.variable import NonTrainableVariable, Variable

__all__ = ["NonTrainableVariable", "Variable"]
