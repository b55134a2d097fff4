"""Counting true/false positives at many thresholds at once, on the device, without syncs.

A prediction is positive at threshold ``t`` when ``y_pred > t``; a label is positive when
it is non-zero. Each prediction falls into one "slot": the number of thresholds below it.
Weighted label counts are scattered into the slots, and a reverse cumulative sum turns
them into counts per threshold. That is O(n + thresholds) work in a few kernels, and
nothing is read back to the host (``bincount`` would sync on CUDA; ``scatter_add_`` does
not).

Evenly spaced thresholds (``AUC``'s) take Keras's arithmetic shortcut, with predictions
clipped to ``[0, 1]`` as Keras does on that path, so results match Keras there too.
"""

import numpy as np
import torch

from lamina.backend import epsilon
from lamina.errors import ConfigurationError
from lamina.losses.loss import squeeze_or_expand_to_same_rank

NEG_INF = -1e10


def parse_thresholds(thresholds, default, owner):
    """The thresholds as a list of floats (``default`` when ``None``), each in ``[0, 1]``."""
    if thresholds is None:
        return [float(default)]
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    bad = [
        t
        for t in values
        if not isinstance(t, (int, float)) or isinstance(t, bool) or not 0 <= t <= 1
    ]
    if bad or not values:
        raise ConfigurationError(
            f"{owner}: thresholds must be numbers in [0, 1]. Received: thresholds={thresholds!r}. "
            "Example: thresholds=[0.3, 0.5, 0.7]."
        )
    return [float(t) for t in values]


def evenly_distributed(thresholds):
    """Whether ``thresholds`` are ``i / (n - 1)`` for ``i = 0..n-1`` (n >= 3), as Keras checks."""
    count = len(thresholds)
    if count < 3:
        return False
    even = np.arange(count, dtype=np.float32) / (count - 1)
    return bool(np.allclose(thresholds, even, atol=epsilon()))


class ThresholdCounter:
    """Weighted positive/negative counts above each threshold for one set of thresholds.

    Args:
        thresholds: The thresholds (any order).
        evenly: Use Keras's shortcut for evenly spaced thresholds (``AUC``'s default);
            then ``thresholds`` must be sorted.
    """

    def __init__(self, thresholds, evenly=False):
        self.thresholds = [float(t) for t in thresholds]
        self.count = len(self.thresholds)
        self.evenly = evenly
        self.with_epsilon = evenly and (self.thresholds[0] < 0.0 or self.thresholds[-1] > 1.0)
        order = np.argsort(self.thresholds, kind="stable")
        self._sorted = np.asarray(self.thresholds, dtype=np.float64)[order]
        self._unsort = None if np.all(order == np.arange(self.count)) else np.argsort(order)
        self._cache = {}

    def counts(self, positives, y_pred, weights, labels=1):
        """Counts of weighted positives and negatives predicted positive, per threshold.

        Args:
            positives: 0/1 float tensor (1 where the label is positive), shape of ``y_pred``.
            y_pred: Predictions. With ``labels > 1`` the last axis holds the labels.
            weights: ``None`` or a float tensor broadcastable to ``y_pred``.
            labels: Number of separately counted labels (multi-label AUC), else 1.

        Returns:
            ``(above, totals)``: ``above`` of shape ``(2, labels, thresholds)`` holds the
            weighted positives (row 0) and negatives (row 1) with ``y_pred > threshold``;
            ``totals`` of shape ``(2, labels)`` holds all weighted positives and negatives.
        """
        slots = self._slots(y_pred)
        if weights is None:
            values = torch.stack([positives, 1.0 - positives])
        else:
            weights = weights.expand_as(positives)
            values = torch.stack([positives * weights, (1.0 - positives) * weights])
        width = self.count + 1
        if labels > 1:
            offsets = torch.arange(labels, device=slots.device) * width
            slots = slots + offsets
        index = slots.reshape(1, -1).expand(2, -1)
        buckets = values.new_zeros(2, labels * width)
        buckets.scatter_add_(1, index, values.reshape(2, -1))
        suffix = buckets.view(2, labels, width).flip(-1).cumsum(-1).flip(-1)
        above = suffix[..., 1:]
        if self._unsort is not None:
            above = above[..., self._index(self._unsort, above.device)]
        return above, suffix[..., 0]

    def _slots(self, y_pred):
        """For each prediction, how many (sorted) thresholds are strictly below it."""
        if self.evenly:
            scaled = torch.ceil(y_pred.clamp(0.0, 1.0) * (self.count - 1))
            if self.with_epsilon:
                scaled = scaled.clamp_min(1.0)
            return scaled.long()
        boundaries = self._tensor(y_pred.dtype, y_pred.device)
        return torch.bucketize(y_pred.contiguous(), boundaries, right=False)

    def _tensor(self, dtype, device):
        key = ("thresholds", dtype, device)
        if key not in self._cache:
            self._cache[key] = torch.as_tensor(self._sorted, dtype=dtype, device=device)
        return self._cache[key]

    def _index(self, order, device):
        key = ("order", device)
        if key not in self._cache:
            self._cache[key] = torch.as_tensor(order, device=device)
        return self._cache[key]


def prepare_confusion_inputs(y_true, y_pred, sample_weight, dtype, top_k=None, class_id=None):
    """Keras's input handling for thresholded metrics.

    Ranks of labels and predictions are aligned; ``sample_weight`` gets a trailing axis
    and is aligned to the labels; ``top_k`` keeps each row's ``k`` largest predictions
    (the others become ``NEG_INF``); ``class_id`` keeps one column.

    Returns:
        ``(positives, y_pred, weights)`` as float tensors of one shape (``weights`` may
        be ``None``).
    """
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred.to(dtype), y_true.to(dtype))
    weights = None
    if sample_weight is not None:
        weights = sample_weight.to(dtype).unsqueeze(-1)
        _, weights = squeeze_or_expand_to_same_rank(y_true, weights, expand_rank_1=False)
    if top_k is not None:
        y_pred = _keep_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.dim() < 2:
            raise ConfigurationError(
                "class_id needs predictions of shape (batch, num_classes). Received predictions "
                f"of shape {tuple(y_pred.shape)}."
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    positives = (y_true != 0).to(dtype)
    if weights is not None:
        weights = torch.broadcast_to(weights, y_pred.shape)
    return positives, y_pred, weights


def _keep_top_k(y_pred, k):
    top = torch.topk(y_pred, k, dim=-1).indices
    keep = torch.zeros_like(y_pred, dtype=torch.bool).scatter_(-1, top, True)
    return torch.where(keep, y_pred, torch.full_like(y_pred, NEG_INF))
