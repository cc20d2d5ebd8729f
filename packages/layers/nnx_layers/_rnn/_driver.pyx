"""Time loops of the recurrent layers: one layer and one direction, forward and backward.

Legend: N packed rows, T steps, B batch, H hidden, P projection, Hout = P or H,
G gates (1 RNN, 3 GRU, 4 LSTM), GH = G * H.  Every (N, .) array is in PackedSequence
layout: the rows of step t are offsets[t] .. offsets[t] + batch_sizes[t], batch sizes never
increase, so the live rows of a step are always the first rows of the batch.  A padded
(T, B, .) input is the same layout with every batch size B.

The caller (``_sequence.py``) has already done the input projection of all steps in one GEMM
(``gates`` holds x W_ih^T plus biases on entry).  Each step here is one recurrent GEMM through
scipy's BLAS plus one fused pointwise kernel, the whole loop without the GIL.  Backward walks
the steps the other way and leaves dL/d(gate pre-activations) of every step in ``dgx``/``dgh``,
from which the caller gets every weight gradient with one GEMM over all N rows.
"""

from libc.string cimport memcpy
from cython cimport floating

from nnx_layers._rnn._blas cimport gemm
from nnx_layers._rnn._cells cimport (
    CELL_GRU, CELL_LSTM, CELL_RNN_RELU, gru_backward, gru_forward, lstm_backward,
    lstm_forward, rnn_backward, rnn_forward,
)


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


def layer_forward(int cell, bint reverse, floating[:, ::1] gates,
                  floating[:, ::1] w_hh_t, floating[:, ::1] w_hh, floating[:, ::1] rec_t,
                  floating[:, ::1] b_hh, floating[:, ::1] w_hr_t,
                  floating[:, ::1] h_state, floating[:, ::1] c_state,
                  floating[:, ::1] h_prev, floating[:, ::1] c_prev,
                  floating[:, ::1] extra, floating[:, ::1] m,
                  floating[:, ::1] y, Py_ssize_t y_col, floating[:, ::1] scratch,
                  const Py_ssize_t[::1] batch_sizes, const Py_ssize_t[::1] offsets,
                  bint keep=True):
    """Run one layer and direction over all steps.

    gates (N, GH): input part on entry, gate activations on exit.  The recurrent GEMM takes
    one of two layouts.  With rec_t empty: gates += h_prev @ w_hh_t, w_hh_t (Hout, GH) =
    W_hh^T.  With rec_t (GH, B) scratch (w_hh_t may then be empty): gate-major
    rec_t (GH x bs) = W_hh h_prev^T, w_hh (GH, Hout) in torch's layout, then added to the
    gate rows transposed; OpenBLAS runs this form ~20% faster on large shapes (H 1024,
    B 64) and slower on small ones, so ``_sequence`` picks it by size.
    b_hh (1, GH), GRU only (its b_hn sits inside r * (.)); w_hr_t (H, P) = W_hr^T or
    empty.  h_state (B, Hout) / c_state (B, H): h_0 / c_0 on entry, h_n / c_n on exit.
    Saved for backward, (N, .): h_prev (Hout) and c_prev (H) of each step; extra (H):
    LSTM tanh(c_t), GRU h W_hn^T + b_hn; m (H): LSTM with projection, o * tanh(c_t).
    y (N, >= y_col + Hout) receives h_t in columns y_col.. ; scratch (B, GH) for GRU.
    Without ``keep`` (no backward to come) h_prev, c_prev, extra and m need only B rows:
    every step reuses them.
    """
    cdef Py_ssize_t T = batch_sizes.shape[0], GH = gates.shape[1], Hout = h_state.shape[1]
    cdef Py_ssize_t H = c_state.shape[1] if cell == CELL_LSTM else GH, P = w_hr_t.shape[1]
    cdef Py_ssize_t s, t, r, bs, off, saved
    cdef bint proj = cell == CELL_LSTM and P > 0
    cdef bint gate_major = rec_t.shape[0] > 0
    cdef floating* hs = rows(h_state, 0)
    cdef floating* cs = rows(c_state, 0)
    cdef floating* bias = rows(b_hh, 0)
    cdef floating* g
    cdef floating* hp
    if cell == CELL_GRU:
        H = GH // 3
    with nogil:
        for s in range(T):
            t = T - 1 - s if reverse else s
            bs = batch_sizes[t]
            off = offsets[t]
            if bs == 0:
                continue
            g = &gates[off, 0]
            saved = off if keep else 0
            hp = rows(h_prev, saved)
            memcpy(hp, hs, bs * Hout * sizeof(floating))
            if gate_major:
                gemm(False, True, GH, bs, Hout, 1, &w_hh[0, 0], Hout, hp, Hout,
                     0, &rec_t[0, 0], bs)
                if cell == CELL_GRU:
                    add_transposed(False, bs, GH, &rec_t[0, 0], &scratch[0, 0])
                else:
                    add_transposed(True, bs, GH, &rec_t[0, 0], g)
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
                    gemm(False, False, bs, P, H, 1, rows(m, saved), H, &w_hr_t[0, 0], P,
                         0, hs, P)
                else:
                    lstm_forward(bs, H, g, cs, rows(extra, saved), hs, H)
            else:
                rnn_forward(cell == CELL_RNN_RELU, bs, H, g, hs, H)
            for r in range(bs):
                memcpy(&y[off + r, y_col], hs + r * Hout, Hout * sizeof(floating))


