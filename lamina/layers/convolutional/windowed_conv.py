"""``WindowedConv``: what every convolution layer shares (Conv, ConvTranspose, Depthwise,
Separable): the window's geometry, data format, activation and bias, and calls that hand
PyTorch a channels-first view of the inputs."""

from lamina import activations, constraints, initializers, regularizers
from lamina.activations.in_place import can_relu_in_place
from lamina.backend.config import standardize_data_format
from lamina.errors import ConfigurationError, InputError
from lamina.layers.float_inputs import as_float
from lamina.layers.layer import Layer
from lamina.ops import conv_utils


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


def check_strides_and_dilation(geometry, where):
    if max(geometry.strides) > 1 and max(geometry.dilation_rate) > 1:
        raise ConfigurationError(
            f"{where}: strides > 1 cannot be combined with dilation_rate > 1 (as in Keras). "
            f"Received: strides={geometry.strides}, dilation_rate={geometry.dilation_rate}."
        )


class WindowedConv(Layer):
    """Base of the convolution layers (``rank`` set by the subclass); not used directly.

    Holds ``kernel_size``, ``strides``, ``padding``, ``dilation_rate`` (in a
    ``ConvGeometry``), ``data_format``, ``activation``, ``use_bias`` and the bias's
    initializer, regularizer and constraint; subclasses add their kernels.
    """

    #: Whether strides > 1 may come with dilation_rate > 1 (Keras computes it for the
    #: depthwise and separable convolutions, and refuses it for the others).
    _strides_with_dilation = False

    _config_lists_activity_regularizer = True

    rank = None

    def __init__(
        self,
        kernel_size,
        strides,
        padding,
        data_format,
        dilation_rate,
        activation,
        use_bias,
        bias_initializer,
        bias_regularizer,
        activity_regularizer,
        bias_constraint,
        allow_causal=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = self._where
        self.data_format = standardize_data_format(data_format, where)
        self._geometry = conv_utils.ConvGeometry(
            self.rank, kernel_size, strides, padding, dilation_rate, self.data_format, where,
            allow_causal=allow_causal,
        )
        if not self._strides_with_dilation:
            check_strides_and_dilation(self._geometry, where)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = activity_regularizer
        self.bias_constraint = constraints.get(bias_constraint)

    @property
    def _where(self):
        return f"{type(self).__name__} '{self.name}'"

    kernel_size = conv_utils.geometry_property(
        "kernel_size", "Size of the convolution window, one int per spatial axis."
    )
    strides = conv_utils.geometry_property("strides", conv_utils.STRIDES_DOC)
    padding = conv_utils.geometry_property("padding", conv_utils.PADDING_DOC)
    dilation_rate = conv_utils.geometry_property(
        "dilation_rate", "Spacing between the window's taps, one int per spatial axis."
    )

    def _channels_first(self, inputs):
        """``inputs`` checked for rank, as the channels-first view PyTorch's kernels take."""
        if inputs.dim() != self.rank + 2:
            self._geometry.check_rank(tuple(inputs.shape))
        return conv_utils.conv_input(as_float(inputs, self.dtype), self.data_format)

    def call(self, inputs):
        outputs = self._convolve(inputs)
        if can_relu_in_place(self.activation, outputs):
            return conv_utils.restore_format(outputs.relu_(), self.data_format)
        return self.activation(conv_utils.restore_format(outputs, self.data_format))

    def _convolve(self, inputs):
        """The convolution of ``inputs`` (bias added, no activation), channels first."""
        raise NotImplementedError

    def pre_activation(self, inputs):
        """What ``call`` returns before the activation, in ``data_format`` (the speed
        passes in ``lamina.models.passes`` run the activation themselves)."""
        return conv_utils.restore_format(self._convolve(inputs), self.data_format)

    def _window_config(self):
        """Config entries every convolution shares, in Keras's names."""
        return {
            **self._geometry.config(),
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
