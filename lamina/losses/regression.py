"""Regression losses: mean squared error, mean absolute error and Huber (Keras 3).

Each function returns the mean over the last axis, so ``(batch, d)`` inputs give one
loss per sample, shape ``(batch,)``.
"""

import torch.nn.functional as F

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
