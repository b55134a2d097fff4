"""Crossentropy losses: sparse categorical, categorical and binary (Keras 3 semantics).

From probabilities (``from_logits=False``) the predictions are normalised to sum to one
over the class axis, clipped to ``[epsilon, 1 - epsilon]`` (``lamina.backend.epsilon()``,
1e-7) and logged, exactly as Keras 3 does. From logits the fused, numerically stable
torch kernels are used.

Sparse labels out of range: on the CPU torch raises at once and the loss re-raises an
``InputError`` naming the bad label, its index and the number of classes. On CUDA an
out-of-range index is a device-side assert that cannot be caught, and checking every
batch would cost a host sync per step, so the training engine checks labels once, up
front, with ``validate_sparse_labels``; call it yourself when you use these losses in
your own GPU loop with untrusted labels.
"""

import numpy as np
import torch
import torch.nn.functional as F

from lamina.backend import epsilon
from lamina.errors import ConfigurationError, InputError, describe
from lamina.losses.loss import LossFunctionWrapper, as_float_tensor, as_tensor


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Crossentropy between integer class labels and predicted class scores.

    Args:
        y_true: Class ids, shape ``y_pred.shape`` without the class axis (e.g.
            ``(batch,)``) or with a trailing 1 (``(batch, 1)``); int or float dtype.
        y_pred: Probabilities (or logits when ``from_logits``), class axis ``axis``.
        from_logits: Whether ``y_pred`` holds logits rather than probabilities.
        ignore_class: Optional label whose entries get a loss of 0 (and, in the
            ``SparseCategoricalCrossentropy`` class, do not count in the mean).
        axis: The class axis of ``y_pred``.

    Returns:
        Per-sample losses, shape of ``y_pred`` without the class axis.

    Raises:
        InputError: on a shape mismatch, or (on the CPU) a label outside
            ``[0, num_classes)``, naming the label, its index and the number of classes.
    """
    losses, _ = _sparse_crossentropy_and_mask(y_true, y_pred, from_logits, ignore_class, axis)
    return losses


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Crossentropy between one-hot (or soft) labels and predicted class scores.

    Args:
        y_true: Target distribution, same shape as ``y_pred``.
        y_pred: Probabilities (or logits when ``from_logits``).
        from_logits: Whether ``y_pred`` holds logits.
        label_smoothing: In ``[0, 1]``; targets become
            ``y_true * (1 - label_smoothing) + label_smoothing / num_classes``.
        axis: The class axis.

    Returns:
        Per-sample losses, shape of ``y_pred`` without the class axis.
    """
    y_pred = as_float_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    if y_true.shape != y_pred.shape:
        raise InputError(
            "categorical_crossentropy: y_true and y_pred must have the same shape. Received: "
            f"y_true={describe(y_true)}, y_pred={describe(y_pred)}. " + _INTEGER_LABELS_HINT
        )
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    return -(y_true * _log_probabilities(y_pred, from_logits, axis)).sum(dim=axis)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy, averaged over ``axis`` (one value per sample).

    Args:
        y_true: Targets in ``[0, 1]``, same shape as ``y_pred``.
        y_pred: Probabilities (or logits when ``from_logits``).
        from_logits: Whether ``y_pred`` holds logits.
        label_smoothing: In ``[0, 1]``; targets are squeezed towards 0.5:
            ``y_true * (1 - label_smoothing) + 0.5 * label_smoothing``.
        axis: The axis the mean is taken over.
    """
    y_pred = as_float_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    if y_true.shape != y_pred.shape:
        raise InputError(
            "binary_crossentropy: y_true and y_pred must have the same shape. Received: "
            f"y_true={describe(y_true)}, y_pred={describe(y_pred)}. For integer class labels "
            "with a softmax output use sparse_categorical_crossentropy."
        )
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        losses = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        # Written out rather than F.binary_cross_entropy: its input-range check is a
        # device-side assert on CUDA, which a NaN prediction would trigger.
        eps = epsilon()
        probs = y_pred.clamp(eps, 1.0 - eps)
        losses = -(y_true * probs.log() + (1.0 - y_true) * torch.log1p(-probs))
    return losses.mean(dim=axis)


def validate_sparse_labels(
    labels, num_classes, ignore_class=None, where="sparse_categorical_crossentropy"
):
    """Raise InputError unless every label is an integer class id in ``[0, num_classes)``.

    This reads the labels back to the host (one sync), so call it once per dataset
    rather than every step; the training engine does.

    Args:
        labels: Class ids (tensor or array), any shape, int or float dtype.
        num_classes: Number of classes the model predicts.
        ignore_class: A label value that is allowed because it is ignored.
        where: Name used at the start of the error message.

    Raises:
        InputError: naming the first bad label, its index and ``num_classes``.
    """
    labels = as_tensor(labels)
    if labels.is_floating_point():
        bad = ~torch.isfinite(labels) | (labels != labels.round())
        ids = torch.nan_to_num(labels).long()
    else:
        bad = torch.zeros(labels.shape, dtype=torch.bool, device=labels.device)
        ids = labels.long()
    bad |= (ids < 0) | (ids >= num_classes)
    if ignore_class is not None:
        bad &= labels != ignore_class
    flat = bad.reshape(-1).nonzero()
    if flat.numel() == 0:
        return
    position = np.unravel_index(int(flat[0, 0]), tuple(labels.shape)) if labels.dim() else ()
    index = int(position[0]) if len(position) == 1 else tuple(int(i) for i in position)
    value = labels[tuple(position)].item()
    raise InputError(
        f"{where}: label {value} at index {index} is not a class id for {num_classes} "
        f"classes. Received: y_true[{index}]={value}. Labels must be integers from 0 to "
        f"{num_classes - 1}: fix the labels, or give the model's last layer as many units "
        "as there are classes."
    )


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between integer labels and class scores (see the function of the
    same name). Labels may be int or float, shape ``(batch,)`` or ``(batch, 1)``.

    Args:
        from_logits: Whether predictions are logits (no softmax on the last layer).
        ignore_class: Optional label to ignore; ignored entries neither add to the loss
            nor count in the ``"sum_over_batch_size"``/``"mean"`` denominator.
        axis: The class axis of the predictions.
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        axis=-1,
        reduction="sum_over_batch_size",
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        _check_axis(axis, type(self).__name__)
        if ignore_class is not None and (
            isinstance(ignore_class, bool) or not isinstance(ignore_class, int)
        ):
            raise ConfigurationError(
                "SparseCategoricalCrossentropy: ignore_class must be an int label or None. "
                f"Received: ignore_class={ignore_class!r}."
            )
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def __call__(self, y_true, y_pred, sample_weight=None):
        if (
            sample_weight is not None
            or self.ignore_class is not None
            or self.reduction not in _FUSED
            or getattr(y_pred, "_keras_mask", None) is not None
        ):
            return super().__call__(y_true, y_pred, sample_weight)
        # Fast path: a single fused torch kernel computes the reduced loss.
        y_pred = as_tensor(y_pred, dtype=self._torch_dtype)
        labels, class_axis = _sparse_labels(y_true, y_pred, self.axis)
        logits = self._softmax_logits(y_pred)
        if logits is not None:
            return _fused_sparse_crossentropy(labels, logits, True, None, class_axis, _FUSED[self.reduction])
        return _fused_sparse_crossentropy(
            labels, y_pred, self.from_logits, None, class_axis, _FUSED[self.reduction]
        )

    def _softmax_logits(self, y_pred):
        """The logits of predictions that came from a softmax, or None. The loss is then
        computed from them, on every path (weighted or not), as Keras on TensorFlow does:
        exact where probabilities round to 0, no clipping at epsilon."""
        logits = None if self.from_logits else getattr(y_pred, "_keras_logits", None)
        if logits is None or logits.dtype != y_pred.dtype or logits.shape != y_pred.shape:
            return None
        return logits

    def _convert_y_true(self, y_true, y_pred):
        # Labels keep their integer dtype; they are cast to long, not to the loss dtype.
        return as_tensor(y_true, device=y_pred.device)

    def call(self, y_true, y_pred):
        return self._call_with_mask(y_true, y_pred)[0]

    def _call_with_mask(self, y_true, y_pred):
        logits = self._softmax_logits(y_pred)
        if logits is not None:
            return _sparse_crossentropy_and_mask(y_true, logits, True, self.ignore_class, self.axis)
        return _sparse_crossentropy_and_mask(
            y_true, y_pred, self.from_logits, self.ignore_class, self.axis
        )


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between one-hot labels and class scores (see the function).

    Args:
        from_logits: Whether predictions are logits.
        label_smoothing: In ``[0, 1]``; see ``categorical_crossentropy``.
        axis: The class axis.
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        _check_axis(axis, type(self).__name__)
        _check_label_smoothing(label_smoothing, type(self).__name__)
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy, mean over the last axis (see the function).

    Args:
        from_logits: Whether predictions are logits (no sigmoid on the last layer).
        label_smoothing: In ``[0, 1]``; see ``binary_crossentropy``.
        axis: The axis the mean is taken over.
        reduction, name, dtype: See ``lamina.losses.Loss``.
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        _check_axis(axis, type(self).__name__)
        _check_label_smoothing(label_smoothing, type(self).__name__)
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


# Loss reductions a torch crossentropy kernel computes itself, when nothing is masked.
_FUSED = {"sum_over_batch_size": "mean", "mean": "mean", "sum": "sum"}

_INTEGER_LABELS_HINT = (
    "If y_true holds integer class ids, use sparse_categorical_crossentropy, or one-hot "
    "encode the labels."
)


# torch's crossentropy kernels silently give 0 for targets equal to ``ignore_index``
# (-100 by default, a plausible bad label). Without an ``ignore_class`` we pass the one
# int64 that no label array holds in practice.
_NO_IGNORE_INDEX = 2**63 - 1


def _sparse_crossentropy_and_mask(y_true, y_pred, from_logits, ignore_class, axis):
    """Per-sample losses and, with ``ignore_class``, the mask of entries that count."""
    y_pred = as_float_tensor(y_pred)
    labels, class_axis = _sparse_labels(y_true, y_pred, axis)
    losses = _fused_sparse_crossentropy(
        labels, y_pred, from_logits, ignore_class, class_axis, "none"
    )
    return losses, (labels != ignore_class if ignore_class is not None else None)


def _sparse_labels(y_true, y_pred, axis):
    """Labels as a tensor on ``y_pred``'s device, a size-1 class axis (or trailing 1)
    squeezed, as Keras squeezes it, shape checked."""
    labels = as_tensor(y_true, device=y_pred.device)
    class_axis = axis % y_pred.dim() if y_pred.dim() else 0
    if labels.dim() == y_pred.dim() and labels.dim() > 0:
        if labels.shape[class_axis] == 1:
            labels = labels.squeeze(class_axis)
        elif labels.shape[-1] == 1:
            labels = labels.squeeze(-1)
    expected = y_pred.shape[:class_axis] + y_pred.shape[class_axis + 1 :]
    if labels.shape != expected:
        raise InputError(
            "sparse_categorical_crossentropy: y_true must hold one class id per sample, of "
            f"shape {tuple(expected)} (or with a trailing 1). Received: y_true={describe(y_true)}, "
            f"y_pred={describe(y_pred)}. If y_true is one-hot, use categorical_crossentropy."
        )
    return labels, class_axis


def _fused_sparse_crossentropy(labels, y_pred, from_logits, ignore_class, class_axis, reduction):
    """One torch crossentropy kernel; ``reduction`` is torch's ("none", "mean", "sum").

    Ignored entries (``ignore_class``) give 0; torch's "mean" leaves them out of the count.
    """
    if y_pred.dim() > 1 and class_axis != 1:
        y_pred = y_pred.movedim(class_axis, 1)
    ignore_index = _NO_IGNORE_INDEX if ignore_class is None else int(ignore_class)
    try:
        if from_logits:
            return F.cross_entropy(
                y_pred, labels.long(), ignore_index=ignore_index, reduction=reduction
            )
        log_probs = _log_probabilities(y_pred, False, 1 if y_pred.dim() > 1 else 0)
        return F.nll_loss(log_probs, labels.long(), ignore_index=ignore_index, reduction=reduction)
    except (IndexError, RuntimeError):
        # Only reached when torch itself rejected a label (CPU): name the bad one.
        validate_sparse_labels(labels, y_pred.shape[1 if y_pred.dim() > 1 else 0], ignore_class)
        raise


def _log_probabilities(y_pred, from_logits, axis):
    if from_logits:
        return F.log_softmax(y_pred, dim=axis)
    eps = epsilon()
    probs = y_pred / y_pred.sum(dim=axis, keepdim=True)
    return probs.clamp(eps, 1.0 - eps).log()


def _check_axis(axis, where):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ConfigurationError(f"{where}: axis must be an int. Received: axis={axis!r}.")


def _check_label_smoothing(label_smoothing, where):
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise ConfigurationError(
            f"{where}: label_smoothing must be in [0, 1]. Received: "
            f"label_smoothing={label_smoothing!r}. Try 0.1."
        )
