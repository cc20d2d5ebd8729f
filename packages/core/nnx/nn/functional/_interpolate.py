"""Resampling along spatial axes as per-axis taps: the arithmetic of torch's upsample_*.

Every mode torch's CPU kernels implement separably (nearest, nearest-exact, linear,
bilinear, trilinear, bicubic) is, along each spatial axis, a set of taps: for output
position o, source indices ``idx_k[o]`` and weights ``w_k[o]`` (k < 1, 2 or 4).  The
forward resamples the last axis first, then the ones before it, forming
``sum_k w_k * x[idx_k]`` in tap order, which is the order torch's ``Interpolate``
recursion adds in; its transpose (the backward) is one matrix product per axis.

Index and weight arithmetic follows aten/native/UpSample.h: ``compute_scales_value``
(1/scale_factor when one was given, else in/out), ``area_pixel_compute_source_index``,
``nearest_idx`` (float32 arithmetic, exact shortcuts for out == in and out == 2 in) and
the cubic convolution coefficients with A = -0.75.  Linear and cubic weights are
computed in the input's dtype, as torch's ``opmath`` type is for float32 and float64.
"""

import numpy as np

# -- per-axis taps -------------------------------------------------------------------------


def _scale_value(scale, in_size, out_size, dtype):
    """compute_scales_value: 1/scale if a positive scale was given, else in/out."""
    if scale is not None and scale > 0:
        return dtype(1.0 / scale)
    return dtype(in_size) / dtype(out_size)


def nearest_taps(in_size, out_size, scale, exact):
    """Source index of each output position for 'nearest' / 'nearest-exact'."""
    out = np.arange(out_size, dtype=np.int64)
    if not exact and out_size == in_size:
        return [(out, None)]
    if not exact and out_size == 2 * in_size:
        return [(out >> 1, None)]
    s = _scale_value(scale, in_size, out_size, np.float32)
    if exact:   # (dst + 0.5) * scale is a double product, floored in float (floorf)
        src = np.floor(((out + 0.5) * np.float64(s)).astype(np.float32))
    else:
        src = np.floor(out.astype(np.float32) * s)
    return [(np.minimum(src.astype(np.int64), in_size - 1), None)]


def _area_scale(in_size, out_size, align_corners, scale, dtype):
    if align_corners:
        return dtype(in_size - 1) / dtype(out_size - 1) if out_size > 1 else dtype(0)
    return _scale_value(scale, in_size, out_size, dtype)


def _source_index(ratio, out, align_corners, cubic, dtype):
    """area_pixel_compute_source_index over all output positions."""
    dst = out.astype(dtype)
    if align_corners:
        return ratio * dst
    src = ratio * (dst + dtype(0.5)) - dtype(0.5)
    return src if cubic else np.maximum(src, dtype(0))


def _index_and_lambda(real, in_size, dtype):
    """guard_index_and_lambda: floor index (at most in - 1) and fraction in [0, 1]."""
    index = np.minimum(np.floor(real).astype(np.int64), in_size - 1)
    lam = np.clip(real - index.astype(dtype), dtype(0), dtype(1)).astype(dtype)
    return index, lam


def linear_taps(in_size, out_size, scale, align_corners, dtype):
    out = np.arange(out_size, dtype=np.int64)
    if out_size == in_size:                       # torch copies: weights (1, 0)
        return [(out, np.ones(out_size, dtype)), (np.zeros(out_size, np.int64),
                                                   np.zeros(out_size, dtype))]
    ratio = _area_scale(in_size, out_size, align_corners, scale, dtype)
    index0, lam1 = _index_and_lambda(_source_index(ratio, out, align_corners, False, dtype),
                                     in_size, dtype)
    index1 = index0 + (index0 < in_size - 1)
    return [(index0, (dtype(1) - lam1).astype(dtype)), (index1, lam1)]


def _cubic_coefficients(t, dtype):
    """get_cubic_upsample_coefficients with A = -0.75."""
    a = dtype(-0.75)

    def near(x):    # cubic_convolution1, |x| <= 1
        return ((a + dtype(2)) * x - (a + dtype(3))) * x * x + dtype(1)

    def far(x):     # cubic_convolution2, 1 < |x| < 2
        return ((a * x - dtype(5) * a) * x + dtype(8) * a) * x - dtype(4) * a

    one = dtype(1)
    return [far(t + one), near(t), near(one - t), far((one - t) + one)]


