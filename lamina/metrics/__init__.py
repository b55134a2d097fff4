"""Metrics with Keras 3 names and defaults; state stays on the device, no host syncs.

``update_state`` adds a batch, ``result`` returns a 0-d tensor, ``reset_state`` starts
over. ``get`` resolves what ``compile(metrics=[...])`` receives; ``resolve_accuracy``
picks the accuracy that ``"accuracy"`` means for a given loss and output.
"""

from lamina.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
)
from lamina.metrics.metric import Metric
from lamina.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from lamina.metrics.registry import ALL_NAMES, deserialize, get, resolve_accuracy, serialize
from lamina.metrics.regression import MeanAbsoluteError, MeanSquaredError

__all__ = [
    "ALL_NAMES",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "Mean",
    "MeanAbsoluteError",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "Metric",
    "SparseCategoricalAccuracy",
    "Sum",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "deserialize",
    "get",
    "resolve_accuracy",
    "serialize",
    "sparse_categorical_accuracy",
]
