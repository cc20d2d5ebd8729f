# cython: language_level=3
"""Pooling kernels: max / average / adaptive pooling, forward and backward.

Every kernel sees its input as planes: ``x_pdhw`` (P planes = N*C, D depth, H height, W
width), C-contiguous; 1-d and 2-d pooling run with D = 1 (and H = 1), so one kernel per
operation serves every rank.  Outputs are ``(P, OD, OH, OW)``.  Max pooling records, for
each output, the flat index of its maximum inside its input plane (``d*H*W + h*W + w``),
torch's index convention; the backward of every max-type pooling scatters through those
indices.  The loops follow torch 2.13's CPU kernels (MaxPoolKernel.cpp, AvgPoolKernel.cpp,
AdaptiveAvgPoolKernel.cpp, AdaptiveMaxPoolKernel.cpp) in window order and arithmetic, so
ties and NaN resolve as torch's: the first maximum in scan order wins, a NaN always wins.

The drivers (``def``) allocate and dispatch on dtype; the kernels (``cdef ... nogil``) only
read validated, contiguous memory.  Sizes and parameters are checked by the caller
(nnx.nn.functional._pooling).
"""

import numpy as np

from cython cimport floating
from libc.math cimport isnan, INFINITY
from libc.stdint cimport int64_t

ctypedef int64_t i64


cdef struct Window:
    # one pooling geometry along the three axes (kernel, stride, padding, dilation)
    i64 kd, kh, kw
    i64 sd, sh, sw
    i64 pd, ph, pw
    i64 dd, dh, dw


cdef inline Window _window(tuple kernel, tuple stride, tuple padding, tuple dilation):
    cdef Window win
    win.kd, win.kh, win.kw = kernel
    win.sd, win.sh, win.sw = stride
    win.pd, win.ph, win.pw = padding
    win.dd, win.dh, win.dw = dilation
    return win


cdef inline i64 _first_inside(i64 start, i64 dilation) noexcept nogil:
    # the first tap of a dilated window that lies at index >= 0 (torch: while (i0 < 0) i0 += d)
    while start < 0:
        start += dilation
    return start


# -- the window loops every kernel shares --------------------------------------------------

cdef struct Box:
    # the input window of one output, [d0, d1) x [h0, h1) x [w0, w1), inside the plane
    i64 d0, d1, h0, h1, w0, w1


cdef inline i64 _box_argmax(const floating* x_dhw, i64 H, i64 W, Box b, i64 dd, i64 dh,
                            i64 dw, floating* best_out) noexcept nogil:
    """Scan the box with steps (dd, dh, dw) in (d, h, w) order; store the maximum in
    ``best_out`` and return its flat index in the plane.  torch's rule: a larger value or
    a NaN replaces the best, so the first maximum wins and a NaN always wins; an empty
    box gives -inf at the box's first index."""
    cdef i64 d, h, w, row
    cdef i64 best = (b.d0 * H + b.h0) * W + b.w0
    cdef floating v, best_v = -INFINITY
    # range() with a runtime step needs the GIL in Cython: explicit loops
    d = b.d0
    while d < b.d1:
        h = b.h0
        while h < b.h1:
            row = (d * H + h) * W
            w = b.w0
            while w < b.w1:
                v = x_dhw[row + w]
                if v > best_v or isnan(v):
                    best_v = v
                    best = row + w
                w += dw
            h += dh
        d += dd
    best_out[0] = best_v
    return best


cdef inline floating _box_sum(const floating* x_dhw, i64 H, i64 W, Box b) noexcept nogil:
    """Sum of the box, accumulated in (d, h, w) order in the input's dtype (as torch)."""
    cdef i64 d, h, w
    cdef const floating* x_row
    cdef floating total = 0
    for d in range(b.d0, b.d1):
        for h in range(b.h0, b.h1):
            x_row = x_dhw + (d * H + h) * W
            for w in range(b.w0, b.w1):
                total = total + x_row[w]
    return total


cdef inline void _box_add(floating* gx_dhw, i64 H, i64 W, Box b,
                          floating share) noexcept nogil:
    """Add ``share`` to every element of the box."""
    cdef i64 d, h, w
    cdef floating* gx_row
    for d in range(b.d0, b.d1):
        for h in range(b.h0, b.h1):
            gx_row = gx_dhw + (d * H + h) * W
            for w in range(b.w0, b.w1):
                gx_row[w] += share


# -- max pooling ---------------------------------------------------------------------------

