"""Device, dtype and data-format settings (the one place lamina picks cpu/cuda/mps), and
Keras's ``keras.backend`` names that make sense on torch."""

from lamina.backend.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    standardize_data_format,
)
from lamina.backend.device import device, get_device, set_device
from lamina.backend.dtypes import is_float_dtype, is_int_dtype, standardize_dtype
from lamina.backend.host_memory import host_memory_tuned, tune_host_memory
from lamina.backend.keras_tensor import is_keras_tensor
from lamina.backend.name_scope import name_scope
from lamina.backend.random import set_random_seed
from lamina.backend.remat import RematScope, remat
from lamina.backend.session import backend, clear_session, get_uid
from lamina.backend.symbolic_scope import SymbolicScope, get_symbolic_scope, in_symbolic_scope

__all__ = [
    "RematScope",
    "SymbolicScope",
    "get_symbolic_scope",
    "in_symbolic_scope",
    "backend",
    "clear_session",
    "epsilon",
    "floatx",
    "device",
    "get_device",
    "get_uid",
    "host_memory_tuned",
    "image_data_format",
    "is_float_dtype",
    "is_int_dtype",
    "is_keras_tensor",
    "name_scope",
    "remat",
    "set_device",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_random_seed",
    "standardize_data_format",
    "standardize_dtype",
    "tune_host_memory",
]
