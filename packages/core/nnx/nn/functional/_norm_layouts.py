"""The normalizations on the Cython kernels (nnx/_kernels/norm.pyx): forward and
first-order backward in two passes over memory each.

Two layouts:

* ``Planes``: an (N, C, *) input as P = N*C planes of M = prod(*) values (batch, instance
  and group norm).  The kernels give per-plane sums; the statistics combine planes over
  ``axes`` of ``view``, the (N, C) grid reshaped: batch (N, C) over (0,), instance (N, C)
  over (), group (N, G, C/G) over (2,).  Every elementwise pass takes one float64
  coefficient per plane.
* ``Rows``: (R, K) rows normalized along K, weight and bias indexed along K (layer norm).

The statistics accumulate in float64 and are rounded to the compute dtype (float32 for
float16 input) before use, as the NumPy path does; the node's mean/invstd hold those
rounded values so that a create_graph backward (Tensor ops, _norm_math) sees the same.
Callers take this path for float32/float64 compute dtypes and non-empty inputs only.
"""

import numpy as np

from nnx._kernels import norm as K
from nnx._ops import _grad
from nnx.nn.functional import _norm_math as M


def usable(x):
    """Whether the kernels take the input array ``x`` (float16 computes in float32)."""
    return M.compute_dtype(x) in (np.float32, np.float64) and x.size > 0


def _contiguous(a, dtype, shape):
    return np.ascontiguousarray(a, dtype=dtype).reshape(shape)


class Planes:
    """Batch / instance / group norm geometry (module docstring)."""

    def __init__(self, shape, view, axes):
        self.n, self.c = shape[0], shape[1]
        self.m = M.count(shape, range(2, len(shape)))
        self.view, self.axes = tuple(view), tuple(axes)
        self.kept = tuple(1 if i in self.axes else s for i, s in enumerate(self.view))
        self.per_stat = self.m * M.count(self.view, self.axes)   # values per statistic

    def spread(self, stat):
        """A statistic (one value per group, any shape of that size) as (P,) float64."""
        stat = np.asarray(stat, dtype=np.float64).reshape(self.kept)
        # a copy: reshape(-1) of a broadcast keeps stride 0 when one axis has size 1, and
        # the kernels take C-contiguous memoryviews
        return np.ascontiguousarray(np.broadcast_to(stat, self.view).reshape(-1))

    def per_channel(self, param):
        """A (C,) parameter array (or None: ones) as (P,) float64."""
        if param is None:
            return np.ones(self.n * self.c)
        row = param.reshape(1, self.c).astype(np.float64)
        return np.ascontiguousarray(np.broadcast_to(row, (self.n, self.c)).reshape(-1))

    def group_sum(self, per_plane):
        """Sum of a (P,) array over each statistic's planes, spread back to (P,)."""
        sums = per_plane.reshape(self.view).sum(axis=self.axes, keepdims=True)
        return np.ascontiguousarray(np.broadcast_to(sums, self.view).reshape(-1))

    def moments(self, xc):
        """(mean, biased variance) of each group, float64 in the ``kept`` shape (the planes'
        mean and centered squares combined by Chan's formula)."""
        mean_p, m2_p = K.plane_moments(xc.reshape(self.n * self.c, self.m))
        mean_p, m2_p = mean_p.reshape(self.view), m2_p.reshape(self.view)
        if not self.axes:
            return mean_p, m2_p / self.m
        mean = mean_p.mean(axis=self.axes, keepdims=True)
        spread_sq = np.square(mean_p - mean).sum(axis=self.axes, keepdims=True)
        m2 = m2_p.sum(axis=self.axes, keepdims=True) + self.m * spread_sq
        return mean, m2 / self.per_stat

    def forward(self, xc, weight, bias, mean, invstd):
        """(x - mean) * invstd * weight + bias in xc's dtype (mean/invstd per group)."""
        rstd_p = self.spread(invstd)
        scale = rstd_p * self.per_channel(weight)
        offset = np.zeros_like(scale) if bias is None else self.per_channel(bias)
        out = K.plane_affine(xc.reshape(-1, self.m), self.spread(mean), scale, offset)
        return out.reshape(xc.shape)

    def backward(self, node, x, w, grad):
        """The gradients of input, weight and bias (NormalizeAffineBackward's, first order):
        with g_hat = g * w and x_hat = (x - mean) * rstd, per group
            dx = rstd * (g_hat - mean(g_hat) - x_hat * mean(g_hat * x_hat))
               = a * g + b * (x - mean) + c      (a, b, c one value per plane)
        (dx = rstd * g_hat with constant statistics); dw = sum(g * x_hat), db = sum(g)."""
        xc = M.upcast(x).reshape(-1, self.m)
        g = _contiguous(_grad.data(grad), xc.dtype, xc.shape)
        sum_g, sum_gx = K.plane_grad_sums(g, xc)
        mean_p, rstd_p = self.spread(node.mean), self.spread(node.invstd)
        sum_g_xhat = (sum_gx - mean_p * sum_g) * rstd_p
        need_x, need_w, need_b = node.need
        gx = gw = gb = None
        if need_x:
            w_p = self.per_channel(None if w is None else _grad.data(w))
            a = rstd_p * w_p
            if node.batch_stats:
                m1 = self.group_sum(w_p * sum_g) / self.per_stat
                m2 = self.group_sum(w_p * sum_g_xhat) / self.per_stat
                b = -rstd_p * rstd_p * m2
                c = -rstd_p * m1
            else:
                b = c = np.zeros_like(a)
            gx = K.plane_linear(g, xc, a, b, mean_p, c)
            gx = gx.reshape(x.shape).astype(x.dtype, copy=False)
        if need_w:
            w_arr = _grad.data(w)
            gw = sum_g_xhat.reshape(self.n, self.c).sum(axis=0)
            gw = gw.reshape(w_arr.shape).astype(w_arr.dtype)
        if need_b:
            gb = sum_g.reshape(self.n, self.c).sum(axis=0)
            gb = gb.reshape(node.bias_array.shape).astype(node.bias_array.dtype)
        return gx, gw, gb


