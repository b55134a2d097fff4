"""Keras 3's ``keras.random`` on torch: seeded random tensors on lamina's device.

Seeding follows Keras: ``seed=None`` draws from the global generator that
``lamina.utils.set_random_seed`` resets; an int seed gives the same numbers at every
call; a ``SeedGenerator`` gives new numbers at every call, reproducibly.
"""

from lamina.random.continuous import normal, truncated_normal, uniform
from lamina.random.discrete import binomial, categorical, randint
from lamina.random.gamma_family import beta, gamma
from lamina.random.seed_generator import SeedGenerator
from lamina.random.tensor_ops import dropout, shuffle

__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]
