"""Random tensors for initializers: the global torch RNG, or a private seeded one.

``seed=None`` draws from torch's global generator, so ``lamina.backend.set_random_seed``
makes the draws reproducible and successive calls differ. An int ``seed`` draws from a
fresh ``torch.Generator`` seeded with it, so every call gives the same values (as a
seeded Keras 3 initializer does).

Values are drawn in float32 (float64 when asked for) on the CPU and then cast, so
half-precision dtypes get the same numbers as float32 ones.
"""

import math

import torch

from lamina.errors import ConfigurationError


def validate_seed(seed, where):
    """Return ``seed`` if it is ``None`` or an int, else raise ConfigurationError."""
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
        return seed
    raise ConfigurationError(
        f"{where}: seed must be an int or None. Received: seed={seed!r}. "
        "Use an int for the same values on every call, or None to draw from the global "
        "generator (reproducible with lamina.backend.set_random_seed)."
    )


def _empty(shape, dtype):
    draw_dtype = torch.float64 if dtype == torch.float64 else torch.float32
    return torch.empty(shape, dtype=draw_dtype)


def _generator(seed):
    return None if seed is None else torch.Generator().manual_seed(seed)


def normal(shape, mean, stddev, dtype, seed):
    """Samples of N(mean, stddev**2)."""
    values = _empty(shape, dtype).normal_(mean, stddev, generator=_generator(seed))
    return values.to(dtype)


def uniform(shape, minval, maxval, dtype, seed):
    """Samples of U[minval, maxval)."""
    values = _empty(shape, dtype).uniform_(minval, maxval, generator=_generator(seed))
    return values.to(dtype)


# erf(2 / sqrt(2)): N(0, 1) lies in [-2, 2] with this probability, and
# sqrt(2) * erfinv(w) for w uniform in [-_ERF_OF_TWO_STD, _ERF_OF_TWO_STD] is N(0, 1)
# truncated to [-2, 2] (the inverse of its CDF).
_ERF_OF_TWO_STD = math.erf(math.sqrt(2.0))


def truncated_normal(shape, mean, stddev, dtype, seed):
    """Samples of N(mean, stddev**2) restricted to mean +- 2 stddev (Keras's truncation).

    Drawn by inverse CDF: one uniform draw per value, then ``erfinv``, in one pass (about
    as fast as a uniform draw; ``torch.nn.init.trunc_normal_`` redraws the whole tensor
    until no value falls outside). A seeded draw repeats its values; they differ from
    those of earlier lamina versions, which drew with ``trunc_normal_``.
    """
    values = _empty(shape, dtype).uniform_(-_ERF_OF_TWO_STD, _ERF_OF_TWO_STD, generator=_generator(seed))
    values.erfinv_().mul_(math.sqrt(2.0) * stddev).add_(mean)
    # Rounding may step a hair past the bounds: clamp to Keras's interval.
    values.clamp_(mean - 2.0 * stddev, mean + 2.0 * stddev)
    return values.to(dtype)
