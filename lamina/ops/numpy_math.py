"""Element-wise math of ``keras.ops.numpy``: unary functions and arithmetic on two operands."""

import math

import torch

from lamina.ops._helpers import (
    Tensor,
    floatx_dtype,
    keep_float,
    keras_dtype,
    promote,
    promoted_float,
    tensor,
    tensors,
)
from lamina.ops.operation import keras_op

__all__ = [
    "abs", "absolute", "fabs", "negative", "sign", "square", "sqrt", "cbrt", "exp", "exp2", "expm1",
    "log", "log10", "log1p", "log2", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh",
    "tanh", "arcsinh", "arccosh", "arctanh", "sinc", "i0", "deg2rad", "rad2deg", "reciprocal", "ceil",
    "floor", "trunc", "round", "add", "subtract", "multiply", "divide", "true_divide", "floor_divide",
    "mod", "fmod", "power", "maximum", "minimum", "fmax", "fmin", "arctan2", "hypot", "logaddexp",
    "logaddexp2", "nextafter", "heaviside", "divide_no_nan", "ldexp", "clip", "nan_to_num",
]


def _declare(class_name, name, compute, doc):
    def function(x):
        return compute(x)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return keras_op(class_name)(function)


def _floating(torch_function, name, class_name, as_float=keep_float):
    return _declare(class_name, name, lambda x: torch_function(as_float(x)),
                    f"``{name}`` of ``x`` element-wise, as ``keras.ops.{name}`` (integers give ``floatx``).")


def _same(torch_function, name, class_name, doc):
    return _declare(class_name, name, lambda x: torch_function(tensor(x)), doc)


def _float_keep_int64(x):
    x = tensor(x)
    return x.to(torch.float64) if x.dtype == torch.int64 else keep_float(x)


sqrt = _floating(torch.sqrt, "sqrt", "Sqrt")
exp = _floating(torch.exp, "exp", "Exp")
exp2 = _floating(torch.exp2, "exp2", "Exp2")
expm1 = _floating(torch.expm1, "expm1", "Expm1")
log = _floating(torch.log, "log", "Log")
log10 = _floating(torch.log10, "log10", "Log10")
log1p = _floating(torch.log1p, "log1p", "Log1p")
log2 = _floating(torch.log2, "log2", "Log2")
sin = _floating(torch.sin, "sin", "Sin")
cos = _floating(torch.cos, "cos", "Cos")
tan = _floating(torch.tan, "tan", "Tan")
arcsin = _floating(torch.asin, "arcsin", "Arcsin")
arccos = _floating(torch.acos, "arccos", "Arccos")
arctan = _floating(torch.atan, "arctan", "Arctan")
sinh = _floating(torch.sinh, "sinh", "Sinh")
cosh = _floating(torch.cosh, "cosh", "Cosh")
tanh = _floating(torch.tanh, "tanh", "Tanh")
arcsinh = _floating(torch.asinh, "arcsinh", "Arcsinh")
arccosh = _floating(torch.acosh, "arccosh", "Arccosh")
arctanh = _floating(torch.atanh, "arctanh", "Arctanh")
sinc = _floating(torch.sinc, "sinc", "Sinc")
reciprocal = _floating(torch.reciprocal, "reciprocal", "Reciprocal")
fabs = _floating(torch.abs, "fabs", "Fabs")
cbrt = _floating(lambda x: torch.sign(x) * torch.abs(x).pow(1.0 / 3.0), "cbrt", "Cbrt", _float_keep_int64)
i0 = _floating(torch.special.i0, "i0", "I0", _float_keep_int64)
deg2rad = _floating(torch.deg2rad, "deg2rad", "Deg2rad", _float_keep_int64)
rad2deg = _floating(torch.rad2deg, "rad2deg", "Rad2deg", _float_keep_int64)
ceil = _floating(torch.ceil, "ceil", "Ceil", promoted_float)
floor = _floating(torch.floor, "floor", "Floor", promoted_float)


