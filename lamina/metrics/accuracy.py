"""Accuracy metrics (Keras 3): exact, binary, categorical and sparse categorical.

Each function returns a float tensor of matches (1.0 or 0.0) per sample; the classes
average it over every batch they see.
"""

import torch

from lamina.backend import floatx
from lamina.errors import InputError, describe
from lamina.losses.loss import as_float_tensor, as_tensor, squeeze_or_expand_to_same_rank
from lamina.metrics.reduction_metrics import MeanMetricWrapper


def accuracy(y_true, y_pred):
    """1.0 where ``y_pred`` equals ``y_true`` exactly, else 0.0."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (y_true == y_pred).to(_float_dtype())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``y_pred > threshold`` matches the 0/1 target, else 0.0."""
    y_pred = as_float_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ((y_pred > threshold).to(y_true.dtype) == y_true).to(_float_dtype())


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of ``y_pred`` is the arg-max of the one-hot ``y_true``."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    if y_true.shape != y_pred.shape:
        raise InputError(
            "categorical_accuracy: y_true (one-hot) and y_pred must have the same shape. "
            f"Received: y_true={describe(y_true)}, y_pred={describe(y_pred)}. For integer "
            "labels use sparse_categorical_accuracy."
        )
    return (y_true.argmax(dim=-1) == y_pred.argmax(dim=-1)).to(_float_dtype())


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of ``y_pred`` is the integer label ``y_true``, else 0.0.

    Labels may be int or float, shape ``(batch,)`` or ``(batch, 1)``.
    """
    y_pred = as_tensor(y_pred)
    labels = as_tensor(y_true, device=y_pred.device)
    if labels.dim() == y_pred.dim() and labels.dim() > 0 and labels.shape[-1] == 1:
        labels = labels.squeeze(-1)
    if labels.shape != y_pred.shape[:-1]:
        raise InputError(
            "sparse_categorical_accuracy: y_true must hold one class id per sample, of shape "
            f"{tuple(y_pred.shape[:-1])}. Received: y_true={describe(y_true)}, "
            f"y_pred={describe(y_pred)}. For one-hot labels use categorical_accuracy."
        )
    predicted = y_pred.argmax(dim=-1)
    if labels.is_floating_point():
        matches = predicted.to(labels.dtype) == labels
    else:
        matches = predicted == labels.long()
    return matches.to(_float_dtype())


class Accuracy(MeanMetricWrapper):
    """How often predictions equal the targets exactly (see ``accuracy``).

    For classifiers ``compile(metrics=["accuracy"])`` picks the right variant.
    """

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the 0/1 targets.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state.
        threshold: Predictions above it count as 1 (0.5 for probabilities; use 0.0
            for logits).
    """

    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (arg-max) matches the one-hot target."""

    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (arg-max) matches the integer label."""

    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


def _float_dtype():
    return getattr(torch, floatx())
