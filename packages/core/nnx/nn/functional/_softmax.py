"""softmax and log_softmax along one dimension: NumPy kernels and their backward.

The kernels are shared with cross_entropy (nnx/nn/functional/_nll.py).
"""

import warnings

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, TensorBase, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx.nn.functional import _helpers as H

__all__ = ["softmax", "log_softmax", "softmin"]


def _compute_dtype(dtype):
    """Half is accumulated in float32, as torch's CPU kernels do."""
    return np.float32 if dtype == np.float16 else dtype


# ufunc.reduce itself: ndarray.max / .sum add a Python layer (1 us each on 4 x 8)
_max = np.maximum.reduce
_sum = np.add.reduce


def softmax_array(x, axis):
    """exp(x - max) / sum: stable; a row of -inf gives nan, as in torch."""
    if x.ndim == 0:
        return np.ones_like(x)
    if x.size == 0:
        return np.empty_like(x)
    xc = x.astype(_compute_dtype(x.dtype), copy=False)
    return _softmax_kernel(xc, axis).astype(x.dtype, copy=False)


def log_softmax_array(x, axis):
    """(x - max) - log(sum(exp(x - max))): torch's order, exact for large |x|."""
    if x.ndim == 0:
        return np.zeros_like(x)
    if x.size == 0:
        return np.empty_like(x)
    xc = x.astype(_compute_dtype(x.dtype), copy=False)
    return _log_softmax_kernel(xc, axis).astype(x.dtype, copy=False)


# The kernels: a float32 or float64 x of at least one dimension and one element.  Rows
# holding inf, or spanning more than the dtype's range, give nan / inf without a warning.

@H.ignoring_fp_errors(invalid="ignore", over="ignore")
def _softmax_kernel(x, axis):
    e = np.subtract(x, _max(x, axis, keepdims=True))
    np.exp(e, out=e)
    e /= _sum(e, axis, keepdims=True)
    return e


@H.ignoring_fp_errors(invalid="ignore", over="ignore", divide="ignore")
def _log_softmax_kernel(x, axis):
    shifted = x - _max(x, axis, keepdims=True)
    shifted -= np.log(_sum(np.exp(shifted), axis, keepdims=True))
    return shifted


class SoftmaxBackward0(Node):
    """dx = y * (g - sum(g * y)) along the softmax dimension; reads the output y."""

    def backward(self, grad):
        (y,) = self.saved_tensors
        if self.ndim == 0:
            gx = grad * 0
        else:
            gx = y * (grad - _grad.reduce_sum(grad * y, (self.dim,), keepdim=True))
        return (_grad.cast(gx, self.input_dtype) if self.input_dtype else gx,)


class LogSoftmaxBackward0(Node):
    """dx = g - exp(y) * sum(g) along the dimension; reads the output y."""

    def backward(self, grad):
        (y,) = self.saved_tensors
        if self.ndim == 0:
            gx = grad * 0
        elif _grad.is_tensor(grad):
            gx = grad - _grad.math("exp", y) * _grad.reduce_sum(grad, (self.dim,), keepdim=True)
        else:                               # in place: 4096 x 1000 float32, 6.8 -> 5.4 ms
            gx = np.exp(y)
            gx *= grad.sum(axis=self.dim, keepdims=True)
            np.subtract(grad, gx, out=gx)
        return (_grad.cast(gx, self.input_dtype) if self.input_dtype else gx,)


def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_like(name, kernel, node_type, input, dim, stacklevel, dtype):
    H.check_tensor(name, "input", 1, input)
    x = input._data
    if dim is None:
        dim = _get_softmax_dim(name, x.ndim, stacklevel + 1)
    axis = H.wrap_dim(dim, x.ndim)
    cast_from = None
    if dtype is not None:
        np_dtype = _C.to_dtype(dtype).np_dtype
        if np_dtype != x.dtype:
            cast_from = x.dtype
            x = x.astype(np_dtype)
    if x.dtype.kind != "f":
        last = "lastdim_" if axis == max(x.ndim, 1) - 1 else ""
        H.check_floating(f"{name}_{last}kernel_impl", x)
    return _record(node_type, input, wrap(kernel(x, axis)), axis, x.ndim, cast_from)


def _fast_axis(input, dim, dtype):
    """The axis when the call is the common one: a float32 / float64 tensor of at least one
    element and dimension, an int ``dim`` in range, no ``dtype``; else None.  Such calls
    skip _softmax_like's checks and go straight to the kernel.  bench_ops.py, softmax on
    4 x 8: 3.3 -> 2.6-2.9 x torch (8.1 -> 6.7 us), of which the kernel's NumPy calls take
    4.4 us: 1.7 x torch's whole call."""
    if dtype is not None or type(dim) is not int or not isinstance(input, TensorBase):
        return None
    x = input._data
    n = x.ndim
    if x.dtype.char not in "fd" or not x.size or not -n <= dim < n:   # 0-d: never in range
        return None
    return dim + n if dim < 0 else dim


def _record(node_type, input, out, axis, ndim, cast_from):
    if needs_grad(input):
        node = node_type()
        node.dim = axis
        node.ndim = ndim
        node.input_dtype = cast_from
        attach(node, (input,), out)
        node.save_for_backward(out)
    return out


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax(x_i) = exp(x_i) / sum_j exp(x_j) along ``dim`` (computed from x - max).

    Args:
        input (Tensor): any shape, floating point.
        dim (int): the dimension that sums to 1; None picks torch's legacy choice (0 for
            0-, 1- and 3-d input, else 1) with a deprecation warning.
        dtype (nnx.dtype, optional): cast the input to this dtype first.

    Example::

        >>> F.softmax(nnx.tensor([[1.0, 1.0]]), dim=1)
        tensor([[0.5000, 0.5000]])
    """
    axis = _fast_axis(input, dim, dtype)
    if axis is None:
        return _softmax_like("softmax", softmax_array, SoftmaxBackward0, input, dim,
                             _stacklevel, dtype)
    x = input._data
    return _record(SoftmaxBackward0, input, wrap(_softmax_kernel(x, axis)), axis, x.ndim, None)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, as (x - max) - log(sum(exp(x - max))).

    Args: as :func:`softmax`.
    """
    axis = _fast_axis(input, dim, dtype)
    if axis is None:
        return _softmax_like("log_softmax", log_softmax_array, LogSoftmaxBackward0, input, dim,
                             _stacklevel, dtype)
    x = input._data
    return _record(LogSoftmaxBackward0, input, wrap(_log_softmax_kernel(x, axis)), axis, x.ndim,
                   None)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """Softmin(x_i) = exp(-x_i) / sum_j exp(-x_j) along ``dim``: softmax of ``-input``.

    Args: as :func:`softmax` (None for ``dim`` warns and picks torch's legacy choice).

    Example::

        >>> F.softmin(nnx.tensor([0.0, 1.0]), dim=0)
        tensor([0.7311, 0.2689])
    """
    if not isinstance(input, TensorBase):      # torch composes it from Tensor methods
        missing = "dim" if dim is None else "softmax"
        raise AttributeError(f"'{type(input).__name__}' object has no attribute '{missing}'")
    if dim is None:
        dim = _get_softmax_dim("softmin", input._data.ndim, _stacklevel)
    return softmax(-input, dim, dtype=dtype)
