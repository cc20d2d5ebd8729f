"""max, min, amax, amin, argmax and argmin, each beside its backward, and the named
(values, indices) results of ``max(dim)`` / ``min(dim)`` (``return_types``).
"""

import operator

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx._ops._reduce_base import _const, _dims, _record, _restore
from nnx._ops._shape_base import wrap_dim

_arange = np.arange
_tuple_new = tuple.__new__

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


def _values_indices(x, d, keepdim, is_max):
    """Arrays of max/min values along ``d`` and their (first) indices.  1-D and 2-D inputs
    skip ``np.take_along_axis``'s generic set-up (bench_ops x.max(1): 14.5 -> 3.3 us)."""
    nd = x.ndim
    if nd > 2 or x.size == 0:           # empty: keep the strides this way gives
        _check_nonempty("max" if is_max else "min", x.shape, (d,))
        indices = (np.argmax if is_max else np.argmin)(x, axis=d, keepdims=True)
        values = np.take_along_axis(x, indices, axis=d)
        if not keepdim:
            values, indices = np.squeeze(values, d), np.squeeze(indices, d)
        return values, indices
    indices = x.argmax(d) if is_max else x.argmin(d)
    if nd == 1:
        values = np.asarray(x.take(indices))
    elif d == 1:
        values = x[_arange(x.shape[0]), indices]
    else:
        values = x[indices, _arange(x.shape[1])]
    if keepdim:
        values, indices = np.expand_dims(values, d), np.expand_dims(indices, d)
    return values, indices


def _extreme_dim(input, d, keepdim, is_max):
    """max(dim) / min(dim) of an input with at least one dim, ``d`` already wrapped."""
    x = input._data
    values, indices = _values_indices(x, d, keepdim, is_max)
    values, indices = wrap(values), wrap(indices.astype(np.int64, copy=False))
    if needs_grad(input):
        node = MaxBackward0() if is_max else MinBackward0()
        node.dim, node.keepdim, node.input_shape = d, keepdim, x.shape
        attach(node, (input,), values)
        node.save_for_backward(indices)
    return _tuple_new(return_types.max if is_max else return_types.min, (values, indices))


def _extreme(input, dim, keepdim, other, name):
    """max/min: of all elements, along ``dim`` with indices, or elementwise with ``other``."""
    if other is None and type(dim) is int:
        nd = input._data.ndim
        if -nd <= dim < nd:
            return _extreme_dim(input, dim + nd if dim < 0 else dim, keepdim, name == "max")
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
    if x.ndim:
        return _extreme_dim(input, d, keepdim, is_max)
    values, indices = wrap(x.copy()), wrap(np.zeros((), dtype=np.int64))
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
