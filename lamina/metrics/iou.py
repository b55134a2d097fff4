"""Intersection-over-union metrics (Keras 3): IoU, MeanIoU, BinaryIoU and one-hot variants.

A ``(num_classes, num_classes)`` confusion matrix (rows: true class, columns: predicted
class) accumulates on the device; for each class ``IoU = TP / (TP + FP + FN)``, and the
result averages it over the target classes that occur. Class ids outside
``[0, num_classes)`` (and ``ignore_class``) are left out, as in Keras. The matrix is
kept in float64 so that pixel counts stay exact far beyond float32's 2**24.
"""

import torch

from lamina.backend import epsilon
from lamina.errors import ConfigurationError
from lamina.metrics.metric import Metric


class IoU(Metric, builtin=True):
    """Mean IoU over the classes in ``target_class_ids``.

    Args:
        num_classes: Number of classes, an integer >= 1.
        target_class_ids: The class ids whose IoU is averaged.
        name: Name in logs.
        dtype: Float dtype of the result.
        ignore_class: Optional true class id whose entries are left out.
        sparse_y_true: Whether ``y_true`` holds class ids (else one-hot / scores along ``axis``).
        sparse_y_pred: Whether ``y_pred`` holds class ids (else scores, arg-max along ``axis``).
        axis: The class axis of non-sparse inputs.
    """

    _additive = True

    _direction = "up"

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        if isinstance(dtype, str) and dtype.startswith(("int", "uint")):
            # Keras's IoU metrics default to an integer dtype (its configs say "int32"),
            # which truncates weighted counts; lamina counts in float whatever the name.
            dtype = None
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ConfigurationError(
                f"{owner}: num_classes must be an integer >= 1. Received: num_classes={num_classes!r}."
            )
        target_class_ids = [int(i) for i in target_class_ids]
        if not target_class_ids or not all(0 <= i < num_classes for i in target_class_ids):
            raise ConfigurationError(
                f"{owner}: target_class_ids must be class ids in [0, {num_classes}). Received: "
                f"target_class_ids={target_class_ids!r}."
            )
        self.num_classes = num_classes
        self.target_class_ids = target_class_ids
        self.ignore_class = ignore_class
        self.sparse_y_true = bool(sparse_y_true)
        self.sparse_y_pred = bool(sparse_y_pred)
        self.axis = axis
        self.total_cm = self.add_variable(
            (num_classes, num_classes), dtype=torch.float64, name="total_confusion_matrix"
        )
        self._targets = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = self._to_device(y_true)
        y_pred = self._to_device(y_pred)
        if not self.sparse_y_true:
            y_true = y_true.argmax(dim=self.axis)
        if not self.sparse_y_pred:
            y_pred = y_pred.argmax(dim=self.axis)  # always a class id in range
        last = self.num_classes - 1
        true_ids = y_true.reshape(-1).long()
        in_range = true_ids.clamp(0, last)
        valid = in_range == true_ids
        pred_ids = y_pred.reshape(-1).long()
        if self.sparse_y_pred:
            pred_in_range = pred_ids.clamp(0, last)
            valid &= pred_in_range == pred_ids
            pred_ids = pred_in_range
        if self.ignore_class is not None:
            valid &= true_ids != self.ignore_class
        weights = valid.to(torch.float64)
        if sample_weight is not None:
            sample_weight = self._to_device(sample_weight, torch.float64).reshape(-1)
            weights = weights * sample_weight.expand_as(weights)
        # Out-of-range ids were clamped into the matrix; their weight is 0.
        cells = pred_ids.add(in_range, alpha=self.num_classes)
        self.total_cm.view(-1).index_add_(0, cells, weights)

    def result(self):
        cm = self.total_cm
        true_positives = cm.diagonal()
        denominator = cm.sum(dim=0) + cm.sum(dim=1) - true_positives
        targets = self._target_index(cm.device)
        true_positives = true_positives[targets].to(self._torch_dtype)
        denominator = denominator[targets].to(self._torch_dtype)
        valid = denominator > 1e-9
        iou = torch.where(valid, true_positives / (denominator + epsilon()), 0.0)
        return iou.sum() / (valid.sum().to(self._torch_dtype) + epsilon())

    def _target_index(self, device):
        if self._targets is None or self._targets.device != device:
            self._targets = torch.as_tensor(self.target_class_ids, device=device)
        return self._targets

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes (those that occur).

    With ``sparse_y_pred=False`` it takes class scores, so it works with integer labels
    and a softmax output: ``MeanIoU(num_classes=10, sparse_y_pred=False)``.

    Args:
        num_classes, name, dtype, ignore_class, sparse_y_true, sparse_y_pred, axis: See ``IoU``.
    """

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            list(range(num_classes)) if isinstance(num_classes, int) else [],
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class BinaryIoU(IoU, builtin=True):
    """IoU of a binary task: predictions ``>= threshold`` are class 1.

    Args:
        target_class_ids: Which of the classes 0 and 1 to average. Defaults to both.
        threshold: Predictions at or above it count as 1. Defaults to 0.5.
        name, dtype: See ``IoU``.
    """

    _additive = True

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = float(threshold)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = self._to_device(y_pred)
        super().update_state(y_true, (y_pred >= self.threshold).long(), sample_weight)

    def get_config(self):
        config = super().get_config()
        for key in ("num_classes", "ignore_class", "sparse_y_true", "sparse_y_pred", "axis"):
            del config[key]
        return {**config, "threshold": self.threshold}


class OneHotIoU(IoU):
    """``IoU`` for one-hot targets and class scores.

    Args:
        num_classes, target_class_ids, name, dtype, ignore_class, sparse_y_pred, axis:
            See ``IoU``.
    """

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_pred=False,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """``MeanIoU`` for one-hot targets and class scores.

    Args:
        num_classes, name, dtype, ignore_class, sparse_y_pred, axis: See ``IoU``.
    """

    def __init__(
        self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1
    ):
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
