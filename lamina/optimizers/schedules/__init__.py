"""Learning-rate schedules with Keras 3's names, arguments and formulas.

Pass one as an optimizer's ``learning_rate``; the optimizer evaluates it at each step.
"""

from lamina.optimizers.schedules.cosine_decay import CosineDecay
from lamina.optimizers.schedules.cosine_decay_restarts import CosineDecayRestarts
from lamina.optimizers.schedules.exponential_decay import ExponentialDecay
from lamina.optimizers.schedules.inverse_time_decay import InverseTimeDecay
from lamina.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from lamina.optimizers.schedules.piecewise_constant_decay import PiecewiseConstantDecay
from lamina.optimizers.schedules.polynomial_decay import PolynomialDecay
from lamina.optimizers.schedules.registry import deserialize, get, serialize

__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "get",
    "serialize",
]
