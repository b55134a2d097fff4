"""Merging layers: combine a list of tensors (Add, Concatenate, Dot, ...), with their
functional forms (``add``, ``concatenate``, ``dot``, ...)."""

from lamina.layers.merging.add import Add, add
from lamina.layers.merging.average import Average, average
from lamina.layers.merging.base_merge import Merge
from lamina.layers.merging.concatenate import Concatenate, concatenate
from lamina.layers.merging.dot import Dot, dot
from lamina.layers.merging.maximum import Maximum, maximum
from lamina.layers.merging.minimum import Minimum, minimum
from lamina.layers.merging.multiply import Multiply, multiply
from lamina.layers.merging.subtract import Subtract, subtract

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Merge",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
