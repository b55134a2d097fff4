"""Losses with Keras 3 names, arguments and defaults, computed with torch ops.

Classes (``SparseCategoricalCrossentropy()``, ...) carry settings and a reduction;
functions (``sparse_categorical_crossentropy``, ...) return one loss per sample.
``get`` resolves what ``compile(loss=...)`` receives.
"""

from lamina.losses.crossentropy import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
    validate_sparse_labels,
)
from lamina.losses.loss import REDUCTIONS, Loss, LossFunctionWrapper
from lamina.losses.registry import ALL_NAMES, deserialize, get, serialize
from lamina.losses.regression import (
    Huber,
    MeanAbsoluteError,
    MeanSquaredError,
    huber,
    mae,
    mean_absolute_error,
    mean_squared_error,
    mse,
)

__all__ = [
    "ALL_NAMES",
    "REDUCTIONS",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Huber",
    "Loss",
    "LossFunctionWrapper",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "deserialize",
    "get",
    "huber",
    "mae",
    "mean_absolute_error",
    "mean_squared_error",
    "mse",
    "serialize",
    "sparse_categorical_crossentropy",
    "validate_sparse_labels",
]
