"""Keras 3's ``keras.ops.numpy`` functions on torch: every function of that family, with
Keras's names, signatures, defaults and result dtypes (as Keras 3 computes them on torch)."""

from lamina.ops import (
    numpy_create,
    numpy_logic,
    numpy_math,
    numpy_products,
    numpy_reduce,
    numpy_select,
    numpy_shape,
)
from lamina.ops.numpy_create import *  # noqa: F403
from lamina.ops.numpy_logic import *  # noqa: F403
from lamina.ops.numpy_math import *  # noqa: F403
from lamina.ops.numpy_products import *  # noqa: F403
from lamina.ops.numpy_reduce import *  # noqa: F403
from lamina.ops.numpy_select import *  # noqa: F403
from lamina.ops.numpy_shape import *  # noqa: F403

__all__ = sorted({
    *numpy_create.__all__, *numpy_logic.__all__, *numpy_math.__all__, *numpy_products.__all__,
    *numpy_reduce.__all__, *numpy_select.__all__, *numpy_shape.__all__,
})
