"""Random operations on a tensor: ``dropout`` and ``shuffle``."""

import torch
import torch.nn.functional as F

from lamina.errors import InputError
from lamina.random._inputs import to_tensor
from lamina.random.seed_generator import SeedGenerator, torch_generator


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero entries of ``inputs`` with probability ``rate``, scale the rest by ``1 / (1 - rate)``.

    Args:
        inputs: tensor, array or number.
        rate: probability of dropping an entry, in ``[0, 1]``.
        noise_shape: shape of the keep/drop mask, broadcast over ``inputs``
            (``None`` entries take the input's size), e.g. ``(batch, 1, features)`` to
            drop the same features at every timestep.
        seed: int (same mask at every call), ``lamina.random.SeedGenerator`` (new mask at
            every call) or ``None`` (torch's global generator, as Keras on torch).
    """
    inputs = to_tensor(inputs)
    rate = float(rate)
    if not 0.0 <= rate <= 1.0:
        raise InputError(f"lamina.random.dropout: rate must be in [0, 1]. Received: rate={rate}.")
    if rate == 1.0:
        return torch.zeros_like(inputs)
    if rate == 0.0:
        return inputs
    unseeded = seed is None or (isinstance(seed, SeedGenerator) and seed._initial_seed is None)
    if unseeded and noise_shape is None:
        return F.dropout(inputs, p=rate, training=True)
    keep = 1.0 - rate
    if noise_shape is None:
        noise_shape = inputs.shape
    mask_shape = [size if wanted is None else int(wanted) for size, wanted in zip(inputs.shape, noise_shape)]
    odds = torch.full(mask_shape, keep, device=inputs.device)
    mask = torch.bernoulli(odds, generator=torch_generator(seed, inputs.device)).bool()
    return torch.where(mask, inputs / keep, torch.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    """Shuffle ``x`` along ``axis``.

    With ``axis=0`` the rows are permuted. With a later axis each slice along the
    axes before it gets its own permutation (as Keras on torch does).

    Args:
        x: tensor, array or list.
        axis: axis to shuffle along (negative counts from the end).
        seed: int (same order at every call), ``lamina.random.SeedGenerator`` or ``None``.
    """
    x = to_tensor(x)
    if x.dim() == 0:
        raise InputError("lamina.random.shuffle: x must have at least one axis. Received a 0-d tensor.")
    if not -x.dim() <= axis < x.dim():
        raise InputError(
            f"lamina.random.shuffle: axis {axis} is out of range for a tensor of shape {tuple(x.shape)}."
        )
    axis %= x.dim()
    keys = torch.rand(x.shape[: axis + 1], generator=torch_generator(seed, x.device), device=x.device)
    order = keys.argsort(axis)
    order = order.reshape(order.shape + (1,) * (x.dim() - axis - 1)).expand(x.shape)
    return x.gather(axis, order)
