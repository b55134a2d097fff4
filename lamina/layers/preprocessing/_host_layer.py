"""``HostLayer``: the base of preprocessing layers that take strings (or ids) on the host.

Strings never go to the device: such a layer reads NumPy arrays, Python lists or CPU
tensors, does its string work in Python/NumPy, and returns integer ids (or encoded
counts) as a torch tensor on lamina's device. Called on a symbolic tensor (a
``lamina.Input(dtype="string")``) it records a node like any layer, so it can be the first
layer of a functional or Sequential model; called on a batch it works in a data pipeline.
"""

import numpy as np
import torch

from lamina.backend.device import get_device
from lamina.errors import ConfigurationError, InputError
from lamina.layers import symbolic
from lamina.layers.layer import Layer

SPARSE_REFUSED = (
    "{where}: sparse=True is not supported: lamina's preprocessing layers return dense torch "
    "tensors. Received: sparse=True. Leave sparse=False (the output is the same values, dense)."
)


class HostLayer(Layer):
    """A layer that runs on the host and hands its integer/float output to the device."""

    #: dtype of the output tensor (``torch.int64`` ids or ``torch.float32`` encodings).
    def _output_torch_dtype(self):
        return torch.int64

    def __call__(self, inputs, *args, **kwargs):
        if symbolic.is_symbolic(inputs):
            return super().__call__(inputs, *args, **kwargs)
        self.built = True
        return self.call(inputs)

    def _symbolic_output_dtype(self, inputs):
        return self._output_torch_dtype()

    def build(self, input_shape):
        pass


def check_sparse(sparse, where):
    """Refuse ``sparse=True`` with a message naming the layer."""
    if sparse:
        raise ConfigurationError(SPARSE_REFUSED.format(where=where))


def check_choice(value, name, choices, where):
    if value not in choices:
        raise ConfigurationError(
            f"{where}: {name} must be one of {list(choices)}. Received: {name}={value!r}."
        )
    return value


def host_array(inputs, where, strings=None):
    """``inputs`` (array, list, scalar, tensor) as a NumPy array on the host.

    Byte strings are decoded as UTF-8; ``strings=True`` makes everything ``str`` (an
    object array), ``strings=False`` requires numbers.
    """
    if isinstance(inputs, torch.Tensor):
        array = inputs.detach().cpu().numpy()
    elif isinstance(inputs, np.ndarray):
        array = inputs
    else:
        try:
            array = np.asarray(inputs, dtype=object if _has_text(inputs) else None)
        except ValueError as err:
            raise InputError(f"{where}: inputs must be a rectangular array or list. Received: {inputs!r:.200}.") from err
    if array.dtype.kind in "SO" or array.dtype.kind == "U":
        if strings is False and array.dtype.kind != "O":
            raise InputError(f"{where}: expected integer inputs, received strings (dtype {array.dtype}).")
        return _as_str(array)
    if strings:
        return _as_str(array)
    return array


def _has_text(value):
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return isinstance(value, (str, bytes))


def _as_str(array):
    if array.dtype.kind == "U":
        return array.astype(object)
    flat = [v.decode("utf-8") if isinstance(v, bytes) else (v if isinstance(v, str) else str(v)) for v in array.reshape(-1)]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(array.shape)


def to_device(array, dtype=torch.int64):
    """A host array as a tensor of ``dtype`` on lamina's device."""
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    return tensor.to(device=get_device(), dtype=dtype)


def encode_categorical(ids, output_mode, depth, dtype=torch.float32, count_weights=None):
    """Keras's ``encode_categorical_inputs`` on a torch id tensor: ``one_hot`` /
    ``multi_hot`` / ``count`` over ``depth`` classes; ids outside ``[0, depth)`` are dropped."""
    if output_mode == "int":
        return ids
    if ids.dim() == 0:
        ids = ids.reshape(1)
    if output_mode == "one_hot" and ids.dim() > 1 and ids.shape[-1] == 1:
        ids = ids.reshape(ids.shape[:-1])
    valid = (ids >= 0) & (ids < depth)
    hot = torch.nn.functional.one_hot(torch.where(valid, ids, 0).long(), depth).to(dtype)
    hot = hot * valid.unsqueeze(-1).to(dtype)
    if output_mode == "one_hot":
        return hot
    axis = 1 if ids.dim() > 1 else 0
    if output_mode == "multi_hot":
        return hot.amax(dim=axis)
    if count_weights is not None:
        hot = hot * count_weights.unsqueeze(-1).to(dtype)
    return hot.sum(dim=axis)


def encoded_shape(input_shape, output_mode, depth):
    """Output shape of ``encode_categorical`` for ``input_shape`` (Keras's rules)."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) >= 2:
        return (input_shape[0],) + input_shape[2:] + (depth,)
    return (depth,)
