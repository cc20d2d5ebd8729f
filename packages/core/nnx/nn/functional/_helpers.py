"""Shared plumbing of nnx.nn.functional: argument checks with torch's messages, the
array-or-Tensor math that backward formulas use, and the random source of dropout."""

import functools

import numpy as np

from nnx import _random
from nnx._C import _C
from nnx._ops import _grad
from nnx._ops._shape_base import wrap_dim  # noqa: F401  (H.wrap_dim)
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


def check_not_bool(kernel, arr):
    """torch's dispatch error for a kernel that takes every dtype but bool."""
    if arr.dtype == np.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def size_of(arr):
    """``nnx.Size`` of an array: what ``tensor.size()`` shows in torch's messages."""
    return Size(arr.shape)


def broadcast_shapes(*shapes):
    """The broadcast of ``shapes``, or torch's "size of tensor a ... must match" error."""
    a = tuple(shapes[0])
    for b in shapes[1:]:
        try:
            a = np.broadcast_shapes(a, tuple(b))
        except ValueError:
            raise RuntimeError(_C.broadcast_message(a, tuple(b))) from None
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


def sigmoid(x):
    """sigmoid of an array (the engine's kernel) or of a Tensor (recorded)."""
    return x.sigmoid() if _grad.is_tensor(x) else _C.unary_array("sigmoid", x)


def log_sigmoid_array(x):
    """log(sigmoid(x)) without overflow: min(x, 0) - log1p(exp(-|x|))."""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


# -- randomness ----------------------------------------------------------------------------

def generator():
    """The NumPy Generator behind nnx's global generator (reseeded by ``nnx.manual_seed``)."""
    return _random._generator()
