"""Focal crossentropy losses (Keras 3): crossentropy scaled down for well-classified examples.

The focal factor ``(1 - p_t) ** gamma`` (Lin et al., 2017, "Focal Loss for Dense Object
Detection") shrinks the loss of confident right predictions so training concentrates on
the hard ones. ``gamma = 0`` gives back plain crossentropy (times ``alpha`` in the
categorical case). Predictions are clipped to ``[epsilon, 1 - epsilon]`` as in Keras 3.
"""

import torch

from lamina.backend import epsilon
from lamina.errors import ConfigurationError
from lamina.losses.crossentropy import _check_axis, _check_label_smoothing
from lamina.losses.loss import LossFunctionWrapper
from lamina.losses.regression import _regression_inputs


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Binary focal crossentropy, mean over ``axis`` (one value per sample).

    Args:
        y_true: 0/1 targets, the shape of ``y_pred``.
        y_pred: Probabilities (or logits when ``from_logits``).
        apply_class_balancing: Weigh positives by ``alpha`` and negatives by ``1 - alpha``.
        alpha: The class-balancing weight of the positives.
        gamma: Focusing exponent, >= 0.
        from_logits: Whether ``y_pred`` holds logits.
        label_smoothing: In ``[0, 1]``; targets are squeezed towards 0.5.
        axis: The axis the mean is taken over.
    """
    y_true, y_pred = _regression_inputs(y_true, y_pred, "binary_focal_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = torch.sigmoid(y_pred)
    eps = epsilon()
    probs = y_pred.clamp(eps, 1.0 - eps)
    crossentropy = -(y_true * probs.log() + (1.0 - y_true) * torch.log1p(-probs))
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = (1.0 - p_t).pow(gamma) * crossentropy
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return focal.mean(dim=axis)


def categorical_focal_crossentropy(
    y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1
):
    """Categorical focal crossentropy: ``sum(-alpha * (1 - p) ** gamma * y_true * log(p))``.

    Args:
        y_true: One-hot (or soft) targets, the shape of ``y_pred``.
        y_pred: Probabilities (normalised over ``axis``) or logits when ``from_logits``.
        alpha: Weight of every class term: a number, or one per class (a list, as Keras
            takes it), along the last axis.
        gamma: Focusing exponent, >= 0.
        from_logits: Whether ``y_pred`` holds logits.
        label_smoothing: In ``[0, 1]``; targets become
            ``y_true * (1 - label_smoothing) + label_smoothing / num_classes``.
        axis: The class axis.
    """
    y_true, y_pred = _regression_inputs(y_true, y_pred, "categorical_focal_crossentropy")
    if not isinstance(alpha, (int, float)):
        alpha = torch.as_tensor(alpha, dtype=y_pred.dtype, device=y_pred.device)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)
    eps = epsilon()
    probs = (y_pred / y_pred.sum(dim=axis, keepdim=True)).clamp(eps, 1.0 - eps)
    focal = alpha * (1.0 - probs).pow(gamma) * (-y_true * probs.log())
    return focal.sum(dim=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary focal crossentropy (see the function of the same name).

    Args:
        apply_class_balancing: Weigh positives by ``alpha``, negatives by ``1 - alpha``.
        alpha: Class-balancing weight, in ``[0, 1]``. Defaults to 0.25.
        gamma: Focusing exponent, >= 0. Defaults to 2.0.
        from_logits: Whether predictions are logits.
        label_smoothing: In ``[0, 1]``.
        axis: The axis the mean is taken over.
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(
        self,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_focal_crossentropy",
        dtype=None,
    ):
        owner = type(self).__name__
        _check_axis(axis, owner)
        _check_label_smoothing(label_smoothing, owner)
        _check_gamma(gamma, owner)
        super().__init__(
            binary_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical focal crossentropy for one-hot targets (see the function).

    Args:
        alpha: Weight of every class term. Defaults to 0.25.
        gamma: Focusing exponent, >= 0. Defaults to 2.0.
        from_logits: Whether predictions are logits.
        label_smoothing: In ``[0, 1]``.
        axis: The class axis.
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(
        self,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_focal_crossentropy",
        dtype=None,
    ):
        owner = type(self).__name__
        _check_axis(axis, owner)
        _check_label_smoothing(label_smoothing, owner)
        _check_gamma(gamma, owner)
        super().__init__(
            categorical_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


def _check_gamma(gamma, where):
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or gamma < 0:
        raise ConfigurationError(
            f"{where}: gamma must be a number >= 0 (2.0 is usual). Received: gamma={gamma!r}."
        )
