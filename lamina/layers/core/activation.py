"""Activation: apply an activation function by name or callable."""

from lamina import activations
from lamina.layers.layer import Layer


class Activation(Layer):
    """Applies ``activation`` element-wise (``"relu"``, ``"softmax"``, a callable...)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
