"""Joining tensors: cat (concat, concatenate), stack, hstack, vstack, dstack.

Inputs of different dtypes are promoted to a common one (torch.promote_types); the
gradient of each input is its slice of the output's gradient, cast back to its dtype.
"""

import functools

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad, shape
from nnx._ops.shape import wrap_dim

TensorBase = _C.TensorBase
_concatenate = np.concatenate


def _tensor_list(tensors, name):
    if isinstance(tensors, TensorBase):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, TensorBase):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tensors


def _common_dtype(tensors):
    return functools.reduce(_C._promote_types, [t.dtype for t in tensors]).np_dtype


def _in_dtype(g, np_dtype):
    """``g`` in an input's dtype (promotion may have made the output wider)."""
    return g if _grad.data(g).dtype == np_dtype else _grad.cast(g, np_dtype)


# -- cat -------------------------------------------------------------------------------

class CatBackward0(Node):
    def backward(self, grad):
        grads = []
        for start, length, t_shape, t_dtype, need in self.pieces:
            if not need:
                grads.append(None)
            elif length is None:                # a skipped empty 1-D input
                grads.append(_grad.zeros(t_shape, grad))
            else:
                grads.append(_in_dtype(_narrow(grad, self.dim, start, length), t_dtype))
        return tuple(grads)


def _is_legacy_empty(t):
    return t._data.ndim == 1 and t._data.shape[0] == 0


def _fast_cat(tensors, dim):
    """cat of a list or tuple of tensors of one dtype and ndim, none of them a skipped
    empty 1-D tensor, ``dim`` an int in range; None where the general path must decide."""
    if type(tensors) is not list and type(tensors) is not tuple or not tensors:
        return None
    first = tensors[0]
    if not isinstance(first, TensorBase):
        return None
    dt, nd = first._data.dtype, first._data.ndim
    if type(dim) is not int or not -nd <= dim < nd:
        return None
    d = dim + nd if dim < 0 else dim
    arrays, pieces, start = [], [], 0
    for t in tensors:
        if not isinstance(t, TensorBase):
            return None
        a = t._data
        shape = a.shape
        if a.dtype is not dt or len(shape) != nd or (nd == 1 and shape[0] == 0):
            return None
        arrays.append(a)
        length = shape[d]
        pieces.append((start, length, shape, dt, t._requires_grad))
        start += length
    try:
        out = wrap(_concatenate(arrays, d))
    except ValueError:                      # sizes differ: the general path words it
        return None
    if needs_grad(*tensors):
        node = CatBackward0()
        node.dim, node.pieces = d, pieces
        attach(node, tensors, out)
    return out


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim; all other sizes must match.

    1-D empty tensors are skipped, as torch still allows for backward compatibility."""
    if out is None:
        result = _fast_cat(tensors, dim)
        if result is not None:
            return result
    if out is not None:
        raise TypeError("nnx.cat does not support out=")
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("nnx.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    np_dtype = _common_dtype(tensors)
    kept = [i for i, t in enumerate(tensors) if not _is_legacy_empty(t)]
    if not kept:
        d = wrap_dim(dim, 1)
        result = np.empty((0,), dtype=np_dtype)
    else:
        ref = tensors[kept[0]]._data.shape
        d = wrap_dim(dim, len(ref))
        for i in kept:
            s = tensors[i]._data.shape
            if len(s) != len(ref):
                raise RuntimeError(f"Tensors must have same number of dimensions: got "
                                   f"{len(ref)} and {len(s)}")
            for a in range(len(ref)):
                if a != d and s[a] != ref[a]:
                    raise RuntimeError(
                        f"Sizes of tensors must match except in dimension {d}. Expected size "
                        f"{ref[a]} but got size {s[a]} for tensor number {i} in the list.")
        result = np.concatenate([tensors[i]._data for i in kept], axis=d, dtype=np_dtype,
                                casting="unsafe")
    out = wrap(result)
    if needs_grad(*tensors):
        pieces, start = [], 0
        for t in tensors:
            if _is_legacy_empty(t) and kept:
                pieces.append((0, None, t._data.shape, t._data.dtype, t._requires_grad))
                continue
            length = t._data.shape[d]
            pieces.append((start, length, t._data.shape, t._data.dtype, t._requires_grad))
            start += length
        node = CatBackward0()
        node.dim, node.pieces = d, pieces
        attach(node, tensors, out)
    return out


def concat(tensors, dim=0, *, out=None):
    """Alias of cat."""
    return cat(tensors, dim, out=out)


def concatenate(tensors, axis=0, *, dim=None, out=None):
    """Alias of cat with NumPy's argument name."""
    return cat(tensors, axis if dim is None else dim, out=out)


# -- stack -----------------------------------------------------------------------------

class StackBackward0(Node):
    def backward(self, grad):
        return tuple(None if dt is None else _in_dtype(_select(grad, self.dim, i), dt)
                     for i, dt in enumerate(self.dtypes))


def stack(tensors, dim=0, *, out=None):
    """Join equally shaped tensors along a new dim ``dim``."""
    if out is not None:
        raise TypeError("nnx.stack does not support out=")
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref)} "
                               f"at entry 0 and {list(t._data.shape)} at entry {i}")
    d = wrap_dim(dim, len(ref) + 1)
    out = wrap(np.stack([t._data for t in tensors], axis=d, dtype=_common_dtype(tensors),
                        casting="unsafe"))
    if needs_grad(*tensors):
        node = StackBackward0()
        node.dim = d
        node.dtypes = [t._data.dtype if t._requires_grad else None for t in tensors]
        attach(node, tensors, out)
    return out


# -- hstack, vstack, dstack ------------------------------------------------------------

def _atleast(t, ndim):
    """``t`` viewed with at least ``ndim`` dims, the way torch.atleast_{1,2,3}d pad."""
    n = t._data.ndim
    if n >= ndim:
        return t
    if n == 0:
        return shape.reshape(t, (1,) * ndim)
    if ndim == 2 or n == 2:                  # (k,) -> (1, k); 3-D: (m, k) -> (m, k, 1)
        return shape.unsqueeze(t, 0 if ndim == 2 else -1)
    return shape.reshape(t, (1, t._data.shape[0], 1))


def _nonempty(tensors, name):
    tensors = _tensor_list(tensors, name)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None):
    """cat along dim 1 (dim 0 for 1-D inputs)."""
    tensors = [_atleast(t, 1) for t in _nonempty(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """cat along dim 0 after making every input at least 2-D."""
    return cat([_atleast(t, 2) for t in _nonempty(tensors, "vstack")], 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """cat along dim 2 after making every input at least 3-D."""
    return cat([_atleast(t, 3) for t in _nonempty(tensors, "dstack")], 2, out=out)


# -- helpers for backward formulas on arrays or Tensors -------------------------------------

def _narrow(g, dim, start, length):
    if _grad.is_tensor(g):
        return shape.narrow(g, dim, start, length)
    return g[(slice(None),) * dim + (slice(start, start + length), Ellipsis)]


def _select(g, dim, index):
    if _grad.is_tensor(g):
        return shape.select(g, dim, index)
    return g[(slice(None),) * dim + (index, Ellipsis)]
