"""Initializers drawing from a fixed distribution: normal, uniform, truncated normal."""

import math
import numbers

from lamina.errors import ConfigurationError
from lamina.initializers import sampling
from lamina.initializers.initializer import Initializer, standardize_dtype, standardize_shape


def _check_stddev(stddev, where):
    if not (isinstance(stddev, numbers.Real) and math.isfinite(stddev) and stddev >= 0):
        raise ConfigurationError(
            f"{where}: stddev must be a finite number >= 0. Received: stddev={stddev!r}."
        )
    return float(stddev)


class RandomInitializer(Initializer):
    """Base of initializers that draw random numbers; holds and checks the seed."""

    def __init__(self, seed=None):
        self.seed = sampling.validate_seed(seed, type(self).__name__)

    def _shape_and_dtype(self, shape, dtype):
        name = type(self).__name__
        return standardize_shape(shape, name), standardize_dtype(dtype, name, floating=True)

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(RandomInitializer):
    """Samples from a normal distribution N(mean, stddev**2).

    Args:
        mean: Mean of the values.
        stddev: Standard deviation of the values.
        seed: ``None`` (default) draws from torch's global generator, so values differ
            between calls and ``lamina.backend.set_random_seed`` makes them reproducible;
            an int gives the same values on every call.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = float(mean)
        self.stddev = _check_stddev(stddev, "RandomNormal")
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = self._shape_and_dtype(shape, dtype)
        return sampling.normal(shape, self.mean, self.stddev, dtype, self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class TruncatedNormal(RandomInitializer):
    """Samples from N(mean, stddev**2) restricted to ``mean +- 2 * stddev``.

    Args:
        mean: Mean of the untruncated distribution.
        stddev: Standard deviation of the untruncated distribution (the values' own
            standard deviation is about 0.88 times this).
        seed: ``None`` (default) draws from torch's global generator, so values differ
            between calls and ``lamina.backend.set_random_seed`` makes them reproducible;
            an int gives the same values on every call.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = float(mean)
        self.stddev = _check_stddev(stddev, "TruncatedNormal")
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = self._shape_and_dtype(shape, dtype)
        return sampling.truncated_normal(shape, self.mean, self.stddev, dtype, self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(RandomInitializer):
    """Samples from a uniform distribution on ``[minval, maxval)``.

    Args:
        minval: Lower bound (inclusive).
        maxval: Upper bound (exclusive).
        seed: ``None`` (default) draws from torch's global generator, so values differ
            between calls and ``lamina.backend.set_random_seed`` makes them reproducible;
            an int gives the same values on every call.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        if not minval <= maxval:
            raise ConfigurationError(
                f"RandomUniform: minval must not exceed maxval. "
                f"Received: minval={minval!r}, maxval={maxval!r}."
            )
        self.minval = float(minval)
        self.maxval = float(maxval)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = self._shape_and_dtype(shape, dtype)
        return sampling.uniform(shape, self.minval, self.maxval, dtype, self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}
