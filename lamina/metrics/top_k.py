"""Top-k accuracy metrics (Keras 3): is the true class among the ``k`` highest scores?

A class counts as "in the top k" when fewer than ``k`` classes score strictly higher
than it, so ties with the k-th score count as hits (as Keras's ``in_top_k`` does).
"""

from lamina.errors import ConfigurationError, InputError, describe
from lamina.losses.loss import as_tensor
from lamina.metrics.accuracy import _float_dtype
from lamina.metrics.reduction_metrics import MeanMetricWrapper


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot target's class is among the ``k`` top-scored classes."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    if y_true.shape != y_pred.shape:
        raise InputError(
            "top_k_categorical_accuracy: y_true (one-hot) and y_pred must have the same shape. "
            f"Received: y_true={describe(y_true)}, y_pred={describe(y_pred)}. For integer labels "
            "use sparse_top_k_categorical_accuracy."
        )
    return _in_top_k(y_true.argmax(dim=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the ``k`` top-scored classes.

    Args:
        y_true: Class ids, shape ``(batch,)`` or ``(batch, 1)``.
        y_pred: Scores ``(batch, num_classes)``; or, with ``from_sorted_ids``, the ids
            of the top classes from best to worst, ``(batch, N)``.
        k: How many top classes count as a hit.
        from_sorted_ids: Whether ``y_pred`` holds sorted class ids instead of scores.
    """
    y_pred = as_tensor(y_pred)
    labels = as_tensor(y_true, device=y_pred.device)
    if labels.dim() == y_pred.dim() and labels.dim() > 0 and labels.shape[-1] == 1:
        labels = labels.squeeze(-1)
    if labels.shape != y_pred.shape[:-1]:
        raise InputError(
            "sparse_top_k_categorical_accuracy: y_true must hold one class id per sample, of "
            f"shape {tuple(y_pred.shape[:-1])}. Received: y_true={describe(y_true)}, "
            f"y_pred={describe(y_pred)}. For one-hot labels use top_k_categorical_accuracy."
        )
    if from_sorted_ids:
        top_ids = y_pred[..., :k]
        hits = (top_ids == labels.unsqueeze(-1).to(top_ids.dtype)).any(dim=-1)
        return hits.to(_float_dtype())
    return _in_top_k(labels.long(), y_pred, k)


def _in_top_k(labels, y_pred, k):
    target_scores = y_pred.gather(-1, labels.unsqueeze(-1))
    higher = (y_pred > target_scores).sum(dim=-1)
    return (higher < k).to(_float_dtype())


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the ``k`` top-scored classes.

    Args:
        k: Number of top classes that count as a hit. Defaults to 5.
        name: Name in logs.
        dtype: Float dtype of the state.
    """

    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(
            top_k_categorical_accuracy, name=name, dtype=dtype, k=_check_k(k, type(self).__name__)
        )
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` top-scored classes.

    Args:
        k: Number of top classes that count as a hit. Defaults to 5.
        name: Name in logs.
        dtype: Float dtype of the state.
        from_sorted_ids: Whether predictions are class ids sorted from best to worst
            (e.g. from a retrieval model) rather than scores.
    """

    _direction = "up"

    def __init__(
        self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False
    ):
        super().__init__(
            sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=_check_k(k, type(self).__name__),
            from_sorted_ids=bool(from_sorted_ids),
        )
        self.k = k
        self.from_sorted_ids = bool(from_sorted_ids)


def _check_k(k, where):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ConfigurationError(f"{where}: k must be an integer >= 1. Received: k={k!r}.")
    return k
