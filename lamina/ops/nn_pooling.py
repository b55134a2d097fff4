"""Pooling of ``keras.ops.nn``: ``max_pool``, ``average_pool`` and the adaptive pools.

'same' padding follows Keras (TensorFlow's rule: the extra on the right); an average
window over the padding averages only the positions of the input it covers, as the
pooling layers do.
"""

import torch
import torch.nn.functional as F

from lamina.ops import conv_utils
from lamina.ops.arguments import data_format_of, float_tensor, tensor
from lamina.ops.operation import keras_op

_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
_ADAPTIVE_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
_ADAPTIVE_AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}


def _geometry(function, inputs, pool_size, strides, padding, data_format):
    rank = inputs.dim() - 2
    if rank not in _MAX:
        raise ValueError(
            f"{function}: inputs must be a batch of 1-D, 2-D or 3-D data (rank 3 to 5). "
            f"Received: inputs.shape={tuple(inputs.shape)}."
        )
    where = f"keras.ops.{function}"
    pool_size = conv_utils.normalize_tuple(pool_size, rank, "pool_size", where)
    strides = pool_size if strides is None else conv_utils.normalize_tuple(strides, rank, "strides", where)
    padding = conv_utils.normalize_padding(padding, where)
    data_format = data_format_of(data_format)
    return rank, pool_size, strides, padding, data_format


@keras_op("MaxPool", "nn")
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The maximum over ``pool_size`` windows (``strides`` default: ``pool_size``), as
    ``keras.ops.max_pool``."""
    inputs = tensor(inputs)
    rank, pool_size, strides, padding, data_format = _geometry(
        "max_pool", inputs, pool_size, strides, padding, data_format
    )
    x = conv_utils.channels_first(inputs, data_format)
    if not x.is_floating_point():
        x = x.to(torch.float32)
    symmetric = 0
    if padding == "same":
        symmetric, pad = conv_utils.spatial_padding(x.shape[2:], pool_size, strides)
        if pad is not None:
            x = conv_utils.pad_spatial(x, pad, value=float("-inf"))
    out = _MAX[rank](x, pool_size, strides, symmetric)
    return conv_utils.restore_format(out.to(inputs.dtype), data_format)


@keras_op("AveragePool", "nn")
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The mean over ``pool_size`` windows (``strides`` default: ``pool_size``), as
    ``keras.ops.average_pool``."""
    inputs = float_tensor(inputs)
    rank, pool_size, strides, padding, data_format = _geometry(
        "average_pool", inputs, pool_size, strides, padding, data_format
    )
    x = conv_utils.channels_first(inputs, data_format)
    pool = _AVG[rank]
    if padding == "valid":
        out = pool(x, pool_size, strides, 0, False, False)
    else:
        symmetric, pad = conv_utils.spatial_padding(x.shape[2:], pool_size, strides)
        if pad is None:
            out = pool(x, pool_size, strides, symmetric, False, False)
        else:
            sums = pool(F.pad(x, pad), pool_size, strides, 0, False, True)
            ones = torch.ones((1, 1, *x.shape[2:]), dtype=x.dtype, device=x.device)
            out = sums / pool(F.pad(ones, pad), pool_size, strides, 0, False, True)
    return conv_utils.restore_format(out, data_format)


def _adaptive(function, table, inputs, output_size, data_format):
    rank = inputs.dim() - 2
    if rank not in table:
        raise ValueError(
            f"{function}: inputs must be a batch of 1-D, 2-D or 3-D data (rank 3 to 5). "
            f"Received: inputs.shape={tuple(inputs.shape)}."
        )
    output_size = conv_utils.normalize_tuple(output_size, rank, "output_size", f"keras.ops.{function}")
    data_format = data_format_of(data_format)
    out = table[rank](conv_utils.channels_first(inputs, data_format), output_size)
    return conv_utils.restore_format(out, data_format)


@keras_op("AdaptiveAveragePool", "nn")
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Mean pooling to a fixed ``output_size`` (windows chosen per output position, as
    torch's and Keras's adaptive pooling), as ``keras.ops.adaptive_average_pool``."""
    return _adaptive("adaptive_average_pool", _ADAPTIVE_AVG, float_tensor(inputs), output_size, data_format)


@keras_op("AdaptiveMaxPool", "nn")
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed ``output_size``, as ``keras.ops.adaptive_max_pool``."""
    return _adaptive("adaptive_max_pool", _ADAPTIVE_MAX, float_tensor(inputs), output_size, data_format)
