"""Time loops of one layer and direction on two threads: each step's hidden units split.

Why: on one core the packed step kernels (``_packed_gemm.h``) already run near the sgemm
peak, and a step needs the whole h of the step before, so a second core can only help by
taking half of every step.  ``_sequence`` calls ``forward_part`` / ``backward_part`` once on
each of two threads with the same arguments but ``part``; the threads meet once per step at
a spin barrier (``_step_barrier.h``), which costs ~1-2 us against ~80 us of a split medium
LSTM step.

Legend as in ``_driver``: N packed rows, T steps, B batch, H hidden (no projection here:
Hout = H), G gates, GH = G * H, float32 only.  The hidden units come in chunks of cw <= 32
units (the last one may be narrower): chunk c is the gate columns q * H + c * cw .. of
every gate q, the same columns of h, c and the saved buffers, and in backward the same
columns of dL/dh and dL/dc.  Each step's chunks are claimed (``nnx_claim``): part 0 from the
front, part 1 from the back, so each does its own half, whose weights stay in its core's
cache, until one runs slower (the development VM's host slowed one core by ~40% for
seconds at a time: a fixed half made the other wait 3 ms of a 9 ms medium LSTM forward);
then the faster part takes the rest.  The weights are packed once per call into buffers
both parts read (``packed_floats``), each part packing its own half before the first
barrier.

Forward, step t, per chunk: the GEMM reads the whole h_{t-1} from one of two (B, H) buffers
into the chunk's gate columns, and the pointwise kernel writes the chunk of h_t into the
other buffer; the barrier after the step makes h_t whole
before anyone reads it, and no part writes a buffer the other may still read (h_{t+1} goes
over h_{t-1}, which everyone has finished reading at the barrier of step t).  Backward, per
chunk of step t: dL/dh_t = dgates_{t+1} W_hh for the chunk's columns (dgates_{t+1} whole
since the last barrier), then the pointwise kernel of step t on the same columns, which
writes the chunk's gate columns of dgates_t; one barrier per step.
"""

from libc.stdint cimport int64_t
from libc.stdlib cimport free
from libc.string cimport memcpy

import numpy as np

from nnx_layers._rnn._cells cimport (
    CELL_GRU, CELL_LSTM, CELL_RNN_RELU, nnx_gru_backward_f32, nnx_gru_forward_f32,
    nnx_lstm_backward_f32, nnx_lstm_forward_f32, nnx_rnn_backward_f32, nnx_rnn_forward_f32,
)
from nnx_layers._rnn._packed_gemm cimport (
    NNX_NR, nnx_gemm_args, nnx_gemm_path_available, nnx_pack_rows_f32, nnx_packed_alloc,
    nnx_packed_floats, nnx_packed_gemm2_f32, nnx_packed_gemm_f32,
)

cdef extern from "_step_barrier.h" nogil:
    int NNX_SYNC_WORDS
    int nnx_barrier_wait(int* sync, int parties)
    void nnx_barrier_abort(int* sync)
    int nnx_claim(int64_t* word, int from_back)

SYNC_WORDS = NNX_SYNC_WORDS
cdef enum:
    PARTS = 2


class PartnerFailed(RuntimeError):
    """This part stopped because the other one failed (whose error is the one to show)."""


def abort(int[::1] sync):
    """Release the other part from every barrier (this part failed)."""
    nnx_barrier_abort(&sync[0])


def chunks(Py_ssize_t H, Py_ssize_t cw):
    """How many chunks of cw hidden units H makes."""
    return (H + cw - 1) // cw


def packed_floats(Py_ssize_t H, Py_ssize_t cw, Py_ssize_t G, Py_ssize_t K):
    """Floats of the shared packed weight: G gate slices of K rows, one panel each, for
    every chunk (slice (c, q) at (c * G + q) * K * NR)."""
    return chunks(H, cw) * G * nnx_packed_floats(K, cw)


def claims(Py_ssize_t steps, Py_ssize_t H, Py_ssize_t cw):
    """Fresh claim words for ``steps`` steps: every chunk still to take."""
    return np.full(steps, chunks(H, cw) << 32, dtype=np.int64)


cdef int _check(int[::1] sync, int part, Py_ssize_t cw, Py_ssize_t H, int gemm_path,
                const int64_t[::1] claim, Py_ssize_t steps, float[::1] wp, Py_ssize_t G,
                Py_ssize_t K) except -1:
    if sync.shape[0] < NNX_SYNC_WORDS or not 0 <= part < PARTS or not 0 < cw <= NNX_NR \
            or H < 1 or not nnx_gemm_path_available(gemm_path) or claim.shape[0] < steps \
            or wp.shape[0] < packed_floats(H, cw, G, K):
        nnx_barrier_abort(&sync[0])
        raise ValueError("split step: bad sync buffer, part, chunk width, GEMM path, claims "
                         "or packed buffer")
    return 0


