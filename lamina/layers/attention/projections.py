"""The per-head projections of MultiHeadAttention (Keras's EinsumDense sublayers)."""

import torch.nn.functional as F

from lamina.layers.layer import Layer


class HeadProjection(Layer):
    """``(..., in) -> (..., heads, head_dim)``; Keras kernel ``(in, heads, head_dim)``.

    Stored ``(heads, head_dim, in)`` (layout ``mha_projection_kernel``), so its flat view is
    an ``nn.Linear`` weight and the projection is one ``F.linear``.
    """

    def __init__(self, heads, head_dim, use_bias, weight_options, **kwargs):
        super().__init__(**kwargs)
        self.heads, self.head_dim, self.use_bias = heads, head_dim, use_bias
        self.weight_options = weight_options

    def build(self, input_shape):
        kernel, bias = _kernel_and_bias_options(self.weight_options)
        self.add_weight(
            shape=(input_shape[-1], self.heads, self.head_dim), name="kernel", layout="mha_projection_kernel", **kernel
        )
        if self.use_bias:
            self.add_weight(shape=(self.heads, self.head_dim), name="bias", **bias)
        else:
            self.bias = None

    def call(self, inputs):
        bias = None if self.bias is None else self.bias.flatten()
        return F.linear(inputs, self.kernel.flatten(0, 1), bias).unflatten(-1, (self.heads, self.head_dim))


class OutputProjection(Layer):
    """``(..., heads, head_dim) -> (..., units)``; Keras kernel ``(heads, head_dim, units)``.

    Stored ``(units, heads, head_dim)`` (layout ``mha_output_kernel``).
    """

    def __init__(self, units, use_bias, weight_options, **kwargs):
        super().__init__(**kwargs)
        self.units, self.use_bias = units, use_bias
        self.weight_options = weight_options

    def build(self, input_shape):
        kernel, bias = _kernel_and_bias_options(self.weight_options)
        self.add_weight(
            shape=(input_shape[-2], input_shape[-1], self.units), name="kernel", layout="mha_output_kernel", **kernel
        )
        if self.use_bias:
            self.add_weight(shape=(self.units,), name="bias", **bias)
        else:
            self.bias = None

    def call(self, inputs):
        return F.linear(inputs.flatten(-2), self.kernel.flatten(1), self.bias)


def _kernel_and_bias_options(options):
    """``add_weight`` keywords for the kernel and the bias from the layer's settings."""
    kernel = {key: options[f"kernel_{key}"] for key in ("initializer", "regularizer", "constraint")}
    bias = {key: options[f"bias_{key}"] for key in ("initializer", "regularizer", "constraint")}
    return kernel, bias
