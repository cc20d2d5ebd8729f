"""Convolution on NumPy arrays: im2col + GEMM over chunks of the batch, and the adjoints.

Legend: N batch, C input channels, O output channels, G groups, K = KD*KH*KW kernel taps,
R = C*K rows of the column matrix, P output positions (OD*OH*OW), Q input positions.
Every array here is lifted to three spatial dimensions (1-D and 2-D get leading singleton
ones, so one kernel serves all), and every geometry argument is a 3-tuple (d, h, w).

    conv:       cols = im2col(x)                     (B, R, P) for a chunk of B samples
                y    = W_(G, O/G, R/G) @ cols_(B, G, R/G, P)       one np.matmul
    dx:         x    = col2im(W^T @ g)
    dW:         sum_n g_n @ cols_n^T                 (columns rebuilt chunk by chunk)
    transposed: the adjoint of conv: y = col2im(W^T @ x), dx = W @ im2col(g).

The batch is walked in chunks whose column matrix fits in CHUNK_BYTES, in one buffer
reused by every chunk: a column matrix of the whole batch is K times the input (75 MB for
bench_conv's 32x64x32x32 3x3 case) and writing it into fresh memory cost more than the
GEMMs (page faults; 23 ms against 4 ms for a warm buffer).  np.matmul hands each (G, n)
pair of 2-D blocks to BLAS (sgemm/dgemm).  float16 computes in float32 and integers in
float64 (exact below 2**53), and the results are cast back by the caller.
"""

import math

import numpy as np

from nnx._kernels import im2col as _k

CHUNK_BYTES = 4 * 2**20


def compute_dtype(dtype):
    """The dtype the kernels run in for ``dtype``."""
    if dtype == np.float32 or dtype == np.float64:
        return dtype
    return np.dtype(np.float32) if dtype == np.float16 else np.dtype(np.float64)


def cast_back(arr, dtype):
    if arr.dtype == dtype:
        return arr
    if dtype.kind in "iu":
        arr = np.rint(arr)
    return arr.astype(dtype)


def lift(arr, spatial):
    """(N, C, *spatial) -> (N, C, D, H, W) with leading singleton spatial dimensions."""
    pad = (1,) * (3 - spatial)
    return arr.reshape(arr.shape[:2] + pad + arr.shape[2:])


def lift_params(values, fill):
    return (fill,) * (3 - len(values)) + tuple(int(v) for v in values)


def _is_pointwise(kernel, stride, pad, in_spatial, out):
    """A 1x1 stride-1 unpadded kernel whose output grid is the input grid: the column matrix
    is the input itself.  A transposed convolution's output can be longer than its input
    (output_padding with dilation > stride), which rules the shortcut out."""
    return (tuple(kernel) == (1, 1, 1) and stride == (1, 1, 1) and pad == (0, 0, 0)
            and tuple(in_spatial) == tuple(out))


