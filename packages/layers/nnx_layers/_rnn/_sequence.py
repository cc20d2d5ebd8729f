"""Layers x directions of a recurrent network on NumPy arrays, around the Cython time loops.

Legend: N packed rows (T*B when padded), B batch, I input, H hidden, P projection,
Hout = P or H, G gates, GH = G*H, L layers, D directions.  Arrays are in PackedSequence
layout (see ``_driver.pyx``); ``weights`` is a list over layer*D + direction of
``(w_ih, w_hh, b_ih, b_hh, w_hr)`` in torch's layout, absent entries None.

Per layer and direction the forward does one GEMM for the input projection of all steps
(both biases folded in, except GRU's b_hh which the step kernel needs), then the time loop;
on a packed-GEMM path (float32, see ``_step_paths``) an LSTM or RNN with batch >= 2 instead
projects each step's input inside the step.  Backward does the time loop, then one GEMM
each for dW_ih, dW_hh, dW_hr and dx over all rows.  Where two threads are allowed, a layer
and direction either runs its steps split over both (``_two_parts``), or, bidirectional,
runs each direction on a thread of its own.  Large saved and scratch buffers come from a
``_workspace`` and go back to it when no longer reachable.
"""

from concurrent import futures

import numpy as np

from nnx_layers._rnn import _driver, _split
from nnx_layers._rnn._blas_threads import (
    BLAS_ONE_THREAD_UP_TO,
    ONE_THREAD_BELOW,
    call_on_one_thread_if,
    two_directions_at_once,
)
from nnx_layers._rnn._step_paths import (  # noqa: F401  (set_gemm_path: the tests' switch)
    BLAS_PATH,
    gemm_path,
    set_gemm_path,
    split_and_path,
)
from nnx_layers._rnn._two_parts import may_split, run_parts
from nnx_layers._rnn._workers import worker
from nnx_layers._rnn._workspace import MIN_BYTES, Workspace, aligned_empty

CELL_CODES = {"RNN_TANH": 0, "RNN_RELU": 1, "LSTM": 2, "GRU": 3}
NUM_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def step_layout(batch_sizes):
    """(batch_sizes, offsets) as contiguous intp arrays for the driver."""
    sizes = np.ascontiguousarray(batch_sizes, dtype=np.intp)
    offsets = np.empty(sizes.shape, dtype=np.intp)      # (np.zeros_like costs ~1 us more)
    offsets[:1] = 0
    if sizes.size > 1:
        np.cumsum(sizes[:-1], out=offsets[1:])
    return sizes, offsets


def _rows_used(sizes, offsets):
    """Rows the steps cover (sizes.sum(), ~1 us less on tiny calls)."""
    return int(offsets[-1] + sizes[-1]) if sizes.shape[0] else 0


def _matmul(a, trans_a, b, trans_b, c, beta=0.0):
    """c = op(a) @ op(b) + beta c over all rows; small products stay on one BLAS thread."""
    k = a.shape[0] if trans_a else a.shape[1]
    macs = c.shape[0] * c.shape[1] * k
    if macs <= BLAS_ONE_THREAD_UP_TO:       # OpenBLAS stays on this thread by itself
        _driver.matmul(a, trans_a, b, trans_b, c, beta)
    else:
        call_on_one_thread_if(macs < ONE_THREAD_BELOW, _driver.matmul,
                              a, trans_a, b, trans_b, c, beta)


def _empty(dtype):
    return np.empty((0, 0), dtype=dtype)


