"""Tensor creation of ``keras.ops.numpy`` (``zeros``, ``arange``, ``linspace``, windows...)."""

import math

import numpy as np
import torch

from lamina.backend.device import get_device
from lamina.ops._helpers import floatx_dtype, keras_dtype, tensor, to_torch_dtype
from lamina.ops.convert import convert_to_tensor
from lamina.ops.operation import keras_op

__all__ = [
    "zeros", "ones", "full", "empty", "eye", "identity", "tri", "zeros_like", "ones_like", "full_like",
    "empty_like", "arange", "linspace", "logspace", "geomspace", "array", "copy", "bartlett", "blackman",
    "hamming", "hanning", "kaiser",
]


def _dtype(dtype):
    return floatx_dtype() if dtype is None else to_torch_dtype(dtype)


def _shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)


def zeros(shape, dtype=None):
    """A tensor of zeros (``floatx`` by default), as ``keras.ops.zeros``."""
    return torch.zeros(_shape(shape), dtype=_dtype(dtype), device=get_device())


def ones(shape, dtype=None):
    """A tensor of ones (``floatx`` by default), as ``keras.ops.ones``."""
    return torch.ones(_shape(shape), dtype=_dtype(dtype), device=get_device())


def empty(shape, dtype=None):
    """An uninitialized tensor (``floatx`` by default), as ``keras.ops.empty``."""
    return torch.empty(_shape(shape), dtype=_dtype(dtype), device=get_device())


@keras_op("Full", operands=("fill_value",))
def full(shape, fill_value, dtype=None):
    """A tensor of ``fill_value``, as ``keras.ops.full`` (``floatx`` by default, whatever the
    value's type: ``full((2,), 3)`` is float32, as in Keras)."""
    fill = convert_to_tensor(fill_value, _dtype(dtype))
    return fill.expand(_shape(shape)).clone()


def eye(N, M=None, k=0, dtype=None):  # noqa: N803
    """An ``N x M`` tensor with ones on diagonal ``k``, as ``keras.ops.eye``."""
    M = N if M is None else M  # noqa: N806
    return _eye(N, M, k, _dtype(dtype))


def _eye(n, m, k, dtype):
    rows = torch.arange(n, device=get_device()).unsqueeze(1)
    cols = torch.arange(m, device=get_device()).unsqueeze(0)
    return (cols - rows == k).to(dtype)


def identity(n, dtype=None):
    """The ``n x n`` identity, as ``keras.ops.identity``."""
    return _eye(n, n, 0, _dtype(dtype))


def tri(N, M=None, k=0, dtype=None):  # noqa: N803
    """An ``N x M`` tensor with ones at and below diagonal ``k``, as ``keras.ops.tri``."""
    m = N if M is None else M
    rows = torch.arange(N, device=get_device()).unsqueeze(1)
    cols = torch.arange(m, device=get_device()).unsqueeze(0)
    return (cols - rows <= k).to(_dtype(dtype))


def _like(x, dtype):
    x = tensor(x)
    return x, (x.dtype if dtype is None else to_torch_dtype(dtype))


@keras_op("ZerosLike")
def zeros_like(x, dtype=None):
    """Zeros shaped as ``x`` (its dtype by default), as ``keras.ops.zeros_like``."""
    x, dtype = _like(x, dtype)
    return torch.zeros_like(x, dtype=dtype)


@keras_op("OnesLike")
def ones_like(x, dtype=None):
    """Ones shaped as ``x`` (its dtype by default), as ``keras.ops.ones_like``."""
    x, dtype = _like(x, dtype)
    return torch.ones_like(x, dtype=dtype)


@keras_op("EmptyLike")
def empty_like(x, dtype=None):
    """An uninitialized tensor shaped as ``x``, as ``keras.ops.empty_like``."""
    x, dtype = _like(x, dtype)
    return torch.empty_like(x, dtype=dtype)


@keras_op("FullLike", operands=("x", "fill_value"))
def full_like(x, fill_value, dtype=None):
    """``fill_value`` shaped as ``x`` (its dtype by default), as ``keras.ops.full_like``."""
    x, dtype = _like(x, dtype)
    return torch.full_like(x, 0, dtype=dtype) + tensor(fill_value).to(dtype)


