"""Boolean attention masks (True = may attend) and their additive form."""

import torch


def causal_mask(query_length, key_length, device):
    """(query_length, key_length) lower-triangular mask: position i attends to j <= i."""
    return torch.ones(query_length, key_length, dtype=torch.bool, device=device).tril()


def combine(*masks):
    """Logical AND of the masks that are not None (broadcasting), or None."""
    result = None
    for mask in masks:
        if mask is None:
            continue
        mask = mask if mask.dtype == torch.bool else mask > 0.5
        result = mask if result is None else result & mask
    return result


def additive(mask, dtype):
    """0 where ``mask`` is True, -1e9 (Keras's large negative; -65504 in float16) elsewhere."""
    if mask is None:
        return None
    large = 65504.0 if dtype == torch.float16 else 1e9
    return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(~mask, -large)
