"""Pointwise activations: relu, leaky_relu, elu, gelu, silu, softplus, tanh, sigmoid.

Each forward runs in NumPy and records one node whose backward is the derivative in
closed form, written with operators and nnx._ops._grad helpers so that it also runs on
Tensors (create_graph).  In-place variants write the result into the input (torch's
``inplace=True``); their nodes save the result, not the overwritten input.
"""

import math

import numpy as np

from nnx._C._C import Node, attach, needs_grad, snapshot, wrap
from nnx._ops import _grad
from nnx._ops import inplace as inplace_ops
from nnx.nn.functional import _helpers as H

__all__ = ["relu", "relu_", "leaky_relu", "leaky_relu_", "elu", "elu_", "gelu", "silu", "softplus",
           "tanh", "sigmoid"]


def _inplace(fn, input, *args):
    """torch's ``inplace=True``: compute out of place (from a snapshot that keeps the
    input's place in the graph when the node must read the old value), then write the
    result into ``input``, which takes over the result's history."""
    inplace_ops.check_inplace(input)
    source = snapshot(input) if needs_grad(input) else input
    return inplace_ops.commit(input, fn(source, *args))


# -- relu ----------------------------------------------------------------------------------

def relu(input, inplace=False):
    """ReLU(x) = max(0, x), elementwise (the engine's op; ``inplace`` uses ``relu_``).

    Example::

        >>> F.relu(nnx.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    H.check_tensor("relu", "input", 1, input)
    _refuse_bool(input)
    return input.relu_() if inplace else input.relu()


def relu_(input):
    """In-place :func:`relu`."""
    H.check_tensor("relu_", "input", 1, input)
    _refuse_bool(input)
    return input.relu_()


def _refuse_bool(input):
    # torch's relu kernel refuses bool (Tensor.relu in the engine does not check it)
    if input._data.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")


# -- leaky_relu ---------------------------------------------------------------------------

class LeakyReluBackward0(Node):
    """d/dx: 1 where x > 0, else negative_slope; reads the input."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        return (_grad.where(x > 0, grad, grad * self.negative_slope),)


LEAKY_INPLACE_NEGATIVE_SLOPE = (
    "In-place leakyReLu backward calculation is triggered with a negative slope which is not "
    "supported. This is caused by calling in-place forward function with a negative slope, "
    "please call out-of-place version instead. File an issue at "
    "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
    "backward calculation with negative slope")


class LeakyReluBackward1(LeakyReluBackward0):
    """The in-place form: reads the result, whose sign is the input's when slope >= 0."""

    def backward(self, grad):
        if self.negative_slope < 0:
            raise RuntimeError(LEAKY_INPLACE_NEGATIVE_SLOPE)
        return LeakyReluBackward0.backward(self, grad)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """LeakyReLU(x) = x if x > 0 else negative_slope * x.

    Args:
        input (Tensor): any shape, floating point.
        negative_slope (float): slope for x <= 0. Default: 0.01.
        inplace (bool): write the result into ``input``. Default: False.
    """
    H.check_tensor("leaky_relu", "input", 1, input)
    if inplace:
        inplace_ops.check_inplace(input)
    x = input._data
    H.check_floating("leaky_relu_cpu", x)
    out = wrap(np.where(x > 0, x, x * x.dtype.type(negative_slope)))
    if needs_grad(input):
        node = LeakyReluBackward1() if inplace else LeakyReluBackward0()
        node.negative_slope = negative_slope
        attach(node, (input,), out)
        node.save_for_backward(out if inplace else input)
    return inplace_ops.commit(input, out) if inplace else out


def leaky_relu_(input, negative_slope=0.01):
    """In-place :func:`leaky_relu`."""
    H.check_tensor("leaky_relu_", "input", 1, input)
    return leaky_relu(input, negative_slope, inplace=True)


# -- elu -----------------------------------------------------------------------------------

