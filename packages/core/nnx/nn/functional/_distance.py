"""Distances and vector norms: pairwise_distance, cosine_similarity, pdist, normalize.

All four are built on a p-norm along one dimension.  ``vector_norm`` computes it in NumPy
and ``norm_backward`` is torch's derivative of it (FunctionsManual.cpp, norm_backward),
case by case in p (0, 1, 2, +-inf, below 1, below 2, above 2), on NumPy arrays: these
nodes are first-order only and refuse create_graph (double backward) with a clear error
rather than return a wrong second derivative.
"""

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx.nn.functional import _helpers as H

__all__ = ["pairwise_distance", "cosine_similarity", "pdist", "normalize"]


# -- the p-norm and its derivative ---------------------------------------------------------

def vector_norm(d, p, axis, keepdims=False):
    """The p-norm of ``d`` along ``axis`` (``None``: all elements), as torch.norm: p = 0
    counts non-zeros, +-inf take the max / min of |d|."""
    a = np.abs(d)
    if p == 0:
        return np.sum(a != 0, axis=axis, keepdims=keepdims).astype(d.dtype)
    if p == np.inf:
        return np.max(a, axis=axis, keepdims=keepdims)
    if p == -np.inf:
        return np.min(a, axis=axis, keepdims=keepdims)
    if p == 1:
        return np.sum(a, axis=axis, keepdims=keepdims)
    if p == 2:
        return np.sqrt(np.sum(d * d, axis=axis, keepdims=keepdims))
    with np.errstate(divide="ignore"):          # 0 ** negative p = inf, as in torch
        return np.sum(a ** d.dtype.type(p), axis=axis, keepdims=keepdims) ** d.dtype.type(1 / p)


def norm_backward(d, norm, grad, p, axis):
    """d norm / d d times ``grad`` (arrays; ``norm`` and ``grad`` keep the reduced axis as
    size 1), torch's formula for each range of p."""
    if p == 0:
        return np.zeros_like(d * grad)
    if p == 1:
        return np.sign(d) * grad
    zero_norm = norm == 0
    safe_norm = np.where(zero_norm, 1, norm)
    if p == 2:
        return np.where(zero_norm, 0, grad * d / safe_norm)
    if np.isinf(p):
        hit = (np.abs(d) == norm) | np.isnan(d)       # the maximal (minimal) |d|, shared
        return np.sign(d) * grad * (hit / np.sum(hit, axis=axis, keepdims=True))
    abs_d = np.abs(d)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if p < 1:
            scaled = np.where(d == 0, 0, np.sign(d) * abs_d ** (p - 1))
            return scaled * grad * norm ** (1 - p)
        scaled = np.sign(d) * abs_d ** (p - 1) if p < 2 else d * abs_d ** (p - 2)
        return np.where(zero_norm, 0, scaled * (grad / safe_norm ** (p - 1)))


def _float_dtype(*arrays):
    """torch's result dtype for float math on these arrays (integers: the default float)."""
    return H.result_float_dtype(*arrays) or _C.get_default_dtype().np_dtype


def _first_order(name, grad):
    if _grad.is_tensor(grad):
        raise RuntimeError(f"nnx does not implement double backward (create_graph=True) "
                           f"through {name}")


# -- pairwise_distance ---------------------------------------------------------------------

