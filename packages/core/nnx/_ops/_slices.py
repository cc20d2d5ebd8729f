"""Views of parts along one dim: narrow, select, and split, chunk and unbind (which give
several views sharing one multi-output node), each beside its backward.

The helpers at the bottom serve the backward formulas: they work on arrays and, under
``create_graph``, on Tensors.
"""

import operator

import numpy as np

from nnx._C._C import Node, attach, make_view, needs_grad, wrap
from nnx._ops import _grad
from nnx._ops._shape_base import _view_of, wrap_dim

# -- narrow, select, split, chunk, unbind -------------------------------------------------

def _index(dim, item):
    """A basic-indexing tuple that picks ``item`` along ``dim`` (Ellipsis keeps 0-d views)."""
    return (slice(None),) * dim + (item, Ellipsis)


class SliceBackward0(Node):
    def backward(self, grad):
        return (_embed(grad, self.input_shape, self.dim, self.start),)


def narrow(input, dim, start, length):
    shape = input._data.shape
    if not shape:
        raise RuntimeError("narrow(): cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, len(shape))
    start, length = operator.index(start), operator.index(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    size = shape[d]
    if start < -size or start > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    arr = input._data[_index(d, slice(start, start + length))]
    return _view_of(input, arr, SliceBackward0, dim=d, start=start)


class SelectBackward0(Node):
    def backward(self, grad):
        shape, d = self.input_shape, self.dim
        g = _grad.reshape(grad, shape[:d] + (1,) + shape[d + 1:])
        return (_embed(g, self.input_shape, self.dim, self.index),)


def select(input, dim, index):
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, len(shape))
    index = operator.index(index)
    if index < -shape[d] or index >= shape[d]:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(shape)} at dimension {d}")
    index %= shape[d]
    return _view_of(input, input._data[_index(d, index)], SelectBackward0,
                    dim=d, index=index)


class SplitBackward0(Node):
    def backward(self, *grads):
        return (_concat(grads, self.dim),)


class SplitWithSizesBackward0(SplitBackward0):
    pass


class UnbindBackward0(Node):
    def backward(self, *grads):
        return (_stack(grads, self.dim),)


def _pieces(input, d, sizes, node_type):
    """Views of consecutive ``sizes`` along ``d``, sharing one multi-output node."""
    arr = input._data
    outs, start = [], 0
    for n in sizes:
        outs.append(make_view(arr[_index(d, slice(start, start + n))], input))
        start += n
    if needs_grad(input):
        node = node_type()
        node.dim = d
        attach(node, (input,), outs)
    return tuple(outs)


def _split_sizes(size, split_size):
    if split_size < 0:
        raise RuntimeError("split expects split_size be non-negative, but got "
                           f"split_size={split_size}")
    if split_size == 0 and size != 0:
        raise RuntimeError("split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {size}")
    if split_size == 0:
        return [0]
    n = max(-(-size // split_size), 1)
    return [split_size] * (n - 1) + [size - split_size * (n - 1)]


def split(input, split_size_or_sections=None, dim=0, *, split_size=None):
    """Pieces of ``split_size`` (the last may be smaller), or of the given list of sizes."""
    sections = split_size if split_size_or_sections is None else split_size_or_sections
    shape = input._data.shape
    if not shape:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, len(shape))
    if isinstance(sections, (tuple, list)):
        sizes = [operator.index(s) for s in sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError("split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if sum(sizes) != shape[d]:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {shape[d]} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
        return _pieces(input, d, sizes, SplitWithSizesBackward0)
    return _pieces(input, d, _split_sizes(shape[d], operator.index(sections)), SplitBackward0)


def chunk(input, chunks, dim=0):
    """``chunks`` pieces of ceil(size / chunks) (fewer when that covers the dim sooner)."""
    shape = input._data.shape
    if not shape:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, len(shape))
    size = shape[d]
    if size == 0:
        return _pieces(input, d, [0] * chunks, SplitWithSizesBackward0)
    return _pieces(input, d, _split_sizes(size, -(-size // chunks)), SplitBackward0)


def unbind(input, dim=0):
    shape = input._data.shape
    if not shape:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, len(shape))
    arr = input._data
    outs = [make_view(arr[_index(d, i)], input) for i in range(shape[d])]
    if needs_grad(input):
        node = UnbindBackward0()
        node.dim = d
        attach(node, (input,), outs)
    return tuple(outs)


# -- helpers for backward formulas on arrays or Tensors -------------------------------------

def _concat(parts, dim):
    if any(_grad.is_tensor(p) for p in parts):
        from nnx._ops.join import cat
        return cat([p if _grad.is_tensor(p) else wrap(np.asarray(p)) for p in parts], dim)
    return np.concatenate(parts, axis=dim)


def _stack(parts, dim):
    if any(_grad.is_tensor(p) for p in parts):
        from nnx._ops.join import stack
        return stack([p if _grad.is_tensor(p) else wrap(np.asarray(p)) for p in parts], dim)
    return np.stack(parts, axis=dim)


def _embed(g, shape, dim, start):
    """``g`` placed at ``start`` along ``dim`` in zeros of ``shape`` (backward of slicing)."""
    n = g.shape[dim]
    if _grad.is_tensor(g):
        before = shape[:dim] + (start,) + shape[dim + 1:]
        after = shape[:dim] + (shape[dim] - start - n,) + shape[dim + 1:]
        parts = [_grad.zeros(before, g), g, _grad.zeros(after, g)]
        return _concat([p for p in parts if p is g or p.shape[dim] > 0], dim)
    out = np.zeros(shape, dtype=g.dtype)
    out[_index(dim, slice(start, start + n))] = g
    return out
