# cython: language_level=3
"""Normalization kernels: statistics, normalize-and-affine, and the closed-form backward,
in few passes over memory (each pass over a plane or row that stays in cache).

Two layouts serve every normalization:

* planes ``x_pm`` (P planes, M contiguous values each): batch, instance and group norm see
  an (N, C, *) input as P = N*C planes of M = prod(*) values.  The kernels give per-plane
  sums; the caller (nnx.nn.functional._norm_math) combines planes into the statistics of
  each channel (batch), plane (instance) or group of channels (group), and hands back one
  coefficient per plane for the elementwise pass.
* rows ``x_rk`` (R rows, K contiguous values): layer norm normalizes each row, with weight
  and bias indexed along the row; one fused kernel per direction.

Sums accumulate in float64 (torch's CPU acc_type of float) with two passes per plane/row
(mean, then centered squares), exact for float32 data whatever its offset.  Inputs are
C-contiguous float32 or float64 (float16 is upcast by the caller); the kernels
(``cdef ... nogil``) only read validated memory, the drivers (``def``) allocate.
"""

import numpy as np

from cython cimport floating
from libc.math cimport sqrt
from libc.stdint cimport int64_t

ctypedef int64_t i64


# -- sums ------------------------------------------------------------------------------------
# Eight lanes in x's dtype (GCC/Clang vector types: the compiler does not vectorize a
# float reduction by itself, as that reorders additions), flushed into a float64 total
# every BLOCK values: a float32 lane adds at most BLOCK / 8 values, so its rounding stays
# ~1e-7 relative.  Other compilers get the plain loop in float64.

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #define NNX_NORM_BLOCK 256
    #if defined(__GNUC__) || defined(__clang__)
    #define NNX_NORM_SUMS(T, V, LANES)                                                  \
    typedef T V __attribute__((vector_size(16)));                                       \
    static inline V V##_load(const T* p) { V v; memcpy(&v, p, sizeof v); return v; }   \
    static inline double V##_total(V v) {                                               \
        double t = 0.0;                                                                 \
        for (int j = 0; j < LANES; j++) t += (double)v[j];                              \
        return t;                                                                       \
    }                                                                                   \
    /* sum(a), and sum((a - m)^2) when sq is not NULL */                               \
    static inline double V##_sums(const T* a, int64_t n, T m, double* sq) {             \
        double total = 0.0, total_sq = 0.0;                                             \
        V mv; for (int j = 0; j < LANES; j++) mv[j] = m;                                \
        int64_t i = 0;                                                                  \
        while (i < n) {                                                                 \
            int64_t end = i + NNX_NORM_BLOCK < n ? i + NNX_NORM_BLOCK : n;              \
            V s0 = {0}, s1 = {0}, q0 = {0}, q1 = {0};                                   \
            T tail = 0, tail_sq = 0;                                                    \
            for (; i + 2 * LANES <= end; i += 2 * LANES) {                              \
                V a0 = V##_load(a + i), a1 = V##_load(a + i + LANES);                   \
                s0 += a0; s1 += a1;                                                     \
                if (sq) { a0 -= mv; a1 -= mv; q0 += a0 * a0; q1 += a1 * a1; }           \
            }                                                                           \
            for (; i < end; i++) { tail += a[i]; tail_sq += (a[i] - m) * (a[i] - m); }  \
            total += V##_total(s0) + V##_total(s1) + tail;                              \
            total_sq += V##_total(q0) + V##_total(q1) + tail_sq;                        \
        }                                                                               \
        if (sq) *sq = total_sq;                                                         \
        return total;                                                                   \
    }                                                                                   \
    /* sum(g) and sum(g * x) */                                                         \
    static inline void V##_dot(const T* g, const T* x, int64_t n, double* sg,           \
                               double* sgx) {                                           \
        double total = 0.0, total_p = 0.0;                                              \
        int64_t i = 0;                                                                  \
        while (i < n) {                                                                 \
            int64_t end = i + NNX_NORM_BLOCK < n ? i + NNX_NORM_BLOCK : n;              \
            V s0 = {0}, s1 = {0}, p0 = {0}, p1 = {0};                                   \
            T tail = 0, tail_p = 0;                                                     \
            for (; i + 2 * LANES <= end; i += 2 * LANES) {                              \
                V g0 = V##_load(g + i), g1 = V##_load(g + i + LANES);                   \
                s0 += g0; s1 += g1;                                                     \
                p0 += g0 * V##_load(x + i); p1 += g1 * V##_load(x + i + LANES);         \
            }                                                                           \
            for (; i < end; i++) { tail += g[i]; tail_p += g[i] * x[i]; }               \
            total += V##_total(s0) + V##_total(s1) + tail;                              \
            total_p += V##_total(p0) + V##_total(p1) + tail_p;                          \
        }                                                                               \
        *sg = total; *sgx = total_p;                                                    \
    }
    #else
    #define NNX_NORM_SUMS(T, V, LANES)                                                  \
    static inline double V##_sums(const T* a, int64_t n, T m, double* sq) {             \
        double total = 0.0, total_sq = 0.0;                                             \
        for (int64_t i = 0; i < n; i++) {                                               \
            total += a[i]; total_sq += (double)(a[i] - m) * (a[i] - m);                 \
        }                                                                               \
        if (sq) *sq = total_sq;                                                         \
        return total;                                                                   \
    }                                                                                   \
    static inline void V##_dot(const T* g, const T* x, int64_t n, double* sg,           \
                               double* sgx) {                                           \
        double total = 0.0, total_p = 0.0;                                              \
        for (int64_t i = 0; i < n; i++) { total += g[i]; total_p += (double)g[i] * x[i]; } \
        *sg = total; *sgx = total_p;                                                    \
    }
    #endif
    NNX_NORM_SUMS(float, nnx_norm_f4, 4)
    NNX_NORM_SUMS(double, nnx_norm_d2, 2)
    """
    double nnx_norm_f4_sums(const float* a, i64 n, float m, double* sq) nogil
    double nnx_norm_d2_sums(const double* a, i64 n, double m, double* sq) nogil
    void nnx_norm_f4_dot(const float* g, const float* x, i64 n, double* sg,
                         double* sgx) nogil
    void nnx_norm_d2_dot(const double* g, const double* x, i64 n, double* sg,
                         double* sgx) nogil


cdef inline double _sum(const floating* a, i64 n) noexcept nogil:
    if floating is float:
        return nnx_norm_f4_sums(a, n, 0, NULL)
    else:
        return nnx_norm_d2_sums(a, n, 0, NULL)


cdef inline double _centered_squares(const floating* a, i64 n, double mu) noexcept nogil:
    # sum((a - mu)^2), the differences taken in x's dtype around the rounded mean m, then
    # corrected: sum((a - m)^2) = sum((a - mu)^2) + n (m - mu)^2
    cdef floating m = <floating>mu
    cdef double total
    if floating is float:
        nnx_norm_f4_sums(a, n, m, &total)
    else:
        nnx_norm_d2_sums(a, n, m, &total)
    return total - n * (<double>m - mu) * (<double>m - mu)


cdef inline void _dot_and_sum(const floating* g, const floating* x, i64 n, double* sum_g,
                              double* sum_gx) noexcept nogil:
    # sum(g) and sum(g * x)
    if floating is float:
        nnx_norm_f4_dot(g, x, n, sum_g, sum_gx)
    else:
        nnx_norm_d2_dot(g, x, n, sum_g, sum_gx)


# -- planes ----------------------------------------------------------------------------------

cdef void _plane_moments(const floating* x, i64 P, i64 M, double* mean, double* m2) noexcept nogil:
    # m2: the centered sum of squares of each plane (Chan's M2), for the caller to combine
    cdef i64 p
    cdef double mu
    for p in range(P):
        mu = _sum(x + p * M, M) / M
        mean[p] = mu
        m2[p] = _centered_squares(x + p * M, M, mu)


def plane_moments(const floating[:, ::1] x_pm):
    """(mean, centered sum of squares) of each of the P planes, float64 arrays (P,)."""
    cdef i64 P = x_pm.shape[0], M = x_pm.shape[1]
    mean = np.empty(P, dtype=np.float64)
    m2 = np.empty(P, dtype=np.float64)
    cdef double[::1] mean_v = mean, m2_v = m2
    if P and M:
        with nogil:
            _plane_moments(&x_pm[0, 0], P, M, &mean_v[0], &m2_v[0])
    return mean, m2


cdef void _plane_affine(const floating* x, i64 P, i64 M, const double* shift,
                        const double* scale, const double* offset,
                        floating* out) noexcept nogil:
    # in x's dtype (vectorizes); the coefficients rounded to it once per plane
    cdef i64 p, i
    cdef floating c, a, b
    cdef const floating* xp
    cdef floating* op
    for p in range(P):
        c = <floating>shift[p]
        a = <floating>scale[p]
        b = <floating>offset[p]
        xp = x + p * M
        op = out + p * M
        for i in range(M):
            op[i] = (xp[i] - c) * a + b


def plane_affine(const floating[:, ::1] x_pm, const double[::1] shift,
                 const double[::1] scale, const double[::1] offset):
    """``(x - shift[p]) * scale[p] + offset[p]`` on each plane p, in x's dtype."""
    cdef i64 P = x_pm.shape[0], M = x_pm.shape[1]
    out = np.empty((P, M), dtype=np.asarray(x_pm).dtype)
    cdef floating[:, ::1] out_v = out
    if P and M:
        with nogil:
            _plane_affine(&x_pm[0, 0], P, M, &shift[0], &scale[0], &offset[0], &out_v[0, 0])
    return out


