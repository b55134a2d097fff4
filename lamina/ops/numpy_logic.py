"""Comparisons, logical and bitwise functions and predicates of ``keras.ops.numpy``."""

import torch

from lamina.ops._helpers import Tensor, promote, tensor, tensors
from lamina.ops.operation import keras_op

__all__ = [
    "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_or",
    "logical_xor", "logical_not", "isfinite", "isinf", "isnan", "isneginf", "isposinf", "isreal", "signbit",
    "isclose", "allclose", "isin", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_invert",
    "bitwise_left_shift", "bitwise_right_shift", "left_shift", "right_shift", "gcd", "lcm",
]


def _binary(class_name, name, compute, doc, operands=("x1", "x2")):
    def function(x1, x2):
        return compute(x1, x2)

    if operands == ("x", "y"):
        def function(x, y):  # noqa: F811
            return compute(x, y)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return keras_op(class_name, operands=operands)(function)


def _compare(torch_function):
    def compute(x1, x2):
        if isinstance(x1, Tensor) and isinstance(x2, Tensor):
            return torch_function(x1, x2)
        return torch_function(*tensors(x1, x2))

    return compute


equal = _binary("Equal", "equal", _compare(torch.eq), "``x1 == x2`` element-wise, as ``keras.ops.equal``.")
not_equal = _binary("NotEqual", "not_equal", _compare(torch.ne), "``x1 != x2`` element-wise, as ``keras.ops.not_equal``.")
greater = _binary("Greater", "greater", _compare(torch.gt), "``x1 > x2`` element-wise, as ``keras.ops.greater``.")
greater_equal = _binary("GreaterEqual", "greater_equal", _compare(torch.ge), "``x1 >= x2``, as ``keras.ops.greater_equal``.")
less = _binary("Less", "less", _compare(torch.lt), "``x1 < x2`` element-wise, as ``keras.ops.less``.")
less_equal = _binary("LessEqual", "less_equal", _compare(torch.le), "``x1 <= x2``, as ``keras.ops.less_equal``.")
logical_and = _binary("LogicalAnd", "logical_and", _compare(torch.logical_and), "``x1 and x2`` element-wise, as ``keras.ops.logical_and``.")
logical_or = _binary("LogicalOr", "logical_or", _compare(torch.logical_or), "``x1 or x2`` element-wise, as ``keras.ops.logical_or``.")
logical_xor = _binary("LogicalXor", "logical_xor", _compare(torch.logical_xor), "``x1 xor x2`` element-wise, as ``keras.ops.logical_xor``.")


def _unary(class_name, name, compute, doc):
    def function(x):
        return compute(tensor(x))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return keras_op(class_name)(function)


logical_not = _unary("LogicalNot", "logical_not", torch.logical_not, "``not x`` element-wise, as ``keras.ops.logical_not``.")
isfinite = _unary("Isfinite", "isfinite", torch.isfinite, "Whether ``x`` is finite, as ``keras.ops.isfinite``.")
isinf = _unary("Isinf", "isinf", torch.isinf, "Whether ``x`` is infinite, as ``keras.ops.isinf``.")
isnan = _unary("Isnan", "isnan", torch.isnan, "Whether ``x`` is NaN, as ``keras.ops.isnan``.")
isneginf = _unary("Isneginf", "isneginf", torch.isneginf, "Whether ``x`` is -inf, as ``keras.ops.isneginf``.")
isposinf = _unary("Isposinf", "isposinf", torch.isposinf, "Whether ``x`` is +inf, as ``keras.ops.isposinf``.")
isreal = _unary("Isreal", "isreal", torch.isreal, "Whether ``x`` has no imaginary part, as ``keras.ops.isreal``.")
signbit = _unary(
    "Signbit", "signbit",
    lambda x: torch.signbit(x) if x.dtype != torch.bool else torch.zeros_like(x),
    "Whether the sign bit of ``x`` is set, as ``keras.ops.signbit``.",
)


@keras_op("Isclose", operands=("x1", "x2", "rtol", "atol"))
def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``x1`` and ``x2`` are close element-wise, as ``keras.ops.isclose``."""
    x1, x2 = promote(x1, x2)
    return torch.isclose(x1, x2, rtol=float(rtol), atol=float(atol), equal_nan=equal_nan)


@keras_op("AllClose", operands=("x1", "x2"))
def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``x1`` and ``x2`` are close everywhere (a 0-d bool tensor), as ``keras.ops.allclose``."""
    x1, x2 = promote(x1, x2)
    return torch.tensor(torch.allclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan), device=x1.device)