def layer_backward(int cell, bint reverse, floating[:, ::1] gates,
                   floating[:, ::1] h_prev, floating[:, ::1] c_prev, floating[:, ::1] extra,
                   floating[:, ::1] w_hh, floating[:, ::1] w_hr,
                   floating[:, ::1] dy, Py_ssize_t y_col,
                   floating[:, ::1] dh_state, floating[:, ::1] dc_state,
                   floating[:, ::1] dgx, floating[:, ::1] dgh,
                   floating[:, ::1] dh_all, floating[:, ::1] dm,
                   const Py_ssize_t[::1] batch_sizes, const Py_ssize_t[::1] offsets):
    """Backward through time of one layer and direction (the saved buffers of
    ``layer_forward``).

    w_hh (GH, Hout), w_hr (P, H) or empty, in torch's layout.  dy (N, .): dL/dy in columns
    y_col.. .  dh_state (B, Hout) / dc_state (B, H): dL/dh_n / dL/dc_n on entry, dL/dh_0 /
    dL/dc_0 on exit.  dgx (N, GH) <- dL/d(input part of the gates); dgh (N, GH), GRU only,
    <- dL/d(h W_hh^T + b_hh) (for the others it equals dgx).  With a projection, dh_all
    (N, P) <- dL/dh_t and dm (B, H) is scratch.
    """
    cdef Py_ssize_t T = batch_sizes.shape[0], GH = gates.shape[1], Hout = dh_state.shape[1]
    cdef Py_ssize_t H = dc_state.shape[1] if cell == CELL_LSTM else GH
    cdef Py_ssize_t P = w_hr.shape[0], s, t, r, j, bs, off
    cdef bint proj = cell == CELL_LSTM and P > 0
    cdef floating* dhs = rows(dh_state, 0)
    cdef floating* dcs = rows(dc_state, 0)
    cdef floating* dmp
    cdef floating* dg
    if cell == CELL_GRU:
        H = GH // 3
    with nogil:
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
                    gemm(False, False, bs, H, P, 1, dhs, P, &w_hr[0, 0], H, 0, dmp, H)
                lstm_backward(bs, H, &gates[off, 0], rows(extra, off), rows(c_prev, off),
                              dmp, H, dcs, dg)
                gemm(False, False, bs, Hout, GH, 1, dg, GH, &w_hh[0, 0], Hout, 0, dhs, Hout)
            elif cell == CELL_GRU:
                gru_backward(bs, H, &gates[off, 0], rows(extra, off), rows(h_prev, off), dhs,
                             dg, &dgh[off, 0])
                gemm(False, False, bs, Hout, GH, 1, &dgh[off, 0], GH, &w_hh[0, 0], Hout,
                     1, dhs, Hout)
            else:
                rnn_backward(cell == CELL_RNN_RELU, bs, H, &gates[off, 0], dhs, Hout, dg)
                gemm(False, False, bs, Hout, GH, 1, dg, GH, &w_hh[0, 0], Hout, 0, dhs, Hout)


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