@keras_op("Arange", operands=("start", "stop", "step"))
def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in ``[start, stop)``, as ``keras.ops.arange`` (dtype from the
    arguments by Keras's promotion when None)."""
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if dtype is None:
        dtype = keras_dtype(*(getattr(v, "dtype", type(v)) for v in (start, stop, step)))
    else:
        dtype = to_torch_dtype(dtype)
    values = [v.item() if isinstance(v, torch.Tensor) else v for v in (start, stop, step)]
    return torch.arange(*values, dtype=dtype, device=get_device())


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop``, as ``keras.ops.linspace``."""
    start_t, stop_t = tensor(start), tensor(stop)
    if dtype is None:
        dtype = keras_dtype(start_t.dtype if isinstance(start, torch.Tensor) else type(start),
                            stop_t.dtype if isinstance(stop, torch.Tensor) else type(stop), float)
    else:
        dtype = to_torch_dtype(dtype)
    work = torch.float64
    start_t, stop_t = start_t.to(work), stop_t.to(work)
    divisor = (num - 1) if endpoint else num
    step = (stop_t - start_t) / builtins_max(divisor, 1)
    steps = torch.arange(num, dtype=work, device=start_t.device)
    shape = (-1,) + (1,) * start_t.dim()
    values = start_t.unsqueeze(0) + steps.reshape(shape) * step.unsqueeze(0)
    if endpoint and num > 1:
        values[-1] = stop_t
    values = torch.movedim(values, 0, axis) if axis else values
    if dtype.is_floating_point is False:
        values = torch.floor(values)
    values = values.to(dtype)
    return (values, step.to(dtype)) if retstep else values


def builtins_max(a, b):
    return a if a > b else b


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``, as ``keras.ops.logspace``."""
    exponents = linspace(start, stop, num, endpoint, dtype=torch.float64, axis=axis)
    out_dtype = keras_dtype(type(start) if not isinstance(start, torch.Tensor) else start.dtype, float) if dtype is None else to_torch_dtype(dtype)
    return torch.pow(torch.as_tensor(base, dtype=torch.float64), exponents).to(out_dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` values spaced evenly on a log scale from ``start`` to ``stop``, as ``keras.ops.geomspace``."""
    start_t, stop_t = tensor(start).to(torch.float64), tensor(stop).to(torch.float64)
    sign = torch.sign(start_t)
    exponents = linspace(torch.log10(torch.abs(start_t)), torch.log10(torch.abs(stop_t)), num, endpoint, dtype=torch.float64, axis=axis)
    out = sign * torch.pow(10.0, exponents)
    out_dtype = keras_dtype(getattr(start, "dtype", type(start)), getattr(stop, "dtype", type(stop)), float) if dtype is None else to_torch_dtype(dtype)
    return out.to(out_dtype)


@keras_op("Array")
def array(x, dtype=None):
    """``x`` as a tensor, as ``keras.ops.array``."""
    return convert_to_tensor(x, dtype)


@keras_op("Copy")
def copy(x):
    """A copy of ``x``, as ``keras.ops.copy``."""
    return tensor(x).clone()


def _window(x, torch_window, name):
    if isinstance(x, torch.Tensor):
        x = int(x.item())
    return torch_window(int(x), periodic=False, dtype=floatx_dtype(), device=get_device())


def bartlett(x):
    """The Bartlett window of ``x`` points, as ``keras.ops.bartlett``."""
    return _window(x, torch.bartlett_window, "bartlett")


def blackman(x):
    """The Blackman window of ``x`` points, as ``keras.ops.blackman``."""
    return _window(x, torch.blackman_window, "blackman")


def hamming(x):
    """The Hamming window of ``x`` points, as ``keras.ops.hamming``."""
    return _window(x, torch.hamming_window, "hamming")


def hanning(x):
    """The Hann window of ``x`` points, as ``keras.ops.hanning``."""
    return _window(x, torch.hann_window, "hanning")


def kaiser(x, beta):
    """The Kaiser window of ``x`` points with shape ``beta``, as ``keras.ops.kaiser``."""
    if isinstance(x, torch.Tensor):
        x = int(x.item())
    return torch.kaiser_window(int(x), periodic=False, beta=float(beta), dtype=floatx_dtype(), device=get_device())


_ = (math, np)
