"""Weight initializers with Keras 3 names and defaults, producing torch tensors.

Initializers are called with the weight's Keras-layout shape (Dense kernel
``(in, out)``, conv kernel ``(*spatial, in, out)``), which is what their fan
computations assume.
"""

from lamina.initializers.constant import Constant, Identity, Ones, Zeros
from lamina.initializers.fans import compute_fans
from lamina.initializers.initializer import Initializer
from lamina.initializers.orthogonal import Orthogonal
from lamina.initializers.random import RandomNormal, RandomUniform, TruncatedNormal
from lamina.initializers.registry import ALL_CLASSES, ALL_NAMES, deserialize, get, serialize
from lamina.initializers.variance_scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    VarianceScaling,
)

__all__ = [
    "ALL_CLASSES",
    "ALL_NAMES",
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "compute_fans",
    "deserialize",
    "get",
    "serialize",
]
