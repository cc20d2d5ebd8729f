"""Ops that copy while reordering or tiling elements: repeat and flip, each beside its
backward."""

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx._ops._shape_base import _no_more, _sizes, wrap_dims


class RepeatBackward0(Node):
    def backward(self, grad):
        # output dim i holds repeats[i] blocks of the (padded) input dim: sum the blocks
        split = []
        for r, s in zip(self.repeats, self.padded):
            split += [r, s]
        g = _grad.reshape(grad, split)
        if self.repeats:
            g = _grad.reduce_sum(g, range(0, 2 * len(self.repeats), 2))
        return (_grad.reshape(g, self.input_shape),)


def repeat(input, *repeats, **kw):
    """Tile the tensor ``repeats[i]`` times along dim i (a copy, like torch)."""
    repeats = _sizes(repeats, kw.pop("repeats", kw.pop("sizes", None)))
    _no_more(kw, "repeat")
    shape = input._data.shape
    if len(repeats) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(repeats) - len(shape)) + shape
    out_shape = [r * s for r, s in zip(repeats, padded)]
    for r in repeats:
        if r < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {r}: "
                               f"{[r * s for r, s in zip(repeats, padded)]}")
    out = wrap(np.tile(input._data.reshape(padded), repeats).reshape(out_shape))
    if needs_grad(input):
        node = RepeatBackward0()
        node.repeats, node.padded, node.input_shape = repeats, padded, shape
        attach(node, (input,), out)
    return out


class FlipBackward0(Node):
    def backward(self, grad):
        return (_flip(grad, self.dims),)


def flip(input, *dims, **kw):
    """Reverse the order of elements along ``dims`` (a copy, like torch)."""
    if not dims and "dims" in kw:
        dims = (kw.pop("dims"),)
    _no_more(kw, "flip")
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    nd = input._data.ndim
    dims = tuple(d for d in wrap_dims(dims, nd) if d < nd)
    out = wrap(np.flip(input._data, axis=dims).copy())
    if needs_grad(input):
        node = FlipBackward0()
        node.dims = dims
        attach(node, (input,), out)
    return out


def _flip(g, dims):
    if _grad.is_tensor(g):
        return flip(g, dims)
    return np.flip(g, axis=dims)
