"""DepthwiseConv1D/2D: one filter (or ``depth_multiplier`` filters) per input channel."""

import torch.nn.functional as F

from lamina import activations, constraints, initializers, layouts, regularizers
from lamina.backend.config import standardize_data_format
from lamina.layers.convolutional.base_conv import (
    CONV_FUNCTIONS,
    check_strides_and_dilation,
    input_channels,
    positive_int,
)
from lamina.layers.layer import Layer
from lamina.utils import conv_utils


def depthwise_conv(layer, inputs, kernel, bias, channels):
    """Grouped convolution of channels-first ``inputs`` with ``layer``'s geometry."""
    padding, pad = layer._geometry.plan(inputs.shape[2:])
    if pad is not None:
        inputs = F.pad(inputs, pad)
    return CONV_FUNCTIONS[layer.rank](
        inputs, kernel, bias, layer.strides, padding, layer.dilation_rate, channels
    )


class BaseDepthwiseConv(Layer):
    """Depthwise N-D convolution (``rank`` set by the subclass).

    Input channel ``i`` is convolved with its own ``depth_multiplier`` filters, giving
    output channels ``i * depth_multiplier + j`` (Keras's order). The kernel is stored as
    torch's grouped convolution wants it, ``(in_channels * depth_multiplier, 1,
    *kernel_size)``, and exchanged with Keras as ``(*kernel_size, in_channels, depth_multiplier)``.
    """

    _config_lists_activity_regularizer = True

    rank = None

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = self._where
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", where)
        self.data_format = standardize_data_format(data_format, where)
        self._geometry = conv_utils.ConvGeometry(
            self.rank, kernel_size, strides, padding, dilation_rate, self.data_format, where
        )
        check_strides_and_dilation(self._geometry, where)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = activity_regularizer
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._channels = None

    @property
    def _where(self):
        return f"{type(self).__name__} '{self.name}'"

    kernel_size = property(
        lambda self: self._geometry.kernel_size,
        doc="Size of the convolution window, one int per spatial axis.",
    )
    strides = property(
        lambda self: self._geometry.strides,
        doc="Step of the window, one int per spatial axis.",
    )
    padding = property(
        lambda self: self._geometry.padding,
        doc="The padding mode, as given to the constructor.",
    )
    dilation_rate = property(
        lambda self: self._geometry.dilation_rate,
        doc="Spacing between the window's taps, one int per spatial axis.",
    )

    def build(self, input_shape):
        self._geometry.check_rank(input_shape)
        self._channels = input_channels(self, input_shape, self.data_format)
        self._geometry.check_fits(conv_utils.spatial_axes(input_shape, self.data_format))
        self.add_weight(
            shape=self.kernel_size + (self._channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
            name="kernel",
            layout=layouts.depthwise_kernel_layout(self.depth_multiplier),
        )
        if self.use_bias:
            self.add_weight(
                shape=(self._channels * self.depth_multiplier,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            self._geometry.check_rank(tuple(inputs.shape))
        x = conv_utils.conv_input(inputs, self.data_format)
        outputs = depthwise_conv(self, x, self.kernel, self.bias, self._channels)
        return self.activation(conv_utils.restore_format(outputs, self.data_format))

    def compute_output_shape(self, input_shape):
        self._geometry.check_rank(input_shape)
        spatial = conv_utils.spatial_axes(input_shape, self.data_format)
        self._geometry.check_fits(spatial)
        channels = conv_utils.channel_size(input_shape, self.data_format)
        channels = None if channels is None else channels * self.depth_multiplier
        return conv_utils.with_spatial(
            input_shape, self._geometry.output_spatial(spatial), channels, self.data_format
        )

    def get_config(self):
        config = self._geometry.config()
        return {
            **super().get_config(),
            "kernel_size": config["kernel_size"],
            "strides": config["strides"],
            "padding": config["padding"],
            "depth_multiplier": self.depth_multiplier,
            "data_format": self.data_format,
            "dilation_rate": config["dilation_rate"],
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class DepthwiseConv1D(BaseDepthwiseConv):
    """Depthwise 1-D convolution over ``(batch, steps, channels)``."""

    rank = 1


class DepthwiseConv2D(BaseDepthwiseConv):
    """Depthwise 2-D convolution over ``(batch, rows, cols, channels)``.

    Example:
        >>> import torch, lamina
        >>> lamina.layers.DepthwiseConv2D(3, depth_multiplier=2)(torch.zeros(1, 8, 8, 4)).shape
        torch.Size([1, 6, 6, 8])
    """

    rank = 2
