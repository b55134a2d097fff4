"""Reshape: give each sample a new shape (one size may be -1)."""

import math

from lamina.errors import ConfigurationError, InputError
from lamina.layers.layer import Layer


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (without the batch axis)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in target_shape) > 1 or any(d == 0 or d < -1 for d in target_shape):
            raise ConfigurationError(
                f"Reshape '{self.name}': target_shape takes positive sizes and at most one -1. "
                f"Received: target_shape={target_shape}."
            )
        self.target_shape = target_shape

    def call(self, inputs):
        try:
            return inputs.reshape((inputs.shape[0],) + self.target_shape)
        except RuntimeError:
            self.compute_output_shape(tuple(inputs.shape))  # raises the InputError saying why
            raise

    def compute_output_shape(self, input_shape):
        size = None if any(d is None for d in input_shape[1:]) else math.prod(input_shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 not in self.target_shape:
            if size is not None and size != known:
                raise InputError(
                    f"Reshape '{self.name}': cannot reshape a sample of shape {tuple(input_shape[1:])} "
                    f"({size} values) to target_shape={self.target_shape} ({known} values)."
                )
            return (input_shape[0],) + self.target_shape
        if size is not None and size % known:
            raise InputError(
                f"Reshape '{self.name}': a sample of shape {tuple(input_shape[1:])} ({size} values) "
                f"does not divide into target_shape={self.target_shape}."
            )
        fill = None if size is None else size // known
        return (input_shape[0],) + tuple(fill if d == -1 else d for d in self.target_shape)

    def compute_dtype_is_input_dtype(self):
        return True

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}
