"""embedding_bag: sums, means or maxima of bags of embedding rows, without materialising
the (n, D) lookup of ``embedding`` followed by a reduction in autograd.

Shapes: indices (n,) with offsets (B,) (or (B + 1,) with ``include_last_offset``), or
indices (B, L) without offsets; weight (V, D); per_sample_weights like indices; output
(B, D).  Bag b holds positions [starts[b], ends[b]); positions equal to ``padding_idx``
count for nothing (not even in a mean's divisor), and an empty bag gives zeros.  The
reductions are ``ufunc.reduceat`` over the non-empty bags (no loop over bags).
"""

import warnings

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx.nn.functional import _helpers as H
from nnx.nn.functional._sparse import embedding_backward_array, renorm_before_lookup

__all__ = ["embedding_bag"]

_MODES = {"sum": 0, "mean": 1, "max": 2}


class EmbeddingBagBackward0(Node):
    """dW: each position's bag gradient, times its coefficient (per-sample weight, 1 / bag
    size for mean), summed into its row; max mode routes each (bag, column) gradient to
    the row that won.  d per_sample_weights[p] = <g[bag of p], W[index p]>.

    Attributes: ``idx`` (n,) int64, ``bag_of`` (n,), ``live`` (n,) (in a bag, not
    padding), ``coef`` (n,) the constant part of each position's coefficient, ``mode``,
    ``max_indices``/``filled`` (max mode).  Saved: weight (for d psw), psw (for dW).
    Under create_graph the same sums run as Tensor ops (one-hot products), so the
    gradients are differentiable in g, weight and per_sample_weights.
    """

    def backward(self, grad):
        weight, psw = self.saved_tensors
        if _grad.is_tensor(grad):
            return self._backward_graph(grad, weight, psw)
        num_weights, dim = self.weight_shape
        gw = gpsw = None
        if self.need_w:
            if self.mode == 2:
                gw = self._max_grad(grad, num_weights, dim)
            else:
                coef = self._coef(psw)
                rows = grad[self.bag_of] * coef[:, None].astype(grad.dtype)     # (n, D)
                gw = embedding_backward_array(rows, self.idx, num_weights, self.padding_idx,
                                              False)
        if self.need_psw:
            rows = weight[self.idx]                                          # (n, D)
            gpsw = np.einsum("pd,pd->p", grad[self.bag_of], rows) * self.live
            gpsw = gpsw.astype(rows.dtype).reshape(self.psw_shape)
        return gw, gpsw

    def _coef(self, psw):
        coef = self.coef * self._freq_scale()
        return coef if psw is None else coef * psw.reshape(-1)

    def _backward_graph(self, grad, weight, psw):
        num_weights, dim = self.weight_shape
        n = self.idx.size
        g_rows = grad[_C.wrap(self.bag_of)]                                  # (n, D)
        gw = gpsw = None
        if self.need_w:
            if self.mode == 2:
                winners = np.zeros((grad.shape[0], num_weights, dim), dtype=grad._data.dtype)
                b, d = np.nonzero(np.broadcast_to(self.filled[:, None], (grad.shape[0], dim)))
                winners[b, self.max_indices[b, d], d] = 1
                gw = (_grad.const(winners, grad) * grad.unsqueeze(1)).sum(0)
            else:
                coef = _grad.const(self.coef * self._freq_scale(), grad)
                if psw is not None:
                    coef = coef * psw.reshape(-1)
                one_hot = np.zeros((n, num_weights), dtype=grad._data.dtype)
                one_hot[np.arange(n), self.idx] = 1
                if self.padding_idx >= 0:
                    one_hot[:, self.padding_idx] = 0
                rows = g_rows * coef.reshape(-1, 1)
                gw = _grad.const(one_hot, grad).transpose(0, 1) @ rows
        if self.need_psw:
            w_rows = weight[_C.wrap(self.idx)]
            gpsw = (g_rows * w_rows).sum(-1) * _grad.const(self.live.astype(
                grad._data.dtype), grad)
            gpsw = gpsw.reshape(self.psw_shape)
        return gw, gpsw

    def _freq_scale(self):
        """torch's CPU kernel divides the gradient of the i-th distinct index (in sorted
        order) by the count of ``sorted_indices[i]``, not by its own count
        (EmbeddingBag.cpp, ``scale /= counts[indices_data[i]]``); nnx reproduces it."""
        if not self.scale_grad_by_freq:
            return 1.0
        counts = np.bincount(self.idx, minlength=self.weight_shape[0])
        sorted_idx = np.sort(self.idx)
        rank = np.searchsorted(np.unique(self.idx), self.idx)
        return 1.0 / counts[sorted_idx[rank]]

    def _max_grad(self, g, num_weights, dim):
        winners, filled = self.max_indices, self.filled        # (B, D), (B,)
        cols = np.broadcast_to(np.arange(dim), winners.shape)
        flat = (winners * dim + cols)[filled].ravel()
        sums = np.bincount(flat, weights=g[filled].ravel(), minlength=num_weights * dim)
        return sums.reshape(num_weights, dim).astype(g.dtype)


