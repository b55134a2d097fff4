"""Initializers that involve no randomness: Zeros, Ones, Constant, Identity."""

import numbers

import numpy as np
import torch

from lamina.errors import ConfigurationError, describe
from lamina.initializers.initializer import Initializer, standardize_dtype, standardize_shape


class Zeros(Initializer):
    """Fills the weight with 0 (Keras's default bias initializer)."""

    def __call__(self, shape, dtype=None):
        name = type(self).__name__
        return torch.zeros(standardize_shape(shape, name), dtype=standardize_dtype(dtype, name))


class Ones(Initializer):
    """Fills the weight with 1."""

    def __call__(self, shape, dtype=None):
        name = type(self).__name__
        return torch.ones(standardize_shape(shape, name), dtype=standardize_dtype(dtype, name))


class Constant(Initializer):
    """Fills the weight with ``value``.

    Args:
        value: A number, or an array-like broadcastable to the weight's shape (kept in
            the config as a nested list).
    """

    def __init__(self, value=0.0):
        if isinstance(value, numbers.Number):
            self.value = value
        else:
            try:
                self.value = np.asarray(value).tolist()
            except (TypeError, ValueError) as err:
                raise ConfigurationError(
                    f"Constant: value must be a number or an array-like. "
                    f"Received: value={describe(value)}."
                ) from err

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Constant")
        dtype = standardize_dtype(dtype, "Constant")
        if isinstance(self.value, numbers.Number):
            return torch.full(shape, self.value, dtype=dtype)
        value = torch.as_tensor(self.value, dtype=dtype)
        try:
            return torch.broadcast_to(value, shape).clone()
        except RuntimeError as err:
            raise ConfigurationError(
                f"Constant: value of shape {tuple(value.shape)} cannot be broadcast to the "
                f"weight's shape {shape}. Pass a scalar or an array of a broadcastable shape."
            ) from err

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """``gain`` times the identity matrix (ones on the main diagonal) of a 2-D weight.

    Args:
        gain: Multiplier applied to the identity matrix.

    Raises:
        ConfigurationError: when called with a shape that is not 2-D.
    """

    def __init__(self, gain=1.0):
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Identity")
        dtype = standardize_dtype(dtype, "Identity")
        if len(shape) != 2:
            raise ConfigurationError(
                f"Identity: the weight must be a 2-D matrix. Received: shape={shape} of "
                f"rank {len(shape)}."
            )
        return (self.gain * torch.eye(*shape, dtype=torch.float64)).to(dtype)

    def get_config(self):
        return {"gain": self.gain}
