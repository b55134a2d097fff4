"""Keras's ``keras.config``: global numeric settings (floatx, epsilon, image data format).

``backend()`` is ``"torch"``: lamina runs on PyTorch only.
"""

from lamina.backend.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from lamina.backend.session import backend
from lamina.mixed_precision import global_policy as dtype_policy
from lamina.mixed_precision import set_global_policy as set_dtype_policy

__all__ = [
    "backend",
    "dtype_policy",
    "epsilon",
    "floatx",
    "image_data_format",
    "set_dtype_policy",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
]
