"""Probabilistic and hinge metrics (Keras 3): running means of the matching losses.

Each metric averages the per-sample values of the loss function of the same name
(``lamina.losses``) over every batch it sees.
"""

from lamina.losses.crossentropy import (
    _sparse_labels,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from lamina.losses.hinge import categorical_hinge, hinge, squared_hinge
from lamina.losses.probabilistic import kl_divergence, poisson
from lamina.metrics.reduction_metrics import MeanMetricWrapper


class KLDivergence(MeanMetricWrapper):
    """Mean Kullback-Leibler divergence between target and predicted distributions."""

    _direction = "down"

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """Mean Poisson loss between count targets and predicted rates."""

    _direction = "down"

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary crossentropy.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state.
        from_logits: Whether predictions are logits.
        label_smoothing: In ``[0, 1]``; targets are squeezed towards 0.5.
    """

    _direction = "down"

    def __init__(
        self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0
    ):
        super().__init__(
            binary_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical crossentropy for one-hot targets.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state.
        from_logits: Whether predictions are logits.
        label_smoothing: In ``[0, 1]``.
        axis: The class axis.
    """

    _direction = "down"

    def __init__(
        self,
        name="categorical_crossentropy",
        dtype=None,
        from_logits=False,
        label_smoothing=0,
        axis=-1,
    ):
        super().__init__(
            categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(MeanMetricWrapper, builtin=True):
    """Mean crossentropy for integer class labels.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state.
        from_logits: Whether predictions are logits.
        ignore_class: Optional label whose entries do not count (as Keras's).
        axis: The class axis.
    """

    _direction = "down"

    def __init__(
        self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, ignore_class=None, axis=-1
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.ignore_class = ignore_class
        self.axis = axis

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch; entries labelled ``ignore_class`` neither add nor count."""
        if self.ignore_class is not None:
            labels, _ = _sparse_labels(self._to_device(y_true), self._to_device(y_pred), self.axis)
            sample_weight = self._masked_weights(sample_weight, labels != self.ignore_class)
        super().update_state(y_true, y_pred, sample_weight)


class Hinge(MeanMetricWrapper):
    """Mean hinge loss for -1/1 (or 0/1) targets."""

    _direction = "down"

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """Mean squared hinge loss for -1/1 (or 0/1) targets."""

    _direction = "down"

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """Mean categorical hinge loss for one-hot targets."""

    _direction = "down"

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)