# From this many steps the BLAS path copies W_hh^T once (row-major step GEMMs); below,
# the copy (~10 us for 256 x 64) costs more than the steps it would speed up.  With batch 1
# OpenBLAS reads W_hh transposed in place faster anyway (1 thread, tiny 100 steps: LSTM
# 163 us against 176, GRU 111 against 128), with batch 8 much slower (small: 8.0 ms
# against 5.2-6.3)
TRANSPOSE_FROM_STEPS = 4
# From this many multiply-adds per step the forward's recurrent GEMM runs gate-major
# (W_hh h^T, see ``_driver.layer_forward``).  Measured per step (1 thread): 10-20% faster
# on the large LSTM (64 x 4096 x 1024), no faster on the medium one (32 x 1024 x 256),
# 2x slower on the small one (0.5M); the GRU forward, whose row-major GEMM writes a
# separate scratch, gained ~10% on medium (32 x 768 x 256 = 6.3M)
GATE_MAJOR_FROM = {"LSTM": 64_000_000, "GRU": 4_000_000, "RNN_TANH": 64_000_000,
                   "RNN_RELU": 64_000_000}
# Below this many multiply-adds per direction (all steps, recurrent GEMMs only) a second
# thread's hand-off (~50 us) is not worth it
TWO_THREADS_FROM = 20_000_000
REVERSE_WORKER = "nnx-rnn-reverse"

# From this batch a packed path projects an LSTM's or RNN's input inside each step
FUSED_FROM_BATCH = 2


def _worth_two_threads(macs):
    return macs >= TWO_THREADS_FROM and two_directions_at_once()


def _run_jobs(jobs, concurrent):
    """Run each (fn, *args) of ``jobs`` (one per direction); returns their results in order.

    ``concurrent``: the reverse direction runs on a worker thread while this thread runs the
    forward one, each with one BLAS thread (the driver releases the GIL for its loops and
    GEMMs, and the directions touch disjoint outputs)."""
    if not concurrent:
        return [job[0](*job[1:]) for job in jobs]
    future = worker(REVERSE_WORKER).submit(call_on_one_thread_if, True, *jobs[1])
    try:
        first = call_on_one_thread_if(True, *jobs[0])
    except BaseException:
        # the reverse direction still writes buffers of the tape's workspace, which the
        # unwinding frees: they must not be lent to another call before it stops
        futures.wait([future])
        raise
    return [first, future.result()]


