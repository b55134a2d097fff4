"""Keras 3's ``keras.ops.core`` functions on torch (and ``rearrange``, from ``keras.ops.einops``)."""

from lamina.ops.convert import convert_to_tensor
from lamina.ops.core_control_flow import (
    associative_scan,
    cond,
    fori_loop,
    map,
    scan,
    switch,
    vectorized_map,
    while_loop,
)
from lamina.ops.core_gradient import custom_gradient
from lamina.ops.core_rearrange import rearrange
from lamina.ops.core_scatter import scatter, scatter_update, slice, slice_update
from lamina.ops.core_tensors import (
    cast,
    convert_to_numpy,
    dtype,
    is_tensor,
    saturate_cast,
    shape,
    stop_gradient,
    unstack,
)

__all__ = [
    "associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor", "custom_gradient", "dtype",
    "fori_loop", "is_tensor", "map", "rearrange", "saturate_cast", "scan", "scatter", "scatter_update", "shape",
    "slice", "slice_update", "stop_gradient", "switch", "unstack", "vectorized_map", "while_loop",
]
