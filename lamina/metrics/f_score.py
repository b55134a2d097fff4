"""F-scores (Keras 3): ``FBetaScore`` and ``F1Score`` over (batch, classes) outputs.

Without a ``threshold`` each row's highest prediction (ties included) is the predicted
class; with one, every prediction above it counts as positive (multi-label). Per-class
counts accumulate on the device.
"""

import torch

from lamina.backend import epsilon
from lamina.errors import ConfigurationError, InputError, describe
from lamina.metrics.metric import Metric

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric, builtin=True):
    """F-beta score: ``(1 + beta**2) * precision * recall / (beta**2 * precision + recall)``.

    Args:
        average: ``None`` (one score per class), ``"micro"`` (counts pooled over
            classes), ``"macro"`` (mean of the per-class scores) or ``"weighted"``
            (per-class scores weighted by each class's number of true instances).
        beta: Weight of recall relative to precision, a float > 0. Defaults to 1.0.
        threshold: ``None`` (each row's highest prediction is positive) or a float in
            ``(0, 1]``: predictions above it are positive.
        name: Name in logs. Defaults to ``"fbeta_score"``.
        dtype: Float dtype of the state.

    Inputs are ``(batch, num_classes)``: one-hot or multi-hot ``y_true``, scores ``y_pred``.
    """

    _direction = "up"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if average not in _AVERAGES:
            raise ConfigurationError(
                f"{owner}: average must be one of None, 'micro', 'macro', 'weighted'. "
                f"Received: average={average!r}."
            )
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or beta <= 0:
            raise ConfigurationError(f"{owner}: beta must be a float > 0. Received: beta={beta!r}.")
        if threshold is not None and (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, float))
            or not 0 < threshold <= 1
        ):
            raise ConfigurationError(
                f"{owner}: threshold must be None or a float in (0, 1]. Received: "
                f"threshold={threshold!r}."
            )
        self.average = average
        self.beta = float(beta)
        self.threshold = None if threshold is None else float(threshold)
        self._built = False

    def _build(self, y_true, y_pred):
        if y_pred.dim() != 2 or y_true.dim() != 2:
            raise InputError(
                f"{type(self).__name__} expects 2-D inputs (batch, num_classes). Received: "
                f"y_true={describe(y_true)}, y_pred={describe(y_pred)}. One-hot encode "
                "integer labels (lamina.utils.to_categorical)."
            )
        self._build_state(() if self.average == "micro" else (y_pred.shape[-1],))

    def _build_state(self, shape):
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = self._to_device(y_pred, self._torch_dtype)
        y_true = self._to_device(y_true, self._torch_dtype)
        if not self._built:
            self._build(y_true, y_pred)
        if self.threshold is None:
            row_max = y_pred.amax(dim=-1, keepdim=True)
            predicted = (y_pred >= row_max) & (y_pred.abs() > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.to(self._torch_dtype)
        if sample_weight is not None:
            weights = self._to_device(sample_weight, self._torch_dtype).reshape(-1, 1)
            y_weighted = y_true * weights
            predicted_weighted = predicted * weights
        else:
            y_weighted, predicted_weighted = y_true, predicted
        dims = None if self.average == "micro" else 0
        true_positives = _sum(predicted_weighted * y_true, dims)
        self.true_positives.add_(true_positives)
        self.false_positives.add_(_sum(predicted_weighted, dims) - true_positives)
        self.false_negatives.add_(_sum(y_weighted, dims) - true_positives)
        self.intermediate_weights.add_(_sum(y_weighted, dims))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def load_state_dict(self, state_dict):
        if not self._built and "true_positives" in state_dict:
            classes = torch.as_tensor(state_dict["true_positives"]).shape
            self._build_state(classes)
        super().load_state_dict(state_dict)

    def result(self):
        if not self._built:
            return self._zero()
        eps = epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        beta_squared = self.beta**2
        score = (1 + beta_squared) * precision * recall / (beta_squared * precision + recall + eps)
        if self.average == "weighted":
            weights = self.intermediate_weights
            return (score * weights / (weights.sum() + eps)).sum()
        if self.average is not None:
            return score.mean()
        return score

    def _zero(self):
        return torch.zeros((), dtype=self._torch_dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    """F1 score, the harmonic mean of precision and recall (``FBetaScore`` with beta 1).

    Args:
        average: ``None``, ``"micro"``, ``"macro"`` or ``"weighted"`` (see ``FBetaScore``).
        threshold: ``None`` or a float in ``(0, 1]`` (see ``FBetaScore``).
        name: Name in logs. Defaults to ``"f1_score"``.
        dtype: Float dtype of the state.
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


def _sum(values, dims):
    return values.sum() if dims is None else values.sum(dim=dims)