cdef float* _alloc(int[::1] sync, long K, long N, void** raw) except NULL:
    """Packed buffer for a K x N weight, aborting the barrier when out of memory."""
    cdef float* packed = NULL
    raw[0] = nnx_packed_alloc(K, N, &packed)
    if raw[0] == NULL:
        nnx_barrier_abort(&sync[0])
        raise MemoryError()
    return packed


cdef inline void _pack_chunks(long c0, long c1, long G, long H, long cw, long k0, long K,
                              long Ktot, const float* w, float* wp) noexcept nogil:
    """Rows k0 .. k0+K of the packed slices of chunks c0 .. c1-1 (w (GH, K) in torch's
    layout, transposed into the panels)."""
    cdef long c, q, u0, width
    for c in range(c0, c1):
        u0 = c * cw
        width = _width(c, cw, H)
        for q in range(G):
            nnx_pack_rows_f32(Ktot, k0, K, width, w + (q * H + u0) * K, K, 1,
                              wp + (c * G + q) * Ktot * NNX_NR)


cdef inline long _width(long c, long cw, long H) noexcept nogil:
    """Hidden units in chunk c (the last one may be narrower)."""
    return cw if (c + 1) * cw <= H else H - c * cw


cdef inline void _home(int part, long n_chunks, long* c0, long* c1) noexcept nogil:
    """The chunks a part packs (and projects, GRU) and copies h_n of: its own half."""
    c0[0] = 0 if part == 0 else n_chunks // 2
    c1[0] = n_chunks // 2 if part == 0 else n_chunks


