"""Dense: ``activation(inputs @ kernel + bias)`` on the last axis."""

import torch.nn.functional as F

from lamina import activations, constraints, initializers, regularizers
from lamina.activations.in_place import can_relu_in_place
from lamina.errors import ConfigurationError
from lamina.layers.argument_checks import positive_int
from lamina.layers.bias import add_bias
from lamina.layers.float_inputs import as_float
from lamina.layers.layer import Layer


class Dense(Layer):
    """Densely connected layer.

    The kernel is stored as PyTorch's ``nn.Linear`` stores it, ``(units, input_dim)``,
    and exchanged with Keras (``get_weights``, ``.keras`` files) as ``(input_dim, units)``.

    Args:
        units: positive int, size of the output's last axis.
        activation: name or callable (default: none, i.e. linear).
        use_bias: whether to add a bias vector.
        kernel_initializer / bias_initializer: initializers (Keras defaults
            ``"glorot_uniform"`` / ``"zeros"``).
        kernel_regularizer / bias_regularizer / activity_regularizer: penalties added
            to the training loss (``lamina.regularizers``: a name, object or function).
        kernel_constraint / bias_constraint: projections applied after each optimizer
            step (``lamina.constraints``); they see the kernel in Keras's
            ``(input_dim, units)`` layout, so ``MaxNorm(axis=0)`` bounds each unit's weights.

    Example:
        >>> import torch, lamina
        >>> layer = lamina.layers.Dense(4, activation="relu")
        >>> layer(torch.ones(2, 3)).shape
        torch.Size([2, 4])
        >>> [w.shape for w in layer.get_weights()]  # Keras's layout
        [(3, 4), (4,)]
        >>> tuple(layer.kernel.shape)  # stored as nn.Linear stores it
        (4, 3)
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = positive_int(units, "units", f"Dense '{self.name}'")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ConfigurationError(
                f"Dense '{self.name}': the last axis of the input must be known. "
                f"Received: input_shape={input_shape}."
            )
        self.add_weight(
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
            layout="dense_kernel",
        )
        add_bias(self, (self.units,))

    def call(self, inputs):
        outputs = F.linear(as_float(inputs, self.kernel.dtype), self.kernel, self.bias)
        if can_relu_in_place(self.activation, outputs):
            return outputs.relu_()
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
