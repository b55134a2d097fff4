"""Keras's ``Variable`` API on lamina's weights (``nn.Parameter``s and buffers)."""

from lamina.variables.stateless_scope import StatelessScope, get_stateless_scope, in_stateless_scope
from lamina.variables.variable import NonTrainableVariable, Variable

__all__ = [
    "NonTrainableVariable",
    "StatelessScope",
    "Variable",
    "get_stateless_scope",
    "in_stateless_scope",
]
