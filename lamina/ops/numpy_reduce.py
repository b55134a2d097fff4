"""Reductions and cumulative functions of ``keras.ops.numpy`` (``sum``, ``max``, ``std``...)."""

import torch

from lamina.ops._helpers import (
    Tensor,
    axes,
    dims,
    keep_float,
    keras_dtype,
    promoted_float,
    tensor,
    to_torch_dtype,
)
from lamina.ops.operation import keras_op
from lamina.ops.reductions import mean

__all__ = [
    "sum", "prod", "mean", "max", "min", "amax", "amin", "all", "any", "argmax", "argmin", "std", "var",
    "median", "quantile", "percentile", "count_nonzero", "ptp", "average", "cumsum", "cumprod",
    "nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanstd", "nanvar", "nanmedian", "nanquantile",
    "nanpercentile", "nanargmax", "nanargmin", "nancumsum", "nancumprod",
]

_SMALL_INTS = (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32)


def _keepdims_all(result, x, keepdims):
    return result.reshape((1,) * x.dim()) if keepdims else result


def _reduce(function, x, axis, keepdims):
    """``function(x, dim, keepdim)`` over ``axis``; None means every axis."""
    if axis is None:
        return _keepdims_all(function(x.reshape(-1), 0, False), x, keepdims)
    axis = dims(axis)
    if isinstance(axis, tuple):
        if len(axis) == 0:
            return x
        if len(axis) > 1:
            for a in sorted(axes(axis, x.dim()), reverse=True):
                x = function(x, a, True)
            return x if keepdims else x.squeeze(tuple(axes(axis, x.dim())))
        axis = axis[0]
    return function(x, axis, keepdims)


@keras_op("Sum")
def sum(x, axis=None, keepdims=False):  # noqa: A001
    """The sum over ``axis``, as ``keras.ops.sum`` (small integers and bool sum as int32)."""
    x = tensor(x)
    dtype = torch.int32 if x.dtype in _SMALL_INTS else None
    if axis is None:
        return _keepdims_all(x.sum(dtype=dtype), x, keepdims)
    return x.sum(dim=dims(axis), keepdim=keepdims, dtype=dtype)


def _prod_input(x, dtype):
    x = tensor(x)
    if dtype is None and x.dtype in (torch.float16, torch.bfloat16, torch.float32):
        return x
    if dtype is not None:
        return x.to(to_torch_dtype(dtype))
    if not x.is_floating_point() and not x.is_complex():
        return x.to(torch.int32)
    return x.to(keras_dtype(x.dtype))


@keras_op("Prod")
def prod(x, axis=None, keepdims=False, dtype=None):
    """The product over ``axis``, as ``keras.ops.prod``."""
    x = _prod_input(x, dtype)
    if axis is None:
        return _keepdims_all(torch.prod(x, dtype=x.dtype), x, keepdims)
    return _reduce(lambda t, d, k: torch.prod(t, dim=d, keepdim=k, dtype=t.dtype), x, axis, keepdims)


def _extremum(torch_function, name):
    def compute(x, axis, keepdims, initial=None):
        x = tensor(x)
        if x.numel() == 0 and initial is None:
            raise ValueError(f"lamina.ops.{name}: the input is empty and no initial value was given. Pass initial=.")
        work = x.to(torch.uint8) if x.dtype == torch.bool else x
        out = _reduce(lambda t, d, k: torch_function(t, dim=d, keepdim=k), work, axis, keepdims)
        if initial is not None:
            pick = torch.maximum if torch_function is torch.amax else torch.minimum
            out = pick(out, torch.as_tensor(initial, dtype=out.dtype, device=out.device))
        return out.to(x.dtype)

    return compute


_max, _min = _extremum(torch.amax, "max"), _extremum(torch.amin, "min")


@keras_op("Max")
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """The largest element over ``axis`` (at least ``initial``), as ``keras.ops.max``."""
    return _max(x, axis, keepdims, initial)