def _forward_direction(mode, cell, d, keep, layer_in, weights, h_state, c_state, y,
                       sizes, offsets, B, H, Hout, concurrent, new):
    """Input projection and time loop of one layer and direction; returns its saved buffers
    (made by ``new(shape, dtype)``: the tape's workspace with ``keep``)."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    N, dtype = layer_in.shape[0], layer_in.dtype
    G = NUM_GATES[mode]
    empty = _empty(dtype)
    macs = B * G * H * Hout         # of one step's recurrent GEMM
    cw, path = split_and_path(mode, dtype, sizes.shape[0], H, macs, concurrent,
                               w_hr is not None, layer_in.shape[1])
    if cw:
        return _forward_split(mode, cell, d, keep, layer_in, weights, h_state, c_state, y,
                              sizes, offsets, B, H, path, cw, new)
    blas = path == BLAS_PATH
    # a packed path does an LSTM's or RNN's input projection inside each step
    fused = (not blas and mode != "GRU" and layer_in.shape[1] > 0
             and B >= FUSED_FROM_BATCH)
    # projected in the step and not kept for backward: one step's gate rows will do
    gates = new((B if fused and not keep else N, G * H), dtype)
    x_in, b_in = empty, empty
    if fused:
        x_in = layer_in
        if b_ih is not None:
            b_in = (b_ih + b_hh).reshape(1, -1)
    else:
        beta = 0.0
        if b_ih is not None:
            gates[...] = b_ih if mode == "GRU" else b_ih + b_hh
            beta = 1.0
        _matmul(layer_in, False, w_ih, True, gates, beta)
    rows = N if keep else B      # without backward, one step's rows are reused
    h_prev = new((rows, Hout), dtype)
    c_prev = new((rows, H), dtype) if mode == "LSTM" else empty
    extra = new((rows, H), dtype) if mode in ("LSTM", "GRU") else empty
    m = new((rows, H), dtype) if w_hr is not None else empty
    scratch = np.empty((B, G * H), dtype=dtype) if mode == "GRU" else empty
    b_gru = _gru_hidden_bias(mode, b_hh, G * H, dtype)
    w_hr_t = np.ascontiguousarray(w_hr.T) if w_hr is not None else empty
    if not blas:
        w_hh_t, rec_t = empty, empty     # the driver packs w_hh itself
    elif macs >= GATE_MAJOR_FROM[mode]:
        w_hh_t, rec_t = empty, np.empty((G * H, B), dtype=dtype)
    elif B > 1 and sizes.shape[0] >= TRANSPOSE_FROM_STEPS:
        w_hh_t, rec_t = np.ascontiguousarray(w_hh.T), empty
    else:                           # the driver reads w_hh transposed in place
        w_hh_t, rec_t = empty, empty
    call_on_one_thread_if(       # every BLAS step GEMM has at most ``macs`` multiply-adds
        blas and BLAS_ONE_THREAD_UP_TO < macs < ONE_THREAD_BELOW, _driver.layer_forward,
        cell, d == 1, gates, w_hh_t, w_hh, rec_t, b_gru, w_hr_t,
        h_state, c_state, h_prev, c_prev, extra, m, y, d * Hout, scratch, sizes, offsets,
        keep, path, x_in, w_ih, b_in)
    if keep:
        _zero_unused(h_prev, sizes, offsets)
    return gates, h_prev, c_prev, extra, m


def _gru_hidden_bias(mode, b_hh, GH, dtype):
    """GRU's b_hh as the step kernel adds it itself (1, GH), zeros without bias; empty for
    the other cells, whose b_hh is folded into the input projection."""
    if mode != "GRU":
        return _empty(dtype)
    return np.zeros((1, GH), dtype) if b_hh is None else b_hh.reshape(1, -1)


def _zero_unused(h_prev, sizes, offsets):
    """Zero the saved h rows no step covers (rows of x past the last step): the weight
    gradient multiplies them by zero rows of dgates, and a reused buffer may hold NaN."""
    used = _rows_used(sizes, offsets)
    if h_prev.shape[0] > used:
        h_prev[used:] = 0


def _large(rows, columns, dtype):
    """Whether a (rows, columns) buffer is worth a workspace (its bookkeeping costs a tiny
    call ~5 us)."""
    return rows * columns * np.dtype(dtype).itemsize >= MIN_BYTES


def _forward_split(mode, cell, d, keep, layer_in, weights, h_state, c_state, y, sizes,
                   offsets, B, H, path, cw, new):
    """``_forward_direction`` on two threads (``_split.forward_part``), chunks of cw units."""
    w_ih, w_hh, b_ih, b_hh, _ = weights
    N, dtype, GH = layer_in.shape[0], layer_in.dtype, NUM_GATES[mode] * H
    empty = _empty(dtype)
    gru = mode == "GRU"
    rows = N if keep else B
    gates = new((N if keep or gru else B, GH), dtype)
    b_in = empty if b_ih is None else (b_ih if gru else b_ih + b_hh).reshape(1, -1)
    b_gru = _gru_hidden_bias(mode, b_hh, GH, dtype)
    h_prev = new((N, H), dtype) if keep else empty
    c_prev = new((N, H), dtype) if keep and mode == "LSTM" else empty
    extra = new((rows, H), dtype) if mode in ("LSTM", "GRU") else empty
    scratch = aligned_empty((B, GH), dtype) if gru else empty
    h_other = aligned_empty(h_state.shape, dtype)      # the second h buffer
    G, n_in = NUM_GATES[mode], layer_in.shape[1]
    packing = Workspace(aligned=True)   # the packed weights' pages, reused by later calls
    wp = packing.empty((_split.packed_floats(H, cw, G, H if gru else n_in + H),), dtype)
    wp_ih = (packing.empty((_split.packed_floats(H, cw, G, n_in),), dtype) if gru
             else np.empty(0, dtype))
    try:
        run_parts(_split.forward_part, cw, cell, d == 1, gates, layer_in, w_ih, w_hh, b_in,
                  b_gru, h_state, h_other, c_state, h_prev, c_prev, extra, y, d * H,
                  scratch, sizes, offsets, keep, path, _split.claims(sizes.shape[0], H, cw),
                  wp, wp_ih)
    finally:            # run_parts returns once both parts have stopped
        packing.release()
    _zero_unused(h_prev, sizes, offsets)
    return gates, h_prev, c_prev, extra, empty


class Tape:
    """What backward needs: per layer its input, dropout mask and each direction's buffers."""

    def __init__(self, mode, sizes, offsets, weights, num_directions):
        self.mode = mode
        self.sizes = sizes
        self.offsets = offsets
        self.weights = weights
        self.num_directions = num_directions
        self.layers = []


