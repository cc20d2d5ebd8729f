"""Row gathers and scatters: the differentiable primitives behind nnx.nn.utils.rnn.

Packing and unpacking only move whole feature rows: a tensor of shape ``(*lead, *tail)``
is viewed as ``rows x F`` (``F = prod(tail)``) and every op here is one vectorised NumPy
gather or scatter with index arrays computed once by the caller, never a Python loop over
time steps.  Each op sits beside its backward, and each backward is again one of these
ops, so gradients of any order flow (a Tensor gradient under ``create_graph`` goes
through the same functions and records its own graph).
"""

import math

import numpy as np

from nnx import cat
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad

__all__ = ["select_rows", "split_rows", "place_sequences"]


def _as_rows(arr, n_lead):
    """``arr`` viewed as (rows, F) over its first ``n_lead`` dimensions."""
    lead, tail = arr.shape[:n_lead], arr.shape[n_lead:]
    return arr.reshape(math.prod(lead), math.prod(tail)), tail


def _select_array(x, n_lead, src, dst, out_lead, fill, dst_repeats):
    """``out`` of shape ``(*out_lead, *tail)``: out rows ``dst`` = x rows ``src``, the
    others ``fill``.  ``src``/``dst`` None mean every row in order; repeated ``dst``
    rows sum (only backward of a gather with repeated ``src`` asks for that)."""
    x_rows, tail = _as_rows(x, n_lead)
    taken = x_rows if src is None else x_rows[src]
    if dst is None:
        out_rows = taken if src is not None else taken.copy()
    else:
        out_rows = np.full((math.prod(out_lead), x_rows.shape[1]), fill, dtype=x.dtype)
        if dst_repeats:
            np.add.at(out_rows, dst, taken)
        else:
            out_rows[dst] = taken
    return out_rows.reshape(tuple(out_lead) + tail)


class RowSelectBackward(Node):
    """d(select_rows)/dx: the gradient rows go back where they came from (a scatter)."""

    def backward(self, grad):
        return (select_rows(grad, len(self.out_lead), self.dst, self.src, self.x_lead, 0,
                            dst_repeats=self.src_repeats, src_repeats=self.dst_repeats),)


class PackPaddedSequenceBackward0(RowSelectBackward):
    pass


class CopySlices(RowSelectBackward):
    pass


class IndexSelectBackward0(RowSelectBackward):
    pass


def select_rows(x, n_lead, src, dst, out_lead, fill, *, dst_repeats=False,
                src_repeats=False, node_type=RowSelectBackward):
    """The gather/scatter of :func:`_select_array` on an array or a Tensor.

    ``src_repeats`` says whether ``src`` may hold a row twice (then backward sums).
    """
    if _grad.is_tensor(x):
        out = wrap(_select_array(x._data, n_lead, src, dst, out_lead, fill, dst_repeats))
        if needs_grad(x):
            node = node_type()
            node.x_lead = x._data.shape[:n_lead]
            node.out_lead = tuple(out_lead)
            node.src, node.dst = src, dst
            node.src_repeats, node.dst_repeats = src_repeats, dst_repeats
            attach(node, (x,), out)
        return out
    return _select_array(x, n_lead, src, dst, out_lead, fill, dst_repeats)


class SplitRowsBackward(Node):
    """Backward of :func:`split_rows`: the pieces' gradients, joined, scattered back."""

    def backward(self, *grads):
        joined = (cat(list(grads)) if _grad.is_tensor(grads[0])
                  else np.concatenate(grads, axis=0))
        return (select_rows(joined, 1, None, self.src, self.x_lead, 0,
                            dst_repeats=self.src_repeats),)


class IndexBackward0(SplitRowsBackward):
    pass


def split_rows(x, n_lead, src, counts, *, src_repeats=False):
    """Tensors ``x_rows[src]`` cut into consecutive pieces of ``counts`` rows, each of
    shape ``(count, *tail)``: one gather for all pieces, one node for all of them."""
    if len(counts) == 0:
        return []
    x_rows, tail = _as_rows(x._data, n_lead)
    taken = x_rows[src]
    bounds = np.cumsum(counts)[:-1]
    pieces = [wrap(p.reshape((p.shape[0],) + tail)) for p in np.split(taken, bounds)]
    if needs_grad(x) and pieces:
        node = IndexBackward0()
        node.x_lead = x._data.shape[:n_lead]
        node.src, node.src_repeats = src, src_repeats
        attach(node, (x,), pieces)
    return pieces


class PadSequenceBackward(Node):
    """Backward of :func:`place_sequences`: each sequence's slice of the gradient."""

    def backward(self, grad):
        grads = []
        for where, shape, dtype, wanted in zip(self.slices, self.shapes, self.dtypes,
                                               self.wanted, strict=True):
            if not wanted:
                grads.append(None)
                continue
            g = _grad.sum_to(grad[where], shape)   # the sequence may have been broadcast
            grads.append(g if _grad.data(g).dtype == dtype else _grad.cast(g, dtype))
        return tuple(grads)


def place_sequences(sequences, out_shape, slices, fill):
    """A ``fill``-ed tensor of ``out_shape`` (dtype of the first sequence) with each
    sequence copied (broadcast, cast) into its slice; one node for every input."""
    first = sequences[0]._data
    out_arr = np.full(out_shape, fill, dtype=first.dtype)
    for seq, where in zip(sequences, slices, strict=True):
        out_arr[where] = seq._data             # one block copy per sequence
    out = wrap(out_arr)
    if out_arr.dtype.kind == "f" and needs_grad(*sequences):
        node = PadSequenceBackward()
        node.slices = slices
        node.shapes = [s._data.shape for s in sequences]
        node.dtypes = [s._data.dtype for s in sequences]
        node.wanted = [needs_grad(s) for s in sequences]
        attach(node, sequences, out)
    return out
