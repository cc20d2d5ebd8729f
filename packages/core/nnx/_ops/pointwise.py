"""Elementwise ops: torch's functional names over the engine's Cython kernels.

The hot ops (+ - * / **, exp, log, tanh, sigmoid, relu ...) run in nnx/_C/pointwise.pxi;
the less common unary functions are table-driven here: each row names the NumPy
forward and the derivative, and becomes a Node class with torch's grad_fn name.
"""

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad as G

TensorBase = _C.TensorBase
binary_op = _C.binary_op
unary_op = _C.unary_op


def _as_tensor(x, like=None):
    if isinstance(x, TensorBase):
        return x
    arr = np.asarray(x)
    if arr.dtype == np.float64 and not isinstance(x, np.ndarray):
        arr = arr.astype(_C.get_default_dtype().np_dtype)
    return wrap(arr)


def _float_input(x):
    """Integer and bool inputs of float-valued functions compute in the default dtype."""
    if x.dtype.kind == "f":
        return x
    return x.astype(_C.get_default_dtype().np_dtype)


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


# -- unary: table-driven ------------------------------------------------------------------
# name: (grad_fn name, forward(x), derivative(x, out) or None for piecewise-constant ops,
#        integer inputs promote to float)


def _deriv_erf(x, out):
    return 2.0 / np.sqrt(np.pi) * G.math("exp", -(x * x))


_UNARY_TABLE = {
    "log2": ("Log2Backward0", np.log2, lambda x, out: 1.0 / (x * np.log(2.0)), True),
    "log10": ("Log10Backward0", np.log10, lambda x, out: 1.0 / (x * np.log(10.0)), True),
    "log1p": ("Log1PBackward0", np.log1p, lambda x, out: 1.0 / (x + 1), True),
    "expm1": ("Expm1Backward0", np.expm1, lambda x, out: out + 1, True),
    "exp2": ("Exp2Backward0", np.exp2, lambda x, out: out * np.log(2.0), True),
    "reciprocal": ("ReciprocalBackward0", np.reciprocal, lambda x, out: -(out * out), True),
    "square": ("PowBackward0", np.square, lambda x, out: 2 * x, False),
    "tan": ("TanBackward0", np.tan, lambda x, out: 1 + out * out, True),
    "asin": (
        "AsinBackward0",
        np.arcsin,
        lambda x, out: (
            G.math("rsqrt", G.const(1.0, x) - x * x) if G.is_tensor(x) else 1 / np.sqrt(1 - x * x)
        ),
        True,
    ),
    "acos": (
        "AcosBackward0",
        np.arccos,
        lambda x, out: (
            -(G.math("rsqrt", G.const(1.0, x) - x * x))
            if G.is_tensor(x)
            else -1 / np.sqrt(1 - x * x)
        ),
        True,
    ),
    "atan": ("AtanBackward0", np.arctan, lambda x, out: 1 / (1 + x * x), True),
    "sinh": ("SinhBackward0", np.sinh, lambda x, out: G.math("cosh", x), True),
    "cosh": ("CoshBackward0", np.cosh, lambda x, out: G.math("sinh", x), True),
    "erf": ("ErfBackward0", _C.erf_array, _deriv_erf, True),
    "sign": ("SignBackward0", np.sign, None, False),
    "floor": ("FloorBackward0", np.floor, None, False),
    "ceil": ("CeilBackward0", np.ceil, None, False),
    "round": ("RoundBackward0", np.round, None, False),
    "trunc": ("TruncBackward0", np.trunc, None, False),
    "frac": ("FracBackward0", lambda x: x - np.trunc(x), "identity", False),
}


class _TableUnaryBackward(Node):
    derivative = None

    def backward(self, grad):
        if self.derivative is None:  # piecewise constant: zero gradient
            return (grad * 0,)
        if self.derivative == "identity":
            return (grad,)
        x, out = self.saved_tensors
        return (grad * type(self).derivative(x, out),)