def _chunks(n, rows, cols, dtype):
    """Slices of the batch whose (B, rows, cols) column matrix fits in CHUNK_BYTES."""
    per_sample = max(rows * cols * np.dtype(dtype).itemsize, 1)
    step = max(1, min(n, CHUNK_BYTES // per_sample))
    return [slice(s, min(n, s + step)) for s in range(0, n, step)], step


def columns(x5, kernel, stride, pad, dilation, out, buffer=None):
    """im2col of x5 (B, C, D, H, W) -> (B, C*K, P), into ``buffer`` when given; a view of
    x for 1x1 stride-1 kernels."""
    n, c = x5.shape[:2]
    if _is_pointwise(kernel, stride, pad, x5.shape[2:], out):
        return np.ascontiguousarray(x5).reshape(n, c, -1)
    shape = (n, c * math.prod(kernel), math.prod(out))
    cols = np.empty(shape, x5.dtype) if buffer is None else buffer[:n]
    _k.im2col(np.ascontiguousarray(x5), cols, tuple(kernel), stride, pad, dilation, tuple(out))
    return cols


def add_columns(cols, x5, kernel, stride, pad, dilation, out):
    """col2im: (B, C*K, P) columns added into ``x5`` (B, C, D, H, W), zeroed by the caller."""
    if _is_pointwise(kernel, stride, pad, x5.shape[2:], out):
        x5.reshape(cols.shape)[...] += cols
        return
    _k.col2im(np.ascontiguousarray(cols), x5, tuple(kernel), stride, pad, dilation, tuple(out))


def conv_forward(x5, w5, stride, pad, dilation, out, groups):
    """y (N, O, *out) = W @ im2col(x), chunk by chunk."""
    n, o = x5.shape[0], w5.shape[0]
    kernel, p = w5.shape[2:], math.prod(out)
    w_gok = w5.reshape(groups, o // groups, -1)
    y = np.empty((n, groups, o // groups, p), x5.dtype)
    rows = w_gok.shape[2] * groups
    chunks, step = _chunks(n, rows, p, x5.dtype)
    pointwise = _is_pointwise(kernel, stride, pad, x5.shape[2:], out)
    buffer = None if pointwise else np.empty((step, rows, p), x5.dtype)
    for s in chunks:
        cols = columns(x5[s], kernel, stride, pad, dilation, out, buffer)
        np.matmul(w_gok, cols.reshape(-1, groups, rows // groups, p), out=y[s])
    return y.reshape((n, o) + tuple(out))


def conv_grads(g5, x5, w5, stride, pad, dilation, groups, need_x, need_w):
    """(dx, dW) of the convolution: dx = col2im(W^T g) chunk by chunk, dW = g @ cols^T."""
    dw = (weight_grad(g5, x5, w5.shape[2:], stride, pad, dilation, groups).reshape(w5.shape)
          if need_w else None)
    if not need_x:
        return None, dw
    n, o = g5.shape[:2]
    kernel, out, p = w5.shape[2:], g5.shape[2:], math.prod(g5.shape[2:])
    w_gok = w5.reshape(groups, o // groups, -1)
    rows = w_gok.shape[2] * groups
    chunks, step = _chunks(n, rows, p, g5.dtype)
    dcols_buffer = np.empty((step, groups, rows // groups, p), g5.dtype)
    dx = np.zeros(x5.shape, g5.dtype)
    for s in chunks:
        dcols = dcols_buffer[:s.stop - s.start]
        np.matmul(w_gok.transpose(0, 2, 1), g5[s].reshape(-1, groups, o // groups, p),
                  out=dcols)
        add_columns(dcols.reshape(-1, rows, p), dx[s], kernel, stride, pad, dilation, out)
    return dx, dw


def weight_grad(g5, x5, kernel, stride, pad, dilation, groups):
    """dW (G, O/G, C/G*K) = sum_n g_n @ im2col(x_n)^T, columns built chunk by chunk."""
    n, o = g5.shape[:2]
    out, p = g5.shape[2:], math.prod(g5.shape[2:])
    rows = x5.shape[1] * math.prod(kernel)
    chunks, step = _chunks(n, rows, p, g5.dtype)
    pointwise = _is_pointwise(kernel, stride, pad, x5.shape[2:], out)
    buffer = None if pointwise else np.empty((step, rows, p), g5.dtype)
    dw = np.zeros((groups, o // groups, rows // groups), g5.dtype)
    for s in chunks:
        cols = columns(x5[s], kernel, stride, pad, dilation, out, buffer)
        cols = cols.reshape(-1, groups, rows // groups, p).transpose(0, 1, 3, 2)
        dw += np.matmul(g5[s].reshape(-1, groups, o // groups, p), cols).sum(axis=0)
    return dw


def transpose_forward(x5, w5, stride, pad, dilation, out, groups):
    """y (N, O, *out) = col2im(W^T x); x5 (N, C, *in), w5 (C, O/G, *kernel)."""
    n, c = x5.shape[:2]
    o = w5.shape[1] * groups
    kernel, q = w5.shape[2:], math.prod(x5.shape[2:])
    w_grk = w5.reshape(groups, c // groups, -1)
    rows = w_grk.shape[2] * groups
    y = np.zeros((n, o) + tuple(out), x5.dtype)
    chunks, step = _chunks(n, rows, q, x5.dtype)
    buffer = np.empty((step, groups, rows // groups, q), x5.dtype)
    for s in chunks:
        cols = buffer[:s.stop - s.start]
        np.matmul(w_grk.transpose(0, 2, 1), x5[s].reshape(-1, groups, c // groups, q),
                  out=cols)
        add_columns(cols.reshape(-1, rows, q), y[s], kernel, stride, pad, dilation,
                    x5.shape[2:])
    return y


def transpose_grads(g5, x5, w5, stride, pad, dilation, groups, need_x, need_w):
    """(dx, dW) of the transposed convolution: both read the columns of g."""
    n, c = x5.shape[:2]
    kernel, in_spatial, q = w5.shape[2:], x5.shape[2:], math.prod(x5.shape[2:])
    w_grk = w5.reshape(groups, c // groups, -1)
    rows = w_grk.shape[2] * groups
    chunks, step = _chunks(n, rows, q, g5.dtype)
    buffer = np.empty((step, rows, q), g5.dtype)
    dx = np.empty((n, groups, c // groups, q), g5.dtype) if need_x else None
    dw = np.zeros(w_grk.shape, g5.dtype) if need_w else None
    for s in chunks:
        gcols = columns(g5[s], kernel, stride, pad, dilation, in_spatial, buffer)
        gcols = gcols.reshape(-1, groups, rows // groups, q)          # (B, G, O/G*K, Q)
        if need_x:
            np.matmul(w_grk, gcols, out=dx[s])
        if need_w:
            x_bgcq = x5[s].reshape(-1, groups, c // groups, q)
            dw += np.matmul(x_bgcq, gcols.transpose(0, 1, 3, 2)).sum(axis=0)
    return (None if dx is None else dx.reshape(x5.shape),
            None if dw is None else dw.reshape(w5.shape))
