"""Look up losses by name (``get``) and turn them into configs and back (``serialize``)."""

import inspect

from lamina.errors import ConfigurationError, describe
from lamina.losses.circle import Circle, circle
from lamina.losses.crossentropy import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from lamina.losses.ctc import CTC, ctc
from lamina.losses.focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
)
from lamina.losses.generalized_crossentropy import (
    CategoricalGeneralizedCrossEntropy,
    categorical_generalized_cross_entropy,
)
from lamina.losses.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from lamina.losses.loss import Loss, LossFunctionWrapper
from lamina.losses.probabilistic import KLDivergence, Poisson, kl_divergence, poisson
from lamina.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from lamina.losses.segmentation import Dice, Tversky, dice, tversky
from lamina.serialization.class_configs import class_entry, find_function, from_class_entry

_CLASSES = {
    cls.__name__: cls
    for cls in (
        Loss,
        LossFunctionWrapper,
        SparseCategoricalCrossentropy,
        CategoricalCrossentropy,
        BinaryCrossentropy,
        MeanSquaredError,
        MeanAbsoluteError,
        Huber,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        CosineSimilarity,
        LogCosh,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        KLDivergence,
        Poisson,
        BinaryFocalCrossentropy,
        CategoricalFocalCrossentropy,
        Dice,
        Tversky,
        CTC,
        Circle,
        CategoricalGeneralizedCrossEntropy,
    )
}

# Names a user may write in ``compile(loss=...)``, each giving an instance of the class.
_BY_NAME = {
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "huber": Huber,
    "huber_loss": Huber,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError,
    "cosine_similarity": CosineSimilarity,
    "log_cosh": LogCosh,
    "logcosh": LogCosh,
    "hinge": Hinge,
    "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge,
    "kl_divergence": KLDivergence,
    "kld": KLDivergence,
    "kullback_leibler_divergence": KLDivergence,
    "poisson": Poisson,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "dice": Dice,
    "tversky": Tversky,
    "ctc": CTC,
    "circle": Circle,
}
_BY_NAME.update(
    {name: cls for name, cls in _CLASSES.items() if cls not in (Loss, LossFunctionWrapper)}
)

_FUNCTIONS = {
    fn.__name__: fn
    for fn in (
        sparse_categorical_crossentropy,
        categorical_crossentropy,
        binary_crossentropy,
        mean_squared_error,
        mean_absolute_error,
        huber,
        mean_absolute_percentage_error,
        mean_squared_logarithmic_error,
        cosine_similarity,
        log_cosh,
        hinge,
        squared_hinge,
        categorical_hinge,
        kl_divergence,
        poisson,
        binary_focal_crossentropy,
        categorical_focal_crossentropy,
        dice,
        tversky,
        ctc,
        circle,
        categorical_generalized_cross_entropy,
    )
}

ALL_NAMES = tuple(sorted(_BY_NAME))


def get(identifier, custom_objects=None):
    """Return the ``Loss`` that ``identifier`` stands for.

    Args:
        identifier: ``None``; a name (``"sparse_categorical_crossentropy"``, ``"mse"``,
            ``"CategoricalCrossentropy"``, ...; see ``ALL_NAMES``); a ``Loss`` instance
            (returned as is) or class (instantiated); a config dict
            ``{"class_name": ..., "config": {...}}``; or a function
            ``(y_true, y_pred) -> per-sample losses``, wrapped in ``LossFunctionWrapper``.
        custom_objects: Optional ``{name: class or function}`` for names in configs
            that are not lamina's own.

    Returns:
        A ``Loss`` instance, or ``None`` for ``None``.

    Raises:
        ConfigurationError: for an unknown name or an unusable identifier.
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        return _lookup_class(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier, custom_objects)
    if inspect.isclass(identifier) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier) and not inspect.isclass(identifier):
        return LossFunctionWrapper(identifier)
    raise ConfigurationError(
        f"Could not interpret the loss. Received: loss={describe(identifier)}. Pass a name "
        f"(one of {', '.join(ALL_NAMES)}), a lamina.losses.Loss, or a function "
        "(y_true, y_pred) -> per-sample losses."
    )


def serialize(loss):
    """Config dict ``{"class_name": ..., "config": {...}}`` of a ``Loss``.

    A plain function is serialized as a ``LossFunctionWrapper`` around it.
    """
    if not isinstance(loss, Loss):
        if not callable(loss):
            raise ConfigurationError(
                f"serialize: not a loss. Received: loss={describe(loss)}. Pass a lamina.losses.Loss."
            )
        loss = LossFunctionWrapper(loss)
    return class_entry(loss)


def deserialize(config, custom_objects=None):
    """Rebuild a ``Loss`` from ``serialize``'s output."""
    return from_class_entry(config, custom_objects, _CLASSES, _FUNCTIONS, "loss", "YourLoss")


def get_function(name, custom_objects=None):
    """The per-sample loss function registered as ``name`` (or in ``custom_objects``)."""
    return find_function(name, custom_objects, _FUNCTIONS, "loss")


def _lookup_class(name):
    cls = _BY_NAME.get(name) or _BY_NAME.get(name.lower())
    if cls is None:
        raise ConfigurationError(
            f"Unknown loss. Received: loss={name!r}. Valid names: {', '.join(ALL_NAMES)}. "
            "Or pass a lamina.losses.Loss instance or a function (y_true, y_pred) -> "
            "per-sample losses."
        )
    return cls
