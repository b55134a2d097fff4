"""Keras masks on model outputs (``y_pred._keras_mask``): loss weights, and kept for metrics."""

import torch

from lamina.losses.loss import apply_mask


def masked_sample_weight(loss, y_pred, sample_weight):
    """``sample_weight`` with the output's mask folded in, as Keras 3's losses do.

    A model whose output carries a mask (an ``Embedding(mask_zero=True)`` feeding an RNN
    with ``return_sequences=True`` and a ``Dense``) is trained only on unmasked
    timesteps: masked ones weigh 0 and, for the mean reductions, the others are
    rescaled so the loss is the mean over unmasked entries.
    """
    mask = getattr(y_pred, "_keras_mask", None)
    if mask is None:
        return sample_weight
    reduction = getattr(loss, "reduction", "sum_over_batch_size")
    return apply_mask(sample_weight, mask, y_pred.dtype, reduction)


def keep_mask(new, old):
    """``new`` (a tensor made from the output ``old``: detached, cast) with ``old``'s mask.

    Metrics read the mask from the prediction they are given, so a step that replaces
    its output tensor hands the mask on. Without a mask, ``new`` is returned untouched.
    """
    mask = getattr(old, "_keras_mask", None)
    if mask is not None:
        new._keras_mask = mask
    return new


def detach_output(y_pred):
    """A single-tensor output detached from the graph, its mask kept; structures unchanged."""
    if isinstance(y_pred, torch.Tensor):
        return keep_mask(y_pred.detach(), y_pred)
    return y_pred