def uniform_steps(steps, batch):
    """(batch_sizes, offsets) of a padded (steps, batch) input, as ``step_layout`` gives."""
    sizes = np.full(steps, batch, dtype=np.intp)
    return sizes, np.arange(steps, dtype=np.intp) * batch


def forward(mode, x, batch_sizes, h0, c0, weights, num_directions, dropout=0.0,
            training=False, mask_fn=None, keep=True, offsets=None):
    """Run every layer and direction.

    ``offsets``: given (from ``uniform_steps``), ``batch_sizes`` is already the driver's
    intp array.  x (N, I); h0 (L*D, B, Hout); c0 (L*D, B, H) for LSTM else None.  ``mask_fn(shape,
    p, dtype)`` draws the dropout mask applied to each layer's output but the last when
    ``training``.  Returns (out (N, D*Hout), h_n, c_n, tape or None).
    """
    cell, G, D = CELL_CODES[mode], NUM_GATES[mode], num_directions
    dtype = x.dtype
    if offsets is None:
        sizes, offsets = step_layout(batch_sizes)
    else:
        sizes = batch_sizes
    N, B, Hout = x.shape[0], h0.shape[1], h0.shape[2]
    H = weights[0][1].shape[0] // G
    num_layers = len(weights) // D
    h_n = np.array(h0, dtype=dtype, order="C")     # outputs own their memory, as torch's
    c_n = None if c0 is None else np.array(c0, dtype=dtype, order="C")
    # internal buffers a split step's threads write neighbouring columns of: whole lines
    alloc = aligned_empty if may_split(dtype, B * G * H * Hout) else np.empty
    empty = _empty(dtype)
    tape = Tape(mode, sizes, offsets, weights, D) if keep else None
    new = alloc
    if keep and _large(N, G * H, dtype):  # saved buffers go back for reuse when the tape dies
        workspace = Workspace(aligned=alloc is aligned_empty)
        workspace.release_with(tape)
        new = workspace.empty
    layer_in = np.ascontiguousarray(x)
    y = None
    concurrent = D == 2 and _worth_two_threads(N * G * H * Hout)
    for layer in range(num_layers):
        y = np.empty((N, D * Hout), dtype=dtype)
        used = _rows_used(sizes, offsets)
        if used < N:                # rows past the last step (torch ignores them): zeros
            y[used:] = 0
        jobs = [(_forward_direction, mode, cell, d, keep, layer_in, weights[layer * D + d],
                 h_n[layer * D + d], empty if c_n is None else c_n[layer * D + d], y,
                 sizes, offsets, B, H, Hout, concurrent, new) for d in range(D)]
        saved = _run_jobs(jobs, concurrent)
        mask = None
        next_in = y
        if training and dropout > 0 and layer < num_layers - 1:
            mask = mask_fn(y.shape, dropout, dtype)
            next_in = y * mask
        if keep:
            tape.layers.append((layer_in, saved, mask))
        layer_in = next_in
    return y, h_n, c_n, tape


