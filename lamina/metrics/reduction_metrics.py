"""Metrics that reduce values: ``Sum``, ``Mean`` and ``MeanMetricWrapper`` (Keras 3)."""

import numbers

import numpy as np
import torch

from lamina.errors import ConfigurationError, describe
from lamina.losses.loss import apply_mask, squeeze_or_expand_to_same_rank
from lamina.metrics.metric import Metric


class Sum(Metric, builtin=True):
    """Running (weighted) sum of the values it is given.

    Args:
        name: Name in logs. Defaults to ``"sum"``.
        dtype: Float dtype of the state.
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")

    def update_state(self, values, sample_weight=None):
        """Add ``sum(values * sample_weight)``."""
        values = self._to_device(values, self._torch_dtype)
        values, _ = _weighted_samplewise(self, values, sample_weight, torch.sum)
        self.total.add_(values.sum())

    def result(self):
        return self.total.clone()


class Mean(Metric, builtin=True):
    """Running (weighted) mean of the values it is given.

    Each sample counts once (its trailing axes are averaged first), or
    ``sample_weight`` times when weights are given.

    Args:
        name: Name in logs. Defaults to ``"mean"``.
        dtype: Float dtype of the state.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")
        self.count = self.add_variable((), name="count")
        # Unweighted (or number-weighted) samples are counted on the host: the count is
        # known without a device op, and ``result`` then needs a single division.
        # ``count`` holds only what tensor weights added, until ``_flush_count``.
        self._host_count = 0
        self._device_count_used = False

    def update_state(self, values, sample_weight=None):
        """Add a batch of values, shape ``(batch, ...)`` (or a 0-d value).

        Args:
            values: The values; trailing axes are averaged per sample.
            sample_weight: Optional weights, one per sample (or a Python number, which
                weighs a 0-d value, e.g. a batch's mean loss weighted by the batch size).
        """
        values = self._to_device(values, self._torch_dtype)
        if values.dim() == 0 and isinstance(sample_weight, numbers.Number):
            # The training loop's loss tracker: one fused op.
            self.total.add_(values, alpha=sample_weight)
            self._host_count += sample_weight
            return
        values, sample_weight = _weighted_samplewise(self, values, sample_weight, torch.mean)
        self.total.add_(values.sum())
        if sample_weight is None:
            self._host_count += values.shape[0] if values.dim() else 1
        elif isinstance(sample_weight, numbers.Number):
            self._host_count += sample_weight
        else:
            self.count.add_(sample_weight.sum())
            self._device_count_used = True

    def result(self):
        if not self._device_count_used:
            if not self._host_count:
                return torch.zeros_like(self.total)
            return self.total / self._host_count
        count = self.count + self._host_count if self._host_count else self.count
        return torch.where(count != 0, self.total / torch.where(count != 0, count, 1.0), 0.0)

    def reset_state(self):
        super().reset_state()
        self._host_count = 0
        self._device_count_used = False

    @property
    def variables(self):
        self._flush_count()
        return super().variables

    def state_dict(self):
        self._flush_count()
        return super().state_dict()

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._host_count = 0
        self._device_count_used = True

    def _flush_count(self):
        """Move the host-side count into the ``count`` tensor (pending batches first)."""
        self.flush_updates()
        if self._host_count:
            self.count.add_(self._host_count)
            self._host_count = 0
        self._device_count_used = True


class MeanMetricWrapper(Mean, builtin=True):
    """Weighted mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Args:
        fn: Function returning one value per sample (or per entry; trailing axes
            are averaged per sample).
        name: Name in logs. Defaults to ``fn.__name__``.
        dtype: Float dtype of the state.
        **kwargs: Extra keyword arguments passed to ``fn``.
    """

    _additive = True

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise ConfigurationError(
                "MeanMetricWrapper needs a function (y_true, y_pred) -> per-sample values. "
                f"Received: fn={describe(fn)}."
            )
        super().__init__(
            name=name or getattr(fn, "__name__", None) or "mean_metric_wrapper", dtype=dtype
        )
        self._fn = fn
        self._fn_kwargs = kwargs
        if self._direction is None and getattr(fn, "__module__", "").startswith("lamina.losses"):
            self._direction = "down"  # a loss: smaller is better

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch: ``fn(y_true, y_pred)`` per sample, weighted.

        Entries that ``y_pred``'s Keras mask (``y_pred._keras_mask``, set by
        ``Embedding(mask_zero=True)``, ``Masking``...) marks as padding do not count, as
        in Keras 3: the mask multiplies ``sample_weight``.
        """
        mask = getattr(y_pred, "_keras_mask", None)
        y_pred = self._to_device(y_pred)
        y_true = self._to_device(y_true)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            sample_weight = self._masked_weights(sample_weight, mask)
        super().update_state(values, sample_weight=sample_weight)

    def _masked_weights(self, sample_weight, mask):
        """``sample_weight`` times the 0/1 mask (Keras's rule for metrics: no rescaling)."""
        mask = self._to_device(mask, self._torch_dtype)
        if isinstance(sample_weight, numbers.Number) and not isinstance(sample_weight, bool):
            return mask * sample_weight
        if sample_weight is not None:
            sample_weight = self._to_device(sample_weight, self._torch_dtype)
        return apply_mask(sample_weight, mask, self._torch_dtype, reduction="sum")

    def get_config(self):
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            config["fn"] = getattr(self._fn, "__name__", repr(self._fn))
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        if cls is MeanMetricWrapper and isinstance(config.get("fn"), str):
            from lamina.metrics.registry import get_function  # load order: registry imports us

            config = {**config, "fn": get_function(config["fn"])}
        return cls(**config)


def reduce_to_samplewise_values(values, sample_weight, reduce_fn):
    """One value per sample (trailing axes reduced), weighted; and the per-sample weights.

    Follows Keras 3: weights of lower rank than the values first reduce the values down
    to the weights' rank, then multiply them.
    """
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_rank = sample_weight.dim()
        if values.dim() > weight_rank:
            values = reduce_fn(values, dim=tuple(range(weight_rank, values.dim())))
        sample_weight = sample_weight.expand_as(values)
        values = values * sample_weight
        if weight_rank > 1:
            sample_weight = reduce_fn(sample_weight, dim=tuple(range(1, weight_rank)))
    return _reduce_trailing(values, reduce_fn), sample_weight


def _weighted_samplewise(metric, values, sample_weight, reduce_fn):
    """``reduce_to_samplewise_values`` that also takes a number as the weight, as Keras
    takes a 0-d weight: the whole batch reduces to one value with that weight (multiplied
    in directly: no tensor is created, so nothing is copied to the device)."""
    if isinstance(sample_weight, np.generic):
        sample_weight = sample_weight.item()
    if isinstance(sample_weight, numbers.Number) and not isinstance(sample_weight, bool):
        return (reduce_fn(values) if values.dim() else values) * sample_weight, sample_weight
    if sample_weight is not None:
        sample_weight = metric._to_device(sample_weight, metric._torch_dtype)
    return reduce_to_samplewise_values(values, sample_weight, reduce_fn)


def _reduce_trailing(values, reduce_fn):
    if values.dim() > 1:
        return reduce_fn(values, dim=tuple(range(1, values.dim())))
    return values
