# cython: language_level=3
"""CTC loss kernels: the log-space alpha (forward) and beta (backward) recursions and the
gradient with respect to the log-probabilities, as torch 2.13's CPU kernels compute them
(aten/src/ATen/native/LossCTC.cpp), one sample at a time.

Legend: T time, B batch, C classes, S = 2 L + 1 extended positions (blank, l1, blank, l2,
..., blank); ``lp_tbc`` the (T, B, C) log-probabilities, ``ext_bs`` the (B, S) extended
labels, ``in_len``/``tg_len`` the (B,) input and target lengths.  Position s of sample b
is used for s < 2 tg_len[b] + 1 and frames t < in_len[b]; everything else stays -inf in
alpha (and 0 in the gradient).  Lengths and labels are validated by the caller
(nnx.nn.functional._ctc); the kernels (``cdef ... nogil``) only read validated memory.
"""

import numpy as np

from cython cimport floating
from libc.math cimport INFINITY, exp, expf, log, logf
from libc.stdint cimport int64_t

ctypedef int64_t i64


cdef inline floating _exp(floating x) noexcept nogil:
    # exp in the input's precision (float32 input: expf, as torch's float kernels); 0 at
    # -inf without a call; NaN and +inf pass through
    if x == -INFINITY:
        return 0
    if floating is float:
        return expf(x)
    else:
        return exp(x)


cdef inline floating _log(floating x) noexcept nogil:
    if floating is float:
        return logf(x)
    else:
        return log(x)


cdef inline floating _lse3(floating a, floating b, floating c) noexcept nogil:
    # log(exp(a) + exp(b) + exp(c)) with the largest term taken out (its exp is 1);
    # -inf when all three are
    cdef floating m, r
    if a >= b and a >= c:
        m = a
        r = 1 + _exp(b - m) + _exp(c - m)
    elif b >= c:
        m = b
        r = 1 + _exp(a - m) + _exp(c - m)
    else:
        m = c
        r = 1 + _exp(a - m) + _exp(b - m)
    if m == -INFINITY:
        return m
    return _log(r) + m


cdef inline bint _skip(const i64* ext, i64 s) noexcept nogil:
    # position s may be reached from s - 2: a label (odd s) differing from the one before
    return s >= 2 and (s & 1) == 1 and ext[s] != ext[s - 2]


cdef void _alpha_one(const floating* lp, i64 B, i64 C, i64 b, const i64* ext, i64 n_pos,
                     i64 frames, i64 stride, floating* alpha) noexcept nogil:
    # alpha: this sample's (T, stride) rows, prefilled with -inf; n_pos = 2 L + 1 used.
    # At time t only positions s <= 2 t + 1 are reachable: the others stay -inf.
    cdef i64 t, s, end
    cdef const floating* lp_t
    cdef floating* prev
    cdef floating* cur
    cdef floating a2, a3
    if frames == 0:
        return
    lp_t = lp + b * C
    alpha[0] = lp_t[ext[0]]
    if n_pos > 1:
        alpha[1] = lp_t[ext[1]]
    for t in range(1, frames):
        lp_t = lp + (t * B + b) * C
        prev = alpha + (t - 1) * stride
        cur = alpha + t * stride
        end = min(n_pos, 2 * t + 2)
        for s in range(end):
            a2 = prev[s - 1] if s >= 1 else -INFINITY
            a3 = prev[s - 2] if _skip(ext, s) else -INFINITY
            cur[s] = _lse3(prev[s], a2, a3) + lp_t[ext[s]]


cdef void _beta_one(const floating* lp, i64 B, i64 C, i64 b, const i64* ext, i64 n_pos,
                    i64 frames, i64 stride, floating* beta) noexcept nogil:
    # beta: (T, stride) rows prefilled with -inf; the emission at t included (torch's).
    # At time t only positions s >= n_pos - 2 (frames - t) reach the end: the others
    # stay -inf.
    cdef i64 t, s, start
    cdef const floating* lp_t
    cdef floating* nxt
    cdef floating* cur
    cdef floating b2, b3
    if frames == 0:
        return
    t = frames - 1
    lp_t = lp + (t * B + b) * C
    cur = beta + t * stride
    cur[n_pos - 1] = lp_t[ext[n_pos - 1]]
    if n_pos > 1:
        cur[n_pos - 2] = lp_t[ext[n_pos - 2]]
    for t in range(frames - 2, -1, -1):
        lp_t = lp + (t * B + b) * C
        nxt = beta + (t + 1) * stride
        cur = beta + t * stride
        start = max(0, n_pos - 2 * (frames - t))
        for s in range(start, n_pos):
            b2 = nxt[s + 1] if s + 1 < n_pos else -INFINITY
            b3 = nxt[s + 2] if s + 2 < n_pos and _skip(ext, s + 2) else -INFINITY
            cur[s] = _lse3(nxt[s], b2, b3) + lp_t[ext[s]]


