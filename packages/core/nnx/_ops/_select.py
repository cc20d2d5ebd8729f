"""Selections between values: clamp, where, maximum / minimum, lerp (each with backward)."""

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad as G
from nnx._ops._pointwise_base import TensorBase, _as_tensor, _float_input


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
    out = wrap(np.array(res, dtype=x.dtype, copy=True) if res is x
               else np.asarray(res, dtype=x.dtype))
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
