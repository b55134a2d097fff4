"""Samples from the gamma and beta distributions."""

import torch

from lamina.random._inputs import float_dtype, to_shape, to_tensor
from lamina.random.global_rng import seeded_torch_rng


def _sampling_dtype(dtype):
    return torch.float64 if dtype == torch.float64 else torch.float32


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from a gamma distribution of concentration ``alpha`` and rate 1.

    Args:
        shape: shape of the result; ``alpha`` broadcasts to it.
        alpha: concentration (shape parameter), positive.
        dtype: float dtype (default ``lamina.config.floatx()``).
        seed: int (same numbers at every call), ``lamina.random.SeedGenerator`` (new
            numbers at every call) or ``None`` (the global generator).
    """
    dtype = float_dtype(dtype, "lamina.random.gamma")
    shape = to_shape(shape, "lamina.random.gamma")
    working = _sampling_dtype(dtype)
    alpha = torch.broadcast_to(to_tensor(alpha, working), shape)
    with seeded_torch_rng(seed):
        sample = torch.distributions.Gamma(alpha, torch.ones_like(alpha)).sample()
    return sample.to(dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from a beta distribution with concentrations ``alpha`` and ``beta``.

    Args:
        shape: shape of the result; ``alpha`` and ``beta`` broadcast to it.
        alpha: first concentration, positive.
        beta: second concentration, positive.
        dtype: float dtype (default ``lamina.config.floatx()``).
        seed: int, ``SeedGenerator`` or ``None`` (see ``gamma``).
    """
    dtype = float_dtype(dtype, "lamina.random.beta")
    shape = to_shape(shape, "lamina.random.beta")
    working = _sampling_dtype(dtype)
    alpha = torch.broadcast_to(to_tensor(alpha, working), shape)
    beta_ = torch.broadcast_to(to_tensor(beta, working), shape)
    with seeded_torch_rng(seed):
        sample = torch.distributions.Beta(concentration1=alpha, concentration0=beta_).sample()
    return sample.to(dtype)