def _absolute(x):
    x = tensor(x)
    return x if x.dtype == torch.bool else torch.abs(x)


def _negative(x):
    x = tensor(x)
    if x.dtype == torch.bool:
        raise TypeError("lamina.ops.negative: a bool tensor has no negative (as Keras on torch). Cast it first.")
    return torch.neg(x)


def _sign(x):
    x = tensor(x)
    return x if x.dtype == torch.bool else torch.sign(x)


def _square(x):
    x = tensor(x)
    return torch.square(x.to(torch.int32) if x.dtype == torch.bool else x)


def _trunc(x):
    x = tensor(x)
    return torch.trunc(x) if x.is_floating_point() else x


absolute = _same(_absolute, "absolute", "Absolute", "The absolute value of ``x`` element-wise, as ``keras.ops.absolute``.")
abs = absolute  # noqa: A001
negative = _same(_negative, "negative", "Negative", "``-x`` element-wise, as ``keras.ops.negative``.")
sign = _same(_sign, "sign", "Sign", "-1, 0 or 1 by the sign of ``x``, as ``keras.ops.sign``.")
square = _same(_square, "square", "Square", "``x * x`` element-wise (bool gives int32), as ``keras.ops.square``.")
trunc = _same(_trunc, "trunc", "Trunc", "``x`` rounded toward zero, as ``keras.ops.trunc``.")


@keras_op("Round")
def round(x, decimals=0):  # noqa: A001
    """``x`` rounded to ``decimals`` digits (half to even), as ``keras.ops.round``."""
    x = tensor(x)
    if x.dtype == torch.bool:
        raise TypeError("lamina.ops.round: bool tensors cannot be rounded (as Keras on torch). Cast them first.")
    if not x.is_floating_point():
        if decimals >= 0:
            return x
        factor = 10 ** (-decimals)
        return (torch.round(x.double() / factor) * factor).to(x.dtype)
    return torch.round(x, decimals=decimals)


# --- two operands -------------------------------------------------------------------------


def _fast(torch_function):
    """Torch's function and promotion (Keras on torch calls it directly)."""

    def compute(x1, x2):
        if isinstance(x1, Tensor) and isinstance(x2, Tensor):
            return torch_function(x1, x2)
        return torch_function(*_with_numbers(x1, x2))

    compute.torch_function = torch_function  # what two tensors get: the op's eager fast path
    return compute


def _with_numbers(x1, x2):
    """Operands for torch: tensors stay, numbers become 0-d tensors of Keras's default dtype
    (torch then lets the other tensor's dtype win, as Keras's weak types)."""
    if isinstance(x1, Tensor) and isinstance(x2, (int, float)):
        return x1, x2 if not isinstance(x2, bool) else torch.tensor(x2, device=x1.device)
    return tensors(x1, x2)


def _binary(class_name, name, compute, doc):
    def function(x1, x2):
        return compute(x1, x2)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return keras_op(class_name, operands=("x1", "x2"), eager=getattr(compute, "torch_function", None))(function)


def _keras_promoted(torch_function, *extra):
    def compute(x1, x2):
        if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype == x2.dtype and not extra:
            return torch_function(x1, x2)
        return torch_function(*promote(x1, x2, *extra))

    return compute


def _bool_safe_subtract(x1, x2):
    x1, x2 = tensors(x1, x2)
    if x1.dtype == torch.bool and x2.dtype != torch.bool:
        x1 = x1.to(x2.dtype)
    elif x2.dtype == torch.bool and x1.dtype != torch.bool:
        x2 = x2.to(x1.dtype)
    return torch.subtract(x1, x2)


def _subtract(x1, x2):
    if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype == x2.dtype:
        return torch.subtract(x1, x2)
    return _bool_safe_subtract(x1, x2)


def _floor_divide(x1, x2):
    x1, x2 = promote(x1, x2)
    if x1.dtype == torch.bool:
        raise TypeError("lamina.ops.floor_divide: bool operands cannot be divided (as Keras on torch).")
    return torch.floor_divide(x1, x2)


