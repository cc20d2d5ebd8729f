"""Time loops of one layer and direction on two threads: each step's hidden units split.

Why: on one core the packed step kernels (``_packed_gemm.h``) already run near the sgemm
peak, and a step needs the whole h of the step before, so a second core can only help by
taking half of every step.  ``_sequence`` calls ``forward_part`` / ``backward_part`` once on
each of two threads with the same arguments but ``part``; the threads meet once per step at
a spin barrier (``_step_barrier.h``), which costs ~0.1 us against ~80 us of a split medium
LSTM step.

Legend as in ``_driver``: N packed rows, T steps, B batch, H hidden (no projection here:
Hout = H), G gates, GH = G * H, float32 only.  Part 0 owns hidden units [0, split), part 1
[split, H): the gate columns q * H + those units of every gate q, the same columns of h, c
and the saved buffers, and in backward the same columns of dL/dh and dL/dc.  Each part packs
only its own columns of the weights.

Forward, step t: the GEMM reads the whole h_{t-1} from one of two (B, H) buffers and each
part writes its columns of h_t into the other; the barrier after the step makes h_t whole
before anyone reads it, and no part writes a buffer the other may still read (a part that
reaches step t+1 writes h_{t+1} over h_{t-1}, which everyone has finished reading at the
barrier of step t).  Backward, step t: the pointwise kernel reads only the part's own
columns of dL/dh_t and writes its gate columns of dL/d(gates) (row t); the barrier makes
that row whole; dL/dh_{t-1} = dgates_t W_hh for the part's own columns.
"""

from libc.stdlib cimport free
from libc.string cimport memcpy

from nnx_layers._rnn._cells cimport (
    CELL_GRU, CELL_LSTM, CELL_RNN_RELU, nnx_gru_backward_f32, nnx_gru_forward_f32,
    nnx_lstm_backward_f32, nnx_lstm_forward_f32, nnx_rnn_backward_f32, nnx_rnn_forward_f32,
)
from nnx_layers._rnn._packed_gemm cimport (
    nnx_gemm_args, nnx_gemm_path_available, nnx_pack_rows_f32, nnx_packed_alloc,
    nnx_packed_floats, nnx_packed_gemm2_f32, nnx_packed_gemm_f32,
)

cdef extern from "_step_barrier.h" nogil:
    int NNX_SYNC_WORDS
    int nnx_barrier_wait(int* sync, int parties)
    void nnx_barrier_abort(int* sync)

SYNC_WORDS = NNX_SYNC_WORDS
DEF PARTS = 2


class PartnerFailed(RuntimeError):
    """This part stopped because the other one failed (whose error is the one to show)."""


def abort(int[::1] sync):
    """Release the other part from every barrier (this part failed)."""
    nnx_barrier_abort(&sync[0])


cdef int _check(int[::1] sync, int part, Py_ssize_t split, Py_ssize_t H,
                int gemm_path) except -1:
    if sync.shape[0] < NNX_SYNC_WORDS or not 0 <= part < PARTS or not 0 < split < H \
            or not nnx_gemm_path_available(gemm_path):
        nnx_barrier_abort(&sync[0])
        raise ValueError("split step: bad sync buffer, part, split or GEMM path")
    return 0


cdef float* _alloc(int[::1] sync, long K, long N, void** raw) except NULL:
    """Packed buffer for a K x N weight, aborting the barrier when out of memory."""
    cdef float* packed = NULL
    raw[0] = nnx_packed_alloc(K, N, &packed)
    if raw[0] == NULL:
        nnx_barrier_abort(&sync[0])
        raise MemoryError()
    return packed


cdef inline void _pack_gate_columns(long G, long H, long u0, long width, long k0, long K,
                                    long Ktot, const float* w, float* wp) noexcept nogil:
    """Rows k0 .. k0+K of the packed [W^T] slices of one part: for each gate q, the
    columns q * H + u0 .. + width of W^T, with w (GH, K) in torch's layout; slice q at
    wp + q * nnx_packed_floats(Ktot, width)."""
    cdef long q
    for q in range(G):
        nnx_pack_rows_f32(Ktot, k0, K, width, w + (q * H + u0) * K, K, 1,
                          wp + q * nnx_packed_floats(Ktot, width))