@keras_op("Min")
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """The smallest element over ``axis`` (at most ``initial``), as ``keras.ops.min``."""
    return _min(x, axis, keepdims, initial)


@keras_op("Amax")
def amax(x, axis=None, keepdims=False):
    """The largest element over ``axis``, as ``keras.ops.amax``."""
    return _max(x, axis, keepdims)


@keras_op("Amin")
def amin(x, axis=None, keepdims=False):
    """The smallest element over ``axis``, as ``keras.ops.amin``."""
    return _min(x, axis, keepdims)


def _logical(torch_function):
    def compute(x, axis, keepdims):
        x = tensor(x)
        if axis is None:
            return _keepdims_all(torch_function(x), x, keepdims)
        return torch_function(x, dim=dims(axis), keepdim=keepdims)

    return compute


@keras_op("All")
def all(x, axis=None, keepdims=False):  # noqa: A001
    """Whether every element over ``axis`` is true, as ``keras.ops.all``."""
    return _logical(torch.all)(x, axis, keepdims)


@keras_op("Any")
def any(x, axis=None, keepdims=False):  # noqa: A001
    """Whether any element over ``axis`` is true, as ``keras.ops.any``."""
    return _logical(torch.any)(x, axis, keepdims)


def _arg(torch_function, x, axis, keepdims):
    x = tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None:
        out = torch_function(x.reshape(-1))
        return _keepdims_all(out, x, keepdims).to(torch.int32)
    return torch_function(x, dim=axis, keepdim=keepdims).to(torch.int32)


@keras_op("Argmax")
def argmax(x, axis=None, keepdims=False):
    """The index of the largest element (flat when ``axis`` is None), int32, as ``keras.ops.argmax``."""
    return _arg(torch.argmax, x, axis, keepdims)


@keras_op("Argmin")
def argmin(x, axis=None, keepdims=False):
    """The index of the smallest element (flat when ``axis`` is None), int32, as ``keras.ops.argmin``."""
    return _arg(torch.argmin, x, axis, keepdims)


@keras_op("Nanargmax")
def nanargmax(x, axis=None, keepdims=False):
    """``argmax`` ignoring NaN, as ``keras.ops.nanargmax``."""
    x = tensor(x)
    if x.is_floating_point():
        x = torch.where(torch.isnan(x), torch.tensor(-float("inf"), dtype=x.dtype, device=x.device), x)
    return _arg(torch.argmax, x, axis, keepdims)


@keras_op("Nanargmin")
def nanargmin(x, axis=None, keepdims=False):
    """``argmin`` ignoring NaN, as ``keras.ops.nanargmin``."""
    x = tensor(x)
    if x.is_floating_point():
        x = torch.where(torch.isnan(x), torch.tensor(float("inf"), dtype=x.dtype, device=x.device), x)
    return _arg(torch.argmin, x, axis, keepdims)


def _moments(x, axis, keepdims, correction=0):
    dim = None if axis is None else dims(axis)
    out = torch.var(x, dim=dim, keepdim=keepdims, correction=correction)
    return _keepdims_all(out, x, keepdims) if axis is None else out


@keras_op("Var")
def var(x, axis=None, keepdims=False):
    """The variance over ``axis``, as ``keras.ops.var``."""
    return _moments(promoted_float(x), axis, keepdims)


@keras_op("Std")
def std(x, axis=None, keepdims=False):
    """The standard deviation over ``axis``, as ``keras.ops.std``."""
    return torch.sqrt(_moments(keep_float(x), axis, keepdims))


