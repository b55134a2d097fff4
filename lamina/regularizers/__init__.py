"""Weight and activity penalties with Keras 3's names and formulas.

Pass them to layers (``Dense(..., kernel_regularizer="l2")``) or add them to your own
weights (``self.add_weight(..., regularizer=L2(1e-4))``); ``fit`` adds every penalty to
the loss it trains and reports.
"""

from lamina.regularizers.norm_penalties import L1, L1L2, L2
from lamina.regularizers.orthogonal import OrthogonalRegularizer
from lamina.regularizers.registry import deserialize, get, serialize
from lamina.regularizers.regularizer import Regularizer

# Keras's lower-case aliases.
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]
