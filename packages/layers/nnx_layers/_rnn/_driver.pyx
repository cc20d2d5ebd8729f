"""Time loops of the recurrent layers: one layer and one direction, forward and backward.

Legend: N packed rows, T steps, B batch, H hidden, P projection, Hout = P or H,
G gates (1 RNN, 3 GRU, 4 LSTM), GH = G * H.  Every (N, .) array is in PackedSequence
layout: the rows of step t are offsets[t] .. offsets[t] + batch_sizes[t], batch sizes never
increase, so the live rows of a step are always the first rows of the batch.  A padded
(T, B, .) input is the same layout with every batch size B.

The caller (``_sequence.py``) has usually done the input projection of all steps in one GEMM
(``gates`` holds x W_ih^T plus biases on entry).  Each step here is one recurrent GEMM through
scipy's BLAS, or in float32 through the kernels of ``_packed_gemm.h`` against W_hh packed
once per call (which can also take the step's input projection: ``layer_forward``), plus
one fused pointwise kernel, the whole loop without the GIL.  Backward walks
the steps the other way and leaves dL/d(gate pre-activations) of every step in ``dgx``/``dgh``,
from which the caller gets every weight gradient with one GEMM over all N rows.
"""

from libc.stdlib cimport free
from libc.string cimport memcpy
from cython cimport floating

from nnx_layers._rnn._blas cimport gemm
from nnx_layers._rnn._cells cimport (
    CELL_GRU, CELL_LSTM, CELL_RNN_RELU, gru_backward, gru_forward, lstm_backward,
    lstm_forward, rnn_backward, rnn_forward,
)

from nnx_layers._rnn._packed_gemm cimport (
    NNX_GEMM_AVX2, NNX_GEMM_AVX512, NNX_GEMM_BLAS, NNX_GEMM_GENERIC, nnx_gemm_args,
    nnx_gemm_best_path, nnx_gemm_path_available, nnx_pack_rows_f32, nnx_packed_alloc,
    nnx_packed_gemm2_f32, nnx_packed_gemm_f32,
)

GEMM_PATHS = {"blas": NNX_GEMM_BLAS, "generic": NNX_GEMM_GENERIC, "avx2": NNX_GEMM_AVX2,
              "avx512": NNX_GEMM_AVX512}


def best_gemm_path():
    """The fastest packed-GEMM path this CPU runs (a ``GEMM_PATHS`` value)."""
    return nnx_gemm_best_path()


def gemm_path_available(int path):
    """Whether ``path`` runs here (BLAS always does)."""
    return path == NNX_GEMM_BLAS or nnx_gemm_path_available(path) != 0


def packed_gemm(int path, float[:, ::1] a, float[:, ::1] w, float[:, ::1] c,
                bint accumulate=False, float[:, ::1] a2=None, float[:, ::1] w2=None,
                float[::1] bias=None):
    """c (M, N) = [a | a2] @ [w.T; w2.T] + (c if accumulate else bias or 0), with a (M, K1),
    w (N, K1) (torch's layout), a2 (M, K2) and w2 (N, K2) optional: the weights packed, then
    multiplied on ``path`` (the kernels' direct test entry)."""
    cdef long M = c.shape[0], N = c.shape[1], K1 = a.shape[1]
    cdef long K2 = 0 if a2 is None else a2.shape[1]
    cdef float* wp = NULL
    cdef void* raw
    cdef nnx_gemm_args args
    if not nnx_gemm_path_available(path):
        raise ValueError(f"GEMM path {path} does not run on this CPU")
    if a.shape[0] != M or w.shape[0] != N or w.shape[1] != K1 or (a2 is None) != (w2 is None) \
            or (a2 is not None and (a2.shape[0] != M or w2.shape[0] != N
                                    or w2.shape[1] != K2)) \
            or (bias is not None and bias.shape[0] != N):
        raise ValueError("packed_gemm: shapes do not match")
    if M == 0 or N == 0:
        return
    raw = nnx_packed_alloc(K1 + K2, N, &wp)
    if raw == NULL:
        raise MemoryError()
    args.a1, args.lda1, args.k1 = rows(a, 0), K1, K1
    args.a2, args.lda2, args.k2 = args.a1, K1, 0
    args.bias = NULL if bias is None else &bias[0]
    args.acc = accumulate
    args.cs1 = args.cs2 = 1
    if K2:
        args.a2, args.lda2, args.k2 = rows(a2, 0), K2, K2
    with nogil:
        nnx_pack_rows_f32(K1 + K2, 0, K1, N, rows(w, 0), K1, True, wp)
        if K2:
            nnx_pack_rows_f32(K1 + K2, K1, K2, N, rows(w2, 0), K2, True, wp)
        nnx_packed_gemm2_f32(path, M, N, &args, wp, &c[0, 0], N)
    free(raw)


