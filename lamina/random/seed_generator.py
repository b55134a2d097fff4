"""``SeedGenerator`` and the rule every ``lamina.random`` function follows to pick its seed.

As in Keras: an int seed gives the same numbers at every call; a ``SeedGenerator``
advances at every draw (its state ``[seed, counter]`` moves by one); ``seed=None`` draws
from a process-wide generator that ``lamina.utils.set_random_seed`` resets. Each draw
seeds a fresh ``torch.Generator`` with ``(first + second) mod 2**32`` of the drawn pair,
which is what Keras does on its torch backend, so int seeds and SeedGenerators give
Keras's own numbers on CPU.
"""

import random as python_random

import torch

from lamina.backend import seed_generator as backend_seed_generator
from lamina.backend.device import get_device
from lamina.backend.naming import unique_name
from lamina.backend.random import global_seed_generator
from lamina.errors import ConfigurationError
from lamina.variables.variable import as_variable

_INT32 = 2**32


class SeedGenerator(backend_seed_generator.SeedGenerator):
    """A seed that advances at every random draw (Keras's ``keras.random.SeedGenerator``).

    Pass it as ``seed=`` to ``lamina.random`` functions: each call gets new numbers, and
    the whole sequence repeats when the generator is made again with the same seed. A
    layer keeps one as an attribute and remakes it from its config's ``seed`` when
    loaded, as Keras (whose ``.keras`` files do not hold the generator's state).

    Args:
        seed: int initial seed; ``None`` picks one from Python's ``random`` (so from
            ``lamina.utils.set_random_seed``).
        name: name of the generator (default ``"seed_generator"`` plus a counter).

    Example:
        ```python
        seed_gen = lamina.random.SeedGenerator(seed=42)
        a = lamina.random.normal((2, 3), seed=seed_gen)
        b = lamina.random.normal((2, 3), seed=seed_gen)  # different from a
        ```
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)
        if kwargs:
            raise ConfigurationError(f"SeedGenerator: unexpected keyword argument(s) {sorted(kwargs)}.")
        self._initial_seed = seed
        if seed is None:
            seed = python_random.randint(1, int(1e9))
        super().__init__(seed, where="SeedGenerator")
        self.name = name or unique_name("seed_generator")
        state = torch.tensor([_as_int32(self.seed), 0], dtype=torch.int32)
        self.state = as_variable(state, "seed_generator_state", f"{self.name}/seed_generator_state", False)

    def next(self, ordered=True):
        """The current ``(seed, counter)`` pair as Python ints; then advance the state."""
        first, second = (int(v) for v in self.state.tolist())
        if ordered:
            self.state[1] = _as_int32(second + 1)
        else:
            self.state.copy_(torch.tensor([_scramble(first), _scramble(second)], dtype=torch.int32))
        return first, second

    def generator(self, device):
        """A ``torch.Generator`` on ``device`` seeded from the next state (advances it)."""
        return torch_generator(self, device)

    def get_config(self):
        """``{"seed": ..., "name": ...}`` as Keras writes it."""
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        """A new generator from ``get_config()``'s output."""
        return cls(**config)


def _as_int32(value):
    value %= _INT32
    return value - _INT32 if value >= 2**31 else value


def _scramble(value):
    # Keras's unordered step ``(s + 1) * 5387 % 933199`` with its int32 wrap-around.
    return _as_int32((value + 1) * 5387) % 933199


def draw_seed(seed):
    """The ``(first, second)`` pair a random function uses for ``seed`` (int, SeedGenerator, None)."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return global_seed_generator(SeedGenerator).next(ordered=False)
    if isinstance(seed, int) and not isinstance(seed, bool):
        return _as_int32(seed), 0
    raise ConfigurationError(
        "seed must be an int, a lamina.random.SeedGenerator or None. "
        f"Received: seed={seed!r} (of type {type(seed).__name__})."
    )


def torch_generator(seed, device=None):
    """A fresh ``torch.Generator`` on ``device`` (default lamina's device) for ``seed``."""
    first, second = draw_seed(seed)
    generator = torch.Generator(device=device or get_device())
    generator.manual_seed((first + second) % _INT32)
    return generator


def torch_seed(seed):
    """The int that ``torch.manual_seed`` gets for ``seed`` (for samplers without a generator)."""
    first, second = draw_seed(seed)
    return (first + second) % _INT32