class EluBackward0(Node):
    """d/dx: scale where x > 0, else alpha * scale * input_scale * exp(x * input_scale);
    reads the input.  (selu and celu are ELUs with other scales; celu's node subclasses.)"""

    scale = 1.0
    input_scale = 1.0

    def backward(self, grad):
        (x,) = self.saved_tensors
        neg = self.alpha * self.scale * self.input_scale
        with np.errstate(over="ignore", invalid="ignore"):   # exp(x) of the unused x > 0
            slope = _grad.math("exp", x * self.input_scale) * neg
            return (_grad.where(x <= 0, grad * slope, grad * self.scale),)


class EluBackward1(Node):
    """The in-place form: the slope for y <= 0 is input_scale * (y + alpha * scale)."""

    scale = 1.0
    input_scale = 1.0

    def backward(self, grad):
        if self.alpha < 0:
            raise RuntimeError(
                "In-place elu backward calculation is triggered with a negative slope which is not "
                "supported. This is caused by calling in-place forward function with a negative "
                "slope, please call out-of-place version instead.")
        (y,) = self.saved_tensors
        slope = (y + self.alpha * self.scale) * self.input_scale
        return (_grad.where(y <= 0, grad * slope, grad * self.scale),)


def elu_family(name, kernel, input, alpha, scale, input_scale, inplace, nodes,
               grad_input_scale=None):
    """ELU(x) = scale * x for x > 0, else scale * alpha * (exp(input_scale * x) - 1):
    elu, selu and celu differ only in the three constants and their node classes.
    ``grad_input_scale``: the input_scale the backward uses, where torch's differs."""
    H.check_tensor(name, "input", 1, input)
    if inplace:
        inplace_ops.check_inplace(input)
    x = input._data
    H.check_floating(kernel, x)
    t = x.dtype.type
    with np.errstate(over="ignore"):
        neg = np.expm1(x * t(input_scale)) * t(alpha * scale)
        out = wrap(np.asarray(np.where(x <= 0, neg, x * t(scale)), dtype=x.dtype))
    if needs_grad(input):
        node = nodes[1]() if inplace else nodes[0]()
        node.alpha, node.scale = alpha, scale
        node.input_scale = input_scale if grad_input_scale is None else grad_input_scale
        attach(node, (input,), out)
        node.save_for_backward(out if inplace else input)
    return inplace_ops.commit(input, out) if inplace else out


def elu(input, alpha=1.0, inplace=False):
    """ELU(x) = x if x > 0 else alpha * (exp(x) - 1).

    Args:
        input (Tensor): any shape, floating point.
        alpha (float): the value approached as x -> -inf is -alpha. Default: 1.0.
        inplace (bool): write the result into ``input``. Default: False.
    """
    return elu_family("elu", "elu_cpu", input, alpha, 1.0, 1.0, inplace,
                      (EluBackward0, EluBackward1))


def elu_(input, alpha=1.0):
    """In-place :func:`elu`."""
    return elu_family("elu_", "elu_cpu", input, alpha, 1.0, 1.0, True,
                      (EluBackward0, EluBackward1))


# -- gelu ----------------------------------------------------------------------------------

_SQRT1_2 = math.sqrt(0.5)
_PDF_SCALE = 1.0 / math.sqrt(2.0 * math.pi)        # M_2_SQRTPI * M_SQRT1_2 * 0.5
_TANH_BETA = math.sqrt(2.0 / math.pi)              # M_SQRT2 * M_2_SQRTPI * 0.5
_TANH_KAPPA = 0.044715


def _gelu_tanh_inner(x):
    return (x + x * x * x * _TANH_KAPPA) * _TANH_BETA


