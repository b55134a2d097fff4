"""Conv1DTranspose, Conv2DTranspose and Conv3DTranspose ("deconvolution")."""

import torch.nn.functional as F

from lamina import constraints, initializers, regularizers
from lamina.errors import ConfigurationError
from lamina.layers.argument_checks import positive_int
from lamina.layers.bias import add_bias
from lamina.layers.convolutional.windowed_conv import WindowedConv, input_channels
from lamina.ops import conv_utils
from lamina.ops.conv_utils import transpose_crops

CONV_TRANSPOSE_FUNCTIONS = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


class BaseConvTranspose(WindowedConv):
    """Transposed N-D convolution (``rank`` set by the subclass), the gradient of a convolution.

    The kernel is stored as torch's ``conv_transpose`` wants it, ``(in_channels, filters,
    *kernel_size)``, and exchanged with Keras as ``(*kernel_size, filters, in_channels)``.

    Args:
        filters, kernel_size, strides, padding ("valid" or "same"), data_format,
        dilation_rate, activation, use_bias, initializers: as in ``Conv2D``.
        output_padding: int or tuple, extra size on the bottom/right of the output; each
            must be smaller than the stride. ``None`` lets Keras's rule pick it.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=1,
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
            bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs,
        )
        where = self._where
        self.filters = positive_int(filters, "filters", where)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = conv_utils.normalize_tuple(
                output_padding, self.rank, "output_padding", where, allow_zero=True
            )
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ConfigurationError(
                    f"{where}: each output_padding must be smaller than its stride. "
                    f"Received: output_padding={output_padding}, strides={self.strides}."
                )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self._crops = [
            transpose_crops(k, s, d, self.padding, op)
            for k, s, d, op in zip(
                self.kernel_size,
                self.strides,
                self.dilation_rate,
                self.output_padding or (None,) * self.rank,
            )
        ]
        self._torch_args = self._torch_padding()

    def _torch_padding(self):
        """torch's (padding, output_padding) when they express the crops, else None."""
        padding, output_padding = [], []
        for (left, right), s, d in zip(self._crops, self.strides, self.dilation_rate):
            extra = left - right
            if left < 0 or not 0 <= extra < max(s, d):
                return None
            padding.append(left)
            output_padding.append(extra)
        return tuple(padding), tuple(output_padding)

    def build(self, input_shape):
        self._geometry.check_rank(input_shape)
        channels = input_channels(self, input_shape, self.data_format)
        self.add_weight(
            shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
            layout="conv_transpose_kernel",
        )
        add_bias(self, (self.filters,))

    def _convolve(self, inputs):
        x = self._channels_first(inputs)
        transpose = CONV_TRANSPOSE_FUNCTIONS[self.rank]
        if self._torch_args is not None:
            padding, output_padding = self._torch_args
            outputs = transpose(
                x, self.kernel, self.bias, self.strides, padding, output_padding, 1,
                self.dilation_rate,
            )
        else:
            outputs = transpose(x, self.kernel, None, self.strides, 0, 0, 1, self.dilation_rate)
            outputs = self._crop(outputs)
            if self.bias is not None:
                outputs = outputs + self.bias.view(-1, *(1,) * self.rank)
        return outputs

    def _crop(self, outputs):
        index = [slice(None), slice(None)]
        pads = []
        for axis, (left, right) in enumerate(self._crops):
            size = outputs.shape[2 + axis]
            index.append(slice(max(left, 0), size - max(right, 0)))
            pads.append((max(-left, 0), max(-right, 0)))
        outputs = outputs[tuple(index)]
        return conv_utils.pad_spatial(outputs, conv_utils.torch_pad_argument(pads))

    def compute_output_shape(self, input_shape):
        self._geometry.check_rank(input_shape)
        spatial = []
        for n, k, s, d, (left, right) in zip(
            conv_utils.spatial_axes(input_shape, self.data_format),
            self.kernel_size,
            self.strides,
            self.dilation_rate,
            self._crops,
        ):
            full = None if n is None else (n - 1) * s + conv_utils.effective_kernel(k, d)
            spatial.append(None if full is None else full - left - right)
        return conv_utils.with_spatial(input_shape, spatial, self.filters, self.data_format)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            **self._window_config(),
            "output_padding": self.output_padding,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        }


class Conv1DTranspose(BaseConvTranspose):
    """Transposed 1-D convolution, e.g. to upsample sequences."""

    rank = 1


class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2-D convolution, e.g. to upsample feature maps in a decoder.

    Example:
        >>> import torch, lamina
        >>> layer = lamina.layers.Conv2DTranspose(4, 3, strides=2, padding="same")
        >>> layer(torch.zeros(1, 8, 8, 16)).shape
        torch.Size([1, 16, 16, 4])
    """

    rank = 2


class Conv3DTranspose(BaseConvTranspose):
    """Transposed 3-D convolution."""

    rank = 3
