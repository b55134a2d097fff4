"""Look up metrics by name (``get``), pick the right accuracy, and (de)serialize them."""

import inspect

from lamina import losses
from lamina.backend.naming import to_snake_case
from lamina.errors import ConfigurationError, describe
from lamina.losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
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
from lamina.metrics.auc import AUC
from lamina.metrics.confusion_metrics import (
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from lamina.metrics.correlation import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from lamina.metrics.f_score import F1Score, FBetaScore
from lamina.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from lamina.metrics.metric import Metric
from lamina.metrics.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    Hinge,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from lamina.metrics.r2_score import R2Score
from lamina.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from lamina.metrics.regression import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    RootMeanSquaredError,
    cosine_similarity,
)
from lamina.metrics.sensitivity_specificity import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from lamina.metrics.top_k import (
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from lamina.serialization.class_configs import class_entry, find_function, from_class_entry

# Classes that ``get`` also finds by their snake-case name (and Keras's default name).
_EXTRA_CLASSES = (
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    Precision,
    Recall,
    TruePositives,
    FalsePositives,
    TrueNegatives,
    FalseNegatives,
    AUC,
    FBetaScore,
    F1Score,
    IoU,
    MeanIoU,
    BinaryIoU,
    OneHotIoU,
    OneHotMeanIoU,
    RootMeanSquaredError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCoshError,
    R2Score,
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    PearsonCorrelation,
    ConcordanceCorrelation,
)

_CLASSES = {
    cls.__name__: cls
    for cls in (
        Metric,
        Mean,
        Sum,
        MeanMetricWrapper,
        Accuracy,
        BinaryAccuracy,
        CategoricalAccuracy,
        SparseCategoricalAccuracy,
        MeanSquaredError,
        MeanAbsoluteError,
        *_EXTRA_CLASSES,
        # These need a target rate, so they are not found by name alone (as in Keras).
        PrecisionAtRecall,
        RecallAtPrecision,
        SensitivityAtSpecificity,
        SpecificityAtSensitivity,
    )
}

# Names a user may write in ``compile(metrics=[...])``. "accuracy"/"acc" are not here:
# which accuracy they mean depends on the loss and output (``resolve_accuracy``).
_BY_NAME = {
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError,
    "bce": BinaryCrossentropy,
    "kld": KLDivergence,
    "logcosh": LogCoshError,
    "fbeta_score": FBetaScore,
}
_BY_NAME.update({to_snake_case(cls.__name__): cls for cls in _EXTRA_CLASSES})
_BY_NAME.update({cls.__name__: cls for cls in _BY_NAME.values()})

_FUNCTIONS = {
    fn.__name__: fn
    for fn in (
        accuracy,
        binary_accuracy,
        categorical_accuracy,
        sparse_categorical_accuracy,
        binary_crossentropy,
        binary_focal_crossentropy,
        categorical_crossentropy,
        categorical_focal_crossentropy,
        categorical_hinge,
        hinge,
        huber,
        kl_divergence,
        log_cosh,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_error,
        mean_squared_logarithmic_error,
        poisson,
        sparse_categorical_crossentropy,
        squared_hinge,
        top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy,
        cosine_similarity,
        pearson_correlation,
        concordance_correlation,
    )
}

ALL_NAMES = tuple(sorted(_BY_NAME))
_ACCURACY_NAMES = ("accuracy", "acc")


def get(identifier, custom_objects=None):
    """Return the ``Metric`` that ``identifier`` stands for.

    Args:
        identifier: a name (see ``ALL_NAMES``; the metric is named exactly as written,
            so ``"mse"`` logs as ``mse``, as in Keras); a ``Metric`` instance (returned as
            is) or class (instantiated); a config dict ``{"class_name", "config"}``; or
            a function ``(y_true, y_pred) -> per-sample values``, wrapped in
            ``MeanMetricWrapper`` and named after the function. ``"accuracy"`` and
            ``"acc"`` depend on the loss: use ``resolve_accuracy``.
        custom_objects: Optional ``{name: class or function}`` for configs.

    Returns:
        A ``Metric``, or ``None`` for ``None``.

    Raises:
        ConfigurationError: for an unknown name or an unusable identifier.
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        return _lookup_class(identifier)(name=identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier, custom_objects)
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier) and not inspect.isclass(identifier):
        return MeanMetricWrapper(identifier)
    raise ConfigurationError(
        f"Could not interpret the metric. Received: metric={describe(identifier)}. Pass a "
        f"name (one of {', '.join(ALL_NAMES)}, or 'accuracy'), a lamina.metrics.Metric, or a "
        "function (y_true, y_pred) -> per-sample values."
    )


def resolve_accuracy(name, loss, output_shape, target_shape=None):
    """The accuracy metric ``"accuracy"``/``"acc"`` means for this loss and output.

    Sparse categorical accuracy for a sparse categorical crossentropy loss; binary
    accuracy for a binary crossentropy loss or a single output unit (last dimension 1);
    else, as Keras 3 decides from shapes, sparse categorical accuracy when the targets
    have fewer axes than the output or one column against several units; categorical
    accuracy otherwise.

    Args:
        name: The name the user wrote (``"accuracy"`` or ``"acc"``); the metric keeps it.
        loss: The compiled loss: a ``Loss``, a name, a function, or ``None``.
        output_shape: Shape of the model output, e.g. ``(None, 10)``.
        target_shape: Shape of a batch of targets, when known.

    Returns:
        A ``SparseCategoricalAccuracy``, ``BinaryAccuracy`` or ``CategoricalAccuracy``
        named ``name``.
    """
    kind = _crossentropy_kind(loss)
    if kind == "sparse":
        return SparseCategoricalAccuracy(name=name)
    last_dim = output_shape[-1] if output_shape else None
    if kind == "binary" or last_dim == 1:
        return BinaryAccuracy(name=name)
    if target_shape is not None and output_shape and (
        len(target_shape) < len(output_shape) or (target_shape and target_shape[-1] == 1)
    ):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def serialize(metric):
    """Config dict ``{"class_name": ..., "config": {...}}`` of a ``Metric``."""
    if not isinstance(metric, Metric):
        raise ConfigurationError(
            f"serialize: not a metric. Received: metric={describe(metric)}. "
            "Pass a lamina.metrics.Metric."
        )
    return class_entry(metric)


def deserialize(config, custom_objects=None):
    """Rebuild a ``Metric`` from ``serialize``'s output."""
    return from_class_entry(config, custom_objects, _CLASSES, _FUNCTIONS, "metric", "YourMetric")


def get_function(name, custom_objects=None):
    """The per-sample metric function registered as ``name`` (or in ``custom_objects``)."""
    return find_function(name, custom_objects, _FUNCTIONS, "metric")


def _lookup_class(name):
    if name.lower() in _ACCURACY_NAMES:
        raise ConfigurationError(
            f"metrics.get({name!r}): which accuracy this means depends on the loss and the "
            "model output; compile resolves it (lamina.metrics.resolve_accuracy). Outside "
            "compile pass a specific one, e.g. 'sparse_categorical_accuracy'."
        )
    cls = _BY_NAME.get(name) or _BY_NAME.get(name.lower())
    if cls is None:
        raise ConfigurationError(
            f"Unknown metric. Received: metric={name!r}. Valid names: {', '.join(ALL_NAMES)}, "
            "and 'accuracy' in compile. Or pass a lamina.metrics.Metric instance or a function "
            "(y_true, y_pred) -> per-sample values."
        )
    return cls


def _crossentropy_kind(loss):
    """ "sparse", "binary" or None, for a loss given as an object, a name or a function."""
    if isinstance(loss, str):
        try:
            loss = losses.get(loss)
        except ConfigurationError:
            return None
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        return "sparse"
    if isinstance(loss, losses.BinaryCrossentropy):
        return "binary"
    fn = getattr(loss, "fn", loss)
    if fn is losses.sparse_categorical_crossentropy:
        return "sparse"
    if fn is losses.binary_crossentropy:
        return "binary"
    return None
