"""Reductions (sum, mean, max/min, var/std, norm, prod, logsumexp, all/any) and cumsum,
each beside its backward.

Dims follow torch: ``dim`` is None (all dims), an int or a tuple; negative dims count
from the end; a 0-d tensor accepts dim 0 and -1.  Integer and bool inputs sum to
int64; float16 accumulates in float32.  Backward formulas use ``nnx._ops._grad`` so
that they also work on Tensors under ``create_graph``.
"""

import builtins
import operator
import warnings

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx._ops.shape import wrap_dim, wrap_dims

_TORCH_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


# -- helpers ----------------------------------------------------------------------------

def _dims(dim, ndim):
    """Reduced dims as a sorted tuple: None or () mean all; a 0-d tensor reduces none."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        dims = wrap_dims(dim, ndim) if len(dim) else tuple(range(ndim))
    else:
        dims = (wrap_dim(dim, ndim),)
    return tuple(sorted(d for d in dims if d < ndim))


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _torch_name(np_dtype):
    return _TORCH_NAMES[np.dtype(np_dtype).name]


def _is_float(np_dtype):
    return np.dtype(np_dtype).kind == "f"


def _acc(np_dtype):
    """The dtype to accumulate in: float16 sums lose too much, as torch knows."""
    return np.dtype(np.float32) if np_dtype == np.float16 else np_dtype


def _sum_dtype(np_dtype, dtype):
    """Output dtype of sum/prod/cumsum: ``dtype`` if given, int64 for integers and bool."""
    if dtype is not None:
        return _C.to_dtype(dtype).np_dtype
    return np_dtype if _is_float(np_dtype) else np.dtype(np.int64)


def _restore(g, dims, ndim, keepdim):
    """The gradient of a reduced output with its reduced dims back as size 1."""
    return g if keepdim else _grad.unsqueeze_dims(g, dims, ndim)


def _record(node, input, out, **attrs):
    node.__dict__.update(attrs)
    attach(node, (input,), out)
    return node


def _cast_back(g, np_dtype):
    """A gradient in the input's dtype (ops with ``dtype=`` compute in another)."""
    return g if _grad.data(g).dtype == np_dtype else _grad.cast(g, np_dtype)


def _const(array, like):
    return _grad.const(np.asarray(array, dtype=_grad.data(like).dtype), like)


# -- sum, mean -------------------------------------------------------------------------

class SumBackward0(Node):
    def backward(self, grad):
        g = _restore(grad, self.dims, len(self.input_shape), self.keepdim)
        return (_cast_back(_grad.expand_to(g, self.input_shape), self.input_dtype),)


class SumBackward1(SumBackward0):
    pass


def sum(input, dim=None, keepdim=False, *, dtype=None):
    x = input._data
    dims = _dims(dim, x.ndim)
    out_dtype = _sum_dtype(x.dtype, dtype)
    res = np.sum(x, axis=dims, dtype=_acc(out_dtype), keepdims=keepdim)
    out = wrap(np.asarray(res).astype(out_dtype, copy=False))
    if needs_grad(input):
        node = SumBackward0() if dim is None else SumBackward1()
        _record(node, input, out, dims=dims, keepdim=keepdim, input_shape=x.shape,
                input_dtype=x.dtype)
    return out


class MeanBackward0(Node):
    def backward(self, grad):
        g = _restore(grad, self.dims, len(self.input_shape), self.keepdim)
        g = _grad.expand_to(g, self.input_shape)
        if self.count:
            g = g * (1.0 / self.count)
        return (_cast_back(g, self.input_dtype),)


class MeanBackward1(MeanBackward0):
    pass


def mean(input, dim=None, keepdim=False, *, dtype=None):
    x = input._data
    out_dtype = _C.to_dtype(dtype).np_dtype if dtype is not None else x.dtype
    if not _is_float(out_dtype):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_torch_name(out_dtype)}")
    dims = _dims(dim, x.ndim)
    count = _count(x.shape, dims)
    total = np.sum(x, axis=dims, dtype=_acc(out_dtype), keepdims=keepdim)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.asarray(total / np.array(count, dtype=total.dtype))
    out = wrap(res.astype(out_dtype, copy=False))
    if needs_grad(input):
        node = MeanBackward0() if dim is None else MeanBackward1()
        _record(node, input, out, dims=dims, keepdim=keepdim, input_shape=x.shape,
                input_dtype=x.dtype, count=count)
    return out


