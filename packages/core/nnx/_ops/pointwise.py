"""Elementwise ops: torch's functional names over the engine's Cython kernels.

The hot ops (+ - * / **, exp, log, tanh, sigmoid, relu ...) run in nnx/_C/binary.pxi and unary.pxi;
the less common unary functions are table-driven in _unary_table.py; clamp, where,
maximum and minimum live in _select.py.  This module re-exports them all.
"""

import numpy as np

from nnx._C import _C
from nnx._C._C import wrap
from nnx._ops._pointwise_base import TensorBase, _as_tensor
from nnx._ops._select import (  # noqa: F401  (re-exported)
    ClampBackward0,
    ClampBackward1,
    MaximumBackward0,
    MinimumBackward0,
    WhereBackward0,
    clamp,
    clamp_max,
    clamp_min,
    lerp,
    maximum,
    minimum,
    where,
    where_method,
)
from nnx._ops._unary_table import (  # noqa: F401  (re-exported)
    acos,
    asin,
    atan,
    ceil,
    cosh,
    erf,
    exp2,
    expm1,
    floor,
    frac,
    log1p,
    log2,
    log10,
    round,
    sign,
    sinh,
    square,
    tan,
    trunc,
)

binary_op = _C.binary_op
unary_op = _C.unary_op


# -- binary -------------------------------------------------------------------------


def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = other * alpha
    if not isinstance(input, TensorBase):
        return (
            _as_tensor(other) + input
            if isinstance(other, TensorBase)
            else _as_tensor(input) + other
        )
    return input + other


def sub(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = other * alpha
    return _as_tensor(input) - other


def mul(input, other, *, out=None):
    if not isinstance(input, TensorBase):
        return other * input
    return input * other


def div(input, other, *, rounding_mode=None, out=None):
    input = _as_tensor(input)
    if rounding_mode is None:
        return input / other
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        quotient = binary_op(
            "div", input.detach(), other.detach() if isinstance(other, TensorBase) else other
        )
        result = trunc(quotient)
        if input.dtype.is_floating_point or (
            isinstance(other, TensorBase) and other.dtype.is_floating_point
        ):
            return result
        return result.to(_C.result_type(input, other))
    raise RuntimeError(
        "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
        f"'{rounding_mode}'"
    )


def true_divide(input, other):
    return _as_tensor(input) / other


def floor_divide(input, other):
    return binary_op("floor_divide", _as_tensor(input), other)


def remainder(input, other):
    if not isinstance(input, TensorBase):
        return binary_op("remainder", other, input, True)
    return binary_op("remainder", input, other)


def fmod(input, other):
    a = input._data
    b = other._data if isinstance(other, TensorBase) else other
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.fmod(a, b)
    return wrap(
        np.asarray(res).astype(a.dtype, copy=False) if a.dtype.kind == "f" else np.asarray(res)
    )


def pow(input, exponent):
    if not isinstance(input, TensorBase):
        return binary_op("pow", exponent, input, True)
    return binary_op("pow", input, exponent)


def eq(input, other):
    return binary_op("eq", input, other)


def ne(input, other):
    return binary_op("ne", input, other)


def lt(input, other):
    return binary_op("lt", input, other)


def le(input, other):
    return binary_op("le", input, other)


def gt(input, other):
    return binary_op("gt", input, other)


def ge(input, other):
    return binary_op("ge", input, other)


def equal(input, other):
    """True if both tensors have the same shape and elements."""
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data, other._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    other = other._data if isinstance(other, TensorBase) else other
    return wrap(
        np.asarray(np.isclose(input._data, other, rtol=rtol, atol=atol, equal_nan=equal_nan))
    )


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    other = other._data if isinstance(other, TensorBase) else other
    return bool(np.allclose(input._data, other, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _logical(fn, input, other=None):
    a = input._data
    if other is None:
        return wrap(np.asarray(fn(a)))
    b = other._data if isinstance(other, TensorBase) else other
    return wrap(np.asarray(fn(a, b)))


def logical_not(input):
    return _logical(np.logical_not, input)


def logical_and(input, other):
    return _logical(np.logical_and, input, other)


def logical_or(input, other):
    return _logical(np.logical_or, input, other)


def logical_xor(input, other):
    return _logical(np.logical_xor, input, other)


def isnan(input):
    return _logical(np.isnan, input)


def isinf(input):
    return _logical(np.isinf, input)


def isfinite(input):
    return _logical(np.isfinite, input)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    return wrap(np.nan_to_num(input._data, nan=nan, posinf=posinf, neginf=neginf))


# -- unary: the engine's Cython ops ------------------------------------------------------


def exp(input):
    return unary_op("exp", input)


def log(input):
    return unary_op("log", input)


def sqrt(input):
    return unary_op("sqrt", input)


def rsqrt(input):
    return unary_op("rsqrt", input)


def abs(input):
    return unary_op("abs", input)


def neg(input):
    return unary_op("neg", input)


def sin(input):
    return unary_op("sin", input)


def cos(input):
    return unary_op("cos", input)


def tanh(input):
    return unary_op("tanh", input)


def sigmoid(input):
    return unary_op("sigmoid", input)


def relu(input):
    return unary_op("relu", input)


def reciprocal(input):
    return unary_op("reciprocal", input)


