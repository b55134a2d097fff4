"""The ``Loss`` base class, its reductions, and ``LossFunctionWrapper``.

A loss turns ``(y_true, y_pred)`` into one value per sample (``call``) and then reduces
those values to a scalar (``reduction``), weighting them by ``sample_weight`` first. The
reductions follow Keras 3:

- ``"sum_over_batch_size"`` (default) and ``"mean"``: sum of the weighted per-sample
  losses divided by their number. A loss that masks entries (``ignore_class``) divides
  by the number of unmasked entries instead.
- ``"mean_with_sample_weight"``: sum of the weighted losses divided by the sum of the
  sample weights (``"mean"`` without weights).
- ``"sum"``: sum of the weighted losses.
- ``None`` / ``"none"``: the weighted per-sample losses, unreduced.

Everything here is a handful of torch ops and never reads a value back to the host, so
it runs at full speed inside a training step.
"""

import numpy as np
import torch

from lamina.backend import floatx
from lamina.backend.naming import to_snake_case
from lamina.errors import ConfigurationError, InputError, describe

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


class Loss:
    """Base class of every loss.

    Subclasses implement ``call(y_true, y_pred)``, returning one loss per sample (for
    regression losses: the mean over the last axis, so ``(batch, d)`` gives ``(batch,)``).

    Args:
        name: Name of the loss instance. Defaults to the snake-case class name.
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, or ``None``/``"none"`` (see the module doc).
        dtype: Float dtype the loss computes in (a name such as ``"float32"`` or a
            ``torch.dtype``). Defaults to ``lamina.backend.floatx()``.

    Example:
        ```python
        class MeanSquaredError(Loss):
            def call(self, y_true, y_pred):
                return (y_pred - y_true).square().mean(dim=-1)
        ```
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype_argument = _dtype_name(dtype) if dtype is not None else None
        self._torch_dtype = to_torch_dtype(dtype or floatx(), where=f"{type(self).__name__}(dtype)")

    @property
    def dtype(self):
        """Name of the float dtype the loss computes in, e.g. ``"float32"``."""
        return _dtype_name(self._torch_dtype)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Return the reduced loss (a 0-d tensor unless ``reduction`` is ``None``).

        Args:
            y_true: Targets (tensor, array or nested lists).
            y_pred: Predictions; converted to the loss dtype.
            sample_weight: Optional per-sample weights, shape ``(batch,)`` or matching
                the per-sample losses.

        A Keras mask on ``y_pred`` (``y_pred._keras_mask``: padding from
        ``Embedding(mask_zero=True)``, ``Masking``...) leaves the masked entries out, as
        Keras's losses do: they weigh 0 and, for the mean reductions, the loss is the mean
        over the others.
        """
        keras_mask = getattr(y_pred, "_keras_mask", None)
        if keras_mask is not None:
            sample_weight = apply_mask(sample_weight, keras_mask, self._torch_dtype, self.reduction)
        y_pred = as_tensor(y_pred, dtype=self._torch_dtype)
        y_true = self._convert_y_true(y_true, y_pred)
        losses, mask = self._call_with_mask(y_true, y_pred)
        if sample_weight is None and mask is None:
            return reduce_values(losses, reduction=self.reduction)
        return reduce_weighted_values(losses, sample_weight, mask, reduction=self.reduction)

    def call(self, y_true, y_pred):
        """Per-sample losses. Subclasses must implement this."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement call(y_true, y_pred) and return one loss "
            "per sample, e.g. `return (y_pred - y_true).square().mean(dim=-1)`."
        )

    def get_config(self):
        """The constructor arguments that rebuild this object with ``from_config``."""
        return {"name": self.name, "reduction": self.reduction, "dtype": self._dtype_argument}

    @classmethod
    def from_config(cls, config):
        """Rebuild an instance from the dict ``get_config`` returned."""
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r}, reduction={self.reduction!r})"

    # Hooks for subclasses that need them.

    def _convert_y_true(self, y_true, y_pred):
        """Targets as a tensor on ``y_pred``'s device, in the loss dtype."""
        return as_tensor(y_true, dtype=self._torch_dtype, device=y_pred.device)

    def _call_with_mask(self, y_true, y_pred):
        """Per-sample losses and an optional mask of the entries that count."""
        return self.call(y_true, y_pred), None