class GeluBackward0(Node):
    """'none': Phi(x) + x phi(x); 'tanh': the derivative of torch's tanh approximation."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        if self.approximate == "none":
            cdf = (H.erf(x * _SQRT1_2) + 1) * 0.5
            pdf = _grad.math("exp", x * x * -0.5) * _PDF_SCALE
            return (grad * (cdf + x * pdf),)
        t = _grad.math("tanh", _gelu_tanh_inner(x))
        left = (t + 1) * 0.5
        right = x * 0.5 * (1 - t * t) * _TANH_BETA * (x * x * (3 * _TANH_KAPPA) + 1)
        return (grad * (left + right),)


def gelu(input, *, approximate="none"):
    """GELU(x) = x * Phi(x), Phi the standard normal CDF (exact, through erf).

    Args:
        input (Tensor): any shape, floating point.
        approximate (str, keyword only): 'none' (default) or 'tanh', which uses
            0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).

    Example::

        >>> F.gelu(nnx.tensor([0.0, 1.0]))
        tensor([0.0000, 0.8413])
    """
    H.check_tensor("gelu", "input", 1, input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    x = input._data
    H.check_floating("GeluKernelImpl", x)
    if approximate == "none":
        out = x * 0.5 * (H.erf_array(x * x.dtype.type(_SQRT1_2)) + 1)
    else:
        out = x * 0.5 * (np.tanh(_gelu_tanh_inner(x)) + 1)
    out = wrap(np.asarray(out, dtype=x.dtype))
    if needs_grad(input):
        node = GeluBackward0()
        node.approximate = approximate
        attach(node, (input,), out)
        node.save_for_backward(input)
    return out


# -- silu ----------------------------------------------------------------------------------

class SiluBackward0(Node):
    """d/dx x sigmoid(x) = s (1 + x (1 - s))."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        s = H.sigmoid(x)
        return (grad * s * (x * (1 - s) + 1),)


def silu(input, inplace=False):
    """SiLU(x) = x * sigmoid(x) (swish).

    Args:
        input (Tensor): any shape, floating point.
        inplace (bool): write the result into ``input``. Default: False.
    """
    H.check_tensor("silu", "input", 1, input)
    if inplace:
        return _inplace(silu, input)
    x = input._data
    H.check_floating("silu_cpu", x)
    with np.errstate(over="ignore"):
        out = wrap(np.asarray(x / (1 + np.exp(-x)), dtype=x.dtype))
    if needs_grad(input):
        node = SiluBackward0()
        attach(node, (input,), out)
        node.save_for_backward(input)
    return out


# -- softplus ------------------------------------------------------------------------------

class SoftplusBackward0(Node):
    """d/dx: sigmoid(beta x), or 1 above the linear threshold."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        bx = x * self.beta
        return (_grad.where(bx > self.threshold, grad, grad * H.sigmoid(bx)),)


def softplus(input, beta=1.0, threshold=20.0):
    """Softplus(x) = log(1 + exp(beta x)) / beta; x itself where beta x > threshold.

    Args:
        input (Tensor): any shape, floating point.
        beta (float): sharpness. Default: 1.
        threshold (float): above it (in beta x) the function is linear. Default: 20.
    """
    H.check_tensor("softplus", "input", 1, input)
    x = input._data
    H.check_floating("softplus_cpu", x)
    bx = x * x.dtype.type(beta)
    with np.errstate(over="ignore"):    # torch's formula: inf past overflow, if threshold allows
        soft = np.log1p(np.exp(bx))
    soft /= x.dtype.type(beta)
    out = np.where(bx > threshold, x, soft)
    out = wrap(np.asarray(out, dtype=x.dtype))
    if needs_grad(input):
        node = SoftplusBackward0()
        node.beta = beta
        node.threshold = threshold
        attach(node, (input,), out)
        node.save_for_backward(input)
    return out


# -- tanh, sigmoid (the engine's) ----------------------------------------------------------

def tanh(input):
    """Elementwise hyperbolic tangent."""
    H.check_tensor("tanh", "input", 1, input)
    return input.tanh()


def sigmoid(input):
    """Elementwise logistic sigmoid 1 / (1 + exp(-x))."""
    H.check_tensor("sigmoid", "input", 1, input)
    return input.sigmoid()
