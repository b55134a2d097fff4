"""Overlap losses for segmentation (Keras 3): Dice and Tversky.

With ``axis=None`` (the default, as in Keras) the overlap is measured over the whole
batch at once and the loss is a single value; pass e.g. ``axis=(1, 2)`` for one loss
per image, which ``sample_weight`` and the reductions then act on.
"""

from lamina.backend import epsilon
from lamina.errors import ConfigurationError
from lamina.losses.loss import LossFunctionWrapper
from lamina.losses.regression import _regression_inputs


def dice(y_true, y_pred, axis=None):
    """``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + epsilon)``.

    Args:
        y_true: Targets in ``[0, 1]`` (masks), the shape of ``y_pred``.
        y_pred: Predicted probabilities.
        axis: Axis or tuple of axes summed over; ``None`` sums over everything.
    """
    y_true, y_pred = _regression_inputs(y_true, y_pred, "dice")
    dims = _dims(axis, y_pred)
    intersection = (y_true * y_pred).sum(dim=dims)
    total = y_true.sum(dim=dims) + y_pred.sum(dim=dims)
    return 1.0 - 2.0 * intersection / (total + epsilon())


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - TP / (TP + alpha * FP + beta * FN + epsilon)`` with soft counts.

    ``alpha = beta = 0.5`` gives the Dice loss; a larger ``beta`` penalises missed
    positives more.

    Args:
        y_true: Targets in ``[0, 1]`` (masks), the shape of ``y_pred``.
        y_pred: Predicted probabilities.
        alpha: Weight of false positives.
        beta: Weight of false negatives.
        axis: Axis or tuple of axes summed over; ``None`` sums over everything.
    """
    y_true, y_pred = _regression_inputs(y_true, y_pred, "tversky")
    dims = _dims(axis, y_pred)
    true_positives = (y_true * y_pred).sum(dim=dims)
    false_positives = ((1.0 - y_pred) * y_true).sum(dim=dims)
    false_negatives = (y_pred * (1.0 - y_true)).sum(dim=dims)
    denominator = true_positives + alpha * false_positives + beta * false_negatives + epsilon()
    return 1.0 - true_positives / denominator


class Dice(LossFunctionWrapper):
    """Dice loss, ``1 -`` the Dice coefficient of targets and predictions.

    Args:
        reduction, name, dtype: See ``lamina.losses.Loss``.
        axis: Axis or tuple of axes summed over; ``None`` (default) sums over everything.
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(
            dice, reduction=reduction, name=name, dtype=dtype, axis=_check_axes(axis, "Dice")
        )
        self.axis = axis


class Tversky(LossFunctionWrapper):
    """Tversky loss: Dice with separate weights for false positives and false negatives.

    Args:
        alpha: Weight of false positives. Defaults to 0.5.
        beta: Weight of false negatives. Defaults to 0.5.
        reduction, name, dtype: See ``lamina.losses.Loss``.
        axis: Axis or tuple of axes summed over; ``None`` (default) sums over everything.
    """

    def __init__(
        self,
        alpha=0.5,
        beta=0.5,
        reduction="sum_over_batch_size",
        name="tversky",
        axis=None,
        dtype=None,
    ):
        super().__init__(
            tversky,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            beta=beta,
            axis=_check_axes(axis, "Tversky"),
        )
        self.alpha = alpha
        self.beta = beta
        self.axis = axis


def _dims(axis, tensor):
    if axis is None:
        return tuple(range(tensor.dim()))
    return axis


def _check_axes(axis, where):
    """``None``, an int or a tuple of ints (lists become tuples, so configs round-trip)."""
    if axis is None or (isinstance(axis, int) and not isinstance(axis, bool)):
        return axis
    if isinstance(axis, (list, tuple)) and all(
        isinstance(a, int) and not isinstance(a, bool) for a in axis
    ):
        return tuple(axis)
    raise ConfigurationError(
        f"{where}: axis must be None, an int or a tuple of ints, e.g. axis=(1, 2) for one "
        f"loss per image. Received: axis={axis!r}."
    )