def backward(tape, d_out, d_hn, d_cn, need_input=True, need_weights=None):
    """Gradients of ``forward``.  d_out (N, D*Hout), d_hn like h_n, d_cn like c_n or None.

    ``need_weights``: per layer*D + direction, five flags (w_ih, w_hh, b_ih, b_hh, w_hr);
    gradients not needed come back None.  Returns (dx or None, dh_0, dc_0 or None, grads)
    with grads shaped like ``weights``.
    """
    mode, sizes, offsets, D = tape.mode, tape.sizes, tape.offsets, tape.num_directions
    cell = CELL_CODES[mode]
    dtype = d_out.dtype
    empty = _empty(dtype)
    B, Hout = d_hn.shape[1], d_hn.shape[2]
    GH = tape.weights[0][1].shape[0]
    # the split threads write neighbouring columns of the gate gradients: whole lines
    aligned = may_split(dtype, B * GH * Hout)
    alloc = aligned_empty if aligned else np.empty
    dh0 = np.array(d_hn, dtype=dtype, order="C")
    dc0 = None if d_cn is None else np.array(d_cn, dtype=dtype, order="C")
    dy = np.ascontiguousarray(d_out, dtype=dtype)
    grads = [None] * len(tape.weights)
    dx = None
    concurrent = D == 2 and _worth_two_threads(
        dy.shape[0] * tape.weights[0][1].shape[0] * Hout)
    for layer in range(len(tape.layers) - 1, -1, -1):
        layer_in, saved, mask = tape.layers[layer]
        want_dx = layer > 0 or need_input
        # this layer's gate gradients, from blocks reused across calls where large enough
        workspace = Workspace(aligned=aligned) if _large(dy.shape[0], GH, dtype) else None
        jobs = [(_backward_direction, mode, cell, d, layer_in, tape.weights[layer * D + d],
                 saved[d], dy, dh0[layer * D + d], empty if dc0 is None else dc0[layer * D + d],
                 need_weights[layer * D + d] if need_weights else (True,) * 5,
                 sizes, offsets, B, Hout, concurrent, workspace.empty if workspace else alloc)
                for d in range(D)]
        results = _run_jobs(jobs, concurrent)
        dx = np.empty(layer_in.shape, dtype=dtype) if want_dx else None
        grads[layer * D:(layer + 1) * D] = [group for group, _, _ in results]
        if dx is not None:      # on two threads too where the steps were split
            _input_gradient(dx, [dgx for _, dgx, _ in results],
                            [tape.weights[layer * D + d][0] for d in range(D)],
                            concurrent or any(split for _, _, split in results))
        results = None
        if workspace:
            workspace.release()
        if layer > 0:
            dy = dx * mask if mask is not None else dx
    return dx, dh0, dc0, grads


def _input_gradient(dx, dgxs, w_ihs, two_threads):
    """dx = sum over directions of dgx W_ih, after both directions (they add into one dx).

    ~5% faster on the packed kernel than through OpenBLAS on one thread.  Where the
    directions ran on a thread each, or the steps split over two (``two_threads``), two
    threads split dx's rows rather than OpenBLAS its own two threads: those spin on a core
    for milliseconds after each call, and the next layer's reverse direction (or split
    loop), on that core, ran 2-3x slower."""
    # packing W_ih costs more than it saves on a few rows (1 row: 2.1 us against 1.0)
    path = gemm_path(dx.dtype, dx.shape[0], ONE_THREAD_BELOW, two_threads)
    if path == BLAS_PATH:
        for d, (dgx, w_ih) in enumerate(zip(dgxs, w_ihs)):
            _matmul(dgx, False, w_ih, False, dx, 1.0 if d > 0 else 0.0)
        return
    if not two_threads:
        _rows_of_input_gradient(path, dx, dgxs, w_ihs)
        return
    half = dx.shape[0] // 2
    _run_jobs([(_rows_of_input_gradient, path, dx[:half], [g[:half] for g in dgxs], w_ihs),
               (_rows_of_input_gradient, path, dx[half:], [g[half:] for g in dgxs], w_ihs)],
              True)


