"""embedding: rows of a weight matrix picked by integer indices.

Shapes: indices (*) of int64/int32, weight (V, D), output (*, D).  The weight gradient
sums the output gradient's rows per index (a sort and one ``add.reduceat``, not a loop).
"""

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx.nn.functional import _helpers as H

__all__ = ["embedding"]


def embedding_backward_array(g_nd, flat, num_weights, padding_idx, scale_grad_by_freq):
    """Sum the rows of ``g_nd`` (n, D) into a (V, D) gradient by index ``flat`` (n,)."""
    gw = np.zeros((num_weights, g_nd.shape[1]), dtype=g_nd.dtype)
    if flat.size:
        order = np.argsort(flat, kind="stable")
        sorted_idx = flat[order]
        starts = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
        sums = np.add.reduceat(g_nd[order], starts, axis=0)
        if scale_grad_by_freq:
            sums /= np.diff(np.r_[starts, flat.size])[:, None]
        gw[sorted_idx[starts]] = sums
    if padding_idx >= 0:
        gw[padding_idx] = 0
    return gw


def _embedding_coefficients(flat, num_weights, padding_idx, scale_grad_by_freq, dtype):
    """The (V, n) matrix A with dW = A g: the same sum, as a product (for create_graph)."""
    a = np.zeros((num_weights, flat.size), dtype=dtype)
    value = 1.0
    if scale_grad_by_freq and flat.size:
        value = 1.0 / np.bincount(flat, minlength=num_weights)[flat]
    a[flat, np.arange(flat.size)] = value
    if padding_idx >= 0:
        a[padding_idx] = 0
    return a


class EmbeddingBackward0(Node):
    """dW[v] = sum of the output-gradient rows whose index is v (none for padding_idx)."""

    def backward(self, grad):
        num_weights, dim = self.weight_shape
        g_nd = _grad.reshape(grad, (-1, dim))
        if _grad.is_tensor(grad):
            a = _embedding_coefficients(self.indices, num_weights, self.padding_idx,
                                        self.scale_grad_by_freq, g_nd._data.dtype)
            return (_grad.const(a, grad) @ g_nd,)
        return (embedding_backward_array(g_nd, self.indices, num_weights, self.padding_idx,
                                         self.scale_grad_by_freq),)


def _renorm_rows(weight, idx, max_norm, norm_type):
    """torch.embedding_renorm_ under no_grad: rows used by ``idx`` whose norm exceeds
    ``max_norm`` are scaled to it, in place."""
    w = weight._data
    rows = np.unique(idx)
    if rows.size:
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
        over = norms > max_norm
        if over.any():
            scale = max_norm / (norms[over].astype(np.float64) + 1e-7)
            w[rows[over]] *= scale.astype(w.dtype)[:, None]
    weight._vc.version += 1


def renorm_before_lookup(weight, idx, max_norm, norm_type):
    """The max_norm step of F.embedding / F.embedding_bag, which torch runs before the
    lookup and its checks: embedding_renorm_ selects the used rows in ascending index order,
    so an index outside [-num, num) fails as its select() does (negative ones in range are
    renormalised, and refused by the lookup afterwards)."""
    w = weight._data
    if idx.size and idx.dtype.kind in "iu":
        rows = np.unique(idx)
        bad = rows[(rows < -w.shape[0]) | (rows >= w.shape[0])]
        if bad.size:
            raise IndexError(f"select(): index {int(bad[0])} out of range for tensor of size "
                             f"[{w.shape[0]}, {w.shape[1]}] at dimension 0")
    _renorm_rows(weight, idx, max_norm, norm_type)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight`` by the indices in ``input``.

    Args:
        input (Tensor): int64 or int32 indices, any shape.
        weight (Tensor): (num_embeddings, embedding_dim).
        padding_idx (int, optional): this row gets no gradient.
        max_norm (float, optional): rows looked up whose ``norm_type``-norm exceeds it are
            rescaled to it, in place in ``weight`` (under no_grad, as torch does).
        norm_type (float): the p of the p-norm for ``max_norm``. Default: 2.
        scale_grad_by_freq (bool): divide each row's gradient by its count in the batch.
        sparse (bool): accepted for torch compatibility; nnx has no sparse tensors, so the
            gradient is dense.

    Returns:
        Tensor of shape ``input.shape + (embedding_dim,)``.

    Example::

        >>> F.embedding(nnx.tensor([[0, 2]]), nnx.eye(3)).shape
        nnx.Size([1, 2, 3])
    """
    H.check_tensor("embedding", "indices", 2, input)
    H.check_tensor("embedding", "weight", 1, weight)
    num_weights = weight.shape[0] if weight.ndim else 0
    if padding_idx is not None:
        if padding_idx > 0 and not padding_idx < num_weights:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            if not padding_idx >= -num_weights:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = num_weights + padding_idx
    else:
        padding_idx = -1
    idx, w = input._data, weight._data
    if w.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got {_C.legacy_type_name(idx)} instead (while checking arguments for "
            "embedding)")
    if max_norm is not None:
        renorm_before_lookup(weight, idx, max_norm, norm_type)
    if idx.size and (idx.min() < 0 or idx.max() >= num_weights):
        raise IndexError("index out of range in self")
    out = wrap(np.take(w, idx, axis=0))
    if needs_grad(weight):
        node = EmbeddingBackward0()
        node.indices = idx.reshape(-1).astype(np.int64)   # a copy: immune to later writes
        node.weight_shape = w.shape
        node.padding_idx = padding_idx
        node.scale_grad_by_freq = bool(scale_grad_by_freq)
        attach(node, (weight,), out)
    return out
