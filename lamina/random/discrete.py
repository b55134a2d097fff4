"""Integer-valued samples: ``randint``, ``categorical``, ``binomial``."""

import torch

from lamina.backend.device import get_device
from lamina.errors import InputError, describe
from lamina.random._inputs import float_dtype, int_dtype, to_shape, to_tensor
from lamina.random.global_rng import seeded_torch_rng
from lamina.random.seed_generator import torch_generator


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from ``[minval, maxval)``.

    Args:
        shape: shape of the result.
        minval: lowest value (included).
        maxval: highest value (excluded).
        dtype: integer dtype (default ``"int32"``).
        seed: int (same numbers at every call), ``lamina.random.SeedGenerator`` (new
            numbers at every call) or ``None`` (the global generator).
    """
    dtype = int_dtype(dtype, "lamina.random.randint")
    shape = to_shape(shape, "lamina.random.randint")
    generator = torch_generator(seed)
    return torch.randint(int(minval), int(maxval), size=shape, generator=generator, dtype=dtype, device=get_device())


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class indices drawn from the categorical distributions given by ``logits``.

    Args:
        logits: 2-D ``(batch_size, num_classes)`` unnormalized log-probabilities.
        num_samples: number of samples per row (drawn with replacement).
        dtype: integer dtype of the result (default ``"int32"``).
        seed: int, ``SeedGenerator`` or ``None`` (see ``randint``).

    Returns:
        A ``(batch_size, num_samples)`` tensor of class indices.
    """
    logits = to_tensor(logits)
    if logits.dim() != 2:
        raise InputError(
            "lamina.random.categorical: logits must be a 2-D tensor of shape "
            f"(batch_size, num_classes). Received: logits={describe(logits)}."
        )
    dtype = int_dtype(dtype, "lamina.random.categorical")
    probabilities = torch.softmax(logits.float() if not logits.is_floating_point() else logits, dim=-1)
    generator = torch_generator(seed)
    return torch.multinomial(probabilities, int(num_samples), replacement=True, generator=generator).to(dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Numbers of successes in ``counts`` trials of success probability ``probabilities``.

    Args:
        shape: shape of the result; ``counts`` and ``probabilities`` broadcast to it.
        counts: number(s) of trials.
        probabilities: probability (or probabilities) of success, in ``[0, 1]``.
        dtype: float dtype of the result (default ``lamina.config.floatx()``).
        seed: int, ``SeedGenerator`` or ``None`` (see ``randint``).
    """
    dtype = float_dtype(dtype, "lamina.random.binomial")
    shape = to_shape(shape, "lamina.random.binomial")
    counts = torch.broadcast_to(to_tensor(counts, torch.float32), shape)
    probabilities = torch.broadcast_to(to_tensor(probabilities, torch.float32), shape)
    with seeded_torch_rng(seed):
        sample = torch.distributions.Binomial(total_count=counts, probs=probabilities).sample()
    return sample.to(dtype)
