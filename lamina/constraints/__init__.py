"""Weight constraints with Keras 3's names and formulas, applied after each optimizer step.

Pass them to layers (``Dense(..., kernel_constraint=MaxNorm(3))``) or to your own weights
(``self.add_weight(..., constraint="non_neg")``). They see weights in Keras's layout, so
``axis`` means what it means in Keras.
"""

from lamina.constraints.constraint import Constraint
from lamina.constraints.norm_constraints import MaxNorm, MinMaxNorm, NonNeg, UnitNorm
from lamina.constraints.registry import deserialize, get, serialize

# Keras's lower-case aliases.
max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]