def forward_part(int part, int[::1] sync, Py_ssize_t split, int cell, bint reverse,
                 float[:, ::1] gates, float[:, ::1] x_in, float[:, ::1] w_ih,
                 float[:, ::1] w_hh, float[:, ::1] b_in, float[:, ::1] b_hh,
                 float[:, ::1] h_state, float[:, ::1] h_other, float[:, ::1] c_state,
                 float[:, ::1] h_prev, float[:, ::1] c_prev, float[:, ::1] extra,
                 float[:, ::1] y, Py_ssize_t y_col, float[:, ::1] scratch,
                 const Py_ssize_t[::1] batch_sizes, const Py_ssize_t[::1] offsets,
                 bint keep, int gemm_path):
    """One part of ``_driver.layer_forward`` for LSTM (no projection), GRU and RNN.

    x_in (N, n_in), w_ih (GH, n_in), w_hh (GH, H) in torch's layout.  LSTM and RNN: each
    step computes [x_t | h_{t-1}] @ [W_ih^T; W_hh^T] + b_in (1, GH) (b_ih + b_hh; empty
    without bias) into gates, which needs only B rows without ``keep``.  GRU: each part first
    projects all N rows of x for its gate columns, gates (N, GH) <- x W_ih^T + b_in (b_ih),
    then each step puts h_{t-1} W_hh^T into scratch (B, GH) and the kernel adds b_hh (1, GH,
    zeros without bias).  h_state (B, H): h_0 on entry, h_n on exit; h_other (B, H) is the
    second h buffer.  c_state (B, H), LSTM: c_0 -> c_n.  Saved as ``layer_forward`` saves
    them (h_prev, c_prev, extra; all empty without ``keep``, except extra, B rows, which the
    kernels write anyway).  y (N, >= y_col + H) receives h_t in columns y_col.. .
    """
    cdef Py_ssize_t T = batch_sizes.shape[0], GH = gates.shape[1], B = h_state.shape[0]
    cdef Py_ssize_t H = h_state.shape[1], n_in = x_in.shape[1]
    cdef Py_ssize_t G = GH // H if H > 0 else 1
    cdef Py_ssize_t u0 = 0 if part == 0 else split, u1 = split if part == 0 else H
    cdef Py_ssize_t width = u1 - u0, s, t, r, q, bs, off, row, n_steps = 0
    cdef bint gru = cell == CELL_GRU
    cdef long K = H if gru else n_in + H      # rows of the packed step weight
    cdef long slice_floats = nnx_packed_floats(K, width)
    cdef long ih_floats = nnx_packed_floats(n_in, width)
    cdef float* cur
    cdef float* nxt
    cdef float* g
    cdef float* hb[2]
    cdef float* bias = &b_in[0, 0] if b_in.shape[0] > 0 else NULL
    cdef float* wp_hh
    cdef float* wp_ih = NULL
    cdef void* raw_hh = NULL
    cdef void* raw_ih = NULL
    cdef nnx_gemm_args args
    cdef int failed = 0
    _check(sync, part, split, H, gemm_path)
    wp_hh = _alloc(sync, G * K, width, &raw_hh)      # G slices of K x width each
    if gru:
        if n_in == 0:
            nnx_barrier_abort(&sync[0])
            raise ValueError("split GRU step: input size 0")
        try:
            wp_ih = _alloc(sync, G * n_in, width, &raw_ih)
        except MemoryError:
            free(raw_hh)
            raise
    hb[0] = &h_state[0, 0]
    hb[1] = &h_other[0, 0]
    args.acc = 0
    args.cs1 = args.cs2 = 1
    with nogil:
        if gru:
            _pack_gate_columns(G, H, u0, width, 0, H, K, &w_hh[0, 0], wp_hh)
            # this part's gate columns of x W_ih^T + b_ih, all rows, before the first step
            _pack_gate_columns(G, H, u0, width, 0, n_in, n_in, &w_ih[0, 0], wp_ih)
            args.a1 = args.a2 = &x_in[0, 0]
            args.lda1 = args.lda2 = args.k1 = n_in
            args.k2 = 0
            for q in range(G):
                args.bias = NULL if bias == NULL else bias + q * H + u0
                nnx_packed_gemm2_f32(gemm_path, x_in.shape[0], width, &args,
                                     wp_ih + q * ih_floats, &gates[0, q * H + u0], GH)
            args.bias = NULL        # the step's h W_hh^T: b_hh is the kernel's to add
            args.lda1, args.k1, args.lda2, args.k2 = H, H, H, 0
        else:
            if n_in > 0:
                _pack_gate_columns(G, H, u0, width, 0, n_in, K, &w_ih[0, 0], wp_hh)
            _pack_gate_columns(G, H, u0, width, n_in, H, K, &w_hh[0, 0], wp_hh)
            args.lda1, args.k1, args.lda2, args.k2 = n_in, n_in, H, H
        for s in range(T):
            t = T - 1 - s if reverse else s
            bs = batch_sizes[t]
            off = offsets[t]
            if bs == 0:
                continue
            cur = hb[n_steps % 2]
            nxt = hb[(n_steps + 1) % 2]
            n_steps += 1
            row = off if keep else 0
            if gru:
                args.a1 = args.a2 = cur
                for q in range(G):
                    nnx_packed_gemm2_f32(gemm_path, bs, width, &args, wp_hh + q * slice_floats,
                                         &scratch[0, q * H + u0], GH)
            else:
                args.a1 = &x_in[off, 0] if n_in > 0 else cur
                args.a2 = cur
                g = &gates[row, 0]
                for q in range(G):
                    args.bias = NULL if bias == NULL else bias + q * H + u0
                    nnx_packed_gemm2_f32(gemm_path, bs, width, &args, wp_hh + q * slice_floats,
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
            if nnx_barrier_wait(&sync[0], PARTS) != 0:
                failed = 1
                break
        if not failed and n_steps % 2 == 1:     # h_n sits in the second buffer
            for r in range(B):
                memcpy(&h_state[r, u0], hb[1] + r * H + u0, width * sizeof(float))
    free(raw_hh)
    free(raw_ih)
    if failed:
        raise PartnerFailed("the other thread of a split recurrent layer failed")


def backward_part(int part, int[::1] sync, Py_ssize_t split, int cell, bint reverse,
                  float[:, ::1] gates, float[:, ::1] h_prev, float[:, ::1] c_prev,
                  float[:, ::1] extra, float[:, ::1] w_hh, float[:, ::1] dy,
                  Py_ssize_t y_col, float[:, ::1] dh_state, float[:, ::1] dc_state,
                  float[:, ::1] dgx, float[:, ::1] dgh,
                  const Py_ssize_t[::1] batch_sizes, const Py_ssize_t[::1] offsets,
                  int gemm_path, float[:, ::1] x_in, float[:, ::1] g_ih,
                  float[:, ::1] g_hh):
    """One part of ``_driver.layer_backward`` (its arguments; LSTM without projection, GRU,
    RNN): dh_state / dc_state (B, H) dL/dh_n, dL/dc_n -> dL/dh_0, dL/dc_0; dgx (N, GH) and,
    GRU, dgh (N, GH) receive every step's gate gradients.  Then, unless empty, g_ih
    (GH, n_in) <- dgx^T x_in and g_hh (GH, H) <- dgh^T h_prev (GRU; else dgx^T h_prev),
    each part its half of the columns: OpenBLAS's own threads would spin on both cores
    for milliseconds after such a GEMM, and the next split loop would wait behind them."""
    cdef Py_ssize_t T = batch_sizes.shape[0], GH = gates.shape[1], H = dh_state.shape[1]
    cdef Py_ssize_t u0 = 0 if part == 0 else split, u1 = split if part == 0 else H
    cdef Py_ssize_t width = u1 - u0, s, t, r, j, bs, off
    cdef bint gru = cell == CELL_GRU
    cdef float* dhs = &dh_state[0, 0]
    cdef float* dg
    cdef float* wp
    cdef void* raw = NULL
    cdef int failed = 0
    _check(sync, part, split, H, gemm_path)
    wp = _alloc(sync, GH, width, &raw)
    with nogil:
        nnx_pack_rows_f32(GH, 0, GH, width, &w_hh[0, u0], H, 0, wp)
        for s in range(T):
            t = s if reverse else T - 1 - s
            bs = batch_sizes[t]
            off = offsets[t]
            if bs == 0:
                continue
            for r in range(bs):
                for j in range(u0, u1):
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
            if nnx_barrier_wait(&sync[0], PARTS) != 0:     # the gate row is whole
                failed = 1
                break
            # dL/dh_{t-1} = dg W_hh, this part's columns (GRU: plus the direct part)
            dg = &dgh[off, 0] if gru else &dgx[off, 0]
            nnx_packed_gemm_f32(gemm_path, bs, width, GH, dg, GH, wp, dhs + u0, H, gru)
    free(raw)
    if not failed and dgx.shape[0] > 0:  # every gate row is whole since the last barrier
        if g_ih.shape[0] > 0:
            _weight_gradient_half(sync, part, gemm_path, dgx, x_in, g_ih)
        if g_hh.shape[0] > 0:
            _weight_gradient_half(sync, part, gemm_path, dgh if gru else dgx, h_prev, g_hh)
    if failed:
        raise PartnerFailed("the other thread of a split recurrent layer failed")


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
