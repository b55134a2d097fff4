"""``BaseConv``: the N-D convolution behind Conv1D, Conv2D and Conv3D."""

import torch.nn.functional as F

from lamina import constraints, initializers, regularizers
from lamina.errors import ConfigurationError, InputError
from lamina.layers.argument_checks import positive_int
from lamina.layers.bias import add_bias
from lamina.layers.convolutional.windowed_conv import WindowedConv, input_channels
from lamina.ops import conv_utils

CONV_FUNCTIONS = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


class BaseConv(WindowedConv):
    """N-D convolution (``rank`` set by the subclass): ``activation(conv(inputs, kernel) + bias)``.

    The kernel is stored as PyTorch stores it, ``(filters, in_channels / groups, *kernel_size)``,
    and exchanged with Keras as ``(*kernel_size, in_channels / groups, filters)``.

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of ``rank`` ints.
        strides: int or tuple; ``strides > 1`` cannot be combined with ``dilation_rate > 1``.
        padding: "valid" (no padding), "same" (output size ``ceil(input / strides)``, padded
            as Keras pads, extra on the right/bottom), or "causal" (Conv1D only: left padding).
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or tuple, spacing of kernel taps.
        groups: split inputs and filters into this many independent groups.
        activation, use_bias, kernel_initializer, bias_initializer: as in ``Dense``.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
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
        super().__init__(
            kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
            bias_initializer, bias_regularizer, activity_regularizer, bias_constraint,
            allow_causal=self.rank == 1, **kwargs,
        )
        where = self._where
        self.filters = positive_int(filters, "filters", where)
        self.groups = positive_int(groups, "groups", where)
        if self.filters % self.groups:
            raise ConfigurationError(
                f"{where}: filters must be divisible by groups. "
                f"Received: filters={filters}, groups={groups}."
            )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        self._geometry.check_rank(input_shape)
        channels = input_channels(self, input_shape, self.data_format)
        if channels % self.groups:
            raise InputError(
                f"{self._where}: the input's {channels} channels are not divisible by "
                f"groups={self.groups}. Use a number of groups that divides the channels."
            )
        self._geometry.output_spatial_for(input_shape)  # checks that the windows fit
        self.add_weight(
            shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
            layout="conv_kernel",
        )
        add_bias(self, (self.filters,))

    def _convolve(self, inputs):
        return self.convolve_with(inputs, self.kernel, self.bias)

    def convolve_with(self, inputs, kernel, bias):
        """The convolution of ``inputs`` with a stand-in ``kernel`` and ``bias`` (the
        inference pass ``lamina.models.conv_bn_folding`` passes a folded BatchNormalization's)."""
        x = self._channels_first(inputs)
        padding, pad = self._geometry.plan(x.shape[2:])
        if pad is not None:
            x = F.pad(x, pad)
        return CONV_FUNCTIONS[self.rank](
            x, kernel, bias, self.strides, padding, self.dilation_rate, self.groups
        )

    def compute_output_shape(self, input_shape):
        spatial = self._geometry.output_spatial_for(input_shape)
        return conv_utils.with_spatial(input_shape, spatial, self.filters, self.data_format)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            **self._window_config(),
            "groups": self.groups,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        }