def planes_normalize(node_type, input, weight, bias, planes, stats, param_shape, eps,
                     batch_stats):
    """Batch / instance / group norm through the kernels.  ``stats`` = (stat_shape, axes)
    with batch statistics, + (mean, invstd) arrays when constant (running statistics).
    Returns (output Tensor, mean, biased var) with mean/var in the stat shape (var None
    for constant statistics)."""
    x = input._data
    xc = np.ascontiguousarray(M.upcast(x))
    stat_shape, axes = stats[0], stats[1]
    kept = tuple(1 if i in axes else s for i, s in enumerate(stat_shape))
    if batch_stats:
        mean64, var64 = planes.moments(xc)
        mean = mean64.astype(xc.dtype).reshape(kept)
        var = var64.astype(xc.dtype).reshape(kept)
        invstd = M.inv_std(var, eps)
    else:
        mean, invstd = stats[2], stats[3]
        var = None
    w, b = M.data(weight), M.data(bias)
    out = planes.forward(xc, w, b, mean, invstd).astype(x.dtype, copy=False)
    out = M.record(node_type, input, weight, bias, out, (stat_shape, axes, mean, invstd),
                   param_shape, eps, batch_stats, planes)
    return out, mean, var


class Rows:
    """Layer norm geometry: R rows of K values, weight and bias of K values."""

    def __init__(self, rows, width):
        self.rows, self.width = rows, width

    def _param(self, p, dtype):
        return None if p is None else _contiguous(p, dtype, (self.width,))

    def backward(self, node, x, w, grad):
        """Layer norm's gradients (first order), one fused kernel: the row's two sums,
        then dx = rstd * (g_hat - mean(g_hat) - x_hat * mean(g_hat * x_hat))."""
        shape = (self.rows, self.width)
        xc = np.ascontiguousarray(M.upcast(x)).reshape(shape)
        g = _contiguous(_grad.data(grad), xc.dtype, shape)
        w_arr = None if w is None else _grad.data(w)
        need_x, need_w, need_b = node.need
        gx, gw, gb = K.rows_backward(g, xc, _contiguous(node.mean, xc.dtype, (-1,)),
                                     _contiguous(node.invstd, xc.dtype, (-1,)),
                                     self._param(w_arr, xc.dtype), need_x, need_w, need_b)
        if gx is not None:
            gx = gx.reshape(x.shape).astype(x.dtype, copy=False)
        if gw is not None:
            gw = gw.reshape(w_arr.shape).astype(w_arr.dtype)
        if gb is not None:
            gb = gb.reshape(node.bias_array.shape).astype(node.bias_array.dtype)
        return gx, gw, gb


def rows_normalize(node_type, input, weight, bias, axes, param_shape, eps):
    """Layer norm through the fused kernel: returns the output Tensor."""
    x = input._data
    xc = np.ascontiguousarray(M.upcast(x))
    width = M.count(x.shape, axes)
    rows = Rows(xc.size // width, width)
    w = rows._param(M.data(weight), xc.dtype)
    b = rows._param(M.data(bias), xc.dtype)
    out, mean, rstd = K.rows_forward(xc.reshape(rows.rows, width), w, b, eps)
    kept = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    stats = (x.shape, axes, mean.reshape(kept), rstd.reshape(kept))
    out = out.reshape(x.shape).astype(x.dtype, copy=False)
    return M.record(node_type, input, weight, bias, out, stats, param_shape, eps, True, rows)