def _quantile(x, q, axis, method, keepdims, nan=False):
    x = promoted_float(x)
    q = torch.as_tensor(q, dtype=x.dtype if x.dtype in (torch.float32, torch.float64) else torch.float32, device=x.device)
    work = x if x.dtype in (torch.float32, torch.float64) else x.float()
    function = torch.nanquantile if nan else torch.quantile
    if axis is None or not isinstance(axis, int):
        if axis is not None and len(axes(axis, x.dim())) == 1:
            out = function(work, q, dim=axes(axis, x.dim())[0], keepdim=keepdims, interpolation=method)
        else:
            reduced = axes(axis, x.dim())
            kept = [a for a in range(x.dim()) if a not in reduced]
            moved = work.permute(*kept, *reduced).reshape(*[x.shape[a] for a in kept], -1)
            out = function(moved, q, dim=-1, interpolation=method)
            if keepdims:
                kept_shape = [1 if a in reduced else x.shape[a] for a in range(x.dim())]
                out = out.reshape(*q.shape, *kept_shape)
    else:
        out = function(work, q, dim=axis, keepdim=keepdims, interpolation=method)
    return out.to(x.dtype)


@keras_op("Quantile", operands=("x", "q"))
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (in [0, 1]) over ``axis``, as ``keras.ops.quantile``."""
    return _quantile(x, q, axis, method, keepdims)


@keras_op("Percentile", operands=("x", "q"))
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th percentiles (in [0, 100]) over ``axis``, as ``keras.ops.percentile``."""
    return _quantile(x, torch.as_tensor(q, dtype=torch.float64) / 100.0, axis, method, keepdims)


@keras_op("Nanquantile", operands=("x", "q"))
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """``quantile`` ignoring NaN, as ``keras.ops.nanquantile``."""
    return _quantile(x, q, axis, method, keepdims, nan=True)


@keras_op("Nanpercentile", operands=("x", "q"))
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """``percentile`` ignoring NaN, as ``keras.ops.nanpercentile``."""
    return _quantile(x, torch.as_tensor(q, dtype=torch.float64) / 100.0, axis, method, keepdims, nan=True)


@keras_op("Median")
def median(x, axis=None, keepdims=False):
    """The median over ``axis`` (the mean of the two middle values), as ``keras.ops.median``."""
    return _quantile(x, 0.5, axis, "linear", keepdims)


@keras_op("Nanmedian")
def nanmedian(x, axis=None, keepdims=False):
    """``median`` ignoring NaN, as ``keras.ops.nanmedian``."""
    return _quantile(x, 0.5, axis, "linear", keepdims, nan=True)


@keras_op("CountNonzero")
def count_nonzero(x, axis=None):
    """The number of non-zero elements over ``axis`` (int32), as ``keras.ops.count_nonzero``."""
    x = tensor(x)
    return torch.count_nonzero(x, dim=dims(axis)).to(torch.int32)


@keras_op("Ptp")
def ptp(x, axis=None, keepdims=False):
    """``max - min`` over ``axis``, as ``keras.ops.ptp``."""
    x = tensor(x)
    if x.dtype == torch.bool:
        raise TypeError("lamina.ops.ptp: bool input has no range (as Keras on torch). Cast it first.")
    return _max(x, axis, keepdims) - _min(x, axis, keepdims)


@keras_op("Average", operands=("x", "weights"))
def average(x, axis=None, weights=None):
    """The mean over ``axis``, weighted by ``weights``, as ``keras.ops.average``."""
    x = tensor(x)
    dtype = keras_dtype(x.dtype, float) if weights is None else keras_dtype(x.dtype, tensor(weights).dtype, float)
    x = x.to(dtype)
    if weights is None:
        return torch.mean(x) if axis is None else torch.mean(x, dim=axis)
    w = tensor(weights).to(dtype)
    if axis is None:
        return torch.sum(x * w) / torch.sum(w)
    if w.dim() == 1 and x.dim() > 1:
        shape = [1] * x.dim()
        shape[axis] = -1
        w = w.reshape(shape)
    return torch.sum(x * w, dim=axis) / torch.sum(w * torch.ones_like(x), dim=axis)


def _cumulative(torch_function, x, axis, dtype, nan_fill=None):
    x = tensor(x)
    if dtype is not None:
        x = x.to(to_torch_dtype(dtype))
    elif x.dtype == torch.bool:
        x = x.to(torch.int32)
    else:
        x = x.to(keras_dtype(x.dtype))
    if nan_fill is not None and x.is_floating_point():
        x = torch.nan_to_num(x, nan=nan_fill, posinf=float("inf"), neginf=-float("inf"))
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch_function(x, dim=axis).to(x.dtype)