cdef void _plane_grad_sums(const floating* g, const floating* x, i64 P, i64 M,
                           double* sum_g, double* sum_gx) noexcept nogil:
    cdef i64 p
    for p in range(P):
        _dot_and_sum(g + p * M, x + p * M, M, &sum_g[p], &sum_gx[p])


def plane_grad_sums(const floating[:, ::1] g_pm, const floating[:, ::1] x_pm):
    """(sum of g, sum of g * x) over each plane, float64 arrays (P,)."""
    cdef i64 P = x_pm.shape[0], M = x_pm.shape[1]
    sum_g = np.empty(P, dtype=np.float64)
    sum_gx = np.empty(P, dtype=np.float64)
    cdef double[::1] sg = sum_g, sgx = sum_gx
    if P:
        with nogil:
            _plane_grad_sums(&g_pm[0, 0], &x_pm[0, 0], P, M, &sg[0], &sgx[0])
    return sum_g, sum_gx


cdef void _plane_linear(const floating* g, const floating* x, i64 P, i64 M, const double* a,
                        const double* b, const double* shift, const double* c,
                        floating* out) noexcept nogil:
    # in x's dtype (vectorizes); b multiplies x - shift, not x, so that no large terms
    # cancel when the mean is far from zero
    cdef i64 p, i
    cdef floating ap, bp, sp, cp
    cdef const floating* gp
    cdef const floating* xp
    cdef floating* op
    for p in range(P):
        ap = <floating>a[p]
        bp = <floating>b[p]
        sp = <floating>shift[p]
        cp = <floating>c[p]
        gp = g + p * M
        xp = x + p * M
        op = out + p * M
        for i in range(M):
            op[i] = ap * gp[i] + bp * (xp[i] - sp) + cp


