"""GaussianNoise and GaussianDropout: multiplicative/additive noise, in training only."""

import math

from lamina.backend.seed_generator import SeedGenerator
from lamina.errors import ConfigurationError
from lamina.layers.layer import Layer
from lamina.layers.regularization.spatial_dropout import check_rate


class GaussianNoise(Layer):
    """In training, add zero-mean Gaussian noise of standard deviation ``stddev``.

    Inference is the identity. ``seed`` gives a reproducible private random stream.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        where = f"GaussianNoise '{self.name}'"
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ConfigurationError(
                f"{where}: stddev must be a non-negative number. Received: stddev={stddev!r}."
            )
        self.stddev = float(stddev)
        self.seed = seed
        self._seed = SeedGenerator(seed, where)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        return inputs + self._seed.normal(inputs.shape, inputs, 0.0, self.stddev)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """In training, multiply by Gaussian noise of mean 1 and stddev ``sqrt(rate / (1 - rate))``.

    Inference is the identity. ``seed`` gives a reproducible private random stream.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        where = f"GaussianDropout '{self.name}'"
        self.rate = check_rate(rate, where)
        self.seed = seed
        self._seed = SeedGenerator(seed, where)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * self._seed.normal(inputs.shape, inputs, 1.0, stddev)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
