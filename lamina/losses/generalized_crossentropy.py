"""Generalized cross entropy (Zhang & Sabuncu, 2018), a loss robust to noisy labels."""

import torch.nn.functional as F

from lamina.errors import ConfigurationError
from lamina.losses.loss import LossFunctionWrapper, as_float_tensor, as_tensor


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """``(1 - p ** q) / q`` per sample, ``p`` the predicted probability of the true class.

    ``q`` near 0 behaves like crossentropy, ``q = 1`` like mean absolute error.

    Args:
        y_true: Integer class ids, shape ``(batch,)`` (or ``(batch, 1)``).
        y_pred: Class probabilities, shape ``(batch, num_classes)``.
        q: The noise parameter, in ``(0, 1)``.

    Returns:
        Losses of the shape of the labels (a trailing size-1 axis of ``(batch, 1)``
        labels is dropped; Keras would broadcast it into a ``(batch, batch)`` matrix).
    """
    y_pred = as_float_tensor(y_pred)
    labels = as_tensor(y_true, device=y_pred.device).long()
    if labels.dim() == y_pred.dim() and labels.shape[-1] == 1:
        labels = labels.squeeze(-1)
    one_hot = F.one_hot(labels, y_pred.shape[-1]).to(y_pred.dtype)
    probability = (y_pred * one_hot).sum(dim=-1)
    return (1 - probability.pow(q)) / q


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross entropy between integer labels and class probabilities.

    Args:
        q: Noise parameter in ``(0, 1)``. Defaults to 0.5.
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(
        self,
        q=0.5,
        reduction="sum_over_batch_size",
        name="categorical_generalized_cross_entropy",
        dtype=None,
    ):
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 1:
            raise ConfigurationError(
                f"CategoricalGeneralizedCrossEntropy: q must be a number in (0, 1). "
                f"Received: q={q!r}. Example: q=0.7."
            )
        super().__init__(
            categorical_generalized_cross_entropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            q=q,
        )
        self.q = q

    def _convert_y_true(self, y_true, y_pred):
        return as_tensor(y_true, device=y_pred.device)