def plane_linear(const floating[:, ::1] g_pm, const floating[:, ::1] x_pm,
                 const double[::1] a, const double[::1] b, const double[::1] shift,
                 const double[::1] c):
    """``a[p] * g + b[p] * (x - shift[p]) + c[p]`` on each plane p, in x's dtype (the
    input gradient)."""
    cdef i64 P = x_pm.shape[0], M = x_pm.shape[1]
    out = np.empty((P, M), dtype=np.asarray(x_pm).dtype)
    cdef floating[:, ::1] out_v = out
    if P and M:
        with nogil:
            _plane_linear(&g_pm[0, 0], &x_pm[0, 0], P, M, &a[0], &b[0], &shift[0], &c[0],
                          &out_v[0, 0])
    return out


# -- rows (layer norm) -----------------------------------------------------------------------

cdef void _rows_forward(const floating* x, i64 R, i64 K, const floating* w, const floating* b,
                        floating eps, floating* out, floating* mean,
                        floating* rstd) noexcept nogil:
    # per row: float64 mean and biased variance, rounded to x's dtype, then
    # y = (x - mean) * rstd * w + b in x's dtype (the order of the unfused computation);
    # one loop per case of w / b, so that each vectorizes
    cdef i64 r, k
    cdef const floating* row
    cdef floating* y
    cdef double mu
    cdef floating m, inv
    for r in range(R):
        row = x + r * K
        y = out + r * K
        mu = _sum(row, K) / K
        m = <floating>mu
        inv = <floating>(_centered_squares(row, K, mu) / K)
        inv = <floating>1.0 / <floating>sqrt(inv + eps)
        mean[r] = m
        rstd[r] = inv
        if w != NULL and b != NULL:
            for k in range(K):
                y[k] = (row[k] - m) * inv * w[k] + b[k]
        elif w != NULL:
            for k in range(K):
                y[k] = (row[k] - m) * inv * w[k]
        elif b != NULL:
            for k in range(K):
                y[k] = (row[k] - m) * inv + b[k]
        else:
            for k in range(K):
                y[k] = (row[k] - m) * inv


