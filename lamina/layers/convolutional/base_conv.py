"""``BaseConv``: the N-D convolution behind Conv1D, Conv2D and Conv3D."""

import torch.nn.functional as F

from lamina import activations, constraints, initializers, regularizers
from lamina.backend.config import standardize_data_format
from lamina.errors import ConfigurationError, InputError
from lamina.layers.layer import Layer
from lamina.utils import conv_utils

CONV_FUNCTIONS = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def positive_int(value, name, where):
    """``value`` if it is a positive int, else a ConfigurationError naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(
            f"{where}: {name} must be a positive integer. Received: {name}={value!r}."
        )
    return value


def input_channels(layer, input_shape, data_format):
    """The (known) channel count of ``input_shape``, or an InputError naming ``layer``."""
    channels = conv_utils.channel_size(input_shape, data_format)
    if channels is None:
        axis = "last" if data_format == "channels_last" else "second"
        raise InputError(
            f"{layer._where}: the channels axis ({axis} axis for data_format='{data_format}') "
            f"must be known to build the layer. Received: input_shape={tuple(input_shape)}."
        )
    return channels


class BaseConv(Layer):
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

    _config_lists_activity_regularizer = True

    rank = None

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
        super().__init__(**kwargs)
        where = self._where
        self.filters = positive_int(filters, "filters", where)
        self.groups = positive_int(groups, "groups", where)
        if self.filters % self.groups:
            raise ConfigurationError(
                f"{where}: filters must be divisible by groups. "
                f"Received: filters={filters}, groups={groups}."
            )
        self.data_format = standardize_data_format(data_format, where)
        self._geometry = conv_utils.ConvGeometry(
            self.rank, kernel_size, strides, padding, dilation_rate, self.data_format, where,
            allow_causal=self.rank == 1,
        )
        check_strides_and_dilation(self._geometry, where)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

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
        channels = input_channels(self, input_shape, self.data_format)
        if channels % self.groups:
            raise InputError(
                f"{self._where}: the input's {channels} channels are not divisible by "
                f"groups={self.groups}. Use a number of groups that divides the channels."
            )
        self._geometry.check_fits(conv_utils.spatial_axes(input_shape, self.data_format))
        self.add_weight(
            shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
            layout="conv_kernel",
        )
        if self.use_bias:
            self.add_weight(
                shape=(self.filters,),
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
        padding, pad = self._geometry.plan(x.shape[2:])
        if pad is not None:
            x = F.pad(x, pad)
        outputs = CONV_FUNCTIONS[self.rank](
            x, self.kernel, self.bias, self.strides, padding, self.dilation_rate, self.groups
        )
        return self.activation(conv_utils.restore_format(outputs, self.data_format))

    def compute_output_shape(self, input_shape):
        self._geometry.check_rank(input_shape)
        spatial = conv_utils.spatial_axes(input_shape, self.data_format)
        self._geometry.check_fits(spatial)
        return conv_utils.with_spatial(
            input_shape, self._geometry.output_spatial(spatial), self.filters, self.data_format
        )

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            **self._geometry.config(),
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


def check_strides_and_dilation(geometry, where):
    if max(geometry.strides) > 1 and max(geometry.dilation_rate) > 1:
        raise ConfigurationError(
            f"{where}: strides > 1 cannot be combined with dilation_rate > 1 (as in Keras). "
            f"Received: strides={geometry.strides}, dilation_rate={geometry.dilation_rate}."
        )
