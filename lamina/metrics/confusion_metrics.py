"""Thresholded classification metrics (Keras 3): Precision, Recall and the four counts.

Labels are positive where non-zero; a prediction is positive where it is above the
threshold (0.5 by default). Every entry of ``y_pred`` counts, so ``(batch, classes)``
multi-label outputs are judged entry by entry; ``class_id`` restricts the metric to one
column and ``top_k`` to each row's ``k`` largest predictions. Counts accumulate on the
device; ``update_state`` never reads a value back to the host.
"""

from lamina.errors import ConfigurationError
from lamina.losses.loss import divide_no_nan
from lamina.metrics._thresholds import (
    NEG_INF,
    ThresholdCounter,
    evenly_distributed,
    parse_thresholds,
    prepare_confusion_inputs,
)
from lamina.metrics.metric import Metric


class _ThresholdedMetric(Metric):
    """Shared setup: thresholds, ``top_k``, ``class_id`` and the counter."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        self.init_thresholds = thresholds
        self.top_k = _check_optional_index(top_k, "top_k", owner, minimum=1)
        self.class_id = _check_optional_index(class_id, "class_id", owner, minimum=0)
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_thresholds(thresholds, default, owner)
        self._counter = ThresholdCounter(
            self.thresholds, evenly=evenly_distributed(self.thresholds)
        )

    def _above_thresholds(self, y_true, y_pred, sample_weight):
        y_pred = self._to_device(y_pred)
        y_true = self._to_device(y_true)
        if sample_weight is not None:
            sample_weight = self._to_device(sample_weight)
        positives, y_pred, weights = prepare_confusion_inputs(
            y_true, y_pred, sample_weight, self._torch_dtype, self.top_k, self.class_id
        )
        above, totals = self._counter.counts(positives, y_pred, weights)
        return above[:, 0], totals[:, 0]

    def _single(self, values):
        return values[0] if len(self.thresholds) == 1 else values

    def get_config(self):
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_ThresholdedMetric, builtin=True):
    """Precision: ``true_positives / (true_positives + false_positives)``.

    Args:
        thresholds: A float in ``[0, 1]`` or a list of them; with a list the result
            holds one precision per threshold. Defaults to 0.5 (or, with ``top_k``,
            every top-k prediction counts as positive).
        top_k: Only each row's ``k`` highest predictions can be positive.
        class_id: Only this column (class) is evaluated.
        name: Name in logs. Defaults to ``"precision"``.
        dtype: Float dtype of the state.
    """

    _direction = "up"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)
        size = len(self.thresholds)
        self.true_positives = self.add_variable((size,), name="true_positives")
        self.false_positives = self.add_variable((size,), name="false_positives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        above, _ = self._above_thresholds(y_true, y_pred, sample_weight)
        self.true_positives.add_(above[0])
        self.false_positives.add_(above[1])

    def result(self):
        tp = self.true_positives
        return self._single(divide_no_nan(tp, tp + self.false_positives))


class Recall(_ThresholdedMetric, builtin=True):
    """Recall: ``true_positives / (true_positives + false_negatives)``.

    Args:
        thresholds, top_k, class_id, name, dtype: As ``Precision``. The name defaults
            to ``"recall"``.
    """

    _direction = "up"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)
        size = len(self.thresholds)
        self.true_positives = self.add_variable((size,), name="true_positives")
        self.false_negatives = self.add_variable((size,), name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        above, totals = self._above_thresholds(y_true, y_pred, sample_weight)
        self.true_positives.add_(above[0])
        self.false_negatives.add_(totals[0] - above[0])

    def result(self):
        tp = self.true_positives
        return self._single(divide_no_nan(tp, tp + self.false_negatives))


class _ConditionCount(_ThresholdedMetric, builtin=True):
    """Weighted count of one cell of the confusion matrix, per threshold."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds, name=name, dtype=dtype)
        self.accumulator = self.add_variable((len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        above, totals = self._above_thresholds(y_true, y_pred, sample_weight)
        self.accumulator.add_(self._cell(above, totals))

    def result(self):
        return self._single(self.accumulator.clone())

    def get_config(self):
        config = super().get_config()
        del config["top_k"], config["class_id"]
        return config


class TruePositives(_ConditionCount):
    """Weighted number of positive labels predicted positive (per threshold)."""

    def _cell(self, above, totals):
        return above[0]


class FalsePositives(_ConditionCount):
    """Weighted number of negative labels predicted positive (per threshold)."""

    def _cell(self, above, totals):
        return above[1]


class TrueNegatives(_ConditionCount):
    """Weighted number of negative labels predicted negative (per threshold)."""

    def _cell(self, above, totals):
        return totals[1] - above[1]


class FalseNegatives(_ConditionCount):
    """Weighted number of positive labels predicted negative (per threshold)."""

    def _cell(self, above, totals):
        return totals[0] - above[0]


def _check_optional_index(value, name, owner, minimum):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(
            f"{owner}: {name} must be None or an integer >= {minimum}. Received: {name}={value!r}."
        )
    return value
