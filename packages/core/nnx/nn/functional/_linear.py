"""linear: y = x W^T + b as one GEMM over all leading dimensions of x.

Shapes: x (*, K), W (N, K), b (N,) or anything broadcastable to (*, N); y (*, N).  The
input is viewed as a matrix x_mk (M = prod(*)) so that forward and both weight
gradients are single GEMMs, whatever the number of leading dimensions.
"""

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx.nn.functional import _helpers as H

__all__ = ["linear"]


class _LinearBackward(Node):
    """dx = g W, dW = g^T x, db = g summed to b's shape (all as (M, *) matrices)."""

    def backward(self, grad):
        x, w = self.saved_tensors
        n_out, k = self.w2_shape
        m = self.m      # explicit: -1 cannot be inferred when a size is 0
        g_mn = _grad.reshape(grad, (m, n_out))
        gx = gw = gb = None
        if self.need_x:
            w_nk = _grad.reshape(w, self.w2_shape)
            gx = _grad.reshape(g_mn @ w_nk, self.x_shape)
        if self.need_w:
            x_mk = _grad.reshape(x, (m, k))
            gw = _grad.reshape(_grad.swap_last(g_mn) @ x_mk, self.w_shape)
        if self.need_b:
            gb = _grad.sum_to(g_mn if self.bias_2d else grad, self.b_shape)
        return (gx, gw, gb)


# torch's grad_fn names for the graph its linear records, by (input ndim, bias given)
class AddmmBackward0(_LinearBackward):
    pass


class MmBackward0(_LinearBackward):
    pass


class ViewBackward0(_LinearBackward):
    pass


class UnsafeViewBackward0(_LinearBackward):
    pass


class SqueezeBackward4(_LinearBackward):
    pass


def _node_type(x_ndim, has_bias):
    if x_ndim == 2:
        return AddmmBackward0 if has_bias else MmBackward0
    if x_ndim == 1:
        return ViewBackward0 if has_bias else SqueezeBackward4
    return ViewBackward0 if has_bias else UnsafeViewBackward0


# C++ type names, as torch's dtype-mismatch message prints them
_CPP_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool"}


def _check(x, w, b):
    if x.ndim == 0 or w.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{x.ndim}D and {w.ndim}D")
    if w.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {w.ndim}D")
    if w.ndim == 1 and b is not None and (x.ndim == 2 or b.ndim > 0):
        raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
    if x.dtype != w.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_CPP_NAMES[x.dtype.name]} != {_CPP_NAMES[w.dtype.name]}")
    if b is not None and b.dtype != w.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{H.scalar_name(b)} and {H.scalar_name(w)}")
    k, k_w = x.shape[-1], w.shape[-1]
    if k == k_w:
        return
    m = int(np.prod(x.shape[:-1]))
    if w.ndim == 2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({m}x{k} and {k_w}x{w.shape[0]})")
    if x.ndim == 1:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{k}] and src [{k_w}] to "
                           f"have the same number of elements, but got {k} and {k_w} elements "
                           "respectively")
    raise RuntimeError(f"size mismatch, got input ({m}), mat ({m}x{k}), vec ({k_w})")


def _expands(shape, target):
    if len(shape) == 1 and shape[0] in (1, target[-1]):
        return True  # the usual (N,) bias: no need for NumPy's broadcasting machinery
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def _expand_message(b, target):
    """torch's message for a bias that does not expand to the (M, N) output of addmm."""
    shape = b.shape
    if len(shape) > len(target):
        return (f"expand({_C.legacy_type_name(b)}{{{list(shape)}}}, size={list(target)}): the "
                f"number of sizes provided ({len(target)}) must be greater or equal to the "
                f"number of dimensions in the tensor ({len(shape)})")
    for i in range(len(target) - 1, -1, -1):
        j = i - (len(target) - len(shape))
        size = shape[j] if j >= 0 else 1
        if size != 1 and size != target[i]:
            break
    return (f"The expanded size of the tensor ({target[i]}) must match the existing size "
            f"({size}) at non-singleton dimension {i}.  Target sizes: {list(target)}.  "
            f"Tensor sizes: {list(shape)}")


def linear(input, weight, bias=None):
    """y = x W^T + b.

    Args:
        input (Tensor): (*, in_features).
        weight (Tensor): (out_features, in_features), or (in_features,) for one output
            that is squeezed away.
        bias (Tensor, optional): (out_features,).

    Returns:
        Tensor of shape (*, out_features).

    Example::

        >>> F.linear(nnx.ones(2, 3), nnx.ones(4, 3), nnx.zeros(4)).shape
        nnx.Size([2, 4])
    """
    H.check_tensor("linear", "input", 1, input)
    H.check_tensor("linear", "weight", 2, weight)
    if bias is not None:
        H.check_tensor("linear", "bias", 3, bias)
    x, w = input._data, weight._data
    b = None if bias is None else bias._data
    _check(x, w, b)
    k = x.shape[-1]
    w_nk = w if w.ndim == 2 else w.reshape(1, k)
    m = int(np.prod(x.shape[:-1], dtype=np.int64))     # not -1: K or M may be 0
    y = x.reshape(m, k) @ w_nk.T                         # one GEMM: (M, K) x (K, N)
    out_shape = x.shape[:-1] + ((w_nk.shape[0],) if w.ndim == 2 else ())
    bias_2d = False
    if b is not None:
        # torch adds the bias inside addmm, where it must expand to (M, N), for 2-D input,
        # 3-D input with a bias of <= 2 dimensions and any input with a 1-D bias; otherwise
        # after a matmul, where it must broadcast to the output
        addmm = w.ndim == 2 and (x.ndim == 2 or (x.ndim == 3 and b.ndim <= 2) or b.ndim == 1)
        if addmm:
            if not _expands(b.shape, y.shape):
                raise RuntimeError(_expand_message(b, y.shape))
            y += b
            bias_2d = True
        elif not _expands(b.shape, out_shape):
            raise RuntimeError(f"output with shape {list(out_shape)} doesn't match the broadcast "
                               f"shape {list(H.broadcast_shapes(out_shape, b.shape))}")
    y = y.reshape(out_shape)
    if b is not None and not bias_2d:
        y += b
    out = wrap(y)
    if needs_grad(input, weight, bias):
        node = _node_type(x.ndim, bias is not None)()
        node.need_x = needs_grad(input)
        node.need_w = needs_grad(weight)
        node.need_b = needs_grad(bias)
        node.x_shape, node.m = x.shape, m
        node.w_shape = w.shape
        node.w2_shape = w_nk.shape
        node.b_shape = None if bias is None else bias._data.shape
        node.bias_2d = bias_2d
        attach(node, (input, weight, bias), out)
        # dx reads W and dW reads x: keep only what is needed
        node.save_for_backward(input if node.need_w else None, weight if node.need_x else None)
    return out
