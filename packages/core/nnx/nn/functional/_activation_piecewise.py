"""Piecewise-linear activations: hardtanh, relu6, threshold, hardsigmoid, hardswish,
hardshrink, softshrink, prelu, rrelu, and the in-place forms torch has.

As in _activation.py: the forward runs in NumPy, one node records the closed-form
derivative (operators and nnx._ops._grad helpers, so it also runs under create_graph).
In-place forms whose derivative can be read from the result save the result (torch's
``...Backward1`` nodes); the others compute from a snapshot of the input.
"""

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx._ops import inplace as inplace_ops
from nnx.nn.functional import _helpers as H
from nnx.nn.functional._activation import LEAKY_INPLACE_NEGATIVE_SLOPE, _inplace

__all__ = ["hardtanh", "hardtanh_", "relu6", "threshold", "threshold_", "hardsigmoid",
           "hardswish", "hardshrink", "softshrink", "prelu", "rrelu", "rrelu_"]


def _record(node, inputs, out, *saved):
    attach(node, inputs, out)
    node.save_for_backward(*saved)
    return out


def _finish(input, out, inplace):
    return inplace_ops.commit(input, out) if inplace else out


# -- hardtanh, relu6 -----------------------------------------------------------------------

class HardtanhBackward0(Node):
    """d/dx: 1 strictly between min_val and max_val, else 0.  Reads the input, or the result
    for the in-place form (inside the open interval the two are equal)."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        inside = (x > self.min_val) & (x < self.max_val)
        return (_grad.where(inside, grad, grad * 0),)


def _hardtanh(name, input, min_val, max_val, inplace):
    H.check_tensor(name, "input", 1, input)
    if input._data.dtype == np.bool_:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if inplace:
        inplace_ops.check_inplace(input)
    x = input._data
    out = wrap(np.asarray(np.minimum(np.maximum(x, min_val), max_val), dtype=x.dtype))
    if needs_grad(input):
        node = HardtanhBackward0()
        node.min_val, node.max_val = min_val, max_val
        _record(node, (input,), out, wrap(x.copy()) if inplace else input)
    return _finish(input, out, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """HardTanh(x) = min(max(x, min_val), max_val).

    Args:
        input (Tensor): any shape.
        min_val (float): lower end of the linear region. Default: -1.
        max_val (float): upper end of the linear region. Default: 1.
        inplace (bool): write the result into ``input``. Default: False.

    Example::

        >>> F.hardtanh(nnx.tensor([-2.0, 0.5, 3.0]))
        tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _hardtanh("hardtanh", input, min_val, max_val, inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place :func:`hardtanh` (like torch's, it does not check min_val <= max_val)."""
    return _hardtanh("hardtanh_", input, min_val, max_val, True)


def relu6(input, inplace=False):
    """ReLU6(x) = min(max(0, x), 6): hardtanh between 0 and 6.

    Args:
        input (Tensor): any shape.
        inplace (bool): write the result into ``input``. Default: False.
    """
    return _hardtanh("relu6", input, 0.0, 6.0, inplace)


# -- threshold -----------------------------------------------------------------------------

class ThresholdBackward0(Node):
    """d/dx: 1 where x > threshold, else 0; reads the input."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        return (_grad.where(x > self.threshold, grad, grad * 0),)


class ThresholdBackward1(ThresholdBackward0):
    """The in-place form: reads a copy of the input saved before it is overwritten (the
    result cannot tell a replaced value above the threshold from a kept one)."""


def _threshold(name, input, threshold, value, inplace):
    H.check_tensor(name, "input", 1, input)
    H.check_not_bool("threshold_cpu", input._data)
    if inplace:
        inplace_ops.check_inplace(input)
    x = input._data
    replacement = np.asarray(value).astype(x.dtype)
    out = wrap(np.where(x > threshold, x, replacement))
    if needs_grad(input):
        node = ThresholdBackward1() if inplace else ThresholdBackward0()
        node.threshold = threshold
        _record(node, (input,), out, wrap(x.copy()) if inplace else input)
    return _finish(input, out, inplace)


def threshold(input, threshold, value, inplace=False):
    """y = x if x > threshold else value.

    Args:
        input (Tensor): any shape (integer tensors keep their dtype).
        threshold (float): the value to threshold at.
        value (float): the value that replaces x <= threshold.
        inplace (bool): write the result into ``input``. Default: False.
    """
    return _threshold("threshold", input, threshold, value, inplace)


def threshold_(input, threshold, value):
    """In-place :func:`threshold`."""
    return _threshold("threshold_", input, threshold, value, True)


# -- hardsigmoid, hardswish ----------------------------------------------------------------

# torch's kernel multiplies by the float 1.0f / 6.0f, in every dtype
_ONE_SIXTH = float(np.float32(1.0) / np.float32(6.0))


class HardsigmoidBackward0(Node):
    """d/dx: 1/6 on (-3, 3), else 0."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        return (_grad.where((x > -3.0) & (x < 3.0), grad * _ONE_SIXTH, grad * 0),)


def hardsigmoid(input, inplace=False):
    """Hardsigmoid(x) = min(max(x + 3, 0), 6) / 6.

    Args:
        input (Tensor): any shape, floating point.
        inplace (bool): write the result into ``input``. Default: False.
    """
    H.check_tensor("hardsigmoid", "input", 1, input)
    if inplace:
        return _inplace(hardsigmoid, input)
    x = input._data
    H.check_floating("hardsigmoid_cpu", x)
    t = x.dtype.type
    out = wrap(np.minimum(np.maximum(x + t(3), t(0)), t(6)) / t(6))
    if needs_grad(input):
        _record(HardsigmoidBackward0(), (input,), out, input)
    return out


class HardswishBackward0(Node):
    """d/dx: 0 below -3, x / 3 + 1/2 on [-3, 3], 1 above."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        middle = _grad.where(x <= 3.0, grad * (x / 3.0 + 0.5), grad)
        return (_grad.where(x < -3.0, grad * 0, middle),)


def hardswish(input, inplace=False):
    """Hardswish(x) = x * min(max(x + 3, 0), 6) / 6.

    Args:
        input (Tensor): any shape, floating point.
        inplace (bool): write the result into ``input``. Default: False.
    """
    H.check_tensor("hardswish", "input", 1, input)
    if inplace:
        return _inplace(hardswish, input)
    x = input._data
    H.check_floating("hardswish_cpu", x)
    t = x.dtype.type
    out = wrap(x * np.minimum(np.maximum(x + t(3), t(0)), t(6)) / t(6))
    if needs_grad(input):
        _record(HardswishBackward0(), (input,), out, input)
    return out


# -- hardshrink, softshrink ----------------------------------------------------------------

class HardshrinkBackward0(Node):
    """d/dx: 0 on [-lambd, lambd], else 1."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        inside = (x >= -self.lambd) & (x <= self.lambd)
        return (_grad.where(inside, grad * 0, grad),)


class SoftshrinkBackward0(HardshrinkBackward0):
    """Same derivative as hardshrink: the shift by lambd is constant."""


def hardshrink(input, lambd=0.5):
    """Hardshrink(x) = x if |x| > lambd else 0 (the bounds themselves give 0).

    Args:
        input (Tensor): any shape, floating point.
        lambd (float): half-width of the zeroed band. Default: 0.5.
    """
    H.check_tensor("hardshrink", "input", 1, input)
    x = input._data
    H.check_floating("hardshrink_cpu", x)
    out = wrap(np.where((x >= -lambd) & (x <= lambd), x.dtype.type(0), x))
    if needs_grad(input):
        node = HardshrinkBackward0()
        node.lambd = lambd
        _record(node, (input,), out, input)
    return out


_DTYPE_MAX = {"float16": "65504", "float32": "3.40282e+38", "float64": "1.79769e+308"}


def softshrink(input, lambd=0.5):
    """Softshrink(x) = x - lambd if x > lambd, x + lambd if x < -lambd, else 0.

    Args:
        input (Tensor): any shape, floating point.
        lambd (float): the shift, at least 0. Default: 0.5.
    """
    H.check_tensor("softshrink", "input", 1, input)
    x = input._data
    H.check_floating("softshrink_check", x)
    if not lambd >= 0:
        raise RuntimeError(f"lambda must be in range [0, {_DTYPE_MAX[x.dtype.name]}] for input "
                           f"dtype {H.scalar_name(x)}, but found {lambd:g}")
    t = x.dtype.type
    shrunk = np.where(x > lambd, x - t(lambd), x + t(lambd))
    out = wrap(np.where((x >= -lambd) & (x <= lambd), t(0), shrunk))
    if needs_grad(input):
        node = SoftshrinkBackward0()
        node.lambd = lambd
        _record(node, (input,), out, input)
    return out


# -- prelu ---------------------------------------------------------------------------------

class PreluKernelBackward0(Node):
    """dx = g where x > 0, else g * w; dw = the sum of g * x over x <= 0, per channel."""

    def backward(self, grad):
        x, weight = self.saved_tensors
        w = _grad.reshape(weight, self.w_view)
        positive = x > 0
        gx = _grad.where(positive, grad, grad * w) if self.need_x else None
        gw = None
        if self.need_w:
            gw = _grad.sum_to(_grad.where(positive, grad * 0, grad * x), self.w_view)
            gw = _grad.reshape(gw, self.w_shape)
        return (gx, gw)


def _prelu_weight_view(x, w):
    """The shape ``w`` broadcasts as against ``x``: over channel dimension 1 when it holds
    one slope per channel, else a single slope for everything."""
    if w.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {w.ndim}")
    if w.size == 1:
        return (1,) * x.ndim
    if x.ndim == 0:
        raise RuntimeError("Not allow zero-dim input tensor.")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.size != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {w.size} and channel size = {channels}.")
    return (1, channels) + (1,) * (x.ndim - 2)


def prelu(input, weight):
    """PReLU(x) = max(0, x) + weight * min(0, x), one learnt slope per channel (dim 1) or
    one for all.

    Args:
        input (Tensor): (N, C, *) or any shape when ``weight`` has one element.
        weight (Tensor): (C,) or one element (0-d or (1,)).

    Example::

        >>> F.prelu(nnx.tensor([-2.0, 3.0]), nnx.tensor([0.25]))
        tensor([-0.5000,  3.0000])
    """
    H.check_tensor("prelu", "input", 1, input)
    H.check_tensor("prelu", "weight", 2, weight)
    x, w = input._data, weight._data
    if x.dtype != w.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {H.scalar_name(x)} and "
                           f"{H.scalar_name(w)}")
    w_view = _prelu_weight_view(x, w)
    H.check_floating("prelu_cpu", x)
    w_b = w.reshape(w_view)
    out = wrap(np.where(x > 0, x, x * w_b))
    if needs_grad(input, weight):
        node = PreluKernelBackward0()
        node.need_x, node.need_w = needs_grad(input), needs_grad(weight)
        node.w_view, node.w_shape = w_view, w.shape
        _record(node, (input, weight), out, input, weight)
    return out


# -- rrelu ---------------------------------------------------------------------------------

class RreluWithNoiseBackward0(Node):
    """Training: dx = g * noise (the slope drawn for each x <= 0, 1 elsewhere).
    Evaluation: leaky_relu's derivative with slope (lower + upper) / 2."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        if self.noise is not None:
            return (grad * _grad.const(self.noise, grad),)
        return (_grad.where(x > 0, grad, grad * self.slope),)


class RreluWithNoiseBackward1(RreluWithNoiseBackward0):
    """The in-place form: reads the result (same sign as the input when the slopes are
    >= 0; torch refuses a negative evaluation slope, as for leaky_relu_)."""

    def backward(self, grad):
        if self.noise is None and self.slope < 0:
            raise RuntimeError(LEAKY_INPLACE_NEGATIVE_SLOPE)
        return RreluWithNoiseBackward0.backward(self, grad)


def _rrelu(name, input, lower, upper, training, inplace):
    H.check_tensor(name, "input", 1, input)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if inplace:
        inplace_ops.check_inplace(input)
    x = input._data
    H.check_floating("leaky_relu_cpu", x)
    noise = None
    if training:
        slopes = H.generator().uniform(lower, upper, size=x.shape).astype(x.dtype)
        noise = np.where(x <= 0, slopes, x.dtype.type(1))
        out = wrap(x * noise)
    else:
        slope = (lower + upper) / 2
        out = wrap(np.where(x > 0, x, x * x.dtype.type(slope)))
    if needs_grad(input):
        node = RreluWithNoiseBackward1() if inplace else RreluWithNoiseBackward0()
        node.noise, node.slope = noise, (lower + upper) / 2
        _record(node, (input,), out, wrap(x.copy()) if inplace else input)
    return _finish(input, out, inplace)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: x if x >= 0 else a * x, with a ~ U(lower, upper) drawn per
    element in training, and a = (lower + upper) / 2 otherwise.

    Args:
        input (Tensor): any shape, floating point.
        lower (float): lower bound of the slope. Default: 1/8.
        upper (float): upper bound of the slope. Default: 1/3.
        training (bool): draw random slopes. Default: False.
        inplace (bool): write the result into ``input``. Default: False.

    The slopes come from nnx's global generator (``nnx.manual_seed`` repeats them).
    """
    return _rrelu("rrelu", input, lower, upper, training, inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place :func:`rrelu`."""
    return _rrelu("rrelu_", input, lower, upper, training, True)