def _flatten_input(input, offsets, include_last_offset, psw):
    """torch's Python-level handling of 2-D input and the offsets argument."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {type(offsets)}")
        if input.shape[1] == 0:
            raise RuntimeError("step must be nonzero")
        idx = input._data
        offsets = np.arange(0, idx.size, idx.shape[1], dtype=idx.dtype)
        return idx.reshape(-1), offsets, False, psw
    if input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        return input._data, offsets._data, include_last_offset, psw
    raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")


def _check_indices(name, arr):
    if arr.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            f"Expected tensor for argument #1 '{name}' to have one of the following scalar "
            f"types: Long, Int; but got {_C.legacy_type_name(arr)} instead (while checking "
            "arguments for embedding_bag)")


def _check_cpp(idx, offsets, w, psw, padding_idx, include_last_offset):
    """The checks of torch's C++ kernel; returns the wrapped padding_idx (-1: none)."""
    _check_indices("indices", idx)
    _check_indices("offsets", offsets)
    if psw is not None and psw.dtype != w.dtype:
        raise RuntimeError(
            "Expected tensor for argument #1 'weight' to have the same type as tensor for "
            f"argument #1 'per_sample_weights'; but type {_C.legacy_type_name(w)} does not "
            f"equal {_C.legacy_type_name(psw)} (while checking arguments for embedding_bag)")
    num_weights = w.shape[0]
    if padding_idx is None:
        padding_idx = -1
    elif -num_weights <= padding_idx < num_weights:
        padding_idx = padding_idx % num_weights
    else:
        raise RuntimeError(f"padding_idx must be within the number of embeddings, "
                           f"-{num_weights} through {num_weights - 1}, but got {padding_idx}")
    if offsets.size:
        if offsets[0] != 0:
            raise RuntimeError(
                "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                f"start from position 0. However, got {offsets[0]}\n"
                f"[ {_C.legacy_type_name(offsets)}{{}} ]")
        if offsets[-1] > idx.size:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {idx.size} "
                               f"but got offsets[-1] of {offsets[-1]}")
        if np.any(np.diff(offsets) < 0):
            raise RuntimeError("Expected i < index_size to be true, but got false.  (Could this "
                               "error message be improved?  If so, please report an "
                               "enhancement request to PyTorch.)")
    bad = np.flatnonzero((idx < 0) | (idx >= num_weights))
    if bad.size:
        p = bad[0]
        raise RuntimeError(f"Index {p} of input takes value {idx[p]} which is not in the valid "
                           f"range [0, {num_weights})")
    return padding_idx


def _bags(offsets, n, include_last_offset):
    """(starts (B,), bag_of (n,) with -1 past the last bag's end, end)."""
    starts = offsets[:-1] if include_last_offset else offsets
    end = int(offsets[-1]) if include_last_offset and offsets.size else n
    starts = starts.astype(np.int64)
    bag_of = np.searchsorted(starts, np.arange(n), side="right") - 1
    bag_of[end:] = -1
    return starts, bag_of, end


