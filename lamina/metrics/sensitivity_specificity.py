"""Best value of one rate where another reaches a target (Keras 3's ``...At...`` metrics).

Each metric counts true/false positives/negatives at ``num_thresholds`` evenly spaced
thresholds in ``[0, 1]`` (on the device, no syncs) and reports the largest value of one
rate among the thresholds where the other rate is at least the target; 0 when none is.
"""

import numbers

import torch

from lamina.errors import ConfigurationError
from lamina.losses.loss import divide_no_nan
from lamina.metrics._thresholds import ThresholdCounter, prepare_confusion_inputs
from lamina.metrics.confusion_metrics import _check_optional_index
from lamina.metrics.metric import Metric


class _RateAtRate(Metric, builtin=True):
    """Shared state and counting; subclasses name the two rates."""

    _direction = "up"
    _target_name = None  # the constructor argument holding the target rate

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
            raise ConfigurationError(
                f"{owner}: {self._target_name} must be a number in [0, 1]. "
                f"Received: {self._target_name}={value!r}."
            )
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or num_thresholds < 1:
            raise ConfigurationError(
                f"{owner}: num_thresholds must be an integer > 0. "
                f"Received: num_thresholds={num_thresholds!r}."
            )
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = _check_optional_index(class_id, "class_id", owner, minimum=0)
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0, *inner, 1.0]
        self._counter = ThresholdCounter(self.thresholds, evenly=num_thresholds > 1)
        size = len(self.thresholds)
        self.true_positives = self.add_variable((size,), name="true_positives")
        self.false_positives = self.add_variable((size,), name="false_positives")
        self.true_negatives = self.add_variable((size,), name="true_negatives")
        self.false_negatives = self.add_variable((size,), name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch of labels (positive where non-zero) and scores in ``[0, 1]``."""
        y_pred = self._to_device(y_pred)
        y_true = self._to_device(y_true)
        if sample_weight is not None:
            sample_weight = self._to_device(sample_weight)
        positives, y_pred, weights = prepare_confusion_inputs(
            y_true, y_pred, sample_weight, self._torch_dtype, class_id=self.class_id
        )
        above, totals = self._counter.counts(positives, y_pred, weights)
        above, totals = above[:, 0], totals[:, 0]
        self.true_positives.add_(above[0])
        self.false_positives.add_(above[1])
        self.false_negatives.add_(totals[0] - above[0])
        self.true_negatives.add_(totals[1] - above[1])

    def _best(self, constrained, dependent):
        feasible = constrained >= self.value
        return torch.where(feasible, dependent, torch.zeros_like(dependent)).max().clamp_min(0.0)

    def _sensitivity(self):
        return divide_no_nan(self.true_positives, self.true_positives + self.false_negatives)

    def _specificity(self):
        return divide_no_nan(self.true_negatives, self.true_negatives + self.false_positives)

    def _precision(self):
        return divide_no_nan(self.true_positives, self.true_positives + self.false_positives)

    def get_config(self):
        """The constructor arguments that rebuild this object with ``from_config``."""
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._target_name: self.value,
        }


class SensitivityAtSpecificity(_RateAtRate, builtin=True):
    """Best sensitivity (recall) over the thresholds where specificity >= ``specificity``.

    Args:
        specificity: The target specificity, in ``[0, 1]``.
        num_thresholds: Number of evenly spaced thresholds in ``[0, 1]``. Defaults to 200.
        class_id: Only this column (class) of the predictions is evaluated.
        name: Name in logs. Defaults to ``"sensitivity_at_specificity"``.
        dtype: Float dtype of the state.
    """

    _target_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name=name, dtype=dtype)
        self.specificity = specificity

    def result(self):
        """The best sensitivity, a 0-d tensor."""
        return self._best(self._specificity(), self._sensitivity())


class SpecificityAtSensitivity(_RateAtRate, builtin=True):
    """Best specificity over the thresholds where sensitivity >= ``sensitivity``.

    Args:
        sensitivity: The target sensitivity, in ``[0, 1]``.
        num_thresholds, class_id, dtype: As ``SensitivityAtSpecificity``.
        name: Name in logs. Defaults to ``"specificity_at_sensitivity"``.
    """

    _target_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name=name, dtype=dtype)
        self.sensitivity = sensitivity

    def result(self):
        """The best specificity, a 0-d tensor."""
        return self._best(self._sensitivity(), self._specificity())


class PrecisionAtRecall(_RateAtRate, builtin=True):
    """Best precision over the thresholds where recall >= ``recall``.

    Args:
        recall: The target recall, in ``[0, 1]``.
        num_thresholds, class_id, dtype: As ``SensitivityAtSpecificity``.
        name: Name in logs. Defaults to ``"precision_at_recall"``.
    """

    _target_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name=name, dtype=dtype)
        self.recall = recall

    def result(self):
        """The best precision, a 0-d tensor."""
        return self._best(self._sensitivity(), self._precision())


class RecallAtPrecision(_RateAtRate, builtin=True):
    """Best recall over the thresholds where precision >= ``precision`` (0 if none).

    Args:
        precision: The target precision, in ``[0, 1]``.
        num_thresholds, class_id, dtype: As ``SensitivityAtSpecificity``.
        name: Name in logs. Defaults to ``"recall_at_precision"``.
    """

    _target_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name=name, dtype=dtype)
        self.precision = precision

    def result(self):
        """The best recall, a 0-d tensor."""
        return self._best(self._precision(), self._sensitivity())
