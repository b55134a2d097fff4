"""Circle loss (Sun et al., 2020) for metric learning on L2-normalized embeddings."""

import torch
import torch.nn.functional as F

from lamina.losses.loss import LossFunctionWrapper, as_float_tensor, as_tensor


def circle(
    y_true,
    y_pred,
    ref_labels=None,
    ref_embeddings=None,
    remove_diagonal=True,
    gamma=80,
    margin=0.4,
):
    """Circle loss of each embedding against a reference set, one value per sample.

    Pairs with the same label are positives, the others negatives; each cosine distance
    is weighted by how far it is from its optimum, and ``softplus(logsumexp(positive
    terms) + logsumexp(negative terms))`` is the sample's loss. A sample with no
    positive (or no negative) pair gets 0. The result carries ``_keras_mask``: the
    ``Circle`` loss averages over the samples whose loss is above 0, as Keras does.

    Args:
        y_true: Integer labels, shape ``(batch,)``.
        y_pred: L2-normalized embeddings, shape ``(batch, dim)``.
        ref_labels: Labels of the reference embeddings. Defaults to ``y_true``.
        ref_embeddings: Reference embeddings, shape ``(n, dim)``. Defaults to ``y_pred``.
        remove_diagonal: Whether a sample is not its own positive. Defaults to True.
        gamma: Scale of the similarity terms. Defaults to 80.
        margin: Relaxation margin. Defaults to 0.4.
    """
    y_pred = as_float_tensor(y_pred)
    labels = as_tensor(y_true, device=y_pred.device).long().reshape(-1, 1)
    if ref_embeddings is None:
        ref_embeddings = y_pred
    else:
        ref_embeddings = as_tensor(ref_embeddings, dtype=y_pred.dtype, device=y_pred.device)
    if ref_labels is None:
        ref = labels
    else:
        ref = as_tensor(ref_labels, device=y_pred.device).long().reshape(-1, 1)
    distances = (1 - y_pred @ ref_embeddings.T).clamp_min(0.0)
    positive = labels == ref.T
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~torch.eye(*positive.shape, dtype=torch.bool, device=y_pred.device)
    pos_weights = ((margin + distances) * positive).clamp_min(0.0)
    neg_weights = ((1 + margin - distances) * negative).clamp_min(0.0)
    pos_terms = -gamma * pos_weights * (margin - distances)
    neg_terms = gamma * neg_weights * (1 - margin - distances)
    minus_inf = torch.tensor(float("-inf"), dtype=y_pred.dtype, device=y_pred.device)
    pos_loss = torch.logsumexp(torch.where(positive, pos_terms, minus_inf), dim=1)
    neg_loss = torch.logsumexp(torch.where(negative, neg_terms, minus_inf), dim=1)
    losses = F.softplus(pos_loss + neg_loss)
    losses._keras_mask = losses > 0
    return losses


class Circle(LossFunctionWrapper):
    """Circle loss between integer labels and L2-normalized embeddings (see ``circle``).

    The model should end in a ``Dense`` without activation followed by
    ``UnitNormalization``. The mean reductions average over the samples whose loss is
    above 0 (those with both a positive and a negative pair), as in Keras.

    Args:
        gamma: Scale of the similarity terms. Defaults to 80.
        margin: Relaxation margin. Defaults to 0.4.
        remove_diagonal: Whether a sample is not its own positive. Defaults to True.
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(
        self,
        gamma=80.0,
        margin=0.4,
        remove_diagonal=True,
        reduction="sum_over_batch_size",
        name="circle",
        dtype=None,
    ):
        super().__init__(
            circle,
            reduction=reduction,
            name=name,
            dtype=dtype,
            gamma=gamma,
            margin=margin,
            remove_diagonal=remove_diagonal,
        )
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def _convert_y_true(self, y_true, y_pred):
        return as_tensor(y_true, device=y_pred.device)

    def _call_with_mask(self, y_true, y_pred):
        losses = self.call(y_true, y_pred)
        return losses, losses._keras_mask
