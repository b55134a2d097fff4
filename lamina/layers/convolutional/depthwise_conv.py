"""DepthwiseConv1D/2D: one filter (or ``depth_multiplier`` filters) per input channel."""

import torch.nn.functional as F

from lamina import constraints, initializers, layouts, regularizers
from lamina.layers.argument_checks import positive_int
from lamina.layers.bias import add_bias
from lamina.layers.convolutional.base_conv import CONV_FUNCTIONS
from lamina.layers.convolutional.windowed_conv import WindowedConv, input_channels
from lamina.ops import conv_utils


def depthwise_conv(layer, inputs, kernel, bias, channels):
    """Grouped convolution of channels-first ``inputs`` with ``layer``'s geometry."""
    padding, pad = layer._geometry.plan(inputs.shape[2:])
    if pad is not None:
        inputs = F.pad(inputs, pad)
    return CONV_FUNCTIONS[layer.rank](
        inputs, kernel, bias, layer.strides, padding, layer.dilation_rate, channels
    )


class BaseDepthwiseConv(WindowedConv):
    """Depthwise N-D convolution (``rank`` set by the subclass).

    Input channel ``i`` is convolved with its own ``depth_multiplier`` filters, giving
    output channels ``i * depth_multiplier + j`` (Keras's order). The kernel is stored as
    torch's grouped convolution wants it, ``(in_channels * depth_multiplier, 1,
    *kernel_size)``, and exchanged with Keras as ``(*kernel_size, in_channels, depth_multiplier)``.
    """

    _strides_with_dilation = True

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
        super().__init__(
            kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
            bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs,
        )
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", self._where)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self._channels = None

    def build(self, input_shape):
        self._geometry.check_rank(input_shape)
        self._channels = input_channels(self, input_shape, self.data_format)
        self._geometry.output_spatial_for(input_shape)  # checks that the windows fit
        self.add_weight(
            shape=self.kernel_size + (self._channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
            name="kernel",
            layout=layouts.depthwise_kernel_layout(self.depth_multiplier),
        )
        add_bias(self, (self._channels * self.depth_multiplier,))

    def _convolve(self, inputs):
        return self.convolve_with(inputs, self.kernel, self.bias)

    def convolve_with(self, inputs, kernel, bias):
        """The depthwise convolution of ``inputs`` with a stand-in ``kernel`` and ``bias``."""
        return depthwise_conv(self, self._channels_first(inputs), kernel, bias, self._channels)

    def compute_output_shape(self, input_shape):
        spatial = self._geometry.output_spatial_for(input_shape)
        channels = conv_utils.channel_size(input_shape, self.data_format)
        channels = None if channels is None else channels * self.depth_multiplier
        return conv_utils.with_spatial(input_shape, spatial, channels, self.data_format)

    def get_config(self):
        return {
            **super().get_config(),
            **self._window_config(),
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
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