@keras_op("Cumsum")
def cumsum(x, axis=None, dtype=None):
    """The running sum along ``axis`` (flattened when None), as ``keras.ops.cumsum``."""
    return _cumulative(torch.cumsum, x, axis, dtype)


@keras_op("Cumprod")
def cumprod(x, axis=None, dtype=None):
    """The running product along ``axis`` (flattened when None), as ``keras.ops.cumprod``."""
    return _cumulative(torch.cumprod, x, axis, dtype)


@keras_op("Nancumsum")
def nancumsum(x, axis=None, dtype=None):
    """``cumsum`` with NaN counted as 0, as ``keras.ops.nancumsum``."""
    return _cumulative(torch.cumsum, x, axis, dtype, nan_fill=0.0)


@keras_op("Nancumprod")
def nancumprod(x, axis=None, dtype=None):
    """``cumprod`` with NaN counted as 1, as ``keras.ops.nancumprod``."""
    return _cumulative(torch.cumprod, x, axis, dtype, nan_fill=1.0)


def _without_nan(x, fill):
    return torch.where(torch.isnan(x), torch.tensor(fill, dtype=x.dtype, device=x.device), x) if x.is_floating_point() else x


@keras_op("Nansum")
def nansum(x, axis=None, keepdims=False):
    """``sum`` with NaN counted as 0, as ``keras.ops.nansum``."""
    return sum(_without_nan(tensor(x), 0.0), axis, keepdims)


@keras_op("Nanprod")
def nanprod(x, axis=None, keepdims=False):
    """``prod`` with NaN counted as 1, as ``keras.ops.nanprod``."""
    return prod(_without_nan(tensor(x), 1.0), axis, keepdims)


@keras_op("Nanmean")
def nanmean(x, axis=None, keepdims=False):
    """``mean`` ignoring NaN, as ``keras.ops.nanmean``."""
    x = promoted_float(x)
    return torch.nanmean(x, dim=dims(axis), keepdim=keepdims) if axis is not None else _keepdims_all(torch.nanmean(x), x, keepdims)


@keras_op("Nanvar")
def nanvar(x, axis=None, keepdims=False):
    """``var`` ignoring NaN, as ``keras.ops.nanvar``."""
    x = promoted_float(x)
    dim = dims(axis)
    centered = x - torch.nanmean(x, dim=dim, keepdim=True)
    out = torch.nanmean(centered * centered, dim=dim, keepdim=keepdims)
    return _keepdims_all(out, x, keepdims) if axis is None else out


@keras_op("Nanstd")
def nanstd(x, axis=None, keepdims=False):
    """``std`` ignoring NaN, as ``keras.ops.nanstd``."""
    return torch.sqrt(nanvar(x, axis, keepdims))


def _nan_extremum(x, axis, keepdims, fill, pick):
    x = tensor(x)
    if not x.is_floating_point():
        return pick(x, axis, keepdims)
    nan = torch.isnan(x)
    out = pick(torch.where(nan, torch.tensor(fill, dtype=x.dtype, device=x.device), x), axis, keepdims)
    all_nan = _logical(torch.all)(nan, axis, keepdims)
    return torch.where(all_nan, torch.tensor(float("nan"), dtype=x.dtype, device=x.device), out)


@keras_op("Nanmax")
def nanmax(x, axis=None, keepdims=False):
    """``max`` ignoring NaN (NaN where all are NaN), as ``keras.ops.nanmax``."""
    return _nan_extremum(x, axis, keepdims, -float("inf"), lambda t, a, k: _max(t, a, k))


@keras_op("Nanmin")
def nanmin(x, axis=None, keepdims=False):
    """``min`` ignoring NaN (NaN where all are NaN), as ``keras.ops.nanmin``."""
    return _nan_extremum(x, axis, keepdims, float("inf"), lambda t, a, k: _min(t, a, k))


_ = Tensor
