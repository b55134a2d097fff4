"""NumPy arrays and Python lists given to a layer or model call become torch tensors.

``Layer.__call__`` converts its ``inputs`` here, once, so every layer and model (a
stateful RNN, a custom ``call`` that reads ``inputs.shape[0]`` into ``torch.zeros``)
sees tensors, as Keras layers do. Floats take the layer's float dtype (Keras autocasts
float64 NumPy to float32); integers and booleans keep theirs.
"""

import numbers

import numpy as np
import torch

from lamina.backend import config
from lamina.backend.device import get_device


def tensors_from_arrays(inputs, dtype_name):
    """``inputs`` with every array-like leaf (array, number list) as a tensor on lamina's device."""
    if isinstance(inputs, (list, tuple)):
        if all(type(item) is torch.Tensor for item in inputs):
            return inputs
        if inputs and all(_is_number_tree(item) for item in inputs):
            return _tensor(np.asarray(inputs), dtype_name)
        items = [tensors_from_arrays(item, dtype_name) for item in inputs]
        return items if isinstance(inputs, list) else tuple(items)
    if isinstance(inputs, dict):
        return {key: tensors_from_arrays(value, dtype_name) for key, value in inputs.items()}
    if isinstance(inputs, (np.ndarray, np.generic)):
        return _tensor(inputs, dtype_name)
    return inputs


def _is_number_tree(value):
    if isinstance(value, (list, tuple)):
        return all(_is_number_tree(item) for item in value)
    return isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, torch.Tensor)


def _tensor(array, dtype_name):
    if array.dtype == object or array.dtype.kind in "USO":
        return array
    tensor = torch.as_tensor(array)
    if tensor.is_floating_point():
        name = dtype_name if isinstance(dtype_name, str) and dtype_name.startswith(("float", "bfloat")) else None
        tensor = tensor.to(getattr(torch, name or config.floatx()))
    return tensor.to(get_device())
