"""Orthogonal initializer (Saxe et al., 2014), as Keras computes it."""

import math

import torch

from lamina.errors import ConfigurationError
from lamina.initializers import sampling
from lamina.initializers.random import RandomInitializer


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times ``gain``, reshaped to the weight's shape.

    The weight is viewed as a matrix of ``prod(shape[:-1])`` rows and ``shape[-1]``
    columns. If there are at least as many rows as columns, the columns are orthonormal
    (``W.T @ W = gain**2 * I``); otherwise the rows are (``W @ W.T = gain**2 * I``). The
    matrix is the Q factor of the QR decomposition of a standard normal matrix, with
    signs fixed by the diagonal of R so that it is uniformly distributed.

    Args:
        gain: Multiplier applied to the orthogonal matrix.
        seed: ``None`` (default) draws from torch's global generator, so values differ
            between calls and ``lamina.backend.set_random_seed`` makes them reproducible;
            an int gives the same values on every call.

    Raises:
        ConfigurationError: when called with a shape of rank below 2.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = float(gain)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = self._shape_and_dtype(shape, dtype)
        if len(shape) < 2:
            raise ConfigurationError(
                f"Orthogonal: the weight must have at least 2 dimensions. Received: "
                f"shape={shape} of rank {len(shape)}. Use e.g. 'glorot_uniform' for vectors."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        if rows * cols == 0:
            return torch.zeros(shape, dtype=dtype)
        tall = (max(rows, cols), min(rows, cols))
        work_dtype = torch.float64 if dtype == torch.float64 else torch.float32
        normal = sampling.normal(tall, 0.0, 1.0, work_dtype, self.seed)
        q, r = torch.linalg.qr(normal)
        q = q * torch.sign(torch.diagonal(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).to(dtype).contiguous()

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}
