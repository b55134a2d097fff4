"""Regression losses (Keras 3): squared, absolute, percentage, squared-log, Huber,
log-cosh errors and cosine similarity.

Each function returns the mean over the last axis, so ``(batch, d)`` inputs give one
loss per sample, shape ``(batch,)``.
"""

import math

import torch
import torch.nn.functional as F

from lamina.backend import epsilon
from lamina.errors import ConfigurationError, InputError, describe
from lamina.losses.loss import (
    LossFunctionWrapper,
    as_float_tensor,
    as_tensor,
    squeeze_or_expand_to_same_rank,
)


def mean_squared_error(y_true, y_pred):
    """``mean((y_true - y_pred) ** 2, axis=-1)``."""
    y_true, y_pred = _regression_inputs(y_true, y_pred, "mean_squared_error")
    return (y_pred - y_true).square().mean(dim=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _regression_inputs(y_true, y_pred, "mean_absolute_error")
    return (y_pred - y_true).abs().mean(dim=-1)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss, mean over the last axis.

    For ``x = y_pred - y_true``: ``0.5 * x**2`` where ``|x| <= delta``, else
    ``delta * (|x| - 0.5 * delta)``.
    """
    y_true, y_pred = _regression_inputs(y_true, y_pred, "huber")
    return F.huber_loss(y_pred, y_true, reduction="none", delta=delta).mean(dim=-1)


mse = mean_squared_error
mae = mean_absolute_error


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors, per sample over the last axis.

    Args:
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors, per sample over the last axis.

    Args:
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for errors up to ``delta``, linear beyond.

    Args:
        delta: Where the loss turns from quadratic to linear; must be positive.
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        if not float(delta) > 0:
            raise ConfigurationError(f"Huber: delta must be positive. Received: delta={delta!r}.")
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)
        self.delta = delta


def _regression_inputs(y_true, y_pred, where):
    """Float tensors of one shape: ranks aligned, ``y_true`` broadcast to ``y_pred``.

    Broadcasting that would change the shape of ``y_pred`` (the classic ``(batch,)``
    against ``(batch, 1)`` giving ``(batch, batch)``) is an error, not a silent bug.
    """
    y_pred = as_float_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        try:
            y_true = y_true.expand_as(y_pred)
        except RuntimeError:
            raise InputError(
                f"{where}: y_true and y_pred have incompatible shapes. Received: "
                f"y_true={describe(y_true)}, y_pred={describe(y_pred)}. Give the targets the "
                "shape of the model output."
            ) from None
    return y_true, y_pred


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, epsilon), axis=-1)``."""
    y_true, y_pred = _regression_inputs(y_true, y_pred, "mean_absolute_percentage_error")
    relative = (y_true - y_pred).abs() / y_true.abs().clamp_min(epsilon())
    return 100.0 * relative.mean(dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2, axis=-1)``."""
    y_true, y_pred = _regression_inputs(y_true, y_pred, "mean_squared_logarithmic_error")
    eps = epsilon()
    difference = torch.log1p(y_pred.clamp_min(eps)) - torch.log1p(y_true.clamp_min(eps))
    return difference.square().mean(dim=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along ``axis``: -1 for parallel vectors, 1 for opposite.

    Each vector is L2-normalised first (a zero vector stays zero, so its loss is 0).
    """
    y_true, y_pred = _regression_inputs(y_true, y_pred, "cosine_similarity")
    return -(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis)).sum(dim=axis)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed without overflow.

    About ``x**2 / 2`` for small errors and ``|x| - log(2)`` for large ones.
    """
    y_true, y_pred = _regression_inputs(y_true, y_pred, "log_cosh")
    error = y_pred - y_true
    return (error + F.softplus(-2.0 * error) - math.log(2.0)).mean(dim=-1)


mape = mean_absolute_percentage_error
msle = mean_squared_logarithmic_error


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error, per sample over the last axis.

    Args:
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None
    ):
        super().__init__(
            mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype
        )


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error, per sample over the last axis.

    Args:
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None
    ):
        super().__init__(
            mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype
        )


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between targets and predictions (minimising it aligns them).

    Args:
        axis: The axis the similarity is computed along. Defaults to -1.
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(
        self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None
    ):
        _check_int_axis(axis, "CosineSimilarity")
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the error, per sample over the last axis.

    Args:
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


def _l2_normalize(x, axis):
    """``x / max(norm(x), epsilon)`` along ``axis`` (Keras's ``normalize``)."""
    inverse_norm = torch.rsqrt(x.square().sum(dim=axis, keepdim=True))
    return x * inverse_norm.clamp_max(1.0 / epsilon())


def _check_int_axis(axis, where):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ConfigurationError(f"{where}: axis must be an int. Received: axis={axis!r}.")
