"""Models: ``Sequential``, functional ``Model(inputs, outputs)`` and subclassed ``Model``."""

from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential"]