# -- max, min, amax, amin, argmax, argmin -------------------------------------------------

class _ValuesIndices(tuple):
    """torch.return_types.*: a (values, indices) pair that unpacks, indexes and names its fields."""

    __slots__ = ()
    _fields = ("values", "indices")
    n_fields = n_sequence_fields = 2
    n_unnamed_fields = 0

    def __new__(cls, sequence):
        sequence = tuple(sequence)
        if len(sequence) != 2:
            raise TypeError(f"nnx.return_types.{cls.__name__} takes a 2-sequence "
                            f"({len(sequence)}-sequence given)")
        return tuple.__new__(cls, sequence)

    values = property(operator.itemgetter(0))
    indices = property(operator.itemgetter(1))

    def __repr__(self):
        return (f"nnx.return_types.{type(self).__name__}(\nvalues={self[0]!r},\n"
                f"indices={self[1]!r})")

    def __reduce__(self):
        return (type(self), (tuple(self),))


class return_types:
    """The named result tuples of ``max(dim)`` and ``min(dim)`` (torch.return_types)."""

    class max(_ValuesIndices):
        __slots__ = ()

    class min(_ValuesIndices):
        __slots__ = ()


class MaxBackward1(Node):
    """max() of all elements: the gradient is shared evenly among the tied maxima."""

    def backward(self, grad):
        x, result = (_grad.data(t) for t in self.saved_tensors)
        mask = np.isnan(x) if np.isnan(result).any() else (x == result)
        return (grad * _const(mask / mask.sum(), grad),)


class MinBackward1(MaxBackward1):
    pass


class MaxBackward0(Node):
    """max(dim): the gradient goes to the element whose index was returned."""

    def backward(self, grad):
        (indices,) = self.saved_tensors
        indices = _grad.data(indices)
        shape, d = self.input_shape, self.dim
        if not shape:
            return (grad,)
        if not self.keepdim:
            grad = _grad.unsqueeze_dims(grad, (d,), len(shape))
            indices = np.expand_dims(indices, d)
        positions = np.arange(shape[d]).reshape((-1,) + (1,) * (len(shape) - d - 1))
        return (grad * _const(positions == indices, grad),)


class MinBackward0(MaxBackward0):
    pass


def _empty_full_reduction(name):
    return RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                        "Specify the reduction dim with the 'dim' argument.")


def _check_nonempty(name, shape, dims):
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _extreme(input, dim, keepdim, other, name):
    """max/min: of all elements, along ``dim`` with indices, or elementwise with ``other``."""
    if other is not None or isinstance(dim, _C.TensorBase):
        from nnx._ops import pointwise
        fn = pointwise.maximum if name == "max" else pointwise.minimum
        return fn(input, dim if other is None else other)
    x = input._data
    is_max = name == "max"
    if dim is None:
        if x.size == 0:
            raise _empty_full_reduction(name)
        out = wrap(np.asarray(np.max(x) if is_max else np.min(x)))
        if needs_grad(input):
            node = _record(MaxBackward1() if is_max else MinBackward1(), input, out)
            node.save_for_backward(input, out)
        return out
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        values, indices = x.copy(), np.zeros((), dtype=np.int64)
    else:
        _check_nonempty(name, x.shape, (d,))
        indices = (np.argmax if is_max else np.argmin)(x, axis=d, keepdims=True)
        values = np.take_along_axis(x, indices, axis=d)
        if not keepdim:
            values, indices = np.squeeze(values, d), np.squeeze(indices, d)
    values, indices = wrap(values), wrap(indices.astype(np.int64, copy=False))
    if needs_grad(input):
        node = _record(MaxBackward0() if is_max else MinBackward0(), input, values,
                       dim=d, keepdim=keepdim, input_shape=x.shape)
        node.save_for_backward(indices)
    return (return_types.max if is_max else return_types.min)((values, indices))