def _power(x1, x2):
    x1, x2 = _with_numbers(x1, x2)
    return torch.pow(x1, x2)


def _mod(x1, x2):
    x1, x2 = tensors(x1, x2)
    if x1.dtype == torch.bool and x2.dtype == torch.bool:
        x1, x2 = x1.to(torch.int32), x2.to(torch.int32)
    return torch.remainder(x1, x2)


def _fmod(x1, x2):
    x1, x2 = tensors(x1, x2)
    if x1.dtype == torch.bool and x2.dtype == torch.bool:
        x1, x2 = x1.to(torch.int32), x2.to(torch.int32)
    return torch.fmod(x1, x2)


def _maximum_like(torch_function):
    def compute(x1, x2):
        x1, x2 = promote(x1, x2)
        return torch_function(x1, x2)

    return compute


def _strong_float(x1, x2):
    """Both operands as tensors of Keras's ``result_type(x1.dtype, x2.dtype, float)``: Keras on
    torch converts Python numbers to tensors first, so they are not weak here (``float16``
    with ``3.0`` gives ``float32``)."""
    x1, x2 = tensors(x1, x2)
    dtype = keras_dtype(x1.dtype, x2.dtype, float)
    return x1.to(dtype), x2.to(dtype)


_KEPT_FLOATS = (torch.float16, torch.bfloat16, torch.float32)  # Keras's float result of themselves


def _float_promoted(torch_function):
    def compute(x1, x2):
        if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype and x1.dtype in _KEPT_FLOATS:
            return torch_function(x1, x2)
        return torch_function(*_strong_float(x1, x2))

    return compute


def _nextafter(x1, x2):
    x1, x2 = tensors(x1, x2)
    dtype = keras_dtype(x1.dtype, x2.dtype, float)
    return torch.nextafter(x1.to(torch.float64), x2.to(torch.float64)).to(dtype)  # as Keras on torch


def _int_as_float(x1, x2, name):
    """Operands of ``hypot``/``heaviside`` as Keras on torch: ``result_type(x1, x2)`` with
    integers computed in ``floatx``."""
    x1, x2 = tensors(x1, x2)
    dtype = keras_dtype(x1.dtype, x2.dtype)
    if dtype == torch.bool and name == "hypot":
        raise TypeError("lamina.ops.hypot: bool operands are not supported (as Keras on torch). Cast them to a float dtype first.")
    if dtype != torch.bool and not dtype.is_floating_point and not dtype.is_complex:
        dtype = floatx_dtype()
    return x1.to(dtype), x2.to(dtype)


def _hypot(x1, x2):
    if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype and x1.dtype in _KEPT_FLOATS:
        return torch.hypot(x1, x2)
    return torch.hypot(*_int_as_float(x1, x2, "hypot"))


def _heaviside(x1, x2):
    x1, x2 = _int_as_float(x1, x2, "heaviside")
    if x1.dtype == torch.bool:
        return torch.heaviside(x1.to(torch.int32), x2.to(torch.int32)).bool()
    return torch.heaviside(x1, x2)


def _divide_no_nan(x1, x2):
    x1, x2 = promote(x1, x2, float)
    safe = torch.where(x2 == 0, torch.ones_like(x2), x2)
    return torch.where(x2 == 0, torch.zeros_like(x1 * x2), x1 / safe)


def _ldexp(x1, x2):
    x1, x2 = tensors(x1, x2)
    if x2.is_floating_point() or x2.is_complex() or x2.dtype == torch.bool:
        raise TypeError(
            f"lamina.ops.ldexp: the exponent x2 must have an integer dtype (as in Keras). Cast it "
            f"with ops.cast(x2, 'int32'). Received: x2.dtype={x2.dtype}."
        )
    dtype = keras_dtype(x1.dtype, x2.dtype, float)
    return torch.ldexp(x1, x2).to(dtype)