@keras_op("IsIn", operands=("x1", "x2"))
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of ``x1`` is in ``x2``, as ``keras.ops.isin``."""
    x1, x2 = promote(x1, x2)
    return torch.isin(x1, x2, assume_unique=assume_unique, invert=invert)


def _integers(name):
    """Operands of the integer functions, as Keras on torch: tensors (numbers too), promoted
    by torch (``int32`` with ``int64`` gives ``int64``, not Keras's narrowed ``int32``)."""

    def compute(x, y):
        x, y = tensors(x, y)
        for label, t in (("x", x), ("y", y)):
            if t.is_floating_point() or t.is_complex():
                raise TypeError(
                    f"lamina.ops.{name}: integer or bool operands only. Cast {label} first "
                    f"(ops.cast). Received: {label}.dtype={t.dtype}."
                )
        return x, y

    return compute


def _bitwise(torch_function, name):
    prepare = _integers(name)
    return lambda x, y: torch_function(*prepare(x, y))


def _shift(torch_function, name):
    prepare = _integers(name)

    def compute(x, y):
        x, y = prepare(x, y)
        if x.dtype == torch.bool and y.dtype == torch.bool:
            raise TypeError(f"lamina.ops.{name}: bool operands cannot be shifted. Cast them to an integer dtype.")
        return torch_function(x, y)

    return compute


def _gcd_like(torch_function, name):
    prepare = _integers(name)

    def compute(x1, x2):
        x1, x2 = prepare(x1, x2)
        if x1.dtype == torch.bool and x2.dtype == torch.bool:
            raise TypeError(f"lamina.ops.{name}: bool operands are not supported. Cast them to an integer dtype.")
        return torch_function(x1, x2)

    return compute


_XY = ("x", "y")
bitwise_and = _binary("BitwiseAnd", "bitwise_and", _bitwise(torch.bitwise_and, "bitwise_and"), "``x & y``, as ``keras.ops.bitwise_and``.", _XY)
bitwise_or = _binary("BitwiseOr", "bitwise_or", _bitwise(torch.bitwise_or, "bitwise_or"), "``x | y``, as ``keras.ops.bitwise_or``.", _XY)
bitwise_xor = _binary("BitwiseXor", "bitwise_xor", _bitwise(torch.bitwise_xor, "bitwise_xor"), "``x ^ y``, as ``keras.ops.bitwise_xor``.", _XY)
bitwise_left_shift = _binary(
    "BitwiseLeftShift", "bitwise_left_shift", _shift(torch.bitwise_left_shift, "bitwise_left_shift"),
    "``x << y``, as ``keras.ops.bitwise_left_shift``.", _XY)
bitwise_right_shift = _binary(
    "BitwiseRightShift", "bitwise_right_shift", _shift(torch.bitwise_right_shift, "bitwise_right_shift"),
    "``x >> y``, as ``keras.ops.bitwise_right_shift``.", _XY)
left_shift = _binary("LeftShift", "left_shift", _shift(torch.bitwise_left_shift, "left_shift"), "``x << y``, as ``keras.ops.left_shift``.", _XY)
right_shift = _binary("RightShift", "right_shift", _shift(torch.bitwise_right_shift, "right_shift"), "``x >> y``, as ``keras.ops.right_shift``.", _XY)
gcd = _binary("Gcd", "gcd", _gcd_like(torch.gcd, "gcd"), "The greatest common divisor, as ``keras.ops.gcd``.")
lcm = _binary("Lcm", "lcm", _gcd_like(torch.lcm, "lcm"), "The least common multiple, as ``keras.ops.lcm``.")


def _invert(x):
    if x.is_floating_point():
        raise TypeError(f"lamina.ops.bitwise_not: integer or bool input only. Received dtype {x.dtype}.")
    return torch.bitwise_not(x)


bitwise_not = _unary("BitwiseNot", "bitwise_not", _invert, "``~x``, as ``keras.ops.bitwise_not``.")
bitwise_invert = _unary("BitwiseInvert", "bitwise_invert", _invert, "``~x``, as ``keras.ops.bitwise_invert``.")