def max(input, dim=None, keepdim=False, *, other=None):
    """max of all elements; ``max(dim)`` -> (values, indices); ``max(other)`` = maximum."""
    return _extreme(input, dim, keepdim, other, "max")


def min(input, dim=None, keepdim=False, *, other=None):
    """min of all elements; ``min(dim)`` -> (values, indices); ``min(other)`` = minimum."""
    return _extreme(input, dim, keepdim, other, "min")


class AmaxBackward0(Node):
    """amax/amin: the gradient is shared evenly among the tied extremes of each slice."""

    def backward(self, grad):
        x, result = (_grad.data(t) for t in self.saved_tensors)
        ndim = x.ndim
        g = _restore(grad, self.dims, ndim, self.keepdim)
        mask = x == _restore(result, self.dims, ndim, self.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = mask / mask.sum(axis=self.dims, keepdims=True)
        return (g * _const(share, grad),)


class AminBackward0(AmaxBackward0):
    pass


def _amax(input, dim, keepdim, name):
    x = input._data
    dims = _dims(dim, x.ndim)
    if x.size == 0 and (dim is None or not _as_tuple(dim)):
        raise _empty_full_reduction(name)
    _check_nonempty(name, x.shape, dims)
    fn = np.amax if name == "amax" else np.amin
    out = wrap(np.asarray(fn(x, axis=dims, keepdims=keepdim)))
    if needs_grad(input):
        node = _record(AmaxBackward0() if name == "amax" else AminBackward0(), input, out,
                       dims=dims, keepdim=keepdim)
        node.save_for_backward(input, out)
    return out


def _as_tuple(dim):
    return tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)


def amax(input, dim=(), keepdim=False):
    return _amax(input, dim, keepdim, "amax")


def amin(input, dim=(), keepdim=False):
    return _amax(input, dim, keepdim, "amin")


def _arg(input, dim, keepdim, name):
    x = input._data
    fn = np.argmax if name == "argmax" else np.argmin
    if dim is None:
        if x.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0.")
        res = np.asarray(fn(x), dtype=np.int64)
        return wrap(res.reshape((1,) * x.ndim) if keepdim else res)
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return wrap(np.zeros((), dtype=np.int64))
    _check_nonempty(name, x.shape, (d,))
    return wrap(np.asarray(fn(x, axis=d, keepdims=keepdim), dtype=np.int64))


def argmax(input, dim=None, keepdim=False):
    """Index of the (first) largest element, of all (flattened) or along ``dim``."""
    return _arg(input, dim, keepdim, "argmax")


def argmin(input, dim=None, keepdim=False):
    """Index of the (first) smallest element, of all (flattened) or along ``dim``."""
    return _arg(input, dim, keepdim, "argmin")


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
        return np.sum(a ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)


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


# -- prod ------------------------------------------------------------------------------

class ProdBackward0(Node):
    """d prod / d x_i = product of the other elements, computed safely when some are 0."""

    def backward(self, grad):
        x, result = self.saved_tensors
        shape = self.input_shape
        if not shape:
            return (_cast_back(grad, self.input_dtype),)
        dims = tuple(range(len(shape))) if self.dim is None else (self.dim,)
        keep = self.keepdim or self.dim is None
        g = _restore(grad, dims, len(shape), keep)
        if not (_grad.data(x) == 0).any():
            r = _restore(result, dims, len(shape), keep)
            gi = g * r / x
        else:
            gi = g * _prod_of_others(x, self.dim)
        return (_cast_back(gi, self.input_dtype),)


class ProdBackward1(ProdBackward0):
    pass