def _reduce(rows, valid, starts, end, mode):
    """Per-bag sum / mean / max of ``rows`` (end, D) over the valid positions.

    Returns (out (B, D), counts (B,), max_indices-as-positions (B, D) or None)."""
    num_bags, dim = starts.size, rows.shape[1]
    ends = np.append(starts[1:], end) if num_bags else starts
    nonempty = ends > starts
    counts = np.zeros(num_bags, dtype=np.int64)
    out = np.zeros((num_bags, dim), dtype=rows.dtype)
    positions = None
    if not nonempty.any():
        return out, counts, (np.zeros((num_bags, dim), np.int64) if mode == 2 else None)
    cuts = starts[nonempty]
    counts[nonempty] = np.add.reduceat(valid.astype(np.int64), cuts)
    if mode == 2:
        masked = np.where(valid[:, None], rows, -np.inf)
        best = np.maximum.reduceat(masked, cuts, axis=0)
        out[nonempty] = best
        # the first position holding each maximum (torch keeps the first on ties)
        bag_of_pos = np.repeat(np.flatnonzero(nonempty), (ends - starts)[nonempty])
        hit = valid[:, None] & (masked == out[bag_of_pos])
        pos = np.where(hit, np.arange(end)[:, None], end)
        positions = np.zeros((num_bags, dim), dtype=np.int64)
        # bags of padding only find no maximum (position ``end``): they output zeros
        positions[nonempty] = np.minimum(np.minimum.reduceat(pos, cuts, axis=0), end - 1)
        out[counts == 0] = 0
        return out, counts, positions
    out[nonempty] = np.add.reduceat(rows * valid[:, None].astype(rows.dtype), cuts, axis=0)
    if mode == 1:
        out /= np.maximum(counts, 1)[:, None].astype(out.dtype)
    return out, counts, None


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, means or maxima of bags of embeddings, without the intermediate lookup.

    Args:
        input (Tensor): int64/int32 indices: (B, L) fixed-length bags, or (n,) with
            ``offsets`` giving each bag's start.
        weight (Tensor): (num_embeddings, embedding_dim).
        offsets (Tensor, optional): (B,) starts of the bags in a 1-D ``input``.
        max_norm (float, optional): rows looked up whose ``norm_type``-norm exceeds it are
            rescaled to it, in place in ``weight``.
        norm_type (float): the p of the p-norm for ``max_norm``. Default: 2.
        scale_grad_by_freq (bool): divide the gradients by the index frequencies.
        mode (str): 'sum', 'mean' (default) or 'max'.
        sparse (bool): accepted for torch compatibility; the gradient is dense.
        per_sample_weights (Tensor, optional): weights of each index ('sum' mode only).
        include_last_offset (bool): ``offsets`` has B + 1 entries, the last one the end.
        padding_idx (int, optional): entries with this index are left out of the bags.

    Returns:
        Tensor (B, embedding_dim).

    Example::

        >>> F.embedding_bag(nnx.tensor([0, 2, 1]), nnx.eye(3), nnx.tensor([0, 2]))
        tensor([[0.5000, 0.0000, 0.5000],
                [0.0000, 1.0000, 0.0000]])
    """
    H.check_tensor("embedding_bag", "input", 1, input)
    H.check_tensor("embedding_bag", "weight", 2, weight)
    if weight.dtype == _C.to_dtype("int64") and input.is_floating_point():
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    psw = per_sample_weights
    if psw is not None and tuple(input.shape) != tuple(psw.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({H.size_of(psw._data)}) is "
                         "not None, then it must have the same shape as the input "
                         f"({H.size_of(input._data)})")
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.ndim}")
    idx, offs, include_last_offset, psw = _flatten_input(input, offsets, include_last_offset,
                                                         psw)
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    w = weight._data
    psw_arr = None if psw is None else psw._data.reshape(-1)
    if max_norm is not None and w.ndim == 2:     # torch renormalises before its C++ checks
        renorm_before_lookup(weight, idx, max_norm, norm_type)
    padding_idx = _check_cpp(idx, offs, w, psw_arr, padding_idx, include_last_offset)
    if psw is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub.")
    idx = idx.astype(np.int64)
    starts, bag_of, end = _bags(offs, idx.size, include_last_offset)
    valid = idx[:end] != padding_idx
    rows = np.take(w, idx[:end], axis=0)
    if psw_arr is not None:
        rows = rows * psw_arr[:end, None]
    out, counts, positions = _reduce(rows, valid, starts, end, _MODES[mode])
    result = wrap(out)
    if needs_grad(weight, psw):
        node = EmbeddingBagBackward0()
        node.mode, node.idx, node.weight_shape = _MODES[mode], idx, w.shape
        node.padding_idx, node.scale_grad_by_freq = padding_idx, bool(scale_grad_by_freq)
        live = np.zeros(idx.size, dtype=bool)
        live[:end] = valid
        node.bag_of, node.live = np.where(live, bag_of, 0), live
        coef = live.astype(w.dtype)
        if mode == "mean":
            coef = coef / np.maximum(counts, 1)[node.bag_of].astype(w.dtype)
        node.coef = coef
        if mode == "max":
            node.filled = counts > 0
            node.max_indices = idx[positions] if idx.size else positions
        node.need_w, node.need_psw = needs_grad(weight), needs_grad(psw)
        node.psw_shape = None if psw is None else tuple(psw.shape)
        attach(node, (weight, psw), result)
        node.save_for_backward(weight if node.need_psw else None,
                               psw if node.need_w and psw is not None else None)
    return result
