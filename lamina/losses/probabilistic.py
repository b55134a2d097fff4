"""Losses between distributions or counts (Keras 3): KL divergence and Poisson."""

import torch

from lamina.backend import epsilon
from lamina.losses.loss import LossFunctionWrapper
from lamina.losses.regression import _regression_inputs


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to ``[epsilon, 1]``."""
    y_true, y_pred = _regression_inputs(y_true, y_pred, "kl_divergence")
    eps = epsilon()
    y_true = y_true.clamp(eps, 1.0)
    y_pred = y_pred.clamp(eps, 1.0)
    return (y_true * torch.log(y_true / y_pred)).sum(dim=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`` (Poisson negative log
    likelihood without the constant ``log(y_true!)``)."""
    y_true, y_pred = _regression_inputs(y_true, y_pred, "poisson")
    return (y_pred - y_true * torch.log(y_pred + epsilon())).mean(dim=-1)


kld = kl_divergence


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence from ``y_pred`` to ``y_true`` (probabilities).

    Args:
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Poisson loss for count targets and positive rate predictions.

    Args:
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)