def _prod_of_others(x, dim):
    """For each element, the product of the others along ``dim`` (all elements if None)."""
    if _grad.is_tensor(x):
        # exact to any order of differentiation: mask each element out by a 1 (O(n^2))
        flat = x.reshape(-1) if dim is None else x.movedim(dim, -1)
        n = flat.shape[-1]
        rows = flat.unsqueeze(-2).expand(*flat.shape[:-1], n, n)
        eye = np.eye(n, dtype=bool)
        others = (rows * _const(~eye, rows) + _const(eye, rows)).prod(-1)
        return others.reshape(x.shape) if dim is None else others.movedim(-1, dim)
    zero = x == 0
    axis = None if dim is None else dim
    nonzero = np.where(zero, 1, x)
    p = nonzero.prod(axis=axis, keepdims=True)
    zeros = zero.sum(axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(zeros == 0, p / nonzero, np.where(zero & (zeros == 1), p, 0))


def prod(input, dim=None, keepdim=False, *, dtype=None):
    x = input._data
    out_dtype = _sum_dtype(x.dtype, dtype)
    dims = None if dim is None else wrap_dim(dim, x.ndim)
    axis = None if dims is None or x.ndim == 0 else dims
    res = np.prod(x, axis=axis, dtype=_acc(out_dtype), keepdims=keepdim and axis is not None)
    out = wrap(np.asarray(res).astype(out_dtype, copy=False))
    if needs_grad(input):
        node = _record(ProdBackward0() if dim is None else ProdBackward1(), input, out,
                       dim=axis, keepdim=keepdim, input_shape=x.shape, input_dtype=x.dtype)
        node.save_for_backward(input, out)
    return out


# -- logsumexp -------------------------------------------------------------------------

class LogsumexpBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        ndim = len(self.input_shape)
        g = _restore(grad, self.dims, ndim, self.keepdim)
        r = _restore(result, self.dims, ndim, self.keepdim)
        return (g * _grad.math("exp", x - r),)


def logsumexp(input, dim=None, keepdim=False):
    """``log(sum(exp(input), dim))``, computed without overflow."""
    x = input._data
    if not _is_float(x.dtype):
        x = x.astype(_C.get_default_dtype().np_dtype)
    dims = _dims(dim, x.ndim)
    xa = x.astype(_acc(x.dtype), copy=False)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if builtins.any(x.shape[d] == 0 for d in dims):
            res = np.log(np.sum(np.exp(xa), axis=dims, keepdims=keepdim))
        else:
            m = np.amax(xa, axis=dims, keepdims=True)
            m = np.where(np.isinf(m), 0, m)
            res = np.log(np.sum(np.exp(xa - m), axis=dims, keepdims=True)) + m
            if not keepdim:
                res = np.squeeze(res, axis=dims)
    out = wrap(np.asarray(res).astype(x.dtype, copy=False))
    if needs_grad(input):
        node = _record(LogsumexpBackward0(), input, out, dims=dims, keepdim=keepdim,
                       input_shape=x.shape)
        node.save_for_backward(input, out)
    return out


# -- all, any --------------------------------------------------------------------------

def _logical(input, dim, keepdim, fn):
    x = input._data
    res = np.asarray(fn(x, axis=_dims(dim, x.ndim), keepdims=keepdim))
    return wrap(res.astype(np.uint8) if x.dtype == np.uint8 else res)


def all(input, dim=None, keepdim=False):
    """Whether all elements (along ``dim``) are nonzero: bool (uint8 for uint8 input)."""
    return _logical(input, dim, keepdim, np.all)


def any(input, dim=None, keepdim=False):
    """Whether any element (along ``dim``) is nonzero: bool (uint8 for uint8 input)."""
    return _logical(input, dim, keepdim, np.any)


# -- cumsum ----------------------------------------------------------------------------

class CumsumBackward0(Node):
    def backward(self, grad):
        d = self.dim
        if not self.input_shape:
            g = grad
        elif _grad.is_tensor(grad):
            g = cumsum(grad.flip(d), d).flip(d)
        else:
            g = np.flip(np.cumsum(np.flip(grad, d), axis=d), d)
        return (_cast_back(g, self.input_dtype),)


def cumsum(input, dim, *, dtype=None):
    """Running sums along ``dim``."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    out_dtype = _sum_dtype(x.dtype, dtype)
    if x.ndim == 0:
        res = x.astype(out_dtype, copy=True)
    else:
        res = np.cumsum(x, axis=d, dtype=_acc(out_dtype)).astype(out_dtype, copy=False)
    out = wrap(res)
    if needs_grad(input):
        _record(CumsumBackward0(), input, out, dim=d, input_shape=x.shape, input_dtype=x.dtype)
    return out
