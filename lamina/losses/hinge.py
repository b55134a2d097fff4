"""Hinge losses (Keras 3): hinge, squared hinge and categorical hinge.

``hinge`` and ``squared_hinge`` take targets of -1/1; targets of 0/1 are turned into
-1/1 first (when every target is 0 or 1, decided on the device without a host sync).
"""

from lamina.losses.loss import LossFunctionWrapper
from lamina.losses.regression import _regression_inputs


def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)`` with -1/1 (or 0/1) targets."""
    y_true, y_pred = _regression_inputs(y_true, y_pred, "hinge")
    return (1.0 - _as_signs(y_true) * y_pred).clamp_min(0.0).mean(dim=-1)


def squared_hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0) ** 2, axis=-1)`` with -1/1 (or 0/1) targets."""
    y_true, y_pred = _regression_inputs(y_true, y_pred, "squared_hinge")
    return (1.0 - _as_signs(y_true) * y_pred).clamp_min(0.0).square().mean(dim=-1)


def categorical_hinge(y_true, y_pred):
    """``max(0, max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1)`` for one-hot targets."""
    y_true, y_pred = _regression_inputs(y_true, y_pred, "categorical_hinge")
    positive = (y_true * y_pred).sum(dim=-1)
    negative = ((1.0 - y_true) * y_pred).amax(dim=-1)
    return (negative - positive + 1.0).clamp_min(0.0)


def _as_signs(y_true):
    """0/1 targets as -1/1; any other targets unchanged (Keras's rule), without a sync."""
    is_binary = ((y_true == 0) | (y_true == 1)).all()
    return y_true.where(~is_binary, 2.0 * y_true - 1.0)


class Hinge(LossFunctionWrapper):
    """Hinge loss for -1/1 (or 0/1) targets, per sample over the last axis.

    Args:
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss for -1/1 (or 0/1) targets, per sample over the last axis.

    Args:
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss for one-hot targets.

    Args:
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)
