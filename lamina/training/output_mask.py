"""Keras masks on model outputs (``y_pred._keras_mask``) as loss weights."""

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
