"""var, std and the vector norm, each beside its backward.  Backward formulas use
``nnx._ops._grad`` so that they also work on Tensors under ``create_graph``.
"""

import builtins
import warnings

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, needs_grad, wrap
from nnx._ops import _grad
from nnx._ops._reduce_base import (
    _acc,
    _cast_back,
    _const,
    _count,
    _dims,
    _is_float,
    _record,
    _restore,
    _torch_name,
)
from nnx._ops._sums import mean

# -- var, std --------------------------------------------------------------------------

def _centered(x, dims):
    """``x - mean(x, dims)`` on an array or a Tensor (keeping x's graph)."""
    if _grad.is_tensor(x):
        return x - mean(x, dims, keepdim=True) if dims else x - x
    return x - x.mean(axis=dims, keepdims=True) if dims else x - x


def _ratio(a, b):
    """a / b as C++ would compute it: dividing by 0 gives inf or nan, not an exception."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(a) / np.float64(b))


class VarBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        g = _restore(grad, self.dims, len(self.input_shape), self.keepdim)
        return (g * _centered(x, self.dims) * _ratio(2.0, self.dof),)


class StdBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        ndim = len(self.input_shape)
        g = _restore(grad, self.dims, ndim, self.keepdim)
        r = _restore(result, self.dims, ndim, self.keepdim)
        zero = _grad.data(r) == 0
        # grad / std, with std == 0 giving 0 (and a finite second derivative)
        scale = g / (r + _const(zero, r)) * _const(~zero, g)
        return (scale * _centered(x, self.dims) * _ratio(1.0, self.dof),)


def _moment(input, dim, unbiased, keepdim, correction, name):
    if isinstance(dim, bool):                   # var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{name}(): cannot specify both unbiased and correction")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    x = input._data
    if not _is_float(x.dtype):
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = _dims(dim, x.ndim)
    n = _count(x.shape, dims)
    dof = n - correction
    if dof <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    xa = x.astype(_acc(x.dtype), copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        centered = xa - np.sum(xa, axis=dims, keepdims=True) / np.float64(n).astype(xa.dtype)
        res = np.sum(centered * centered, axis=dims, keepdims=keepdim)
        res = res / np.asarray(builtins.max(0, dof), dtype=xa.dtype)
        if name == "std":
            res = np.sqrt(res)
    out = wrap(np.asarray(res).astype(x.dtype, copy=False))
    if needs_grad(input):
        node = _record(VarBackward0() if name == "var" else StdBackward0(), input, out,
                       dims=dims, keepdim=keepdim, dof=dof, input_shape=x.shape)
        if name == "var":
            node.save_for_backward(input)
        else:
            node.save_for_backward(input, out)
    return out


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` with ``correction`` (1: Bessel's); ``unbiased`` is the old flag."""
    return _moment(input, dim, unbiased, keepdim, correction, "var")


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over ``dim``: ``sqrt(var(input, dim, correction=...))``."""
    return _moment(input, dim, unbiased, keepdim, correction, "std")


# -- norm ------------------------------------------------------------------------------

class LinalgVectorNormBackward0(Node):
    """torch's norm_backward, with zero norms giving zero (not nan) gradients."""

    def backward(self, grad):
        return (_cast_back(self._grad(grad), self.input_dtype),)

    def _grad(self, grad):
        x, norm_ = self.saved_tensors
        p, ndim = self.p, len(self.input_shape)
        g = _restore(grad, self.dims, ndim, self.keepdim)
        n = _restore(norm_, self.dims, ndim, self.keepdim)
        if p == 0:
            return _grad.zeros(self.input_shape, g)
        if p == 1:
            return g * _grad.math("sign", x)
        n_safe = n + _const(_grad.data(n) == 0, n)           # 1 where the norm is 0
        if p == 2:
            return g * x / n_safe                              # x is 0 where the norm is
        if np.isinf(p):
            ax = np.abs(_grad.data(x))
            mask = (ax == _grad.data(n)) | np.isnan(ax)
            share = mask / mask.sum(axis=self.dims, keepdims=True)
            return g * _grad.math("sign", x) * _const(share, g)
        ax = abs(x)
        if p < 1:
            ax_safe = ax + _const(_grad.data(ax) == 0, ax)     # sign(x) zeroes those anyway
            return _grad.math("sign", x) * ax_safe ** (p - 1) * g * n ** (1 - p)
        live = _const(_grad.data(n) != 0, g)
        if p < 2:
            return _grad.math("sign", x) * ax ** (p - 1) * (g / n_safe ** (p - 1)) * live
        return x * ax ** (p - 2) * (g / n_safe ** (p - 1)) * live


def _vector_norm(x, p, dims, keepdim):
    a = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if p == np.inf or p == -np.inf:
            if a.size == 0:
                raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty "
                                   "tensor because the operation does not have an identity")
            return (np.amax if p > 0 else np.amin)(a, axis=dims, keepdims=keepdim)
        if p == 0:
            return np.sum(a != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
        if p == 1:
            return np.sum(a, axis=dims, keepdims=keepdim)
        if p == 2:
            return np.sqrt(np.sum(x * x, axis=dims, keepdims=keepdim))
        # exponents in the array's dtype: NumPy 1.x would raise a 0-d float32 sum to a
        # Python float in float64 (then round again); torch and NumPy 2 stay in float32
        power = a.dtype.type
        return np.sum(a ** power(p), axis=dims, keepdims=keepdim) ** power(1.0 / p)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over ``dim`` (all dims by default); 'fro' and None mean p=2."""
    if p is None or p == "fro":
        p = 2
    elif isinstance(p, str):
        raise RuntimeError(f"nnx.norm: the {p!r} norm is not supported (only vector norms)")
    p = float(p)
    x = input._data
    if dtype is not None:
        x = x.astype(_C.to_dtype(dtype).np_dtype, copy=False)
    if not _is_float(x.dtype):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_torch_name(x.dtype)}")
    dims = _dims(dim, x.ndim)
    res = _vector_norm(x.astype(_acc(x.dtype), copy=False), p, dims, keepdim)
    out = wrap(np.asarray(res).astype(x.dtype, copy=False))
    if needs_grad(input):
        node = _record(LinalgVectorNormBackward0(), input, out, p=p, dims=dims,
                       keepdim=keepdim, input_shape=x.shape, input_dtype=input._data.dtype)
        node.save_for_backward(input, out)
    return out
