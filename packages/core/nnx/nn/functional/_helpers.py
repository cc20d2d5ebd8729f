"""Shared plumbing of nnx.nn.functional: argument checks with torch's messages, the
array-or-Tensor math that backward formulas use, and the random source of dropout."""

import functools

import numpy as np

from nnx import _random
from nnx._C import _C
from nnx._ops import _grad
from nnx._size_device import Size

# torch's ScalarType names, used in its dispatch messages ("... not implemented for 'Long'")
_SCALAR_NAMES = {
    "float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
    "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
}


def scalar_name(arr):
    return _SCALAR_NAMES[arr.dtype.name]


def check_tensor(fname, argname, position, value):
    if not isinstance(value, _C.TensorBase):
        raise TypeError(f"{fname}(): argument '{argname}' (position {position}) must be Tensor, "
                        f"not {type(value).__name__}")


def check_floating(kernel, arr):
    """torch's dispatch error for a floating-only kernel given an integer or bool tensor."""
    if arr.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_name(arr)}'")


def wrap_dim(dim, ndim):
    """``dim`` as a non-negative axis of an ``ndim``-d tensor (a 0-d tensor has one slot)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def size_of(arr):
    """``nnx.Size`` of an array: what ``tensor.size()`` shows in torch's messages."""
    return Size(arr.shape)


def broadcast_shapes(*shapes):
    """The broadcast of ``shapes``, or torch's "size of tensor a ... must match" error."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        pass
    a = tuple(shapes[0])
    for b in shapes[1:]:
        b = tuple(b)
        n = max(len(a), len(b))
        for i in range(n - 1, -1, -1):
            x = a[i - n + len(a)] if i - n + len(a) >= 0 else 1
            y = b[i - n + len(b)] if i - n + len(b) >= 0 else 1
            if x != y and x != 1 and y != 1:
                raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                                   f"({y}) at non-singleton dimension {i}")
        a = np.broadcast_shapes(a, b)
    return a


def result_float_dtype(*arrays):
    """torch's result type of floating ops over these arrays: a float operand wins over
    integer ones; among floats the widest wins."""
    floats = [a.dtype for a in arrays if a.dtype.kind == "f"]
    if not floats:
        return None
    return np.result_type(*floats)


def forbid_grad(fname, argname, tensor):
    """torch refuses, at the call, an argument it cannot differentiate that requires grad."""
    if tensor is not None and _C.is_grad_enabled() and tensor.requires_grad:
        raise RuntimeError(f"The function '{fname}' is not differentiable with respect to "
                           f"argument '{argname}'. This input cannot have requires_grad True.")


_NUMPY_2 = int(np.__version__.split(".")[0]) >= 2


def ignoring_fp_errors(**errstate):
    """Decorator: the function runs under ``np.errstate(**errstate)``.

    NumPy 2's errstate decorates a function by setting its context variable directly:
    0.47 us a call against 0.97 us for a ``with`` block (timeit, NumPy 2.4).
    NumPy 1's shares one errstate object between calls, which is not re-entrant, so there
    each call enters a fresh one.
    """
    def decorate(fn):
        if _NUMPY_2:
            return np.errstate(**errstate)(fn)

        @functools.wraps(fn)
        def inner(*args):
            with np.errstate(**errstate):
                return fn(*args)
        return inner
    return decorate


# -- math on arrays and Tensors ----------------------------------------------------------

def erf_array(x):
    """The error function of an ndarray, in its dtype (the engine's libm loop)."""
    return _C.erf_array(x)


def erf(x):
    return x.erf() if _grad.is_tensor(x) else erf_array(x)


def exp(x):
    return _grad.math("exp", x)


def log(x):
    return _grad.math("log", x)


def sigmoid(x):
    if _grad.is_tensor(x):
        return x.sigmoid()
    # exp(-x) may overflow to inf, which gives the right 0; relative accuracy holds at both
    # ends (bench: 1M float32 in 4 ms against 20 ms for the logaddexp form)
    with np.errstate(over="ignore"):
        s = np.exp(-x)
        s += 1
        return np.reciprocal(s, out=s)


def log_sigmoid_array(x):
    """log(sigmoid(x)) without overflow: min(x, 0) - log1p(exp(-|x|))."""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def const(array, like):
    """A constant ndarray as what ``like`` is (a Tensor under create_graph)."""
    return _C.wrap(np.ascontiguousarray(array)) if _grad.is_tensor(like) else array


# -- randomness ----------------------------------------------------------------------------

def generator():
    """The NumPy Generator behind nnx's global generator (reseeded by ``nnx.manual_seed``)."""
    return _random._generator()