def _make_unary(name):
    node_name, forward, derivative, promote = _UNARY_TABLE[name]
    node_type = type(
        node_name,
        (_TableUnaryBackward,),
        {
            "derivative": staticmethod(derivative) if callable(derivative) else derivative,
            "__module__": __name__,
        },
    )

    def op(input):
        x = input._data
        if promote:
            x = _float_input(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            res = np.asarray(forward(x))
        if res.dtype != x.dtype:
            res = res.astype(x.dtype)
        out = wrap(res)
        if needs_grad(input):
            node = node_type()
            attach(node, (input,), out)
            if callable(derivative):
                node.save_for_backward(input, out)
        return out

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} (torch.{name})."
    return op


log2 = _make_unary("log2")
log10 = _make_unary("log10")
log1p = _make_unary("log1p")
expm1 = _make_unary("expm1")
exp2 = _make_unary("exp2")
reciprocal = _make_unary("reciprocal")
square = _make_unary("square")
tan = _make_unary("tan")
asin = _make_unary("asin")
acos = _make_unary("acos")
atan = _make_unary("atan")
sinh = _make_unary("sinh")
cosh = _make_unary("cosh")
erf = _make_unary("erf")
sign = _make_unary("sign")
floor = _make_unary("floor")
ceil = _make_unary("ceil")
round = _make_unary("round")
trunc = _make_unary("trunc")
frac = _make_unary("frac")


# -- clamp, where, maximum / minimum, lerp ---------------------------------------------


class ClampBackward1(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        mask = True
        if self.min is not None:
            mask = x >= self.min
        if self.max is not None:
            mask = (x <= self.max) if mask is True else mask & (x <= self.max)
        return (G.where(mask, grad, 0.0),)


class ClampBackward0(Node):
    """clamp with tensor bounds: the gradient goes to whichever value was selected."""

    def backward(self, grad):
        x, lo, hi = self.saved_tensors
        grads = [None, None, None]
        inside = True
        if lo is not None:
            below = x < lo
            grads[1] = G.sum_to(G.where(below, grad, 0.0), self.shapes[1]) if self.need[1] else None
            inside = ~below if not G.is_tensor(below) else below.logical_not()
        if hi is not None:
            above = x > hi
            if lo is not None:
                above = (
                    above & ~(x < lo)
                    if not G.is_tensor(above)
                    else above.logical_and((x < lo).logical_not())
                )
            grads[2] = G.sum_to(G.where(above, grad, 0.0), self.shapes[2]) if self.need[2] else None
            not_above = ~above if not G.is_tensor(above) else above.logical_not()
            inside = not_above if inside is True else inside & not_above
        grads[0] = G.sum_to(G.where(inside, grad, 0.0), self.shapes[0]) if self.need[0] else None
        return tuple(grads)


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, TensorBase) or isinstance(max, TensorBase):
        return _clamp_tensor(input, min, max)
    x = input._data
    if x.dtype.kind in "iub" and (isinstance(min, float) or isinstance(max, float)):
        x = _float_input(x)
    res = x
    if min is not None:
        res = (
            np.maximum(res, np.asarray(min, dtype=x.dtype))
            if not np.isnan(min)
            else np.full_like(x, np.nan)
        )
    if max is not None:
        res = (
            np.minimum(res, np.asarray(max, dtype=x.dtype))
            if not np.isnan(max)
            else np.full_like(x, np.nan)
        )
    out = wrap(np.array(res, dtype=x.dtype, copy=res is x))
    if needs_grad(input):
        node = ClampBackward1()
        node.min, node.max = min, max
        attach(node, (input,), out)
        node.save_for_backward(input)
    return out


