"""Keras 3's ``keras.ops`` on torch: eager on tensors, operation nodes on symbolic tensors.

Every function also lives in its family's module (``lamina.ops.numpy``, ``nn``, ``linalg``,
``image``, ``core``, ``math``), as in Keras; this namespace holds them all.
"""

from lamina.ops import core, image, linalg, math, nn, numpy
from lamina.ops.core import *  # noqa: F403
from lamina.ops.image import *  # noqa: F403
from lamina.ops.linalg import *  # noqa: F403
from lamina.ops.math import *  # noqa: F403
from lamina.ops.nn import *  # noqa: F403
from lamina.ops.numpy import *  # noqa: F403
from lamina.ops.operation import Operation

__all__ = [
    "Operation", "core", "image", "linalg", "math", "nn", "numpy",
    *core.__all__, *image.__all__, *linalg.__all__, *math.__all__, *nn.__all__, *numpy.__all__,
]