def matmul_packed(int path, float[:, ::1] a, bint trans_a, float[:, ::1] w, float[:, ::1] c,
                  bint accumulate=False):
    """c (M, N) = op(a) @ w + (c if accumulate), w (K, N) packed then multiplied on
    ``path``: the backward's large products (dgates W_ih, dgates^T x, dgates^T h) on the
    kernels that beat OpenBLAS on one thread."""
    cdef long M = c.shape[0], N = c.shape[1], K = w.shape[0]
    cdef float* wp = NULL
    cdef void* raw
    cdef nnx_gemm_args args
    if not nnx_gemm_path_available(path):
        raise ValueError(f"GEMM path {path} does not run on this CPU")
    if (a.shape[1] if trans_a else a.shape[0]) != M or w.shape[1] != N \
            or (a.shape[0] if trans_a else a.shape[1]) != K:
        raise ValueError("matmul_packed: shapes do not match")
    if M == 0 or N == 0:
        return
    if K == 0:
        if not accumulate:
            c[:, :] = 0
        return
    raw = nnx_packed_alloc(K, N, &wp)
    if raw == NULL:
        raise MemoryError()
    args.a1 = &a[0, 0]
    args.lda1, args.cs1 = (1, M) if trans_a else (K, 1)
    args.k1 = K
    args.a2, args.lda2, args.cs2, args.k2 = args.a1, args.lda1, args.cs1, 0
    args.bias = NULL
    args.acc = accumulate
    with nogil:
        nnx_pack_rows_f32(K, 0, K, N, &w[0, 0], N, False, wp)
        nnx_packed_gemm2_f32(path, M, N, &args, wp, &c[0, 0], N)
    free(raw)


cdef inline floating* rows(floating[:, ::1] a, Py_ssize_t r) noexcept nogil:
    """Pointer to row r of a, or NULL for an array with no elements (unused buffer)."""
    if a.shape[0] == 0 or a.shape[1] == 0:
        return NULL
    return &a[r, 0]


cdef inline void add_transposed(bint add, Py_ssize_t bs, Py_ssize_t GH, const floating* s,
                                floating* g) noexcept nogil:
    """g (bs, GH) (+)= s^T for s (GH, bs), in blocks of 64 columns that stay in L1."""
    cdef Py_ssize_t k0, k, b, kend
    for k0 in range(0, GH, 64):
        kend = k0 + 64 if k0 + 64 < GH else GH
        for b in range(bs):
            if add:
                for k in range(k0, kend):
                    g[b * GH + k] += s[k * bs + b]
            else:
                for k in range(k0, kend):
                    g[b * GH + k] = s[k * bs + b]


cdef int alloc_packed(long k_hh, long n_hh, bint proj, long k_hr, long n_hr,
                      void** raw_hh, float** wp_hh, void** raw_hr, float** wp_hr) except -1:
    """Buffers for W_hh (k_hh, n_hh) packed and, with ``proj``, W_hr (k_hr, n_hr): both or
    neither (MemoryError); the caller frees raw_hh and raw_hr."""
    raw_hh[0] = nnx_packed_alloc(k_hh, n_hh, wp_hh)
    if proj:
        raw_hr[0] = nnx_packed_alloc(k_hr, n_hr, wp_hr)
    if raw_hh[0] == NULL or (proj and raw_hr[0] == NULL):
        free(raw_hh[0])
        free(raw_hr[0])
        raw_hh[0] = raw_hr[0] = NULL
        raise MemoryError()
    return 0


