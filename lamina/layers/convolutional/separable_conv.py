"""SeparableConv1D/2D: a depthwise convolution followed by a 1x1 (pointwise) convolution."""

from lamina import constraints, initializers, layouts, regularizers
from lamina.layers.argument_checks import positive_int
from lamina.layers.bias import add_bias
from lamina.layers.convolutional.base_conv import CONV_FUNCTIONS
from lamina.layers.convolutional.depthwise_conv import depthwise_conv
from lamina.layers.convolutional.windowed_conv import WindowedConv, input_channels
from lamina.ops import conv_utils


class BaseSeparableConv(WindowedConv):
    """Depthwise-separable N-D convolution (``rank`` set by the subclass).

    Weights, in Keras's order: ``depthwise_kernel`` (Keras ``(*kernel_size, in,
    depth_multiplier)``, stored ``(in * depth_multiplier, 1, *kernel_size)``),
    ``pointwise_kernel`` (Keras ``(1, ..., 1, in * depth_multiplier, filters)``, stored
    ``(filters, in * depth_multiplier, 1, ...)``) and ``bias`` ``(filters,)``.
    """

    _strides_with_dilation = True

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        depth_multiplier=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
            bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs,
        )
        where = self._where
        self.filters = positive_int(filters, "filters", where)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", where)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
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
            name="depthwise_kernel",
            layout=layouts.depthwise_kernel_layout(self.depth_multiplier),
        )
        self.add_weight(
            shape=(1,) * self.rank + (self._channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
            name="pointwise_kernel",
            layout="separable_pointwise_kernel",
        )
        add_bias(self, (self.filters,))

    def _convolve(self, inputs):
        x = self._channels_first(inputs)
        x = depthwise_conv(self, x, self.depthwise_kernel, None, self._channels)
        return CONV_FUNCTIONS[self.rank](x, self.pointwise_kernel, self.bias)

    def compute_output_shape(self, input_shape):
        spatial = self._geometry.output_spatial_for(input_shape)
        return conv_utils.with_spatial(input_shape, spatial, self.filters, self.data_format)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            **self._window_config(),
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        }


class SeparableConv1D(BaseSeparableConv):
    """Depthwise-separable 1-D convolution over ``(batch, steps, channels)``."""

    rank = 1


class SeparableConv2D(BaseSeparableConv):
    """Depthwise-separable 2-D convolution over ``(batch, rows, cols, channels)``.

    Example:
        >>> import torch, lamina
        >>> lamina.layers.SeparableConv2D(16, 3, padding="same")(torch.zeros(1, 8, 8, 4)).shape
        torch.Size([1, 8, 8, 16])
    """

    rank = 2