def rows_forward(const floating[:, ::1] x_rk, const floating[::1] w, const floating[::1] b,
                 double eps):
    """Layer norm of each row: (output (R, K), mean (R,), rstd (R,)), all in x's dtype;
    ``w``/``b`` (K,) or None."""
    cdef i64 R = x_rk.shape[0], K = x_rk.shape[1]
    dtype = np.asarray(x_rk).dtype
    out = np.empty((R, K), dtype=dtype)
    mean = np.empty(R, dtype=dtype)
    rstd = np.empty(R, dtype=dtype)
    cdef floating[:, ::1] out_v = out
    cdef floating[::1] mean_v = mean, rstd_v = rstd
    cdef const floating* w_p = NULL
    cdef const floating* b_p = NULL
    if w is not None:
        w_p = &w[0]
    if b is not None:
        b_p = &b[0]
    if R and K:
        with nogil:
            _rows_forward(&x_rk[0, 0], R, K, w_p, b_p, <floating>eps, &out_v[0, 0],
                          &mean_v[0], &rstd_v[0])
    return out, mean, rstd


cdef enum:
    # rows whose weight / bias gradients accumulate in x's dtype before a float64 flush
    PARAM_CHUNK = 32


cdef void _rows_backward(const floating* g, const floating* x, i64 R, i64 K,
                         const floating* mean, const floating* rstd, const floating* w,
                         floating* dx, double* dw, double* db, floating* d,
                         floating* gh, floating* dw_part, floating* db_part) noexcept nogil:
    # per row, with d = x - mean, gh = g * w, xh = d * rstd:
    #   dx = rstd * (gh - mean(gh)) - rstd^3 * mean(gh * d) * d
    #   dw += g * xh, db += g (partial sums over PARAM_CHUNK rows in x's dtype)
    # d, gh, dw_part, db_part: scratch rows of K values
    cdef i64 r, k
    cdef const floating* gr
    cdef const floating* xr
    cdef floating* dxr
    cdef floating m, inv, shift, slope
    cdef double sum_gh, sum_ghd
    for k in range(K):
        dw_part[k] = 0
        db_part[k] = 0
    for r in range(R):
        gr = g + r * K
        xr = x + r * K
        m = mean[r]
        inv = rstd[r]
        for k in range(K):
            d[k] = xr[k] - m
        if w != NULL:
            for k in range(K):
                gh[k] = gr[k] * w[k]
        else:
            for k in range(K):
                gh[k] = gr[k]
        if dw != NULL:
            for k in range(K):
                dw_part[k] += gr[k] * (d[k] * inv)
        if db != NULL:
            for k in range(K):
                db_part[k] += gr[k]
        if (r + 1) % PARAM_CHUNK == 0 or r + 1 == R:
            for k in range(K):
                if dw != NULL:
                    dw[k] += dw_part[k]
                if db != NULL:
                    db[k] += db_part[k]
                dw_part[k] = 0
                db_part[k] = 0
        if dx == NULL:
            continue
        _dot_and_sum(gh, d, K, &sum_gh, &sum_ghd)
        shift = <floating>(inv * sum_gh / K)
        slope = <floating>(<double>inv * inv * inv * sum_ghd / K)
        dxr = dx + r * K
        for k in range(K):
            dxr[k] = inv * gh[k] - shift - slope * d[k]


def rows_backward(const floating[:, ::1] g_rk, const floating[:, ::1] x_rk,
                  const floating[::1] mean, const floating[::1] rstd, const floating[::1] w,
                  bint need_x, bint need_w, bint need_b):
    """Layer norm's gradients (dx (R, K) in x's dtype or None, dw (K,) float64 or None,
    db (K,) float64 or None) from the incoming gradient and the saved statistics."""
    cdef i64 R = x_rk.shape[0], K = x_rk.shape[1]
    dtype = np.asarray(x_rk).dtype
    dx = np.empty((R, K), dtype=dtype) if need_x else None
    dw = np.zeros(K, dtype=np.float64) if need_w else None
    db = np.zeros(K, dtype=np.float64) if need_b else None
    cdef floating[:, ::1] scratch = np.empty((4, K), dtype=dtype)
    cdef floating[:, ::1] dx_v
    cdef double[::1] dw_v, db_v
    cdef floating* dx_p = NULL
    cdef double* dw_p = NULL
    cdef double* db_p = NULL
    cdef const floating* w_p = NULL
    if not (R and K):
        return dx, dw, db
    if need_x:
        dx_v = dx
        dx_p = &dx_v[0, 0]
    if need_w:
        dw_v = dw
        dw_p = &dw_v[0]
    if need_b:
        db_v = db
        db_p = &db_v[0]
    if w is not None:
        w_p = &w[0]
    with nogil:
        _rows_backward(&g_rk[0, 0], &x_rk[0, 0], R, K, &mean[0], &rstd[0], w_p, dx_p, dw_p,
                       db_p, &scratch[0, 0], &scratch[1, 0], &scratch[2, 0], &scratch[3, 0])
    return dx, dw, db
