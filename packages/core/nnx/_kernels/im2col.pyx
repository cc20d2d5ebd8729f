# cython: language_level=3
"""im2col / col2im: the data movement that turns convolution into one GEMM.

Legend: N batch, C channels, D H W input depth/height/width, KD KH KW kernel extents,
OD OH OW output extents, R = C*KD*KH*KW rows of the column matrix, P = OD*OH*OW columns.
1-D and 2-D convolutions, fold and unfold run the same 3-D kernels with singleton leading
spatial dimensions (kernel 1, stride 1, padding 0, dilation 1 there).

    im2col:  cols_nrp[n, (c, kd, kh, kw), (od, oh, ow)] =
                 x_ncdhw[n, c, od*sd - pd + kd*dd, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw]
             (zero where the index falls in the padding)
    col2im:  the adjoint: every column entry is added back into the input position it was
             read from (overlapping windows accumulate).

The drivers (``def``) take C-contiguous arrays that the caller has already validated and
shaped; the kernels below them run on raw pointers without the GIL.  Along W the valid
output range of each kernel tap is computed once, so the innermost loop has no branch.
"""

from cython cimport floating
from libc.string cimport memset


cdef struct Geometry:
    Py_ssize_t C, D, H, W
    Py_ssize_t KD, KH, KW
    Py_ssize_t OD, OH, OW
    Py_ssize_t sd, sh, sw
    Py_ssize_t pd, ph, pw
    Py_ssize_t dd, dh, dw


