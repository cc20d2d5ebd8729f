"""Helpers for backward formulas that must work on ndarrays and on Tensors.

During an ordinary backward, gradients are ndarrays; during ``create_graph=True`` they
are Tensors and the same formula records a differentiable graph.  Each helper does
the one thing on either.
"""

import numpy as np

from nnx._C import _C


def is_tensor(x):
    return isinstance(x, _C.TensorBase)


def zeros(shape, like):
    """Zeros of ``shape`` with ``like``'s dtype, as an array or a (constant) Tensor."""
    if is_tensor(like):
        return _C.wrap(np.zeros(tuple(shape), dtype=like._data.dtype))
    return np.zeros(tuple(shape), dtype=like.dtype)


def sum_to(g, shape):
    """Sum a broadcast gradient down to ``shape``."""
    shape = tuple(shape)
    gshape = tuple(g.shape)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1)
    if is_tensor(g):
        return g.sum(dim=axes, keepdim=True).reshape(shape) if axes else g.reshape(shape)
    return (g.sum(axis=axes, keepdims=True) if axes else g).reshape(shape)


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


def math(name, x):
    """An elementwise function by NumPy name (exp, log, sign, cos, ...)."""
    if is_tensor(x):
        return getattr(x, name)()
    return getattr(np, name)(x)


def where(cond, a, b):
    if is_tensor(cond) or is_tensor(a) or is_tensor(b):
        from nnx._ops.pointwise import where as twhere
        return twhere(cond, a, b)
    return np.where(cond, a, b)


def cast(g, np_dtype):
    if is_tensor(g):
        return g.to(_C.to_dtype(np_dtype))
    return g.astype(np_dtype, copy=False)


def matmul(a, b):
    return a @ b


def data(x):
    """The array of a Tensor (or the array itself)."""
    return x._data if is_tensor(x) else x


def const(array, like):
    """``array`` as the same kind as ``like``: a constant Tensor under create_graph."""
    return _C.wrap(np.asarray(array)) if is_tensor(like) else array