class LossFunctionWrapper(Loss):
    """Turn a function ``fn(y_true, y_pred, **kwargs) -> per-sample losses`` into a Loss.

    Before calling ``fn``, a trailing dimension of size 1 is squeezed or added so that
    ``y_true`` and ``y_pred`` have the same rank (``(batch,)`` targets against
    ``(batch, 1)`` predictions would otherwise broadcast to ``(batch, batch)``).

    Args:
        fn: The per-sample loss function.
        reduction: See ``Loss``.
        name: Name of the loss. Defaults to ``fn.__name__``.
        dtype: See ``Loss``.
        **kwargs: Extra keyword arguments passed to ``fn`` on every call.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise ConfigurationError(
                "LossFunctionWrapper needs a function (y_true, y_pred) -> per-sample losses. "
                f"Received: fn={describe(fn)}."
            )
        super().__init__(
            name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype
        )
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        """The constructor arguments that rebuild this object with ``from_config``."""
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = getattr(self.fn, "__name__", repr(self.fn))
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild an instance from the dict ``get_config`` returned."""
        if cls is LossFunctionWrapper and isinstance(config.get("fn"), str):
            from lamina.losses.registry import get_function  # load order: registry imports us

            config = {**config, "fn": get_function(config["fn"])}
        return cls(**config)

    def __repr__(self):
        return (
            f"{type(self).__name__}(fn={getattr(self.fn, '__name__', self.fn)}, name={self.name!r})"
        )


def standardize_reduction(reduction):
    """Return ``reduction`` if it is one of ``REDUCTIONS``, else raise ConfigurationError."""
    if reduction not in REDUCTIONS:
        raise ConfigurationError(
            f"Invalid loss reduction. Received: reduction={reduction!r}. "
            f"Expected one of {', '.join(repr(r) for r in REDUCTIONS)}."
        )
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Squeeze or add a trailing size-1 axis when the ranks differ by exactly one.

    ``(batch,)`` against ``(batch, 1)`` becomes ``(batch, 1)`` and ``(batch, 1)``
    (both when ``expand_rank_1``); higher ranks squeeze the size-1 axis instead.
    """
    rank1, rank2 = x1.dim(), x2.dim()
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def reduce_values(values, reduction="sum_over_batch_size", sample_weight=None):
    """Reduce (already weighted) per-sample losses as ``reduction`` says."""
    if reduction is None or reduction == "none" or values.dim() == 0:
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return divide_no_nan(total, sample_weight.sum().to(total.dtype))
    count = values.numel()
    return total / count if count else total


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size"):
    """Weight per-sample losses by ``sample_weight`` and ``mask``, then reduce them.

    A mask (1 for entries that count) acts as a weight; for the ``"mean"`` and
    ``"sum_over_batch_size"`` reductions it is scaled so that the result is the mean
    over the unmasked entries, as in Keras 3.
    """
    reduction = standardize_reduction(reduction)
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, dtype=values.dtype, device=values.device)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        sample_weight = _align_trailing_axes(sample_weight, values)
        values = values * sample_weight
    return reduce_values(values, reduction, sample_weight)


def apply_mask(sample_weight, mask, dtype, reduction):
    """Merge a mask of valid entries into the sample weights (Keras 3 rule)."""
    if mask is None:
        return sample_weight
    mask = mask.to(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        # Valid entries get weight total / valid, so the mean over all entries equals
        # the mean over the valid ones. With no valid entry the mask is all zeros.
        mask = mask * (mask.numel() / mask.sum().clamp_min(1.0))
    if sample_weight is None:
        return mask
    mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
    return _align_trailing_axes(sample_weight, mask) * mask


def divide_no_nan(numerator, denominator):
    """``numerator / denominator``, or 0 where the denominator is 0 (gradients stay finite)."""
    nonzero = denominator != 0
    quotient = numerator / torch.where(nonzero, denominator, torch.ones_like(denominator))
    return torch.where(nonzero, quotient, torch.zeros_like(quotient))


def as_tensor(value, dtype=None, device=None):
    """``value`` as a tensor with the given dtype and device (no copy when it already is)."""
    if isinstance(value, torch.Tensor):
        return value.to(device=device, dtype=dtype)
    if isinstance(value, np.ndarray) and any(stride < 0 for stride in value.strides):
        value = value.copy()  # a reversed view (a[::-1], np.flip): torch takes no negative strides
    return torch.as_tensor(value, dtype=dtype, device=device)


def as_float_tensor(value):
    """``value`` as a tensor; non-float values are cast to ``floatx()``."""
    value = as_tensor(value)
    return value if value.is_floating_point() else value.to(to_torch_dtype(floatx()))


def to_torch_dtype(dtype, where="dtype"):
    """The floating ``torch.dtype`` for a name like ``"float32"`` or a ``torch.dtype``."""
    resolved = dtype if isinstance(dtype, torch.dtype) else getattr(torch, str(dtype), None)
    if not isinstance(resolved, torch.dtype) or not resolved.is_floating_point:
        raise ConfigurationError(
            f"{where}: not a float dtype. Received: dtype={dtype!r}. "
            "Use 'float16', 'bfloat16', 'float32' or 'float64'."
        )
    return resolved


def _dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def _align_trailing_axes(weight, values):
    """Add trailing axes so per-sample weights broadcast over per-timestep losses."""
    if weight.dim() > values.dim():
        raise InputError(
            "sample_weight has more dimensions than the per-sample losses. Received: "
            f"sample_weight={describe(weight)} for losses of shape {tuple(values.shape)}. "
            "Pass one weight per sample, shape (batch,)."
        )
    while weight.dim() < values.dim() and weight.dim() > 0:
        weight = weight.unsqueeze(-1)
    return weight