def _clamp_tensor(input, lo, hi):
    res = input._data
    lo_t = _as_tensor(lo) if lo is not None else None
    hi_t = _as_tensor(hi) if hi is not None else None
    if lo_t is not None:
        res = np.maximum(res, lo_t._data)
    if hi_t is not None:
        res = np.minimum(res, hi_t._data)
    out = wrap(np.asarray(res).astype(input._data.dtype, copy=False))
    if needs_grad(input, lo_t, hi_t):
        node = ClampBackward0()
        node.shapes = (
            input._data.shape,
            None if lo_t is None else lo_t._data.shape,
            None if hi_t is None else hi_t._data.shape,
        )
        node.need = (
            input._requires_grad,
            lo_t is not None and lo_t._requires_grad,
            hi_t is not None and hi_t._requires_grad,
        )
        attach(node, (input, lo_t, hi_t), out)
        node.save_for_backward(input, lo_t, hi_t)
    return out


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


class WhereBackward0(Node):
    def backward(self, grad):
        (cond,) = self.saved_tensors
        zero = 0.0
        ga = G.sum_to(G.where(cond, grad, zero), self.shapes[0]) if self.need[0] else None
        gb = G.sum_to(G.where(cond, zero, grad), self.shapes[1]) if self.need[1] else None
        return (None, ga, gb)


def where(condition, input=None, other=None):
    """``where(cond, x, y)``: x where cond else y; ``where(cond)``: nonzero(as_tuple=True)."""
    if input is None and other is None:
        from nnx._ops.indexing import nonzero

        return nonzero(condition, as_tuple=True)
    cond = _as_tensor(condition)
    if cond._data.dtype != np.bool_:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor "
            f"with dtype {cond.dtype.name.capitalize()}"
        )
    a, b = _promote_pair(input, other)
    try:
        res = np.where(cond._data, a._data, b._data)
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({a._data.shape}) must match the size of "
            f"tensor b ({b._data.shape})"
        ) from None
    out = wrap(np.asarray(res))
    if needs_grad(a, b):
        node = WhereBackward0()
        node.shapes = (a._data.shape, b._data.shape)
        node.need = (a._requires_grad, b._requires_grad)
        attach(node, (cond, a, b), out)
        node.save_for_backward(cond)
    return out


def where_method(self, condition, y):
    return where(condition, self, y)


def _promote_pair(a, b):
    """Two operands as tensors of torch's promoted dtype (scalars are wrapped numbers)."""
    target = _C.result_type(a, b)
    a = _cast_operand(a, target)
    b = _cast_operand(b, target)
    return a, b


def _cast_operand(x, target):
    if isinstance(x, TensorBase):
        return x if x._data.dtype == target.np_dtype else x.to(target)
    return wrap(np.asarray(x, dtype=target.np_dtype))


class _MaxMinBackward(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        pick_a = (a > b) if self.is_max else (a < b)
        tie = a == b
        half = grad * 0.5
        ga = (
            G.sum_to(G.where(pick_a, grad, 0.0) + G.where(tie, half, 0.0), self.shapes[0])
            if self.need[0]
            else None
        )
        gb_mask = (b > a) if self.is_max else (b < a)
        gb = (
            G.sum_to(G.where(gb_mask, grad, 0.0) + G.where(tie, half, 0.0), self.shapes[1])
            if self.need[1]
            else None
        )
        return (ga, gb)


class MaximumBackward0(_MaxMinBackward):
    is_max = True


class MinimumBackward0(_MaxMinBackward):
    is_max = False


def _maxmin(input, other, fn, node_type):
    a, b = _promote_pair(input, other)
    try:
        res = fn(a._data, b._data)
    except ValueError:
        raise RuntimeError(_C.broadcast_message(a._data.shape, b._data.shape)) from None
    out = wrap(np.asarray(res))
    if needs_grad(a, b):
        node = node_type()
        node.shapes = (a._data.shape, b._data.shape)
        node.need = (a._requires_grad, b._requires_grad)
        attach(node, (a, b), out)
        node.save_for_backward(a, b)
    return out


def maximum(input, other):
    return _maxmin(input, other, np.maximum, MaximumBackward0)


def minimum(input, other):
    return _maxmin(input, other, np.minimum, MinimumBackward0)


def lerp(input, end, weight):
    """input + weight * (end - input), differentiable in all three."""
    return input + weight * (end - input)
