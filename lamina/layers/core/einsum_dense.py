"""EinsumDense: ``activation(einsum(equation, inputs, kernel) + bias)``."""

import math
import re

import torch

from lamina import activations, constraints, initializers, regularizers
from lamina.errors import ConfigurationError
from lamina.initializers.variance_scaling import VarianceScaling
from lamina.layers.float_inputs import as_float
from lamina.layers.layer import Layer

_FORMS = "'ab,bc->ac', '...b,bc->...c' or 'ab...,bc->ac...'"


def _parse(equation, owner):
    """``(input spec, weight spec, output spec, ellipsis side)`` of an EinsumDense equation."""
    text = str(equation).replace(" ", "")
    for pattern, side in (
        (r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", None),
        (r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)", "left"),
        (r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.", "right"),
    ):
        found = re.fullmatch(pattern, text)
        if found:
            return (*found.groups(), side)
    raise ConfigurationError(
        f"{owner}: the equation must have the form {_FORMS}. Received: equation={equation!r}."
    )


def analyze(equation, bias_axes, input_shape, partial_output_shape, owner="EinsumDense"):
    """Keras's shapes for ``equation``: ``(kernel shape, bias shape or None, output shape,
    kernel input axes, kernel output axes)``; ``partial_output_shape`` excludes the batch
    axis and the axes the ellipsis stands for."""
    inputs, weights, outputs, side = _parse(equation, owner)
    input_shape = list(input_shape)
    elided = len(input_shape) - len(inputs)
    if elided < 0 or (side is None and elided != 0):
        raise ConfigurationError(
            f"{owner}: the equation {equation!r} needs inputs of rank {len(inputs)}"
            f"{' or more' if side else ''}. Received: input_shape={tuple(input_shape)}."
        )
    output_shape = [input_shape[0], *partial_output_shape]
    if side == "left":
        output_shape[1:1] = input_shape[1:elided]
        in_pos = {d: elided + i for i, d in enumerate(inputs)}
        out_pos = {d: elided + i for i, d in enumerate(outputs)}
    else:
        if side == "right":
            output_shape += input_shape[len(inputs):]
        in_pos = {d: i for i, d in enumerate(inputs)}
        out_pos = {d: i for i, d in enumerate(outputs)}
    if len(output_shape) != len(outputs) + (elided if side else 0):
        raise ConfigurationError(
            f"{owner}: output_shape must give one size per output axis after the batch axis "
            f"({outputs!r} in {equation!r}). Received: output_shape={tuple(partial_output_shape)}."
        )
    for dim in inputs:
        if dim in out_pos:
            size = output_shape[out_pos[dim]]
            if size is None:
                output_shape[out_pos[dim]] = input_shape[in_pos[dim]]
            elif size is not None and input_shape[in_pos[dim]] is not None and size != input_shape[in_pos[dim]]:
                raise ConfigurationError(
                    f"{owner}: input and output sizes differ on the shared axis '{dim}'. "
                    f"Received: input size {input_shape[in_pos[dim]]}, output size {size}. "
                    "Make output_shape agree with the input on that axis."
                )
    for dim in outputs:
        if dim not in inputs and dim not in weights:
            raise ConfigurationError(
                f"{owner}: output axis '{dim}' of {equation!r} is in neither the input nor the weight spec."
            )
    kernel_shape, input_axes, output_axes = [], [], []
    for i, dim in enumerate(weights):
        if dim in out_pos:
            kernel_shape.append(output_shape[out_pos[dim]])
            output_axes.append(i)
        elif dim in in_pos:
            kernel_shape.append(input_shape[in_pos[dim]])
            input_axes.append(i)
        else:
            raise ConfigurationError(
                f"{owner}: weight axis '{dim}' of {equation!r} is in neither the input nor the output spec; "
                "every kernel axis must be sized by one of them."
            )
    bias_shape = None
    if bias_axes is not None:
        unknown = [c for c in bias_axes if c not in outputs]
        if unknown:
            raise ConfigurationError(
                f"{owner}: bias_axes must name axes of the output spec {outputs!r}. Received: bias_axes={bias_axes!r}."
            )
        first = min(outputs.find(c) for c in bias_axes)
        bias_shape = [output_shape[out_pos[c]] if c in bias_axes else 1 for c in outputs[first:]]
        if side == "right":
            bias_shape += [1] * elided
    return kernel_shape, bias_shape, output_shape, input_axes, output_axes


class EinsumDense(Layer):
    """A dense layer of any rank, written as an einsum equation (Keras's ``EinsumDense``).

    The output is ``activation(einsum(equation, inputs, kernel) + bias)``. The kernel and
    bias are stored in Keras's layout (the equation names their axes), so ``get_weights``
    and ``.keras`` files exchange them unchanged.

    Args:
        equation: ``"ab,bc->ac"``-style equation: input spec, kernel spec, output spec; an
            ellipsis may stand for leading (``"...b,bc->...c"``) or trailing axes.
        output_shape: the output's shape without the batch axis and the elided axes
            (an int for a single axis); ``None`` for an axis taken from the input.
        activation: name or callable (default: linear).
        bias_axes: output-spec letters the bias spans (default: no bias).
        kernel_initializer / bias_initializer, kernel_regularizer / bias_regularizer,
        kernel_constraint / bias_constraint: as in ``Dense``. Variance-scaling kernel
            initializers use the fans the equation implies (Keras's input/output axes).
        lora_rank / lora_alpha / quantization_config / gptq_unpacked_column_size: Keras's
            LoRA and quantization options, not supported by lamina: anything but ``None``
            is refused.

    Example:
        >>> import torch, lamina
        >>> layer = lamina.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de")
        >>> layer(torch.ones(3, 5, 6)).shape
        torch.Size([3, 5, 2, 4])
        >>> [w.shape for w in layer.get_weights()]
        [(6, 2, 4), (2, 4)]
    """

    def __init__(
        self,
        equation,
        output_shape,
        activation=None,
        bias_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        gptq_unpacked_column_size=None,
        quantization_config=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = f"EinsumDense '{self.name}'"
        for arg, value in (("lora_rank", lora_rank), ("lora_alpha", lora_alpha),
                           ("gptq_unpacked_column_size", gptq_unpacked_column_size),
                           ("quantization_config", quantization_config)):
            if value is not None:
                raise ConfigurationError(
                    f"{owner}: LoRA and quantization are not supported by lamina. Received: {arg}={value!r}. "
                    f"Leave {arg}=None (fine-tune with a smaller Dense/EinsumDense branch instead)."
                )
        _parse(equation, owner)
        self.equation = str(equation)
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = None
        self.quantization_config = None

    def _analyze(self, input_shape):
        return analyze(self.equation, self.bias_axes, input_shape, self.partial_output_shape, f"EinsumDense '{self.name}'")

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = self._analyze(input_shape)
        if any(d is None for d in kernel_shape):
            raise ConfigurationError(
                f"EinsumDense '{self.name}': every kernel axis must have a known size. "
                f"Received: input_shape={tuple(input_shape)}, kernel shape {kernel_shape}."
            )
        self.add_weight(
            shape=kernel_shape,
            initializer=_with_einsum_fans(self.kernel_initializer, input_axes, output_axes),
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if bias_shape is None:
            self.bias = None
        else:
            self.add_weight(
                shape=bias_shape,
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )

    def call(self, inputs):
        outputs = torch.einsum(self.equation, as_float(inputs, self.kernel.dtype), self.kernel)
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(self._analyze(input_shape)[2])

    def get_config(self):
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }


def _with_einsum_fans(initializer, input_axes, output_axes):
    """A variance-scaling initializer sees the kernel as ``(fan_in, fan_out)``, the fans
    Keras derives from the equation's input and output axes; others are used as they are."""
    if not isinstance(initializer, VarianceScaling):
        return initializer

    def initialize(shape, dtype=None):
        fan_in = math.prod(shape[i] for i in input_axes)
        fan_out = math.prod(shape[i] for i in output_axes)
        return initializer((fan_in, fan_out), dtype=dtype).reshape(shape)

    return initialize
