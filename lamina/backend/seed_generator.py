"""``SeedGenerator``: reproducible random draws for one layer (Keras's ``seed=`` argument)."""

import numbers

import torch

from lamina.errors import ConfigurationError


class SeedGenerator:
    """A private ``torch.Generator`` per device seeded with ``seed`` (``None``: torch's global one).

    A layer built with ``seed=s`` draws the same sequence of random numbers in every run,
    whatever else the program draws; ``seed=None`` follows ``lamina.utils.set_random_seed``.
    """

    def __init__(self, seed=None, where="seed"):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ConfigurationError(
                f"{where}: seed must be an int or None. Received: seed={seed!r}."
            )
        self.seed = None if seed is None else int(seed)
        self._generators = {}

    def generator(self, device):
        """The generator to pass to torch's random functions on ``device`` (or None)."""
        if self.seed is None:
            return None
        device = torch.device(device)
        found = self._generators.get(device)
        if found is None:
            found = self._generators[device] = torch.Generator(device=device)
            found.manual_seed(self.seed)
        return found

    def normal(self, shape, like, mean=0.0, stddev=1.0):
        """Normal samples of ``shape`` with ``like``'s dtype and device."""
        out = torch.empty(shape, dtype=like.dtype, device=like.device)
        return out.normal_(mean, stddev, generator=self.generator(like.device))

    def uniform(self, shape, like, low=0.0, high=1.0):
        """Uniform samples in [low, high) of ``shape`` with ``like``'s dtype and device."""
        out = torch.empty(shape, dtype=like.dtype, device=like.device)
        return out.uniform_(low, high, generator=self.generator(like.device))

    def bernoulli(self, shape, like, probability):
        """0/1 samples (1 with ``probability``) of ``shape`` with ``like``'s dtype and device."""
        out = torch.empty(shape, dtype=like.dtype, device=like.device)
        return out.bernoulli_(probability, generator=self.generator(like.device))
