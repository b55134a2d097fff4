"""``BasePooling``: the sliding-window reduction behind Max- and AveragePooling1D/2D/3D."""

from lamina.backend.config import standardize_data_format
from lamina.layers.layer import Layer
from lamina.ops import conv_utils


class BasePooling(Layer):
    """Reduce each ``pool_size`` window of the spatial axes (``rank`` set by the subclass).

    Args:
        pool_size: int or tuple of ``rank`` ints, the window size.
        strides: int or tuple; ``None`` (default) means ``pool_size``.
        padding: "valid" (windows inside the input) or "same" (output size
            ``ceil(input / strides)``, padded as Keras pads, extra on the right/bottom;
            padded positions never contribute to a window).
        data_format: "channels_last" (default) or "channels_first".
    """

    rank = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        self.data_format = standardize_data_format(data_format, where)
        pool_size = conv_utils.normalize_tuple(pool_size, self.rank, "pool_size", where)
        self._geometry = conv_utils.ConvGeometry(
            self.rank,
            pool_size,
            pool_size if strides is None else strides,
            padding,
            1,
            self.data_format,
            where,
            kernel_name="pool_size",
        )
        self.supports_masking = False

    pool_size = conv_utils.geometry_property(
        "kernel_size", "Size of the pooling window, one int per spatial axis."
    )
    strides = conv_utils.geometry_property("strides", conv_utils.STRIDES_DOC)
    padding = conv_utils.geometry_property("padding", conv_utils.PADDING_DOC)

    def build(self, input_shape):
        self._geometry.output_spatial_for(input_shape)  # checks the rank and that the windows fit

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            self._geometry.check_rank(tuple(inputs.shape))
        x = conv_utils.channels_first(inputs, self.data_format)
        padding, pad = self._geometry.plan(x.shape[2:])
        return conv_utils.restore_format(self._pool(x, padding, pad), self.data_format)

    def _pool(self, inputs, padding, pad):
        """Pool channels-first ``inputs``: torch ``padding``, or an explicit ``pad`` first."""
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        spatial = self._geometry.output_spatial_for(input_shape)
        channels = conv_utils.channel_size(input_shape, self.data_format)
        return conv_utils.with_spatial(input_shape, spatial, channels, self.data_format)

    def compute_dtype_is_input_dtype(self):
        return True

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
        }
