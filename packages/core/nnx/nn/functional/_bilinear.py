"""bilinear: y_o = x1^T A_o x2 + b_o, as GEMMs over all leading dimensions.

Shapes (legend: M = prod of the leading dimensions, I = in1, J = in2, O = out):
x1 (*, I), x2 (*, J), W (O, I, J), b (O,); y (*, O).  The forward is one GEMM
x1_mi @ W_i(oj) followed by a contraction with x2 over j; each backward term is one GEMM
on a (M, O*I) or (M, O*J) outer product, written with nnx._ops._grad helpers so that it
also runs under create_graph.
"""

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx._ops._names import CPP_NAMES as _CPP_NAMES
from nnx.nn.functional import _helpers as H

__all__ = ["bilinear"]


class _BilinearBackward(Node):
    """dx1 = (g (x) x2) W_(oj)i, dx2 = (g (x) x1) W_(oi)j, dW = (g (x) x1)^T x2, db = sum g;
    (x) the per-row outer product, flattened to (M, O*J) or (M, O*I)."""

    def backward(self, grad):
        x1, x2, w = self.saved_tensors
        o, i, j = self.w_shape
        g_mo1 = _grad.reshape(grad, (-1, o, 1))
        x1_mi = _grad.reshape(x1, (-1, i))
        x2_mj = _grad.reshape(x2, (-1, j))
        g1 = g2 = gw = gb = None
        if self.need[0]:
            gx2_m_oj = _grad.reshape(g_mo1 * _grad.reshape(x2_mj, (-1, 1, j)), (-1, o * j))
            w_oj_i = _grad.reshape(_grad.permute(w, (0, 2, 1)), (o * j, i))
            g1 = _grad.reshape(gx2_m_oj @ w_oj_i, self.x1_shape)
        if self.need[1] or self.need[2]:
            gx1_m_oi = _grad.reshape(g_mo1 * _grad.reshape(x1_mi, (-1, 1, i)), (-1, o * i))
            if self.need[1]:
                g2 = _grad.reshape(gx1_m_oi @ _grad.reshape(w, (o * i, j)), self.x2_shape)
            if self.need[2]:
                gw = _grad.reshape(_grad.swap_last(gx1_m_oi) @ x2_mj, self.w_shape)
        if self.need[3]:
            gb = _grad.sum_to(grad, self.b_shape)
        return (g1, g2, gw, gb)


class AddBackward0(_BilinearBackward):
    """torch's grad_fn with a bias (the last op is the bias addition)."""


class ViewBackward0(_BilinearBackward):
    """torch's grad_fn without a bias."""


def _size(arr, dim):
    """``tensor.size(dim)`` with torch's IndexError messages."""
    n = arr.ndim
    if n == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return arr.shape[dim]


def _check(x1, x2, w, b):
    arrays = [("input1", x1), ("input2", x2), ("weight", w)] + ([("bias", b)] if b is not None
                                                               else [])
    if len({a.dtype for _, a in arrays}) > 1:
        listed = ", ".join(f"{name}: {_CPP_NAMES[a.dtype.name]}" for name, a in arrays)
        raise RuntimeError(f"All tensors must have the same dtype, got {listed}")
    if x1.ndim != x2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {x1.ndim} and "
                           f"{x2.ndim}")
    for d in range(x1.ndim - 1):
        if x1.shape[d] != x2.shape[d]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: "
                               f"got {x1.shape[d]} and {x2.shape[d]}")
    for name, x, wdim in (("input1", x1, 1), ("input2", x2, 2)):
        got, expected = _size(x, x.ndim - 1), _size(w, wdim)
        if got != expected:
            raise RuntimeError(f"bilinear(): {name} size does not match weight size: got {got} "
                               f"but expected {expected}")
    if b is not None and _size(b, 0) != _size(w, 0):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{b.shape[0]} but expected {w.shape[0]}")


def bilinear(input1, input2, weight, bias=None):
    """y = x1^T A x2 + b, one bilinear form per output feature.

    Args:
        input1 (Tensor): (*, in1_features).
        input2 (Tensor): (*, in2_features), the same leading dimensions as ``input1``.
        weight (Tensor): (out_features, in1_features, in2_features).
        bias (Tensor, optional): (out_features,).

    Returns:
        Tensor of shape (*, out_features).

    Example::

        >>> F.bilinear(nnx.ones(2, 3), nnx.ones(2, 5), nnx.ones(4, 3, 5)).shape
        nnx.Size([2, 4])
    """
    for position, (name, value) in enumerate((("input1", input1), ("input2", input2),
                                              ("weight", weight)), start=1):
        H.check_tensor("bilinear", name, position, value)
    if bias is not None:
        H.check_tensor("bilinear", "bias", 4, bias)
    x1, x2, w = input1._data, input2._data, weight._data
    b = None if bias is None else bias._data
    _check(x1, x2, w, b)
    o, i, j = w.shape
    x1_mi, x2_mj = x1.reshape(-1, i), x2.reshape(-1, j)
    t_moj = (x1_mi @ w.transpose(1, 0, 2).reshape(i, o * j)).reshape(-1, o, j)   # one GEMM
    y_mo = np.einsum("moj,mj->mo", t_moj, x2_mj)
    y = y_mo.reshape(x1.shape[:-1] + (o,))
    if b is not None:
        H.broadcast_shapes(y.shape, b.shape)
        y = y + b
    out = wrap(np.asarray(y, dtype=w.dtype))
    if needs_grad(input1, input2, weight, bias):
        node = AddBackward0() if bias is not None else ViewBackward0()
        node.need = (needs_grad(input1), needs_grad(input2), needs_grad(weight), needs_grad(bias))
        node.w_shape, node.x1_shape, node.x2_shape = w.shape, x1.shape, x2.shape
        node.b_shape = None if b is None else b.shape
        attach(node, (input1, input2, weight, bias), out)
        node.save_for_backward(input1, input2, weight)
    return out
