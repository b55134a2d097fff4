"""Adaptive average and max pooling: a fixed output size, whatever the input size.

Bin ``i`` of an axis of length ``n`` pooled to ``m`` spans ``floor(i*n/m)`` to
``ceil((i+1)*n/m)`` -- the bins of Keras 3 (all backends) and of PyTorch's adaptive pools.
"""

import torch.nn.functional as F

from lamina.backend.config import standardize_data_format
from lamina.layers.layer import Layer
from lamina.ops import conv_utils

_POOLS = {
    "average": {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d},
    "max": {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d},
}


class BaseAdaptivePooling(Layer):
    """Pool every spatial axis (``rank`` set by the subclass) to ``output_size`` bins.

    Args:
        output_size: an int (the same for every spatial axis) or one int per spatial axis.
        data_format: "channels_last" (default) or "channels_first".
    """

    rank = None
    kind = None

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = conv_utils.normalize_tuple(output_size, self.rank, "output_size", self._where)
        self.data_format = standardize_data_format(data_format, self._where)
        self._pool = _POOLS[self.kind][self.rank]

    @property
    def _where(self):
        return f"{type(self).__name__} '{self.name}'"

    def build(self, input_shape):
        conv_utils.check_rank(self._where, input_shape, self.rank, self.data_format)

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            conv_utils.check_rank(self._where, tuple(inputs.shape), self.rank, self.data_format)
        outputs = self._pool(conv_utils.channels_first(inputs, self.data_format), self.output_size)
        return conv_utils.restore_format(outputs, self.data_format)

    def compute_output_shape(self, input_shape):
        channels = conv_utils.channel_size(input_shape, self.data_format)
        return conv_utils.with_spatial(input_shape, self.output_size, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size, "data_format": self.data_format}


_DOC = """Adaptive {kind} pooling over {rank}D {what} (Keras's ``Adaptive{Kind}Pooling{rank}D``).

    Inputs ``(batch, {spatial}, channels)`` (channels_last) or ``(batch, channels,
    {spatial})``; outputs have ``output_size`` bins per spatial axis. Bin ``i`` of an axis of
    length ``n`` covers ``floor(i*n/m)`` to ``ceil((i+1)*n/m)`` (``m`` bins), as in Keras.

    Args:
        output_size: an int or {rank} int(s), the number of bins per spatial axis.
        data_format: "channels_last" (default) or "channels_first".

    Example:
        >>> import torch, lamina
        >>> lamina.layers.Adaptive{Kind}Pooling{rank}D({example_size})(torch.ones({example_in})).shape
        torch.Size({example_out})
    """

_EXAMPLES = {
    1: ("3", "2, 10, 4", "[2, 3, 4]"),
    2: ("(2, 3)", "2, 7, 9, 4", "[2, 2, 3, 4]"),
    3: ("2", "1, 5, 5, 5, 3", "[1, 2, 2, 2, 3]"),
}


def _make(kind, rank):
    spatial = ("steps", "rows, cols", "dim1, dim2, dim3")[rank - 1]
    what = ("sequences", "images", "volumes")[rank - 1]
    size, shape_in, shape_out = _EXAMPLES[rank]
    name = f"Adaptive{kind.capitalize()}Pooling{rank}D"
    doc = _DOC.format(kind=kind, Kind=kind.capitalize(), rank=rank, spatial=spatial, what=what,
                      example_size=size, example_in=shape_in, example_out=shape_out)
    return type(name, (BaseAdaptivePooling,), {"__doc__": doc, "rank": rank, "kind": kind,
                                               "__module__": __name__})


AdaptiveAveragePooling1D = _make("average", 1)
AdaptiveAveragePooling2D = _make("average", 2)
AdaptiveAveragePooling3D = _make("average", 3)
AdaptiveMaxPooling1D = _make("max", 1)
AdaptiveMaxPooling2D = _make("max", 2)
AdaptiveMaxPooling3D = _make("max", 3)
