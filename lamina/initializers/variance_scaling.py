"""VarianceScaling and its named cases: Glorot (Xavier), He (Kaiming) and LeCun."""

import math
import numbers

from lamina.errors import ConfigurationError
from lamina.initializers import sampling
from lamina.initializers.fans import compute_fans
from lamina.initializers.random import RandomInitializer

# Standard deviation of N(0, 1) truncated to [-2, 2]; dividing by it makes the
# truncated samples have the requested standard deviation (Keras's constant).
TRUNCATED_NORMAL_STDDEV = 0.87962566103423978

_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


class VarianceScaling(RandomInitializer):
    """Samples whose variance is ``scale / n``, ``n`` being a fan of the weight.

    ``n`` is fan_in, fan_out or their average (``mode``), computed on the Keras-layout
    shape by ``compute_fans``. With ``distribution="truncated_normal"`` the samples come
    from a normal truncated at 2 standard deviations, scaled so that their standard
    deviation after truncation is ``sqrt(scale / n)``; ``"untruncated_normal"`` uses a
    plain normal; ``"uniform"`` draws from ``[-limit, limit]`` with
    ``limit = sqrt(3 * scale / n)``.

    Args:
        scale: Positive scaling factor.
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"``, ``"untruncated_normal"`` or ``"uniform"``
            (``"normal"`` is accepted as ``"truncated_normal"``, as in Keras).
        seed: ``None`` (default) draws from torch's global generator, so values differ
            between calls and ``lamina.backend.set_random_seed`` makes them reproducible;
            an int gives the same values on every call.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        name = type(self).__name__
        if not (isinstance(scale, numbers.Real) and math.isfinite(scale) and scale > 0):
            raise ConfigurationError(
                f"{name}: scale must be a positive number. Received: scale={scale!r}."
            )
        if mode not in _MODES:
            raise ConfigurationError(
                f"{name}: unknown mode. Received: mode={mode!r}. Use one of {list(_MODES)}."
            )
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in _DISTRIBUTIONS:
            raise ConfigurationError(
                f"{name}: unknown distribution. Received: distribution={distribution!r}. "
                f"Use one of {list(_DISTRIBUTIONS)}."
            )
        self.scale = float(scale)
        self.mode = mode
        self.distribution = distribution
        super().__init__(seed)

    def variance(self, shape):
        """Target variance of the samples for a weight of Keras-layout ``shape``."""
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        return self.scale / max(1.0, fan[self.mode])

    def __call__(self, shape, dtype=None):
        shape, dtype = self._shape_and_dtype(shape, dtype)
        variance = self.variance(shape)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return sampling.uniform(shape, -limit, limit, dtype, self.seed)
        if self.distribution == "untruncated_normal":
            return sampling.normal(shape, 0.0, math.sqrt(variance), dtype, self.seed)
        stddev = math.sqrt(variance) / TRUNCATED_NORMAL_STDDEV
        return sampling.truncated_normal(shape, 0.0, stddev, dtype, self.seed)

    def get_config(self):
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            **super().get_config(),
        }


class _NamedVarianceScaling(VarianceScaling):
    """A VarianceScaling with fixed settings; only the seed is configurable."""

    SETTINGS = {}

    def __init__(self, seed=None):
        super().__init__(**self.SETTINGS, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_NamedVarianceScaling):
    """Glorot (Xavier) uniform: ``U[-limit, limit]``, ``limit = sqrt(6 / (fan_in + fan_out))``.

    Keras's default kernel initializer. ``seed`` as in ``VarianceScaling``.
    """

    SETTINGS = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


class GlorotNormal(_NamedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal, std ``sqrt(2 / (fan_in + fan_out))``.

    ``seed`` as in ``VarianceScaling``.
    """

    SETTINGS = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


class HeUniform(_NamedVarianceScaling):
    """He (Kaiming) uniform: ``U[-limit, limit]``, ``limit = sqrt(6 / fan_in)``.

    ``seed`` as in ``VarianceScaling``.
    """

    SETTINGS = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


class HeNormal(_NamedVarianceScaling):
    """He (Kaiming) normal: truncated normal with std ``sqrt(2 / fan_in)``.

    ``seed`` as in ``VarianceScaling``.
    """

    SETTINGS = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


class LecunUniform(_NamedVarianceScaling):
    """LeCun uniform: ``U[-limit, limit]``, ``limit = sqrt(3 / fan_in)``.

    ``seed`` as in ``VarianceScaling``.
    """

    SETTINGS = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


class LecunNormal(_NamedVarianceScaling):
    """LeCun normal: truncated normal with std ``sqrt(1 / fan_in)`` (pairs with selu).

    ``seed`` as in ``VarianceScaling``.
    """

    SETTINGS = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}
