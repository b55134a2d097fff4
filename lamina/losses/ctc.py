"""Connectionist temporal classification (CTC) loss, as Keras 3 computes it."""

import torch
import torch.nn.functional as F

from lamina.errors import InputError, describe
from lamina.losses.loss import Loss, as_float_tensor, as_tensor


def ctc(y_true, y_pred):
    """CTC loss of padded label sequences under per-timestep logits, one value per sample.

    Label 0 is the blank and also the padding: a sample's label length is its number of
    non-zero labels (padding goes at the end). Every sample uses all ``max_time`` steps.

    Args:
        y_true: Integer labels, shape ``(batch, max_label_length)``.
        y_pred: Logits (not softmaxed), shape ``(batch, max_time, num_classes)``.

    Returns:
        Negative log-likelihoods, shape ``(batch,)``.
    """
    y_pred = as_float_tensor(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    if y_true.dim() != 2:
        raise InputError(
            "ctc: y_true must be integer labels of shape (batch, max_label_length). "
            f"Received: y_true={describe(y_true)}."
        )
    if y_pred.dim() != 3:
        raise InputError(
            "ctc: y_pred must be logits of shape (batch, max_time, num_classes). "
            f"Received: y_pred={describe(y_pred)}."
        )
    labels = y_true.long()
    label_lengths = (labels != 0).sum(dim=-1)
    batch, steps = y_pred.shape[:2]
    input_lengths = torch.full((batch,), steps, dtype=torch.long, device=y_pred.device)
    compute_dtype = torch.promote_types(y_pred.dtype, torch.float32)
    log_probs = F.log_softmax(y_pred.to(compute_dtype).transpose(0, 1), dim=-1)
    return F.ctc_loss(log_probs, labels, input_lengths, label_lengths, blank=0, reduction="none")


class CTC(Loss):
    """CTC loss (see ``ctc``): labels ``(batch, max_label_length)`` with 0 as the blank and
    padding, against logits ``(batch, max_time, num_classes)``.

    Args:
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _convert_y_true(self, y_true, y_pred):
        return as_tensor(y_true, device=y_pred.device)

    def call(self, y_true, y_pred):
        return ctc(y_true, y_pred)
