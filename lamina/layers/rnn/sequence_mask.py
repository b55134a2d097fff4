"""Timestep masks of shape (batch, timesteps): checks, and the layout the fused kernels need."""

import torch

from lamina.errors import InputError


def standardize_mask(layer, mask, sequences):
    """``mask`` as a bool tensor of shape (batch, timesteps), or an InputError saying why not."""
    if mask is None:
        return None
    if isinstance(mask, (list, tuple)):
        mask = mask[0]
    mask = torch.as_tensor(mask, device=sequences.device)
    if mask.dim() == 3 and mask.shape[-1] == 1:
        mask = mask[..., 0]
    expected = tuple(sequences.shape[:2])
    if tuple(mask.shape) != expected:
        raise InputError(
            f"{type(layer).__name__} '{layer.name}': the mask must have shape (batch, timesteps) = "
            f"{expected}, one flag per timestep of the inputs of shape {tuple(sequences.shape)}. "
            f"Received a mask of shape {tuple(mask.shape)}."
        )
    return mask if mask.dtype == torch.bool else mask != 0


def contiguous_spans(mask):
    """Where each sequence's valid steps start and how many there are, if they are contiguous.

    Returns ``(starts, lengths)`` (int64 tensors of shape (batch,)) when every row of
    ``mask`` is one block of True values (right padding, left padding, or none), else
    ``None``. A row without any True value has length 0.
    """
    steps = mask.shape[1]
    positions = torch.arange(steps, device=mask.device)
    lengths = mask.sum(dim=1)
    starts = torch.where(lengths > 0, mask.to(torch.uint8).argmax(dim=1), 0)
    expected = (positions >= starts[:, None]) & (positions < (starts + lengths)[:, None])
    if not bool(torch.equal(expected, mask)):
        return None
    return starts, lengths
