"""Correlation metrics (Keras 3): Pearson's and Lin's concordance correlation coefficients."""

from lamina.backend import epsilon
from lamina.losses.loss import as_float_tensor, as_tensor, squeeze_or_expand_to_same_rank
from lamina.metrics.reduction_metrics import MeanMetricWrapper


def _inputs(y_true, y_pred):
    y_pred = as_float_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson correlation of targets and predictions along ``axis``.

    Args:
        y_true: Targets.
        y_pred: Predictions, the shape of ``y_true``.
        axis: The axis the correlation is measured along. Defaults to -1.

    Returns:
        The coefficients, with ``axis`` reduced away.
    """
    y_true, y_pred = _inputs(y_true, y_pred)
    true_centered = y_true - y_true.mean(dim=axis, keepdim=True)
    pred_centered = y_pred - y_pred.mean(dim=axis, keepdim=True)
    true_scaled = true_centered / true_centered.std(dim=axis, keepdim=True, correction=0)
    pred_scaled = pred_centered / pred_centered.std(dim=axis, keepdim=True, correction=0)
    return (true_scaled * pred_scaled).mean(dim=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Concordance correlation of targets and predictions along ``axis``, as Keras computes it.

    ``mean(2 * (y_true - mean(y_pred)) * (y_pred - mean(y_pred)) / (var(y_true) +
    var(y_pred) + (mean(y_true) - mean(y_pred)) ** 2 + epsilon))``. Keras 3 centres
    ``y_true`` on the mean of the predictions (Lin's coefficient uses ``mean(y_true)``);
    lamina follows Keras so that a recipe reports the same numbers.

    Args:
        y_true: Targets.
        y_pred: Predictions, the shape of ``y_true``.
        axis: The axis the coefficient is measured along. Defaults to -1.

    Returns:
        The coefficients, with ``axis`` reduced away.
    """
    y_true, y_pred = _inputs(y_true, y_pred)
    true_mean = y_true.mean(dim=axis, keepdim=True)
    pred_mean = y_pred.mean(dim=axis, keepdim=True)
    true_var = (y_true - true_mean).var(dim=axis, keepdim=True, correction=0)
    pred_var = (y_pred - pred_mean).var(dim=axis, keepdim=True, correction=0)
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + (true_mean - pred_mean).square()
    return (2 * covariance / (norm + epsilon())).mean(dim=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """Mean Pearson correlation between targets and predictions (higher is better).

    Each batch gives one coefficient per slice along ``axis``; the metric is their
    running mean.

    Args:
        name: Name in logs. Defaults to ``"pearson_correlation"``.
        dtype: Float dtype of the state.
        axis: The axis the correlation is measured along. Defaults to -1.
    """

    _direction = "up"
    _additive = False  # with axis over the batch, joined batches give another value

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(MeanMetricWrapper):
    """Mean concordance correlation between targets and predictions (higher is better).

    See ``concordance_correlation`` for the formula Keras uses.

    Args:
        name: Name in logs. Defaults to ``"concordance_correlation"``.
        dtype: Float dtype of the state.
        axis: The axis the coefficient is measured along. Defaults to -1.
    """

    _direction = "up"
    _additive = False

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