def forward_part(int part, int[::1] sync, Py_ssize_t cw, int cell, bint reverse,
                 float[:, ::1] gates, float[:, ::1] x_in, float[:, ::1] w_ih,
                 float[:, ::1] w_hh, float[:, ::1] b_in, float[:, ::1] b_hh,
                 float[:, ::1] h_state, float[:, ::1] h_other, float[:, ::1] c_state,
                 float[:, ::1] h_prev, float[:, ::1] c_prev, float[:, ::1] extra,
                 float[:, ::1] y, Py_ssize_t y_col, float[:, ::1] scratch,
                 const Py_ssize_t[::1] batch_sizes, const Py_ssize_t[::1] offsets,
                 bint keep, int gemm_path, int64_t[::1] claim, float[::1] wp,
                 float[::1] wp_ih):
    """One part of ``_driver.layer_forward`` for LSTM (no projection), GRU and RNN.

    x_in (N, n_in), w_ih (GH, n_in), w_hh (GH, H) in torch's layout.  LSTM and RNN: each
    step computes [x_t | h_{t-1}] @ [W_ih^T; W_hh^T] + b_in (1, GH) (b_ih + b_hh; empty
    without bias) into gates, which needs only B rows without ``keep``; wp holds
    ``packed_floats(H, cw, G, n_in + H)`` floats.  GRU (n_in > 0): the parts first project
    all N rows of x, gates (N, GH) <- x W_ih^T + b_in (b_ih), each its own half of the
    chunks (wp_ih: ``packed_floats(H, cw, G, n_in)``), then each step puts h_{t-1} W_hh^T
    into scratch (B, GH) (wp: ``packed_floats(H, cw, G, H)``) and the kernel adds b_hh (1,
    GH, zeros without bias).  h_state (B, H): h_0 on entry, h_n on exit; h_other (B, H) is
    the second h buffer.  c_state (B, H), LSTM: c_0 -> c_n.  Saved as ``layer_forward``
    saves them (h_prev, c_prev, extra; all empty without ``keep``, except extra (LSTM, GRU),
    B rows, which the kernels write anyway).  y (N, >= y_col + H) receives h_t in columns y_col.. .
    claim: ``claims(T, H, cw)``, fresh.
    """
    cdef Py_ssize_t T = batch_sizes.shape[0], GH = gates.shape[1], B = h_state.shape[0]
    cdef Py_ssize_t H = h_state.shape[1], n_in = x_in.shape[1]
    cdef Py_ssize_t G = GH // H if H > 0 else 1
    cdef Py_ssize_t u0, width, s, t, r, q, bs, off, row, n_steps = 0
    cdef bint gru = cell == CELL_GRU
    cdef long K = H if gru else n_in + H      # rows of the packed step weight
    cdef long n_chunks, c, c0, c1
    cdef float* cur
    cdef float* nxt
    cdef float* hb[2]
    cdef float* bias = &b_in[0, 0] if b_in.shape[0] > 0 else NULL
    cdef nnx_gemm_args args
    cdef int failed = 0
    _check(sync, part, cw, H, gemm_path, claim, T, wp, G, K)
    n_chunks = chunks(H, cw)
    if gru and (n_in == 0 or wp_ih.shape[0] < packed_floats(H, cw, G, n_in)):
        nnx_barrier_abort(&sync[0])
        raise ValueError("split GRU step: input size 0 or bad packed input weight")
    _home(part, n_chunks, &c0, &c1)
    hb[0] = &h_state[0, 0]
    hb[1] = &h_other[0, 0]
    args.acc = 0
    args.cs1 = args.cs2 = 1
    with nogil:
        if gru:
            _pack_chunks(c0, c1, G, H, cw, 0, H, K, &w_hh[0, 0], &wp[0])
            # this part's half of x W_ih^T + b_ih, all rows, before the first step
            _pack_chunks(c0, c1, G, H, cw, 0, n_in, n_in, &w_ih[0, 0], &wp_ih[0])
            args.a1 = args.a2 = &x_in[0, 0]
            args.lda1 = args.lda2 = args.k1 = n_in
            args.k2 = 0
            for c in range(c0, c1):
                u0 = c * cw
                width = _width(c, cw, H)
                for q in range(G):
                    args.bias = NULL if bias == NULL else bias + q * H + u0
                    nnx_packed_gemm2_f32(gemm_path, x_in.shape[0], width, &args,
                                         &wp_ih[(c * G + q) * n_in * NNX_NR],
                                         &gates[0, q * H + u0], GH)
            args.bias = NULL        # the step's h W_hh^T: b_hh is the kernel's to add
            args.lda1, args.k1, args.lda2, args.k2 = H, H, H, 0
        else:
            if n_in > 0:
                _pack_chunks(c0, c1, G, H, cw, 0, n_in, K, &w_ih[0, 0], &wp[0])
            _pack_chunks(c0, c1, G, H, cw, n_in, H, K, &w_hh[0, 0], &wp[0])
            args.lda1, args.k1, args.lda2, args.k2 = n_in, n_in, H, H
        if nnx_barrier_wait(&sync[0], PARTS) != 0:     # every chunk packed (and projected)
            failed = 1
        for s in range(T):
            if failed:
                break
            t = T - 1 - s if reverse else s
            bs = batch_sizes[t]
            off = offsets[t]
            if bs == 0:
                continue
            cur = hb[n_steps % 2]
            nxt = hb[(n_steps + 1) % 2]
            n_steps += 1
            row = off if keep else 0
            args.a1 = cur if gru or n_in == 0 else &x_in[off, 0]
            args.a2 = cur
            c = nnx_claim(&claim[s], part)
            while c >= 0:
                u0 = c * cw
                width = _width(c, cw, H)
                _forward_chunk(cell, gemm_path, &args, &wp[c * G * K * NNX_NR], K, bias, G,
                               H, u0, width, bs, off, row, keep, cur, nxt, B, gates, scratch,
                               b_hh, c_state, h_prev, c_prev, extra, y, y_col)
                c = nnx_claim(&claim[s], part)
            if nnx_barrier_wait(&sync[0], PARTS) != 0:
                failed = 1
        if not failed and n_steps % 2 == 1:     # h_n sits in the second buffer
            for c in range(c0, c1):
                u0 = c * cw
                width = _width(c, cw, H)
                for r in range(B):
                    memcpy(&h_state[r, u0], hb[1] + r * H + u0, width * sizeof(float))
    if failed:
        raise PartnerFailed("the other thread of a split recurrent layer failed")