def _rows_of_input_gradient(path, dx, dgxs, w_ihs):
    for d, (dgx, w_ih) in enumerate(zip(dgxs, w_ihs)):
        _driver.matmul_packed(path, dgx, False, w_ih, dx, d > 0)


def _backward_direction(mode, cell, d, layer_in, weights, saved, dy, dh_state, dc_state,
                        want, sizes, offsets, B, Hout, concurrent, new):
    """Backward through time of one layer and direction, then its weight gradients (one
    GEMM each over all rows).  Returns ((g_ih, g_hh, g_bih, g_bhh, g_hr), dgx, whether the
    steps ran split over two threads)."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    gates, h_prev, c_prev, extra, m = saved
    N, GH, dtype = layer_in.shape[0], gates.shape[1], dy.dtype
    empty = _empty(dtype)
    dgx = new((N, GH), dtype)          # scratch: ``backward`` releases it after dx
    dgh = new((N, GH), dtype) if mode == "GRU" else empty
    proj = w_hr is not None
    dh_all = new((N, w_hr.shape[0]), dtype) if proj else empty
    dm = np.empty((B, w_hr.shape[1]), dtype=dtype) if proj else empty
    used = _rows_used(sizes, offsets)
    if used < N:
        for buf in (dgx, dgh, dh_all):      # rows no step covers add nothing
            buf[used:] = 0
    macs = B * GH * Hout
    H = GH // NUM_GATES[mode]
    cw, path = split_and_path(mode, dtype, sizes.shape[0], H, macs, concurrent, proj,
                               layer_in.shape[1])
    g_ih = np.empty(w_ih.shape, dtype=dtype) if want[0] else None
    g_hh = np.empty(w_hh.shape, dtype=dtype) if want[1] else None
    if cw:              # the parts also do both weight gradients
        packing = Workspace(aligned=True)
        wp = packing.empty((_split.packed_floats(H, cw, 1, GH),), dtype)
        try:
            run_parts(_split.backward_part, cw, cell, d == 1, gates, h_prev, c_prev, extra,
                      w_hh, dy, d * Hout, dh_state, dc_state, dgx, dgh, sizes, offsets,
                      path, layer_in, empty if g_ih is None else g_ih,
                      empty if g_hh is None else g_hh,
                      _split.claims(sizes.shape[0] + 1, H, cw), wp)
        finally:
            packing.release()
    else:
        call_on_one_thread_if(   # every BLAS step GEMM has at most ``macs`` multiply-adds
            path == BLAS_PATH and BLAS_ONE_THREAD_UP_TO < macs < ONE_THREAD_BELOW,
            _driver.layer_backward,
            cell, d == 1, gates, h_prev, c_prev, extra, w_hh, w_hr if proj else empty, dy,
            d * Hout, dh_state, dc_state, dgx, dgh, dh_all, dm, sizes, offsets, path)
    dg_rec = dgh if mode == "GRU" else dgx
    g_bih = g_bhh = g_hr = None         # frozen weights: no GEMM
    if g_ih is not None and not cw:
        _matmul(dgx, True, layer_in, False, g_ih)
    if g_hh is not None and not cw:
        _matmul(dg_rec, True, h_prev, False, g_hh)
    if b_ih is not None:
        g_bih = dgx.sum(0) if want[2] else None
        if want[3]:     # LSTM/RNN: the same sum as g_bih (a copy: each grad its own array)
            g_bhh = g_bih.copy() if g_bih is not None and dg_rec is dgx else dg_rec.sum(0)
    if proj and want[4]:
        g_hr = np.empty(w_hr.shape, dtype=dtype)
        _matmul(dh_all, True, m, False, g_hr)
    return (g_ih, g_hh, g_bih, g_bhh, g_hr), dgx, cw > 0
