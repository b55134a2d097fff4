"""Device, dtype and data-format settings: the one place lamina picks cpu/cuda/mps."""

from lamina.backend.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    standardize_data_format,
)
from lamina.backend.device import get_device, set_device
from lamina.backend.random import set_random_seed

__all__ = [
    "epsilon",
    "floatx",
    "get_device",
    "image_data_format",
    "set_device",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_random_seed",
    "standardize_data_format",
]
