"""SpatialDropout1D/2D/3D: drop whole feature maps (channels) instead of single values."""

from lamina.backend.config import standardize_data_format
from lamina.backend.seed_generator import SeedGenerator
from lamina.errors import ConfigurationError
from lamina.layers.layer import Layer
from lamina.ops import conv_utils


def check_rate(rate, where):
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ConfigurationError(
            f"{where}: rate must be a number in [0, 1). Received: rate={rate!r}."
        )
    return float(rate)


class BaseSpatialDropout(Layer):
    """In training, zero each channel of each sample with probability ``rate`` (whole map).

    Kept channels are scaled by ``1 / (1 - rate)``; inference is the identity.

    Args:
        rate: fraction of channels to drop, in [0, 1).
        data_format: "channels_last" (default) or "channels_first" (2D and 3D).
        seed: int for a reproducible private random stream; None uses torch's global one.
    """

    rank = None

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self._where = f"{type(self).__name__} '{self.name}'"
        self.rate = check_rate(rate, self._where)
        self.data_format = standardize_data_format(data_format, self._where)
        self.seed = seed
        self._seed = SeedGenerator(seed, self._where)

    def build(self, input_shape):
        conv_utils.check_rank(self._where, input_shape, self.rank, self.data_format)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if inputs.dim() != self.rank + 2:
            conv_utils.check_rank(self._where, tuple(inputs.shape), self.rank, self.data_format)
        channels = conv_utils.channel_size(tuple(inputs.shape), self.data_format)
        shape = conv_utils.with_spatial(
            tuple(inputs.shape), (1,) * self.rank, channels, self.data_format
        )
        keep = self._seed.bernoulli(shape, inputs, 1.0 - self.rate)
        return inputs * keep / (1.0 - self.rate)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {**super().get_config(), "rate": self.rate, "seed": self.seed}
        del config["trainable"]  # Keras's SpatialDropout takes no `trainable` (nothing to train)
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(BaseSpatialDropout):
    """Drop whole channels of ``(batch, steps, channels)`` inputs in training."""

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        conv_utils.refuse_data_format(type(self), kwargs)
        super().__init__(rate, "channels_last", seed, **kwargs)


class SpatialDropout2D(BaseSpatialDropout):
    """Drop whole feature maps of ``(batch, rows, cols, channels)`` inputs in training."""

    rank = 2


class SpatialDropout3D(BaseSpatialDropout):
    """Drop whole feature maps of ``(batch, d1, d2, d3, channels)`` inputs in training."""

    rank = 3
