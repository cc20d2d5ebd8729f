"""Smooth activations: selu, celu, mish, softsign, logsigmoid, tanhshrink, glu.

selu and celu are ELUs with other constants (``elu_family`` in _activation.py); the
others record one node each with the derivative in closed form (operators and
nnx._ops._grad helpers, so it also runs under create_graph).
"""

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad, join
from nnx.nn.functional import _helpers as H
from nnx.nn.functional._activation import (
    EluBackward0,
    EluBackward1,
    _inplace,
    elu_family,
)

__all__ = ["selu", "selu_", "celu", "celu_", "mish", "softsign", "logsigmoid", "tanhshrink",
           "glu"]


def _record(node, input, out):
    attach(node, (input,), out)
    node.save_for_backward(input)
    return out


def _check_attribute(value, attribute):
    """softsign, tanhshrink and glu are plain Python in torch: a non-Tensor fails on the
    first Tensor method they call."""
    if not isinstance(value, _C.TensorBase):
        raise AttributeError(f"'{type(value).__name__}' object has no attribute '{attribute}'")


# -- selu, celu ----------------------------------------------------------------------------

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """SELU(x) = scale * (max(0, x) + min(0, alpha * (exp(x) - 1))), with
    alpha = 1.6732632423543772848170429916717 and scale = 1.0507009873554804934193349852946.

    Args:
        input (Tensor): any shape, floating point.
        inplace (bool): write the result into ``input``. Default: False.
    """
    return elu_family("selu", "elu_cpu", input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace,
                      (EluBackward0, EluBackward1))


def selu_(input):
    """In-place :func:`selu`."""
    return elu_family("selu_", "elu_cpu", input, _SELU_ALPHA, _SELU_SCALE, 1.0, True,
                      (EluBackward0, EluBackward1))


class CeluBackward0(EluBackward0):
    """ELU's derivative with input_scale = 1 / alpha."""


class CeluBackward1(EluBackward1):
    """The in-place form: reads the result."""


def _celu(name, input, alpha, inplace):
    H.check_tensor(name, "input", 1, input)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    # torch's forward divides by alpha as a double, its backward by alpha.toFloat()
    return elu_family(name, "elu_cpu", input, alpha, 1.0, 1.0 / alpha, inplace,
                      (CeluBackward0, CeluBackward1),
                      grad_input_scale=1.0 / float(np.float32(alpha)))


def celu(input, alpha=1.0, inplace=False):
    """CELU(x) = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).

    Args:
        input (Tensor): any shape, floating point.
        alpha (float): non-zero. Default: 1.0.
        inplace (bool): write the result into ``input``. Default: False.
    """
    return _celu("celu", input, alpha, inplace)


def celu_(input, alpha=1.0):
    """In-place :func:`celu`."""
    return _celu("celu_", input, alpha, True)


# -- mish ----------------------------------------------------------------------------------

class MishBackward0(Node):
    """d/dx x tanh(softplus(x)) = t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x))."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        with np.errstate(over="ignore"):
            t = _grad.math("tanh", _grad.math("log1p", _grad.math("exp", x)))
        return (grad * (t + x * H.sigmoid(x) * (1 - t * t)),)


def mish(input, inplace=False):
    """Mish(x) = x * tanh(softplus(x)).

    Args:
        input (Tensor): any shape, floating point.
        inplace (bool): write the result into ``input``. Default: False.
    """
    H.check_tensor("mish", "input", 1, input)
    if inplace:
        return _inplace(mish, input)
    x = input._data
    H.check_floating("mish_cpu", x)
    with np.errstate(over="ignore"):      # exp overflows to inf: tanh(inf) = 1, as in torch
        out = wrap(np.asarray(x * np.tanh(np.log1p(np.exp(x))), dtype=x.dtype))
    if needs_grad(input):
        _record(MishBackward0(), input, out)
    return out


# -- softsign, tanhshrink (torch composes them from Tensor ops) -----------------------------

def _float_of(x):
    """torch's true division / tanh: integers become the default float dtype."""
    if x.dtype.kind == "f":
        return x
    return x.astype(_C.get_default_dtype().np_dtype)


class DivBackward0(Node):
    """d/dx x / (1 + |x|) = 1 / (1 + |x|)^2."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        d = _grad.math("abs", x) + 1
        return (grad / (d * d),)


def softsign(input):
    """Softsign(x) = x / (1 + |x|).

    Example::

        >>> F.softsign(nnx.tensor([-1.0, 3.0]))
        tensor([-0.5000,  0.7500])
    """
    _check_attribute(input, "abs")
    H.check_not_bool("abs_cpu", input._data)      # torch's input.abs() comes first
    x = _float_of(input._data)
    out = wrap(x / (np.abs(x) + x.dtype.type(1)))
    if needs_grad(input):
        _record(DivBackward0(), input, out)
    return out


class SubBackward0(Node):
    """d/dx (x - tanh(x)) = tanh(x)^2."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        t = _grad.math("tanh", x)
        return (grad * (t * t),)


def tanhshrink(input):
    """Tanhshrink(x) = x - tanh(x)."""
    _check_attribute(input, "tanh")
    if input._data.dtype == np.bool_:       # torch computes input - input.tanh()
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    x = _float_of(input._data)
    out = wrap(x - np.tanh(x))
    if needs_grad(input):
        _record(SubBackward0(), input, out)
    return out


# -- logsigmoid ----------------------------------------------------------------------------

class LogSigmoidBackward0(Node):
    """d/dx log(sigmoid(x)) = 1 - sigmoid(x) = sigmoid(-x)."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * H.sigmoid(-x),)


def logsigmoid(input):
    """LogSigmoid(x) = log(1 / (1 + exp(-x))), computed without overflow."""
    H.check_tensor("log_sigmoid", "input", 1, input)
    x = input._data
    H.check_floating("log_sigmoid_cpu", x)
    out = wrap(np.asarray(H.log_sigmoid_array(x), dtype=x.dtype))
    if needs_grad(input):
        _record(LogSigmoidBackward0(), input, out)
    return out


# -- glu -----------------------------------------------------------------------------------

class GluBackward0(Node):
    """With a, b the halves and s = sigmoid(b): da = g s, db = g a s (1 - s)."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        a, b = x[self.first], x[self.second]
        s = H.sigmoid(b)
        ga = grad * s
        gb = grad * a * s * (1 - s)
        if _grad.is_tensor(grad):
            return (join.cat([ga, gb], self.axis),)
        return (np.concatenate([ga, gb], axis=self.axis),)


def glu(input, dim=-1):
    """GLU(a, b) = a * sigmoid(b), where a and b are the two halves of ``input`` along
    ``dim``.

    Args:
        input (Tensor): any shape whose size along ``dim`` is even.
        dim (int): the dimension to split. Default: -1.
    """
    _check_attribute(input, "dim")
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = H.wrap_dim(dim, x.ndim)
    H.check_floating("glu_cpu", x)
    size = x.shape[axis]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {size}")
    half = size // 2
    first = (slice(None),) * axis + (slice(0, half),)
    second = (slice(None),) * axis + (slice(half, size),)
    out = wrap(np.asarray(x[first] * H.sigmoid(x[second]), dtype=x.dtype))
    if needs_grad(input):
        node = GluBackward0()
        node.axis, node.first, node.second = axis, first, second
        _record(node, input, out)
    return out