cdef inline Py_ssize_t _ceil_div(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    """ceil(a / b) for b > 0 and any sign of a (C division truncates toward zero)."""
    if a >= 0:
        return (a + b - 1) // b
    return -((-a) // b)


cdef inline Py_ssize_t _clamp(Py_ssize_t v, Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    return lo if v < lo else (hi if v > hi else v)


cdef void _im2col_sample(const floating* x_cdhw, floating* cols_rp,
                         const Geometry* g) noexcept nogil:
    cdef Py_ssize_t plane = g.OH * g.OW, volume = g.D * g.H * g.W
    cdef Py_ssize_t c, kd, kh, kw, od, oh, ow, i_d, i_h, off_w, lo, hi
    cdef floating* dst = cols_rp
    cdef const floating* x_row
    for c in range(g.C):
        for kd in range(g.KD):
            for kh in range(g.KH):
                for kw in range(g.KW):
                    off_w = kw * g.dw - g.pw
                    lo = _clamp(_ceil_div(-off_w, g.sw), 0, g.OW)
                    hi = _clamp(_ceil_div(g.W - off_w, g.sw), lo, g.OW)
                    for od in range(g.OD):
                        i_d = od * g.sd + kd * g.dd - g.pd
                        if i_d < 0 or i_d >= g.D:
                            memset(dst, 0, plane * sizeof(floating))
                            dst += plane
                            continue
                        for oh in range(g.OH):
                            i_h = oh * g.sh + kh * g.dh - g.ph
                            if i_h < 0 or i_h >= g.H:
                                memset(dst, 0, g.OW * sizeof(floating))
                                dst += g.OW
                                continue
                            x_row = x_cdhw + c * volume + (i_d * g.H + i_h) * g.W + off_w
                            for ow in range(lo):
                                dst[ow] = 0
                            if g.sw == 1:
                                for ow in range(lo, hi):
                                    dst[ow] = x_row[ow]
                            else:
                                for ow in range(lo, hi):
                                    dst[ow] = x_row[ow * g.sw]
                            for ow in range(hi, g.OW):
                                dst[ow] = 0
                            dst += g.OW


cdef void _col2im_sample(const floating* cols_rp, floating* x_cdhw,
                         const Geometry* g) noexcept nogil:
    cdef Py_ssize_t plane = g.OH * g.OW, volume = g.D * g.H * g.W
    cdef Py_ssize_t c, kd, kh, kw, od, oh, ow, i_d, i_h, off_w, lo, hi
    cdef const floating* src = cols_rp
    cdef floating* x_row
    for c in range(g.C):
        for kd in range(g.KD):
            for kh in range(g.KH):
                for kw in range(g.KW):
                    off_w = kw * g.dw - g.pw
                    lo = _clamp(_ceil_div(-off_w, g.sw), 0, g.OW)
                    hi = _clamp(_ceil_div(g.W - off_w, g.sw), lo, g.OW)
                    for od in range(g.OD):
                        i_d = od * g.sd + kd * g.dd - g.pd
                        if i_d < 0 or i_d >= g.D:
                            src += plane
                            continue
                        for oh in range(g.OH):
                            i_h = oh * g.sh + kh * g.dh - g.ph
                            if i_h >= 0 and i_h < g.H:
                                x_row = x_cdhw + c * volume + (i_d * g.H + i_h) * g.W + off_w
                                if g.sw == 1:
                                    for ow in range(lo, hi):
                                        x_row[ow] += src[ow]
                                else:
                                    for ow in range(lo, hi):
                                        x_row[ow * g.sw] += src[ow]
                            src += g.OW


cdef Geometry _geometry(tuple x_shape, tuple cols_shape, tuple kernel, tuple stride,
                        tuple padding, tuple dilation, tuple out_size) except *:
    cdef Geometry g
    g.C, g.D, g.H, g.W = x_shape[1], x_shape[2], x_shape[3], x_shape[4]
    g.KD, g.KH, g.KW = kernel
    g.sd, g.sh, g.sw = stride
    g.pd, g.ph, g.pw = padding
    g.dd, g.dh, g.dw = dilation
    g.OD, g.OH, g.OW = out_size
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1 or min(out_size) < 0:
        raise ValueError("im2col: kernel, stride and dilation must be positive")
    if cols_shape[0] != x_shape[0] or cols_shape[1] != g.C * g.KD * g.KH * g.KW \
            or cols_shape[2] != g.OD * g.OH * g.OW:
        raise ValueError(f"im2col: columns of shape {cols_shape} do not match input "
                         f"{x_shape}, kernel {kernel} and output size {out_size}")
    return g


def im2col(const floating[:, :, :, :, ::1] x_ncdhw, floating[:, :, ::1] cols_nrp,
           tuple kernel, tuple stride, tuple padding, tuple dilation, tuple out_size):
    """Write the column matrix of ``x_ncdhw`` (N, C, D, H, W) into ``cols_nrp``
    (N, C*KD*KH*KW, OD*OH*OW); every argument after the arrays is a 3-tuple (d, h, w)."""
    cdef Geometry g = _geometry(
        (x_ncdhw.shape[0], x_ncdhw.shape[1], x_ncdhw.shape[2], x_ncdhw.shape[3], x_ncdhw.shape[4]),
        (cols_nrp.shape[0], cols_nrp.shape[1], cols_nrp.shape[2]),
        kernel, stride, padding, dilation, out_size)
    cdef Py_ssize_t n
    if cols_nrp.shape[1] == 0 or cols_nrp.shape[2] == 0:
        return
    with nogil:
        for n in range(x_ncdhw.shape[0]):
            _im2col_sample(&x_ncdhw[n, 0, 0, 0, 0], &cols_nrp[n, 0, 0], &g)


def col2im(const floating[:, :, ::1] cols_nrp, floating[:, :, :, :, ::1] x_ncdhw,
           tuple kernel, tuple stride, tuple padding, tuple dilation, tuple out_size):
    """Add the column matrix ``cols_nrp`` (N, C*KD*KH*KW, OD*OH*OW) back into ``x_ncdhw``
    (N, C, D, H, W), which the caller zeroes (or pre-fills) first; the adjoint of im2col."""
    cdef Geometry g = _geometry(
        (x_ncdhw.shape[0], x_ncdhw.shape[1], x_ncdhw.shape[2], x_ncdhw.shape[3], x_ncdhw.shape[4]),
        (cols_nrp.shape[0], cols_nrp.shape[1], cols_nrp.shape[2]),
        kernel, stride, padding, dilation, out_size)
    cdef Py_ssize_t n
    if cols_nrp.shape[1] == 0 or cols_nrp.shape[2] == 0 or x_ncdhw.shape[2] == 0 \
            or x_ncdhw.shape[3] == 0 or x_ncdhw.shape[4] == 0:
        return
    with nogil:
        for n in range(x_ncdhw.shape[0]):
            _col2im_sample(&cols_nrp[n, 0, 0], &x_ncdhw[n, 0, 0, 0, 0], &g)
