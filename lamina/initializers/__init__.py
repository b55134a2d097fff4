"""Weight initializers with Keras 3 names and defaults, producing torch tensors.

Initializers are called with the weight's Keras-layout shape (Dense kernel
``(in, out)``, conv kernel ``(*spatial, in, out)``), which is what their fan
computations assume.

Keras's lower-case names (``glorot_uniform``, ``he_normal``, ``zeros``, ...) and its
``*Initializer`` names are the same classes under other names, as in Keras.
"""

from lamina.initializers.constant import Constant, Identity, Ones, Zeros
from lamina.initializers.fans import compute_fans
from lamina.initializers.initializer import Initializer
from lamina.initializers.orthogonal import Orthogonal
from lamina.initializers.random import RandomNormal, RandomUniform, TruncatedNormal
from lamina.initializers.registry import ALL_CLASSES, ALL_NAMES, deserialize, get, serialize
from lamina.initializers.stft import STFT
from lamina.initializers.variance_scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    VarianceScaling,
)

# Keras's aliases. ``constant``, ``orthogonal`` and ``variance_scaling`` replace the
# package attributes of the same-named submodules (importing from those still works).
IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal
STFTInitializer = STFT
constant = Constant
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
identity = Identity
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
ones = Ones
orthogonal = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
stft = STFT
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
zeros = Zeros

__all__ = [
    "ALL_CLASSES",
    "ALL_NAMES",
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "IdentityInitializer",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomNormal",
    "RandomUniform",
    "STFT",
    "STFTInitializer",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "compute_fans",
    "constant",
    "deserialize",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "serialize",
    "stft",
    "truncated_normal",
    "variance_scaling",
    "zeros",
]