cdef void _forward_chunk(int cell, int gemm_path, nnx_gemm_args* args, const float* wp,
                         long K, const float* bias, Py_ssize_t G, Py_ssize_t H, Py_ssize_t u0,
                         Py_ssize_t width, Py_ssize_t bs, Py_ssize_t off, Py_ssize_t row,
                         bint keep, const float* cur, float* nxt, Py_ssize_t B,
                         float[:, ::1] gates, float[:, ::1] scratch, float[:, ::1] b_hh,
                         float[:, ::1] c_state, float[:, ::1] h_prev, float[:, ::1] c_prev,
                         float[:, ::1] extra, float[:, ::1] y,
                         Py_ssize_t y_col) noexcept nogil:
    """One chunk of one forward step (units u0 .. u0+width): its GEMM columns of every gate,
    then its pointwise kernel, saved state, output and carried rows."""
    cdef Py_ssize_t GH = gates.shape[1], q, r
    cdef bint gru = cell == CELL_GRU
    cdef float* g = &scratch[0, 0] if gru else &gates[row, 0]
    for q in range(G):
        if not gru:
            args.bias = NULL if bias == NULL else bias + q * H + u0
        nnx_packed_gemm2_f32(gemm_path, bs, width, args, wp + q * K * NNX_NR,
                             g + q * H + u0, GH)
    for r in range(bs):
        if keep:
            memcpy(&h_prev[off + r, u0], cur + r * H + u0, width * sizeof(float))
        if cell == CELL_LSTM:
            if keep:
                memcpy(&c_prev[off + r, u0], &c_state[r, u0], width * sizeof(float))
            nnx_lstm_forward_f32(width, H, &gates[row + r, u0], &c_state[r, u0],
                                 &extra[row + r, u0], nxt + r * H + u0)
        elif gru:
            nnx_gru_forward_f32(width, H, &gates[off + r, u0], &scratch[r, u0],
                                &b_hh[0, u0], cur + r * H + u0, &extra[row + r, u0],
                                nxt + r * H + u0)
        else:
            nnx_rnn_forward_f32(width, cell == CELL_RNN_RELU, &gates[row + r, u0],
                                nxt + r * H + u0)
        memcpy(&y[off + r, y_col + u0], nxt + r * H + u0, width * sizeof(float))
    for r in range(bs, B):      # rows without this step keep their h
        memcpy(nxt + r * H + u0, cur + r * H + u0, width * sizeof(float))


def backward_part(int part, int[::1] sync, Py_ssize_t cw, int cell, bint reverse,
                  float[:, ::1] gates, float[:, ::1] h_prev, float[:, ::1] c_prev,
                  float[:, ::1] extra, float[:, ::1] w_hh, float[:, ::1] dy,
                  Py_ssize_t y_col, float[:, ::1] dh_state, float[:, ::1] dc_state,
                  float[:, ::1] dgx, float[:, ::1] dgh,
                  const Py_ssize_t[::1] batch_sizes, const Py_ssize_t[::1] offsets,
                  int gemm_path, float[:, ::1] x_in, float[:, ::1] g_ih,
                  float[:, ::1] g_hh, int64_t[::1] claim, float[::1] wp):
    """One part of ``_driver.layer_backward`` (its arguments; LSTM without projection, GRU,
    RNN): dh_state / dc_state (B, H) dL/dh_n, dL/dc_n -> dL/dh_0, dL/dc_0; dgx (N, GH) and,
    GRU, dgh (N, GH) receive every step's gate gradients.  claim: ``claims(T + 1, H, cw)``;
    wp: ``packed_floats(H, cw, 1, GH)`` (W_hh's columns by chunk).  Then, unless empty,
    g_ih (GH, n_in) <- dgx^T x_in and g_hh (GH, H) <- dgh^T h_prev (GRU; else dgx^T
    h_prev), each part its half of the columns: OpenBLAS's own threads would spin on both
    cores for milliseconds after such a GEMM, and the next split loop would wait behind
    them."""
    cdef Py_ssize_t T = batch_sizes.shape[0], GH = gates.shape[1], H = dh_state.shape[1]
    cdef Py_ssize_t s, t, u0, width, prev = -1
    cdef long n_chunks, c, c0, c1
    cdef int failed = 0
    _check(sync, part, cw, H, gemm_path, claim, T + 1, wp, 1, GH)
    n_chunks = chunks(H, cw)
    _home(part, n_chunks, &c0, &c1)
    with nogil:
        for c in range(c0, c1):         # W_hh's columns of the part's own chunks
            u0 = c * cw
            width = _width(c, cw, H)
            nnx_pack_rows_f32(GH, 0, GH, width, &w_hh[0, u0], H, 0, &wp[c * GH * NNX_NR])
        if nnx_barrier_wait(&sync[0], PARTS) != 0:
            failed = 1
        for s in range(T + 1):      # dL/dh of the previous step's rows, then step t
            if failed:
                break
            t = -1
            if s < T:
                t = s if reverse else T - 1 - s
                if batch_sizes[t] == 0:
                    continue
            c = nnx_claim(&claim[s], part)
            while c >= 0:
                u0 = c * cw
                width = _width(c, cw, H)
                _backward_chunk(cell, gemm_path, &wp[c * GH * NNX_NR], u0, width, prev, t,
                                batch_sizes, offsets, gates, h_prev, c_prev, extra, dy, y_col,
                                dh_state, dc_state, dgx, dgh)
                c = nnx_claim(&claim[s], part)
            if t < 0:
                break               # the last GEMM (dL/dh_0) needs no barrier after it
            prev = t
            if nnx_barrier_wait(&sync[0], PARTS) != 0:     # the gate row is whole
                failed = 1
    if failed:
        raise PartnerFailed("the other thread of a split recurrent layer failed")
    if dgx.shape[0] > 0:  # every gate row is whole since the last barrier
        if g_ih.shape[0] > 0:
            _weight_gradient_half(sync, part, gemm_path, dgx, x_in, g_ih)
        if g_hh.shape[0] > 0:
            _weight_gradient_half(sync, part, gemm_path, dgh if cell == CELL_GRU else dgx,
                                  h_prev, g_hh)


