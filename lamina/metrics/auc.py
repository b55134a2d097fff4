"""``AUC``: area under the ROC or precision-recall curve, approximated as Keras 3 does.

Predictions are bucketed at ``num_thresholds`` thresholds; the confusion counts at each
threshold give one point of the curve and a Riemann sum gives the area. For the PR curve
with ``summation_method="interpolation"`` precision is interpolated between thresholds
(Davis & Goadrich, 2006), exactly as Keras does.
"""

import torch

from lamina.backend import epsilon
from lamina.errors import ConfigurationError
from lamina.losses.loss import divide_no_nan
from lamina.metrics._thresholds import (
    ThresholdCounter,
    evenly_distributed,
    prepare_confusion_inputs,
)
from lamina.metrics.metric import Metric

_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(Metric, builtin=True):
    """Area under the ROC (default) or PR curve, from confusion counts at many thresholds.

    Args:
        num_thresholds: Number of thresholds, > 1 (default 200): evenly spaced in
            ``[0, 1]``, the first just below 0 and the last just above 1.
        curve: ``"ROC"`` (default), ``"PR"`` or ``"PRGAIN"``.
        summation_method: ``"interpolation"`` (default; trapezoids for ROC, Davis &
            Goadrich interpolation for PR), ``"minoring"`` or ``"majoring"``.
        name: Name in logs. Defaults to ``"auc"``.
        dtype: Float dtype of the state.
        thresholds: Explicit thresholds in ``[0, 1]`` (``num_thresholds`` is then ignored;
            thresholds just below 0 and above 1 are added).
        multi_label: With 2-D predictions, compute one AUC per column and average them
            (otherwise every entry counts as one binary prediction).
        num_labels: Number of columns when ``multi_label`` (else found from the data).
        label_weights: Optional per-label weights: with ``multi_label`` they weigh the
            per-label AUCs, otherwise each column's entries.
        from_logits: Apply a sigmoid to the predictions first.
    """

    _direction = "up"

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        self.curve = _CURVES.get(str(curve).lower())
        if self.curve is None:
            raise ConfigurationError(
                f"{owner}: curve must be 'ROC', 'PR' or 'PRGAIN'. Received: curve={curve!r}."
            )
        self.summation_method = str(summation_method).lower()
        if self.summation_method not in _SUMMATIONS:
            raise ConfigurationError(
                f"{owner}: summation_method must be one of {_SUMMATIONS}. Received: "
                f"summation_method={summation_method!r}."
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            if any(not 0.0 <= t <= 1.0 for t in inner):
                raise ConfigurationError(
                    f"{owner}: thresholds must be in [0, 1]. Received: thresholds={thresholds!r}."
                )
            self.num_thresholds = len(inner) + 2
            evenly = evenly_distributed([0.0, *inner, 1.0])
        else:
            if (
                isinstance(num_thresholds, bool)
                or not isinstance(num_thresholds, int)
                or num_thresholds <= 1
            ):
                raise ConfigurationError(
                    f"{owner}: num_thresholds must be an integer > 1. Received: "
                    f"num_thresholds={num_thresholds!r}."
                )
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            evenly = True
        self._thresholds = [0.0 - epsilon(), *inner, 1.0 + epsilon()]
        self._counter = ThresholdCounter(self._thresholds, evenly=evenly)
        self.multi_label = bool(multi_label)
        if num_labels is not None and not self.multi_label:
            raise ConfigurationError(
                f"{owner}: num_labels is only used with multi_label=True. Received: "
                f"num_labels={num_labels!r}, multi_label={multi_label!r}."
            )
        self.num_labels = num_labels
        self.label_weights = None
        if label_weights is not None:
            self.label_weights = torch.as_tensor(label_weights, dtype=self._torch_dtype)
        self._label_weights_argument = label_weights
        self.from_logits = bool(from_logits)
        self._num_labels = None
        if not self.multi_label:
            self._build(1)
        elif num_labels:
            self._build(int(num_labels))

    @property
    def thresholds(self):
        """The thresholds used, including the two just outside ``[0, 1]``."""
        return list(self._thresholds)

    def _build(self, labels):
        self._num_labels = labels
        shape = (self.num_thresholds, labels) if self.multi_label else (self.num_thresholds,)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = self._to_device(y_pred, self._torch_dtype)
        y_true = self._to_device(y_true)
        if sample_weight is not None:
            sample_weight = self._to_device(sample_weight)
        if self.multi_label and self._num_labels is None:
            if y_pred.dim() != 2:
                raise ConfigurationError(
                    f"AUC(multi_label=True) needs predictions of shape (batch, labels). "
                    f"Received predictions of shape {tuple(y_pred.shape)}."
                )
            self._build(y_pred.shape[-1])
        if self.from_logits:
            y_pred = torch.sigmoid(y_pred)
        positives, y_pred, weights = prepare_confusion_inputs(
            y_true, y_pred, sample_weight, self._torch_dtype
        )
        if self.label_weights is not None and not self.multi_label:
            label_weights = self.label_weights.to(self.device)
            weights = label_weights if weights is None else weights * label_weights
        labels = self._num_labels if self.multi_label else 1
        above, totals = self._counter.counts(positives, y_pred, weights, labels=labels)
        if self.multi_label:
            above, totals = above.transpose(1, 2), totals.unsqueeze(1)
        else:
            above, totals = above[:, 0], totals[:, 0]
        tp, fp = above[0], above[1]
        self.true_positives.add_(tp)
        self.false_positives.add_(fp)
        self.true_negatives.add_(totals[1] - fp)
        self.false_negatives.add_(totals[0] - tp)

    def reset_state(self):
        if self._num_labels is not None:
            super().reset_state()

    def result(self):
        if self._num_labels is None:
            return torch.zeros((), dtype=self._torch_dtype)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._average_over_labels(self._interpolated_pr_areas())
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
            x = torch.where(tp == 0, 0.0, recall_gain).clamp_min(0.0)
            y = torch.where(tp == 0, 1.0, precision_gain)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[:-1], y[1:])
        else:
            heights = torch.maximum(y[:-1], y[1:])
        return self._average_over_labels((x[:-1] - x[1:]) * heights)

    def _interpolated_pr_areas(self):
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        delta_tp = tp[:-1] - tp[1:]
        predicted = tp + fp
        delta_predicted = predicted[:-1] - predicted[1:]
        slope = divide_no_nan(delta_tp, delta_predicted.clamp_min(0.0))
        intercept = tp[1:] - slope * predicted[1:]
        both_positive = (predicted[:-1] > 0) & (predicted[1:] > 0)
        ratio = torch.where(
            both_positive,
            divide_no_nan(predicted[:-1], predicted[1:].clamp_min(0.0)),
            torch.ones_like(predicted[1:]),
        )
        return divide_no_nan(
            slope * (delta_tp + intercept * torch.log(ratio)), (tp[1:] + fn[1:]).clamp_min(0.0)
        )

    def _average_over_labels(self, terms):
        if not self.multi_label:
            return terms.sum()
        per_label = terms.sum(dim=0)
        if self.label_weights is None:
            return per_label.mean()
        weights = self.label_weights.to(per_label.device)
        return divide_no_nan((per_label * weights).sum(), weights.sum())

    def get_config(self):
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": _plain(self._label_weights_argument),
            "from_logits": self.from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config


def _plain(value):
    if value is None:
        return None
    return torch.as_tensor(value).tolist()
