"""Helpers for backward formulas that must work on ndarrays and on Tensors.

During an ordinary backward, gradients are ndarrays; during ``create_graph=True`` they
are Tensors and the same formula records a differentiable graph.  Each helper does
the one thing on either.
"""

import numpy as np

from nnx._C import _C

# Shared with the engine's Cython ops (nnx/_C/backward_helpers.pxi):
sum_to = _C.grad_sum_to          # sum a broadcast gradient down to a shape
cast = _C.grad_cast              # a gradient in another NumPy dtype
math = _C.grad_math              # an elementwise function by NumPy name (exp, log, sign ...)
where = _C.grad_where            # np.where, or nnx.where when a Tensor is involved


def is_tensor(x):
    return isinstance(x, _C.TensorBase)


def zeros(shape, like):
    """Zeros of ``shape`` with ``like``'s dtype, as an array or a (constant) Tensor."""
    if is_tensor(like):
        return _C.wrap(np.zeros(tuple(shape), dtype=like._data.dtype))
    return np.zeros(tuple(shape), dtype=like.dtype)


def reduce_sum(g, dims, keepdim=False):
    if is_tensor(g):
        return g.sum(dim=tuple(dims), keepdim=keepdim)
    return g.sum(axis=tuple(dims), keepdims=keepdim)


def expand_to(g, shape):
    if is_tensor(g):
        return g.expand(*shape)
    return np.broadcast_to(g, tuple(shape))


def reshape(g, shape):
    return g.reshape(tuple(shape))


def permute(g, dims):
    if is_tensor(g):
        return g.permute(*dims)
    return np.transpose(g, dims)


def swap_last(g):
    if is_tensor(g):
        return g.transpose(-1, -2)
    return np.swapaxes(g, -1, -2)


def unsqueeze_dims(g, dims, ndim):
    """Re-insert reduced ``dims`` (of an ``ndim``-d input) as size-1 axes."""
    shape = list(g.shape)
    for d in sorted(dims):
        shape.insert(d, 1)
    return g.reshape(tuple(shape))


def matmul(a, b):
    return a @ b


def data(x):
    """The array of a Tensor (or the array itself)."""
    return x._data if is_tensor(x) else x


def const(array, like):
    """``array`` as the same kind as ``like``: a constant Tensor under create_graph."""
    return _C.wrap(np.asarray(array)) if is_tensor(like) else array