cdef void _max_pool_fwd(const floating[:, :, :, ::1] x_pdhw, floating[:, :, :, ::1] y_pdhw,
                        i64[:, :, :, ::1] arg_pdhw, Window win) noexcept nogil:
    cdef i64 n_planes = x_pdhw.shape[0]
    cdef i64 D = x_pdhw.shape[1], H = x_pdhw.shape[2], W = x_pdhw.shape[3]
    cdef i64 OD = y_pdhw.shape[1], OH = y_pdhw.shape[2], OW = y_pdhw.shape[3]
    cdef i64 p, od, oh, ow
    cdef Box b
    cdef const floating* x_dhw
    cdef floating* y_o
    cdef i64* arg_o
    for p in range(n_planes):
        # raw pointers: the plane's input, and its outputs written in scan order
        x_dhw = &x_pdhw[p, 0, 0, 0]
        y_o = &y_pdhw[p, 0, 0, 0]
        arg_o = &arg_pdhw[p, 0, 0, 0]
        for od in range(OD):
            b.d0 = od * win.sd - win.pd
            b.d1 = min(b.d0 + (win.kd - 1) * win.dd + 1, D)
            b.d0 = _first_inside(b.d0, win.dd)
            for oh in range(OH):
                b.h0 = oh * win.sh - win.ph
                b.h1 = min(b.h0 + (win.kh - 1) * win.dh + 1, H)
                b.h0 = _first_inside(b.h0, win.dh)
                for ow in range(OW):
                    b.w0 = ow * win.sw - win.pw
                    b.w1 = min(b.w0 + (win.kw - 1) * win.dw + 1, W)
                    b.w0 = _first_inside(b.w0, win.dw)
                    arg_o[0] = _box_argmax(x_dhw, H, W, b, win.dd, win.dh, win.dw, y_o)
                    y_o += 1
                    arg_o += 1


def max_pool_forward(const floating[:, :, :, ::1] x_pdhw, tuple out_size, tuple kernel,
                     tuple stride, tuple padding, tuple dilation):
    """(values, flat argmax indices), each of shape (P,) + out_size."""
    cdef Window win = _window(kernel, stride, padding, dilation)
    shape = (x_pdhw.shape[0],) + out_size
    y = np.empty(shape, dtype=np.float32 if floating is float else np.float64)
    arg = np.empty(shape, dtype=np.int64)
    cdef floating[:, :, :, ::1] y_pdhw = y
    cdef i64[:, :, :, ::1] arg_pdhw = arg
    with nogil:
        _max_pool_fwd(x_pdhw, y_pdhw, arg_pdhw, win)
    return y, arg


cdef void _scatter_add(const floating[:, ::1] g_po, const i64[:, ::1] arg_po,
                       floating[:, ::1] gx_pi) noexcept nogil:
    cdef i64 p, o
    for p in range(g_po.shape[0]):
        for o in range(g_po.shape[1]):
            gx_pi[p, arg_po[p, o]] += g_po[p, o]


def max_pool_backward(const floating[:, ::1] g_po, const i64[:, ::1] arg_po,
                      i64 plane_size):
    """Gradient of any max-type pooling: each output's gradient added at its argmax.

    g_po, arg_po: (P, O) gradients and flat indices; returns (P, plane_size)."""
    dtype = np.float32 if floating is float else np.float64
    gx = np.zeros((g_po.shape[0], plane_size), dtype=dtype)
    cdef floating[:, ::1] gx_pi = gx
    with nogil:
        _scatter_add(g_po, arg_po, gx_pi)
    return gx


# -- average pooling -----------------------------------------------------------------------

cdef struct AvgWindow:
    # clipped window bounds and the divisor of one output position
    Box box
    i64 divisor


cdef inline bint _avg_window(AvgWindow* a, i64 od, i64 oh, i64 ow, i64 D, i64 H, i64 W,
                             Window win, bint count_include_pad,
                             i64 divisor_override) noexcept nogil:
    """torch's cpu_avg_pool window: bounds clipped to the padded input give the
    count_include_pad size, bounds clipped to the input the others; False if empty."""
    cdef Box* b = &a.box
    b.d0 = od * win.sd - win.pd
    b.h0 = oh * win.sh - win.ph
    b.w0 = ow * win.sw - win.pw
    b.d1 = min(b.d0 + win.kd, D + win.pd)
    b.h1 = min(b.h0 + win.kh, H + win.ph)
    b.w1 = min(b.w0 + win.kw, W + win.pw)
    cdef i64 padded_size = (b.d1 - b.d0) * (b.h1 - b.h0) * (b.w1 - b.w0)
    b.d0 = max(b.d0, 0)
    b.h0 = max(b.h0, 0)
    b.w0 = max(b.w0, 0)
    b.d1 = min(b.d1, D)
    b.h1 = min(b.h1, H)
    b.w1 = min(b.w1, W)
    if b.d0 >= b.d1 or b.h0 >= b.h1 or b.w0 >= b.w1:
        return False
    if divisor_override != 0:
        a.divisor = divisor_override
    elif count_include_pad:
        a.divisor = padded_size
    else:
        a.divisor = (b.d1 - b.d0) * (b.h1 - b.h0) * (b.w1 - b.w0)
    return True