class NormBackward1(Node):
    """d = x1 - x2 + eps: dx1 = dnorm/dd, dx2 = -dnorm/dd, each summed to its shape."""

    def backward(self, grad):
        _first_order("pairwise_distance", grad)
        if self.p == 0:     # torch's norm backward gives an undefined gradient: grads stay None
            return (None, None)
        d = self.d
        norm = self.norm
        if not self.keepdim:
            grad = _grad.reshape(grad, self.norm.shape)
        gd = norm_backward(d, norm, grad, self.p, self.axis)
        g1 = _grad.cast(_grad.sum_to(gd, self.shapes[0]), self.dtypes[0]) if self.need[0] else None
        g2 = _grad.cast(_grad.sum_to(-gd, self.shapes[1]), self.dtypes[1]) if self.need[1] else None
        return (g1, g2)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of ``x1 - x2 + eps`` over the last dimension (the inputs broadcast).

    Args:
        x1 (Tensor): (N, D) or (D,); any shape broadcastable with ``x2``.
        x2 (Tensor): as ``x1``.
        p (float): the norm degree (0, negative and inf allowed). Default: 2.
        eps (float): added to the difference, avoiding a zero norm. Default: 1e-6.
        keepdim (bool): keep the reduced dimension (size 1). Default: False.

    Example::

        >>> F.pairwise_distance(nnx.tensor([[0.0, 3.0]]), nnx.tensor([[4.0, 0.0]]), eps=0)
        tensor([5.])
    """
    H.check_tensor("pairwise_distance", "x1", 1, x1)
    H.check_tensor("pairwise_distance", "x2", 2, x2)
    a, b = x1._data, x2._data
    H.broadcast_shapes(a.shape, b.shape)
    dtype = _float_dtype(a, b)
    d = a.astype(dtype) - b.astype(dtype) + dtype.type(eps)
    axis = max(a.ndim, b.ndim) - 1 if d.ndim else None
    norm = vector_norm(d, p, axis, keepdims=True)
    out = wrap(norm if keepdim or axis is None else np.squeeze(norm, axis))
    if needs_grad(x1, x2):
        node = NormBackward1()
        node.p, node.axis, node.keepdim, node.norm = p, axis, keepdim, norm
        node.shapes, node.dtypes = (a.shape, b.shape), (a.dtype, b.dtype)
        node.need = (needs_grad(x1), needs_grad(x2))
        node.d = d
        attach(node, (x1, x2), out)
    return out


# -- cosine_similarity ---------------------------------------------------------------------

class SumBackward1(Node):
    """u_i = x_i / max(|x_i|, eps); out = sum(u1 u2).  dx1 = (g u2) / c1 - the norm's
    share, where (as in torch, which clamps under no_grad) the norm's derivative is that of
    the unclamped norm."""

    def backward(self, grad):
        _first_order("cosine_similarity", grad)
        g = _grad.unsqueeze_dims(grad, (self.axis,), len(self.shape))
        grads = []
        for need, x, u_other, c, n, shape, dtype in (
                (self.need[0], self.x1, self.u2, self.c1, self.n1, self.shapes[0],
                 self.dtypes[0]),
                (self.need[1], self.x2, self.u1, self.c2, self.n2, self.shapes[1],
                 self.dtypes[1])):
            if not need:
                grads.append(None)
                continue
            gu = g * u_other
            g_norm = -np.sum(gu * x, axis=self.axis, keepdims=True) / (c * c)
            gx = gu / c + norm_backward(x, n, g_norm, 2, self.axis)
            grads.append(_grad.cast(_grad.sum_to(gx, shape), dtype))
        return tuple(grads)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (they broadcast):
    sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)), each vector normalised first (torch
    2.x's formula, which keeps the result within [-1, 1]).

    Args:
        x1 (Tensor): any shape broadcastable with ``x2``.
        x2 (Tensor): as ``x1``.
        dim (int): the dimension of the vectors, removed from the output. Default: 1.
        eps (float): lower bound of each norm. Default: 1e-8.

    Example::

        >>> F.cosine_similarity(nnx.tensor([[1.0, 0.0]]), nnx.tensor([[1.0, 1.0]]))
        tensor([0.7071])
    """
    H.check_tensor("cosine_similarity", "x1", 1, x1)
    H.check_tensor("cosine_similarity", "x2", 2, x2)
    a, b = x1._data, x2._data
    dtype = H.result_float_dtype(a, b)
    if dtype is None:
        common = np.result_type(a.dtype, b.dtype)
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{H._SCALAR_NAMES[common.name]}")
    shape = H.broadcast_shapes(a.shape, b.shape)
    axis = H.wrap_dim(dim, len(shape))
    shape = shape or (1,)             # 0-d vectors: one element, summed back to 0-d
    # as torch: integers become the common dtype, floats keep theirs for the normalisation
    a = np.broadcast_to(a if a.dtype.kind == "f" else a.astype(dtype), shape)
    b = np.broadcast_to(b if b.dtype.kind == "f" else b.astype(dtype), shape)
    n1 = vector_norm(a, 2, axis, keepdims=True)
    n2 = vector_norm(b, 2, axis, keepdims=True)
    c1, c2 = np.maximum(n1, a.dtype.type(eps)), np.maximum(n2, b.dtype.type(eps))
    u1, u2 = a / c1, b / c2
    out = wrap(np.sum(u1 * u2, axis=axis))
    if needs_grad(x1, x2):
        node = SumBackward1()
        node.axis, node.shape = axis, shape
        node.shapes, node.dtypes = (x1._data.shape, x2._data.shape), (x1._data.dtype,
                                                                       x2._data.dtype)
        node.need = (needs_grad(x1), needs_grad(x2))
        # the broadcast inputs, unit vectors and norms, in the common dtype (the gradient's)
        node.x1, node.x2, node.u1, node.u2, node.n1, node.n2, node.c1, node.c2 = (
            v.astype(dtype) for v in (a, b, u1, u2, n1, n2, c1, c2))
        attach(node, (x1, x2), out)
    return out


