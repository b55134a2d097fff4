"""Convolutions of ``keras.ops.nn``: ``conv``, ``depthwise_conv``, ``separable_conv``,
``conv_transpose``, with Keras's kernel layouts and 'valid'/'same' padding rules
(``lamina.ops.conv_utils``, shared with the convolution layers).

Keras kernels are ``(*kernel_size, in_channels / groups, out_channels)`` (transposed:
``(*kernel_size, out_channels, in_channels)``); torch's put the channels first.
"""

import torch.nn.functional as F

from lamina.ops import conv_utils
from lamina.ops.arguments import data_format_of, float_tensor, tensors
from lamina.ops.operation import keras_op

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _prepare(function, inputs, kernel, strides, padding, data_format, dilation_rate):
    """Channels-first inputs, torch-ordered geometry tuples and the checked padding."""
    inputs, kernel = tensors(inputs, kernel)
    inputs, kernel = float_tensor(inputs), float_tensor(kernel)
    rank = inputs.dim() - 2
    if rank not in _CONV or kernel.dim() != rank + 2:
        raise ValueError(
            f"{function}: inputs must be a batch of 1-D, 2-D or 3-D data (rank 3 to 5) and the kernel "
            f"of rank inputs.ndim. Received: inputs.shape={tuple(inputs.shape)}, kernel.shape={tuple(kernel.shape)}."
        )
    data_format = data_format_of(data_format)
    where = f"keras.ops.{function}"
    strides = conv_utils.normalize_tuple(strides, rank, "strides", where)
    dilation_rate = conv_utils.normalize_tuple(dilation_rate, rank, "dilation_rate", where)
    padding = conv_utils.normalize_padding(padding, where)
    if kernel.dtype != inputs.dtype:
        kernel = kernel.to(inputs.dtype)
    return conv_utils.channels_first(inputs, data_format), kernel, rank, strides, padding, data_format, dilation_rate


def _convolve(x, weight, rank, strides, padding, dilation_rate, groups=1):
    if padding == "same":
        symmetric, pad = conv_utils.spatial_padding(x.shape[2:], weight.shape[2:], strides, dilation_rate)
        x = conv_utils.pad_spatial(x, pad)
        return _CONV[rank](x, weight, None, strides, symmetric, dilation_rate, groups)
    return _CONV[rank](x, weight, None, strides, 0, dilation_rate, groups)


def _torch_kernel(kernel, rank):
    """``(*k, in, out)`` -> ``(out, in, *k)``."""
    return kernel.permute(rank + 1, rank, *range(rank))


@keras_op("Conv", "nn", operands=("inputs", "kernel"))
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1-D to 3-D) of ``inputs`` with ``kernel`` ``(*kernel_size, in / groups,
    out)``, as ``keras.ops.conv`` (grouped when ``in_channels`` is a multiple of the kernel's)."""
    x, kernel, rank, strides, padding, data_format, dilation_rate = _prepare(
        "conv", inputs, kernel, strides, padding, data_format, dilation_rate
    )
    channels = x.shape[1]
    if channels % kernel.shape[-2]:
        raise ValueError(
            "conv: the inputs' channel count must be a multiple of the kernel's input channels "
            f"(kernel.shape[-2]). Received: {channels} channels, kernel.shape={tuple(kernel.shape)}."
        )
    groups = channels // kernel.shape[-2]
    out = _convolve(x, _torch_kernel(kernel, rank), rank, strides, padding, dilation_rate, groups)
    return conv_utils.restore_format(out, data_format)


@keras_op("DepthwiseConv", "nn", operands=("inputs", "kernel"))
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution: each input channel convolved with its own ``multiplier`` filters,
    ``kernel`` ``(*kernel_size, in_channels, multiplier)``, as ``keras.ops.depthwise_conv``."""
    x, kernel, rank, strides, padding, data_format, dilation_rate = _prepare(
        "depthwise_conv", inputs, kernel, strides, padding, data_format, dilation_rate
    )
    out = _depthwise(x, kernel, rank, strides, padding, dilation_rate)
    return conv_utils.restore_format(out, data_format)


def _depthwise(x, kernel, rank, strides, padding, dilation_rate):
    channels = kernel.shape[-2]
    weight = _torch_kernel(kernel.reshape(*kernel.shape[:-2], 1, channels * kernel.shape[-1]), rank)
    return _convolve(x, weight, rank, strides, padding, dilation_rate, groups=channels)


@keras_op("SeparableConv", "nn", operands=("inputs", "depthwise_kernel", "pointwise_kernel"))
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """A depthwise convolution followed by a 1x1 convolution with ``pointwise_kernel``
    ``(*ones, in_channels * multiplier, out)``, as ``keras.ops.separable_conv``."""
    x, depthwise_kernel, rank, strides, padding, data_format, dilation_rate = _prepare(
        "separable_conv", inputs, depthwise_kernel, strides, padding, data_format, dilation_rate
    )
    pointwise = float_tensor(tensors(x, pointwise_kernel)[1]).to(x.dtype)
    depthwise = _depthwise(x, depthwise_kernel, rank, strides, padding, dilation_rate)
    out = _CONV[rank](depthwise, _torch_kernel(pointwise, rank))
    return conv_utils.restore_format(out, data_format)


@keras_op("ConvTranspose", "nn", operands=("inputs", "kernel"))
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Transposed N-D convolution with ``kernel`` ``(*kernel_size, out_channels, in_channels)``,
    sized as Keras's ``conv_transpose`` ('same': ``input * strides``)."""
    x, kernel, rank, strides, padding, data_format, dilation_rate = _prepare(
        "conv_transpose", inputs, kernel, strides, padding, data_format, dilation_rate
    )
    if output_padding is not None:
        output_padding = conv_utils.normalize_tuple(
            output_padding, rank, "output_padding", "keras.ops.conv_transpose", allow_zero=True
        )
    crops = [
        conv_utils.transpose_crops(k, s, d, padding, op)
        for k, s, d, op in zip(kernel.shape[:rank], strides, dilation_rate, output_padding or (None,) * rank)
    ]
    out = _CONV_TRANSPOSE[rank](x, _torch_kernel(kernel, rank), None, strides, 0, 0, 1, dilation_rate)
    index = [slice(None), slice(None)]
    pads = []
    for axis, (left, right) in enumerate(crops):
        size = out.shape[2 + axis]
        index.append(slice(max(left, 0), size - max(right, 0)))
        pads.append((max(-left, 0), max(-right, 0)))
    out = conv_utils.pad_spatial(out[tuple(index)], conv_utils.torch_pad_argument(pads))
    return conv_utils.restore_format(out, data_format)