def ctc_alpha(const floating[:, :, ::1] lp_tbc, const i64[:, ::1] ext_bs,
              const i64[::1] in_len, const i64[::1] tg_len):
    """(alpha (B, T, S), nll (B,)), both in lp's dtype: the forward recursion of every
    sample and its negative log-likelihood (0 / inf for an empty input: the empty target
    is certain, any other impossible)."""
    cdef i64 T = lp_tbc.shape[0], B = lp_tbc.shape[1], C = lp_tbc.shape[2]
    cdef i64 S = ext_bs.shape[1], b, n_pos
    dtype = np.asarray(lp_tbc).dtype
    alpha = np.full((B, T, S), -np.inf, dtype=dtype)
    nll = np.empty(B, dtype=dtype)
    cdef floating[:, :, ::1] alpha_v = alpha
    cdef floating[::1] nll_v = nll
    cdef const floating* last
    cdef double l1, l2, m
    with nogil:
        for b in range(B):
            if in_len[b] == 0:
                nll_v[b] = 0.0 if tg_len[b] == 0 else INFINITY
                continue
            n_pos = 2 * tg_len[b] + 1
            _alpha_one(&lp_tbc[0, 0, 0], B, C, b, &ext_bs[b, 0], n_pos, in_len[b], S,
                       &alpha_v[b, 0, 0])
            last = &alpha_v[b, in_len[b] - 1, 0]
            l1 = last[n_pos - 1]
            l2 = last[n_pos - 2] if n_pos > 1 else -INFINITY
            m = l1 if l1 > l2 else l2
            if m == -INFINITY:
                m = 0.0
            nll_v[b] = <floating>(-(log(exp(l1 - m) + exp(l2 - m)) + m))
    return alpha, nll


cdef void _grad_one(const floating* lp, i64 B, i64 C, i64 b, const i64* ext, i64 n_pos,
                    i64 frames, i64 stride, const floating* alpha, floating* beta,
                    floating* occupancy, floating nll, floating scale,
                    floating* grad) noexcept nogil:
    # d nll / d lp[t, b, c] = exp(lp) - exp(lse_{s: ext_s = c}(alpha + beta) + nll - lp),
    # times the incoming gradient ``scale``.  Per frame, the lse over the positions of
    # each class shares the frame's largest alpha + beta m: lse = log(sum exp(. - m)) + m
    # (one exp per position); ``occupancy``: C scratch values
    cdef i64 t, s, c
    cdef floating v, m, lse, lpv
    cdef const floating* alpha_t
    cdef const floating* beta_t
    for t in range(frames):
        for s in range(n_pos):
            beta[t * stride + s] = -INFINITY
    _beta_one(lp, B, C, b, ext, n_pos, frames, stride, beta)
    for t in range(frames):
        alpha_t = alpha + t * stride
        beta_t = beta + t * stride
        m = -INFINITY
        for s in range(n_pos):
            v = alpha_t[s] + beta_t[s]
            if v > m:
                m = v
        for c in range(C):
            occupancy[c] = 0
        if m != -INFINITY:
            for s in range(n_pos):
                occupancy[ext[s]] += _exp(alpha_t[s] + beta_t[s] - m)
        for c in range(C):
            lpv = lp[(t * B + b) * C + c]
            lse = _log(occupancy[c]) + m if occupancy[c] > 0 else -INFINITY
            grad[(t * B + b) * C + c] = (_exp(lpv) - _exp(lse + nll - lpv)) * scale


def ctc_grad(const floating[:, :, ::1] lp_tbc, const i64[:, ::1] ext_bs,
             const i64[::1] in_len, const i64[::1] tg_len, const floating[:, :, ::1] alpha,
             const floating[::1] nll, const double[::1] scale, bint zero_infinity):
    """The gradient (T, B, C) in lp's dtype of sum_b scale[b] * nll[b] with respect to
    lp: 0 past each input's length, and for samples of infinite nll under
    ``zero_infinity``."""
    cdef i64 T = lp_tbc.shape[0], B = lp_tbc.shape[1], C = lp_tbc.shape[2]
    cdef i64 S = ext_bs.shape[1], b
    dtype = np.asarray(lp_tbc).dtype
    grad = np.zeros((T, B, C), dtype=dtype)
    beta = np.empty((max(T, 1), max(S, 1)), dtype=dtype)
    occupancy = np.empty(max(C, 1), dtype=dtype)
    cdef floating[:, :, ::1] grad_v = grad
    cdef floating[:, ::1] beta_v = beta
    cdef floating[::1] occupancy_v = occupancy
    if T == 0 or B == 0 or C == 0:
        return grad
    with nogil:
        for b in range(B):
            if in_len[b] == 0 or (zero_infinity and nll[b] == INFINITY):
                continue
            _grad_one(&lp_tbc[0, 0, 0], B, C, b, &ext_bs[b, 0], 2 * tg_len[b] + 1, in_len[b],
                      S, &alpha[b, 0, 0], &beta_v[0, 0], &occupancy_v[0], nll[b],
                      <floating>scale[b], &grad_v[0, 0, 0])
    return grad