def layer_forward(int cell, bint reverse, floating[:, ::1] gates,
                  floating[:, ::1] w_hh_t, floating[:, ::1] w_hh, floating[:, ::1] rec_t,
                  floating[:, ::1] b_hh, floating[:, ::1] w_hr_t,
                  floating[:, ::1] h_state, floating[:, ::1] c_state,
                  floating[:, ::1] h_prev, floating[:, ::1] c_prev,
                  floating[:, ::1] extra, floating[:, ::1] m,
                  floating[:, ::1] y, Py_ssize_t y_col, floating[:, ::1] scratch,
                  const Py_ssize_t[::1] batch_sizes, const Py_ssize_t[::1] offsets,
                  bint keep, int gemm_path, floating[:, ::1] x_in,
                  floating[:, ::1] w_ih, floating[:, ::1] b_in):
    """Run one layer and direction over all steps.

    gates (N, GH): input part on entry, gate activations on exit.  The recurrent GEMM takes
    one of two layouts.  With rec_t empty: gates += h_prev @ w_hh_t, w_hh_t (Hout, GH) =
    W_hh^T (or, w_hh_t empty (0, 0) too, gates += h_prev @ w_hh^T read from w_hh itself).
    With rec_t (GH, B) scratch (w_hh_t may then be empty): gate-major
    rec_t (GH x bs) = W_hh h_prev^T, w_hh (GH, Hout) in torch's layout, then added to the
    gate rows transposed; OpenBLAS runs this form ~20% faster on large shapes (H 1024,
    B 64) and slower on small ones, so ``_sequence`` picks it by size.
    b_hh (1, GH), GRU only (its b_hn sits inside r * (.)); w_hr_t (H, P) = W_hr^T or
    empty.  h_state (B, Hout) / c_state (B, H): h_0 / c_0 on entry, h_n / c_n on exit.
    Saved for backward, (N, .): h_prev (Hout) and c_prev (H) of each step; extra (H):
    LSTM tanh(c_t), GRU h W_hn^T + b_hn; m (H): LSTM with projection, o * tanh(c_t).
    y (N, >= y_col + Hout) receives h_t in columns y_col.. ; scratch (B, GH) for GRU.
    Without ``keep`` (no backward to come) h_prev, c_prev, extra and m need only B rows:
    every step reuses them.  ``gemm_path`` other than BLAS (float32 only): the step GEMMs
    run against W_hh^T and W_hr^T packed once here (w_hh_t and rec_t may be empty).  With
    such a path and x_in (N, I) not empty (LSTM, RNN), the input projection happens in the
    step too: gates (N, GH) need no content on entry, and each step computes
    [x_t | h_prev] @ [W_ih^T; W_hh^T] + b_in (1, GH) (or no bias when b_in is empty), with
    w_ih (GH, I) in torch's layout: no pass over the gates between projection and step;
    without ``keep`` gates then needs only B rows too.
    """
    cdef Py_ssize_t T = batch_sizes.shape[0], GH = gates.shape[1], Hout = h_state.shape[1]
    cdef Py_ssize_t H = c_state.shape[1] if cell == CELL_LSTM else GH, P = w_hr_t.shape[1]
    cdef Py_ssize_t s, t, r, bs, off, saved
    cdef bint proj = cell == CELL_LSTM and P > 0
    cdef bint gate_major = rec_t.shape[0] > 0
    # neither W_hh^T nor gate-major scratch given (few steps: the transposed copy costs
    # more than it saves): the BLAS step GEMM reads w_hh transposed in place
    cdef bint nt = not gate_major and w_hh_t.shape[0] == 0 and w_hh_t.shape[1] == 0
    cdef floating* hs = rows(h_state, 0)
    cdef floating* cs = rows(c_state, 0)
    cdef floating* bias = rows(b_hh, 0)
    cdef floating* g
    cdef floating* hp
    cdef float* wp_hh = NULL
    cdef float* wp_hr = NULL
    cdef void* raw_hh = NULL
    cdef void* raw_hr = NULL
    cdef Py_ssize_t n_in = x_in.shape[1]
    cdef bint fused = (gemm_path != NNX_GEMM_BLAS and cell != CELL_GRU
                       and x_in.shape[0] > 0 and n_in > 0)
    cdef nnx_gemm_args args
    args.bias = NULL
    args.acc = 0
    args.cs1 = args.cs2 = 1
    if cell == CELL_GRU:
        H = GH // 3
    if gemm_path != NNX_GEMM_BLAS:
        if floating is double:
            raise ValueError("the packed GEMM paths are float32 only")
        else:
            alloc_packed(n_in + Hout if fused else Hout, GH, proj, H, P, &raw_hh, &wp_hh,
                         &raw_hr, &wp_hr)
    with nogil:
        if floating is float:
            if fused:
                nnx_pack_rows_f32(n_in + Hout, 0, n_in, GH, &w_ih[0, 0], n_in, True, wp_hh)
                nnx_pack_rows_f32(n_in + Hout, n_in, Hout, GH, &w_hh[0, 0], Hout, True, wp_hh)
                args.bias = rows(b_in, 0)
                args.lda1, args.k1, args.lda2, args.k2 = n_in, n_in, Hout, Hout
            elif wp_hh != NULL:
                nnx_pack_rows_f32(Hout, 0, Hout, GH, &w_hh[0, 0], Hout, True, wp_hh)
            if wp_hr != NULL:
                nnx_pack_rows_f32(H, 0, H, P, &w_hr_t[0, 0], P, False, wp_hr)
        for s in range(T):
            t = T - 1 - s if reverse else s
            bs = batch_sizes[t]
            off = offsets[t]
            if bs == 0:
                continue
            saved = off if keep else 0
            g = &gates[saved if fused else off, 0]
            hp = rows(h_prev, saved)
            memcpy(hp, hs, bs * Hout * sizeof(floating))
            if fused:
                if floating is float:
                    args.a1 = &x_in[off, 0]
                    args.a2 = hp
                    nnx_packed_gemm2_f32(gemm_path, bs, GH, &args, wp_hh, g, GH)
            elif wp_hh != NULL:       # never set for float64
                if floating is float:
                    nnx_packed_gemm_f32(gemm_path, bs, GH, Hout, hp, Hout, wp_hh,
                                        &scratch[0, 0] if cell == CELL_GRU else g, GH,
                                        cell != CELL_GRU)
            elif gate_major:
                gemm(False, True, GH, bs, Hout, 1, &w_hh[0, 0], Hout, hp, Hout,
                     0, &rec_t[0, 0], bs)
                if cell == CELL_GRU:
                    add_transposed(False, bs, GH, &rec_t[0, 0], &scratch[0, 0])
                else:
                    add_transposed(True, bs, GH, &rec_t[0, 0], g)
            elif nt:            # h_prev @ W_hh^T straight from torch's layout
                gemm(False, True, bs, GH, Hout, 1, hp, Hout, rows(w_hh, 0), Hout,
                     0 if cell == CELL_GRU else 1,
                     &scratch[0, 0] if cell == CELL_GRU else g, GH)
            elif cell == CELL_GRU:
                gemm(False, False, bs, GH, Hout, 1, hp, Hout, &w_hh_t[0, 0], GH,
                     0, &scratch[0, 0], GH)
            else:
                gemm(False, False, bs, GH, Hout, 1, hp, Hout, &w_hh_t[0, 0], GH, 1, g, GH)
            if cell == CELL_GRU:
                gru_forward(bs, H, g, &scratch[0, 0], bias, hp, rows(extra, saved), hs, Hout)
            elif cell == CELL_LSTM:
                memcpy(rows(c_prev, saved), cs, bs * H * sizeof(floating))
                if proj:
                    lstm_forward(bs, H, g, cs, rows(extra, saved), rows(m, saved), H)
                    if wp_hr != NULL:
                        if floating is float:
                            nnx_packed_gemm_f32(gemm_path, bs, P, H, rows(m, saved), H, wp_hr,
                                                hs, P, 0)
                    else:
                        gemm(False, False, bs, P, H, 1, rows(m, saved), H, &w_hr_t[0, 0], P,
                             0, hs, P)
                else:
                    lstm_forward(bs, H, g, cs, rows(extra, saved), hs, H)
            else:
                rnn_forward(cell == CELL_RNN_RELU, bs, H, g, hs, H)
            for r in range(bs):
                memcpy(&y[off + r, y_col], hs + r * Hout, Hout * sizeof(floating))
        free(raw_hh)
        free(raw_hr)