# -- pdist ---------------------------------------------------------------------------------

class PdistBackward0(Node):
    """Row pair (i, j), i < j, has distance |x_i - x_j|_p: its gradient is added to row i
    and subtracted from row j."""

    def backward(self, grad):
        _first_order("pdist", grad)
        (x,) = self.saved_tensors
        x_arr = _grad.data(x)
        g = grad[:, None]
        d = x_arr[self.rows_i] - x_arr[self.rows_j]
        gd = norm_backward(d, self.dist[:, None], g, self.p, 1)
        gx = np.zeros_like(x_arr)
        np.add.at(gx, self.rows_i, gd)
        np.subtract.at(gx, self.rows_j, gd)
        return (gx,)


def pdist(input, p=2):
    """The p-norm distance between every pair of rows of an (N, M) input: the upper
    triangle (row-major, without the diagonal) of the (N, N) distance matrix, N (N - 1) / 2
    values.

    Args:
        input (Tensor): (N, M), floating point.
        p (float): the norm degree, >= 0. Default: 2.
    """
    H.check_tensor("pdist", "input", 1, input)
    x = input._data
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if x.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    rows_i, rows_j = np.triu_indices(x.shape[0], k=1)
    dist = vector_norm(x[rows_i] - x[rows_j], p, 1)
    out = wrap(np.asarray(dist, dtype=x.dtype))
    if needs_grad(input):
        node = PdistBackward0()
        node.p, node.rows_i, node.rows_j, node.dist = p, rows_i, rows_j, dist
        attach(node, (input,), out)
        node.save_for_backward(input)
    return out


# -- normalize -----------------------------------------------------------------------------

class DivBackward0(Node):
    """y = x / max(|x|_p, eps): dx = g / c - (sum(g x) / c^2) dnorm/dx where the clamp
    passes (|x|_p >= eps)."""

    def backward(self, grad):
        _first_order("normalize", grad)
        (x,) = self.saved_tensors
        c = self.clamped
        g_c = -np.sum(grad * x, axis=self.axes, keepdims=True) / (c * c)
        g_c = np.where(self.norm >= self.eps, g_c, g_c * 0)
        return (grad / c + norm_backward(x, self.norm, g_c, self.p, self.axes),)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(|x|_p, eps) along ``dim``: unit p-norm vectors.

    Args:
        input (Tensor): any shape, floating point.
        p (float): the norm degree. Default: 2.
        dim (int or tuple of ints): the dimension(s) of the vectors. Default: 1.
        eps (float): lower bound of the norm. Default: 1e-12.
        out (Tensor, optional): written with the result (no autograd), and returned.

    Example::

        >>> F.normalize(nnx.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """
    H.check_tensor("normalize", "input", 1, input)
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {H.scalar_name(x)}")
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    axes = tuple(H.wrap_dim(d, x.ndim) for d in dims) if x.ndim else None
    norm = vector_norm(x, p, axes, keepdims=True)
    clamped = np.maximum(norm, x.dtype.type(eps))
    y = x / clamped
    if out is not None:
        if needs_grad(input):
            raise RuntimeError("div(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        grad_mode = _C.is_grad_enabled()
        _C._set_grad_enabled(False)
        try:
            return out.copy_(wrap(y))
        finally:
            _C._set_grad_enabled(grad_mode)
    result = wrap(y)
    if needs_grad(input):
        node = DivBackward0()
        node.p, node.axes, node.eps, node.norm, node.clamped = p, axes, eps, norm, clamped
        attach(node, (input,), result)
        node.save_for_backward(input)
    return result