cdef void _backward_chunk(int cell, int gemm_path, const float* wp, Py_ssize_t u0,
                          Py_ssize_t width, Py_ssize_t prev, Py_ssize_t t,
                          const Py_ssize_t[::1] batch_sizes, const Py_ssize_t[::1] offsets,
                          float[:, ::1] gates, float[:, ::1] h_prev, float[:, ::1] c_prev,
                          float[:, ::1] extra, float[:, ::1] dy, Py_ssize_t y_col,
                          float[:, ::1] dh_state, float[:, ::1] dc_state,
                          float[:, ::1] dgx, float[:, ::1] dgh) noexcept nogil:
    """One chunk (units u0 .. u0+width): with ``prev`` >= 0, dL/dh of those columns from
    step prev's gate gradients (its rows; GRU adds to the direct part); then, with t >= 0,
    step t's dy and pointwise backward on them."""
    cdef Py_ssize_t GH = gates.shape[1], H = dh_state.shape[1], r, j, bs, off
    cdef bint gru = cell == CELL_GRU
    cdef float* dhs = &dh_state[0, 0]
    if prev >= 0:
        off = offsets[prev]
        nnx_packed_gemm_f32(gemm_path, batch_sizes[prev], width, GH,
                            &dgh[off, 0] if gru else &dgx[off, 0], GH, wp, dhs + u0, H, gru)
    if t < 0:
        return
    bs = batch_sizes[t]
    off = offsets[t]
    for r in range(bs):
        for j in range(u0, u0 + width):
            dhs[r * H + j] += dy[off + r, y_col + j]
        if cell == CELL_LSTM:
            nnx_lstm_backward_f32(width, H, &gates[off + r, u0], &extra[off + r, u0],
                                  &c_prev[off + r, u0], dhs + r * H + u0,
                                  &dc_state[r, u0], &dgx[off + r, u0])
        elif gru:
            nnx_gru_backward_f32(width, H, &gates[off + r, u0], &extra[off + r, u0],
                                 &h_prev[off + r, u0], dhs + r * H + u0,
                                 &dgx[off + r, u0], &dgh[off + r, u0])
        else:
            nnx_rnn_backward_f32(width, cell == CELL_RNN_RELU, &gates[off + r, u0],
                                 dhs + r * H + u0, &dgx[off + r, u0])


cdef int _weight_gradient_half(int[::1] sync, int part, int gemm_path, float[:, ::1] dg,
                               float[:, ::1] a, float[:, ::1] grad) except -1:
    """grad (GH, K) <- dg^T a for dg (N, GH), a (N, K): this part's half of grad's columns
    (its half of a packed; dg^T read in place, rows of grad are columns of dg)."""
    cdef Py_ssize_t N = dg.shape[0], K = a.shape[1], half = K // 2
    cdef Py_ssize_t k0 = 0 if part == 0 else half, k1 = half if part == 0 else K
    cdef void* raw = NULL
    cdef float* wp
    cdef nnx_gemm_args args
    if k1 <= k0:
        return 0
    wp = _alloc(sync, N, k1 - k0, &raw)
    args.a1 = args.a2 = &dg[0, 0]
    args.lda1 = args.lda2 = 1
    args.cs1 = args.cs2 = dg.shape[1]
    args.k1 = N
    args.k2 = 0
    args.bias = NULL
    args.acc = 0
    with nogil:
        nnx_pack_rows_f32(N, 0, N, k1 - k0, &a[0, k0], K, 0, wp)
        nnx_packed_gemm2_f32(gemm_path, dg.shape[1], k1 - k0, &args, wp, &grad[0, k0], K)
    free(raw)
    return 0


def take_chunk(int64_t[::1] words, Py_ssize_t step, int part):
    """Take the next chunk of ``step`` as ``part`` would (tests)."""
    return nnx_claim(&words[step], part)