add = _binary("Add", "add", _fast(torch.add), "``x1 + x2`` element-wise, as ``keras.ops.add``.")
subtract = _binary("Subtract", "subtract", _subtract, "``x1 - x2`` element-wise, as ``keras.ops.subtract``.")
multiply = _binary("Multiply", "multiply", _fast(torch.mul), "``x1 * x2`` element-wise, as ``keras.ops.multiply``.")
divide = _binary("Divide", "divide", _fast(torch.true_divide), "``x1 / x2`` (true division), as ``keras.ops.divide``.")
true_divide = _binary("TrueDivide", "true_divide", _fast(torch.true_divide), "``x1 / x2``, as ``keras.ops.true_divide``.")
floor_divide = _binary("FloorDivide", "floor_divide", _floor_divide, "``x1 // x2``, as ``keras.ops.floor_divide``.")
mod = _binary("Mod", "mod", _mod, "``x1 % x2`` (sign of ``x2``), as ``keras.ops.mod``.")
fmod = _binary("Fmod", "fmod", _fmod, "The C remainder of ``x1 / x2`` (sign of ``x1``), as ``keras.ops.fmod``.")
power = _binary("Power", "power", _power, "``x1 ** x2`` element-wise, as ``keras.ops.power``.")
maximum = _binary("Maximum", "maximum", _keras_promoted(torch.maximum), "The larger of ``x1``, ``x2``, as ``keras.ops.maximum``.")
minimum = _binary("Minimum", "minimum", _keras_promoted(torch.minimum), "The smaller of ``x1``, ``x2``, as ``keras.ops.minimum``.")
fmax = _binary("Fmax", "fmax", _keras_promoted(torch.fmax), "The larger of ``x1``, ``x2`` ignoring NaN, as ``keras.ops.fmax``.")
fmin = _binary("Fmin", "fmin", _keras_promoted(torch.fmin), "The smaller of ``x1``, ``x2`` ignoring NaN, as ``keras.ops.fmin``.")
arctan2 = _binary("Arctan2", "arctan2", _float_promoted(torch.atan2), "The angle of ``(x2, x1)``, as ``keras.ops.arctan2``.")
hypot = _binary("Hypot", "hypot", _hypot, "``sqrt(x1**2 + x2**2)``, as ``keras.ops.hypot``.")
logaddexp = _binary("Logaddexp", "logaddexp", _float_promoted(torch.logaddexp), "``log(exp(x1) + exp(x2))``, as ``keras.ops.logaddexp``.")
logaddexp2 = _binary("Logaddexp2", "logaddexp2", _float_promoted(torch.logaddexp2), "``log2(2**x1 + 2**x2)``, as ``keras.ops.logaddexp2``.")
nextafter = _binary("Nextafter", "nextafter", _nextafter, "The next float after ``x1`` toward ``x2``, as ``keras.ops.nextafter``.")
heaviside = _binary("Heaviside", "heaviside", _heaviside, "The Heaviside step of ``x1`` (``x2`` at 0), as ``keras.ops.heaviside``.")
divide_no_nan = _binary("DivideNoNan", "divide_no_nan", _divide_no_nan, "``x1 / x2``, 0 where ``x2`` is 0, as ``keras.ops.divide_no_nan``.")
ldexp = _binary("Ldexp", "ldexp", _ldexp, "``x1 * 2**x2``, as ``keras.ops.ldexp``.")


@keras_op("Clip")
def clip(x, x_min, x_max):
    """``x`` limited to ``[x_min, x_max]``, as ``keras.ops.clip`` (bool gives int32)."""
    x = tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.clamp(x, min=x_min, max=x_max)


@keras_op("NanToNum")
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """``x`` with NaN and infinities replaced by finite numbers, as ``keras.ops.nan_to_num``."""
    x = tensor(x)
    if not x.is_floating_point():
        return x
    return torch.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


_ = math