cdef void _avg_pool_fwd(const floating[:, :, :, ::1] x_pdhw, floating[:, :, :, ::1] y_pdhw,
                        Window win, bint count_include_pad,
                        i64 divisor_override) noexcept nogil:
    cdef i64 D = x_pdhw.shape[1], H = x_pdhw.shape[2], W = x_pdhw.shape[3]
    cdef i64 p, od, oh, ow
    cdef AvgWindow a
    cdef const floating* x_dhw
    cdef floating* y_o
    for p in range(x_pdhw.shape[0]):
        x_dhw = &x_pdhw[p, 0, 0, 0]
        y_o = &y_pdhw[p, 0, 0, 0]
        for od in range(y_pdhw.shape[1]):
            for oh in range(y_pdhw.shape[2]):
                for ow in range(y_pdhw.shape[3]):
                    if _avg_window(&a, od, oh, ow, D, H, W, win, count_include_pad,
                                   divisor_override):
                        y_o[0] = _box_sum(x_dhw, H, W, a.box) / a.divisor
                    else:
                        y_o[0] = 0
                    y_o += 1


cdef void _avg_pool_bwd(const floating[:, :, :, ::1] g_pdhw, floating[:, :, :, ::1] gx_pdhw,
                        Window win, bint count_include_pad,
                        i64 divisor_override) noexcept nogil:
    cdef i64 D = gx_pdhw.shape[1], H = gx_pdhw.shape[2], W = gx_pdhw.shape[3]
    cdef i64 p, od, oh, ow
    cdef AvgWindow a
    cdef const floating* g_o
    cdef floating* gx_dhw
    for p in range(g_pdhw.shape[0]):
        g_o = &g_pdhw[p, 0, 0, 0]
        gx_dhw = &gx_pdhw[p, 0, 0, 0]
        for od in range(g_pdhw.shape[1]):
            for oh in range(g_pdhw.shape[2]):
                for ow in range(g_pdhw.shape[3]):
                    if _avg_window(&a, od, oh, ow, D, H, W, win, count_include_pad,
                                   divisor_override):
                        _box_add(gx_dhw, H, W, a.box, g_o[0] / a.divisor)
                    g_o += 1


def avg_pool_forward(const floating[:, :, :, ::1] x_pdhw, tuple out_size, tuple kernel,
                     tuple stride, tuple padding, bint count_include_pad, i64 divisor_override):
    """Average pooling of (P, D, H, W) planes; ``divisor_override`` 0 means none."""
    cdef Window win = _window(kernel, stride, padding, (1, 1, 1))
    dtype = np.float32 if floating is float else np.float64
    y = np.empty((x_pdhw.shape[0],) + out_size, dtype=dtype)
    cdef floating[:, :, :, ::1] y_pdhw = y
    with nogil:
        _avg_pool_fwd(x_pdhw, y_pdhw, win, count_include_pad, divisor_override)
    return y


def avg_pool_backward(const floating[:, :, :, ::1] g_pdhw, tuple in_size, tuple kernel,
                      tuple stride, tuple padding, bint count_include_pad,
                      i64 divisor_override):
    """Gradient of ``avg_pool_forward``: each output's gradient shared over its window."""
    cdef Window win = _window(kernel, stride, padding, (1, 1, 1))
    dtype = np.float32 if floating is float else np.float64
    gx = np.zeros((g_pdhw.shape[0],) + in_size, dtype=dtype)
    cdef floating[:, :, :, ::1] gx_pdhw = gx
    with nogil:
        _avg_pool_bwd(g_pdhw, gx_pdhw, win, count_include_pad, divisor_override)
    return gx


# -- adaptive pooling ----------------------------------------------------------------------
# Output i of n over an input of length L reads [floor(i*L/n), ceil((i+1)*L/n)).

cdef inline Box _adaptive_box(i64 od, i64 oh, i64 ow, i64 OD, i64 OH, i64 OW, i64 D, i64 H,
                              i64 W) noexcept nogil:
    cdef Box b
    b.d0 = (od * D) // OD
    b.d1 = ((od + 1) * D + OD - 1) // OD
    b.h0 = (oh * H) // OH
    b.h1 = ((oh + 1) * H + OH - 1) // OH
    b.w0 = (ow * W) // OW
    b.w1 = ((ow + 1) * W + OW - 1) // OW
    return b