def cubic_taps(in_size, out_size, scale, align_corners, dtype):
    out = np.arange(out_size, dtype=np.int64)
    ratio = _area_scale(in_size, out_size, align_corners, scale, dtype)
    real = _source_index(ratio, out, align_corners, True, dtype)
    index, t = _index_and_lambda(real, in_size, dtype)
    weights = _cubic_coefficients(t, dtype)
    return [(np.clip(index - 1 + k, 0, in_size - 1), weights[k].astype(dtype))
            for k in range(4)]


def _aa_linear(x):
    return np.maximum(0.0, 1.0 - np.abs(x))


def _aa_cubic(x):
    """Keys' cubic with a = -0.5 (torch's antialias filter for bicubic)."""
    a = -0.5
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def antialias_taps(in_size, out_size, scale, align_corners, cubic, dtype):
    """_compute_weights_aa: a filter stretched by the scale when downsampling, its
    weights normalised to sum 1; taps beyond a window's size get weight 0."""
    if in_size == out_size:        # torch skips the pass for an axis it does not resize
        return [(np.arange(out_size, dtype=np.int64), None)]
    ratio = _area_scale(in_size, out_size, align_corners, scale, dtype)
    half = 2.0 if cubic else 1.0                       # interp_size / 2
    support = dtype(half * ratio if ratio >= 1.0 else half)
    max_taps = int(np.ceil(support)) * 2 + 1
    inv = dtype(1.0 / ratio) if ratio >= 1.0 else dtype(1.0)
    center = (np.float64(ratio) * (np.arange(out_size) + 0.5)).astype(dtype)
    # C++ promotion: (float - float) + 0.5 is a double; the cast truncates toward zero
    xmin = np.maximum(((center - support).astype(np.float64) + 0.5).astype(np.int64), 0)
    xsize = np.minimum(((center + support).astype(np.float64) + 0.5).astype(np.int64),
                       in_size) - xmin
    xsize = np.clip(xsize, 0, max_taps)
    j = np.arange(max_taps)
    offsets = ((j[None, :] + xmin[:, None]).astype(dtype) - center[:, None]).astype(np.float64)
    offsets = (offsets + 0.5) * np.float64(inv)
    w = (_aa_cubic if cubic else _aa_linear)(offsets.astype(dtype)).astype(dtype)
    w = np.where(j[None, :] < xsize[:, None], w, dtype(0))
    total = w.sum(axis=1, dtype=dtype)
    w = np.where(total[:, None] != 0, w / np.where(total == 0, 1, total)[:, None], w)
    index = np.minimum(xmin[:, None] + j[None, :], in_size - 1)
    return [(index[:, k], w[:, k].astype(dtype)) for k in range(max_taps)]


# -- applying taps -------------------------------------------------------------------------

def resample(values, taps_per_axis):
    """Apply ``taps_per_axis`` (one entry per trailing spatial axis) to ``values``."""
    n = len(taps_per_axis)
    for j in range(n - 1, -1, -1):                 # the last axis first, as torch nests
        axis = values.ndim - n + j
        shape = [1] * values.ndim
        shape[axis] = -1
        total = None
        for index, weight in taps_per_axis[j]:
            term = np.take(values, index, axis=axis)
            if weight is not None:
                term = term * weight.reshape(shape)
            total = term if total is None else total + term
        values = total
    return values


def _tap_matrix(taps, in_size, dtype):
    out_size = len(taps[0][0])
    m = np.zeros((out_size, in_size), dtype=dtype)
    rows = np.arange(out_size)
    for index, weight in taps:
        np.add.at(m, (rows, index), 1 if weight is None else weight)
    return m


def resample_transpose(g, taps_per_axis, in_spatial):
    """The adjoint of ``resample``: the gradient of its input from that of its output."""
    n = len(taps_per_axis)
    for j in range(n):
        axis = g.ndim - n + j
        m = _tap_matrix(taps_per_axis[j], in_spatial[j], g.dtype)
        g = np.moveaxis(np.tensordot(g, m, axes=([axis], [0])), -1, axis)
    return np.ascontiguousarray(g)