def layer_backward(int cell, bint reverse, floating[:, ::1] gates,
                   floating[:, ::1] h_prev, floating[:, ::1] c_prev, floating[:, ::1] extra,
                   floating[:, ::1] w_hh, floating[:, ::1] w_hr,
                   floating[:, ::1] dy, Py_ssize_t y_col,
                   floating[:, ::1] dh_state, floating[:, ::1] dc_state,
                   floating[:, ::1] dgx, floating[:, ::1] dgh,
                   floating[:, ::1] dh_all, floating[:, ::1] dm,
                   const Py_ssize_t[::1] batch_sizes, const Py_ssize_t[::1] offsets,
                   int gemm_path=NNX_GEMM_BLAS):
    """Backward through time of one layer and direction (the saved buffers of
    ``layer_forward``).

    w_hh (GH, Hout), w_hr (P, H) or empty, in torch's layout.  dy (N, .): dL/dy in columns
    y_col.. .  dh_state (B, Hout) / dc_state (B, H): dL/dh_n / dL/dc_n on entry, dL/dh_0 /
    dL/dc_0 on exit.  dgx (N, GH) <- dL/d(input part of the gates); dgh (N, GH), GRU only,
    <- dL/d(h W_hh^T + b_hh) (for the others it equals dgx).  With a projection, dh_all
    (N, P) <- dL/dh_t and dm (B, H) is scratch.  ``gemm_path`` as in ``layer_forward``.
    """
    cdef Py_ssize_t T = batch_sizes.shape[0], GH = gates.shape[1], Hout = dh_state.shape[1]
    cdef Py_ssize_t H = dc_state.shape[1] if cell == CELL_LSTM else GH
    cdef Py_ssize_t P = w_hr.shape[0], s, t, r, j, bs, off
    cdef bint proj = cell == CELL_LSTM and P > 0
    cdef floating* dhs = rows(dh_state, 0)
    cdef floating* dcs = rows(dc_state, 0)
    cdef floating* dmp
    cdef floating* dg
    cdef float* wp_hh = NULL
    cdef float* wp_hr = NULL
    cdef void* raw_hh = NULL
    cdef void* raw_hr = NULL
    if cell == CELL_GRU:
        H = GH // 3
    if gemm_path != NNX_GEMM_BLAS:
        if floating is double:
            raise ValueError("the packed GEMM paths are float32 only")
        else:
            alloc_packed(GH, Hout, proj, P, H, &raw_hh, &wp_hh, &raw_hr, &wp_hr)
    with nogil:
        if floating is float:
            if wp_hh != NULL:
                nnx_pack_rows_f32(GH, 0, GH, Hout, &w_hh[0, 0], Hout, False, wp_hh)
            if wp_hr != NULL:
                nnx_pack_rows_f32(P, 0, P, H, &w_hr[0, 0], H, False, wp_hr)
        for s in range(T):
            t = s if reverse else T - 1 - s
            bs = batch_sizes[t]
            off = offsets[t]
            if bs == 0:
                continue
            for r in range(bs):
                for j in range(Hout):
                    dhs[r * Hout + j] += dy[off + r, y_col + j]
            dg = &dgx[off, 0]
            if cell == CELL_LSTM:
                dmp = dhs
                if proj:
                    memcpy(rows(dh_all, off), dhs, bs * P * sizeof(floating))
                    dmp = &dm[0, 0]
                    if wp_hr != NULL:
                        if floating is float:
                            nnx_packed_gemm_f32(gemm_path, bs, H, P, dhs, P, wp_hr, dmp, H, 0)
                    else:
                        gemm(False, False, bs, H, P, 1, dhs, P, &w_hr[0, 0], H, 0, dmp, H)
                lstm_backward(bs, H, &gates[off, 0], rows(extra, off), rows(c_prev, off),
                              dmp, H, dcs, dg)
            elif cell == CELL_GRU:
                gru_backward(bs, H, &gates[off, 0], rows(extra, off), rows(h_prev, off), dhs,
                             dg, &dgh[off, 0])
                dg = &dgh[off, 0]
            else:
                rnn_backward(cell == CELL_RNN_RELU, bs, H, &gates[off, 0], dhs, Hout, dg)
            # dL/dh_{t-1} = dg W_hh (GRU: plus the direct part gru_backward left in dhs)
            if wp_hh != NULL:
                if floating is float:
                    nnx_packed_gemm_f32(gemm_path, bs, Hout, GH, dg, GH, wp_hh, dhs, Hout,
                                        cell == CELL_GRU)
            else:
                gemm(False, False, bs, Hout, GH, 1, dg, GH, &w_hh[0, 0], Hout,
                     1 if cell == CELL_GRU else 0, dhs, Hout)
        free(raw_hh)
        free(raw_hr)


def matmul(floating[:, ::1] a, bint trans_a, floating[:, ::1] b, bint trans_b,
           floating[:, ::1] c, double beta=0):
    """c = op(a) @ op(b) + beta * c through the same BLAS as the time loop (one thread pool
    for the whole layer: two OpenBLAS pools alternating on 2 cores stall each other)."""
    cdef int m = c.shape[0], n = c.shape[1]
    cdef int k = a.shape[0] if trans_a else a.shape[1]
    cdef floating* pa = rows(a, 0)
    cdef floating* pb = rows(b, 0)
    if m == 0 or n == 0:
        return
    if k == 0:
        if beta == 0:
            c[:, :] = 0
        return
    with nogil:
        gemm(trans_a, trans_b, m, n, k, 1, pa, a.shape[1], pb, b.shape[1], <floating>beta,
             &c[0, 0], n)