cdef void _adaptive_avg_fwd(const floating[:, :, :, ::1] x_pdhw,
                            floating[:, :, :, ::1] y_pdhw) noexcept nogil:
    cdef i64 D = x_pdhw.shape[1], H = x_pdhw.shape[2], W = x_pdhw.shape[3]
    cdef i64 OD = y_pdhw.shape[1], OH = y_pdhw.shape[2], OW = y_pdhw.shape[3]
    cdef i64 p, od, oh, ow
    cdef Box b
    for p in range(x_pdhw.shape[0]):
        for od in range(OD):
            for oh in range(OH):
                for ow in range(OW):
                    b = _adaptive_box(od, oh, ow, OD, OH, OW, D, H, W)
                    # torch divides by each extent in turn: sum / kd / kh / kw
                    y_pdhw[p, od, oh, ow] = (_box_sum(&x_pdhw[p, 0, 0, 0], H, W, b)
                                             / (b.d1 - b.d0) / (b.h1 - b.h0) / (b.w1 - b.w0))


cdef void _adaptive_avg_bwd(const floating[:, :, :, ::1] g_pdhw,
                            floating[:, :, :, ::1] gx_pdhw) noexcept nogil:
    cdef i64 D = gx_pdhw.shape[1], H = gx_pdhw.shape[2], W = gx_pdhw.shape[3]
    cdef i64 OD = g_pdhw.shape[1], OH = g_pdhw.shape[2], OW = g_pdhw.shape[3]
    cdef i64 p, od, oh, ow
    cdef Box b
    for p in range(g_pdhw.shape[0]):
        for od in range(OD):
            for oh in range(OH):
                for ow in range(OW):
                    b = _adaptive_box(od, oh, ow, OD, OH, OW, D, H, W)
                    _box_add(&gx_pdhw[p, 0, 0, 0], H, W, b,
                             g_pdhw[p, od, oh, ow] / (b.d1 - b.d0) / (b.h1 - b.h0)
                             / (b.w1 - b.w0))


cdef void _adaptive_max_fwd(const floating[:, :, :, ::1] x_pdhw, floating[:, :, :, ::1] y_pdhw,
                            i64[:, :, :, ::1] arg_pdhw) noexcept nogil:
    cdef i64 D = x_pdhw.shape[1], H = x_pdhw.shape[2], W = x_pdhw.shape[3]
    cdef i64 OD = y_pdhw.shape[1], OH = y_pdhw.shape[2], OW = y_pdhw.shape[3]
    cdef i64 p, od, oh, ow
    cdef Box b
    for p in range(x_pdhw.shape[0]):
        for od in range(OD):
            for oh in range(OH):
                for ow in range(OW):
                    b = _adaptive_box(od, oh, ow, OD, OH, OW, D, H, W)
                    arg_pdhw[p, od, oh, ow] = _box_argmax(&x_pdhw[p, 0, 0, 0], H, W, b, 1, 1,
                                                          1, &y_pdhw[p, od, oh, ow])


def adaptive_avg_forward(const floating[:, :, :, ::1] x_pdhw, tuple out_size):
    """Adaptive average pooling of (P, D, H, W) planes to (P,) + out_size."""
    dtype = np.float32 if floating is float else np.float64
    y = np.empty((x_pdhw.shape[0],) + out_size, dtype=dtype)
    cdef floating[:, :, :, ::1] y_pdhw = y
    with nogil:
        _adaptive_avg_fwd(x_pdhw, y_pdhw)
    return y


def adaptive_avg_backward(const floating[:, :, :, ::1] g_pdhw, tuple in_size):
    """Gradient of ``adaptive_avg_forward``."""
    dtype = np.float32 if floating is float else np.float64
    gx = np.zeros((g_pdhw.shape[0],) + in_size, dtype=dtype)
    cdef floating[:, :, :, ::1] gx_pdhw = gx
    with nogil:
        _adaptive_avg_bwd(g_pdhw, gx_pdhw)
    return gx


def adaptive_max_forward(const floating[:, :, :, ::1] x_pdhw, tuple out_size):
    """(values, flat argmax indices), each of shape (P,) + out_size."""
    shape = (x_pdhw.shape[0],) + out_size
    y = np.empty(shape, dtype=np.float32 if floating is float else np.float64)
    arg = np.empty(shape, dtype=np.int64)
    cdef floating[:, :, :, ::1] y_pdhw = y
    cdef i64[:, :, :, ::1] arg_pdhw = arg
    with nogil:
        _adaptive_max_fwd(x_pdhw, y_pdhw, arg_pdhw)
    return y, arg
