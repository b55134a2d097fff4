"""Samples from continuous distributions: ``normal``, ``uniform``, ``truncated_normal``."""

import torch

from lamina.backend.device import get_device
from lamina.random._inputs import float_dtype, to_shape
from lamina.random.seed_generator import torch_generator

_TRUNCATION = 2.0  # truncated_normal keeps samples within two standard deviations
_TRIES = 4  # candidates drawn per value by truncated_normal, as Keras on torch


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from a normal distribution.

    Args:
        shape: shape of the result.
        mean: mean of the distribution.
        stddev: standard deviation of the distribution.
        dtype: float dtype (default ``lamina.config.floatx()``).
        seed: int (same numbers at every call), ``lamina.random.SeedGenerator``
            (new numbers at every call) or ``None`` (the global generator).

    Returns:
        A tensor on lamina's device.
    """
    dtype = float_dtype(dtype, "lamina.random.normal")
    shape = to_shape(shape, "lamina.random.normal")
    generator = torch_generator(seed)
    return torch.normal(mean, stddev, size=shape, generator=generator, dtype=dtype, device=get_device())


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from a uniform distribution on ``[minval, maxval)``.

    Args:
        shape: shape of the result.
        minval: lower bound (included).
        maxval: upper bound (excluded).
        dtype: float dtype (default ``lamina.config.floatx()``); integer dtypes raise,
            use ``randint``.
        seed: int, ``SeedGenerator`` or ``None`` (see ``normal``).
    """
    dtype = float_dtype(dtype, "lamina.random.uniform")
    shape = to_shape(shape, "lamina.random.uniform")
    generator = torch_generator(seed)
    unit = torch.rand(shape or (1,), generator=generator, dtype=dtype, device=get_device())
    values = (maxval - minval) * unit + minval
    return values[0] if not shape else values


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from a normal distribution truncated to two standard deviations.

    Values farther than ``2 * stddev`` from ``mean`` are redrawn.

    Args:
        shape: shape of the result.
        mean: mean of the untruncated distribution.
        stddev: standard deviation of the untruncated distribution.
        dtype: float dtype (default ``lamina.config.floatx()``).
        seed: int, ``SeedGenerator`` or ``None`` (see ``normal``).
    """
    dtype = float_dtype(dtype, "lamina.random.truncated_normal")
    shape = to_shape(shape, "lamina.random.truncated_normal")
    generator = torch_generator(seed)
    candidates = torch.normal(0.0, 1.0, size=shape + (_TRIES,), generator=generator, dtype=dtype, device=get_device())
    inside = candidates.abs() < _TRUNCATION
    first_inside = inside.to(torch.uint8).argmax(-1, keepdim=True)
    values = candidates.gather(-1, first_inside).squeeze(-1)
    outside = values.abs() >= _TRUNCATION
    while bool(outside.any()):  # all candidates missed: about 4 in a million values
        redraw = torch.normal(0.0, 1.0, size=(int(outside.sum()),), generator=generator, dtype=dtype, device=values.device)
        values[outside] = redraw
        outside = values.abs() >= _TRUNCATION
    return values * stddev + mean
