# Fused pointwise kernels of one recurrent step, forward beside backward, for rows [0, bs).
#
# Legend: bs live rows this step, H hidden, Hout = P (projection) or H, G gates.
# Every row pointer is the first row; rows are `ld*` elements apart.  The recurrent GEMM has
# already been done by the driver; these kernels do everything elementwise in one pass, so a
# step touches its gate rows once.  Gate order inside a row: LSTM i f g o, GRU r z n.

from libc.math cimport exp, tanh
from cython cimport floating

# float32 forward kernels in C (vectorized, see the header for why); float64 uses libm below
cdef extern from "_fastmath.h" nogil:
    float nnx_sigmoidf(float x)
    float nnx_tanhf(float x)
    void nnx_rnn_forward_f32(long n, int relu, float* pre, float* h)
    void nnx_lstm_forward_f32(long n, long gs, float* gates, float* c, float* tanh_c, float* m)
    void nnx_gru_forward_f32(long n, long gs, float* gx, const float* hg, const float* b,
                             const float* h_prev, float* hn, float* h)
    void nnx_rnn_backward_f32(long n, int relu, const float* act, const float* dh,
                              float* dpre)
    void nnx_lstm_backward_f32(long n, long gs, const float* gates, const float* tanh_c,
                               const float* c_prev, const float* dm, float* dc,
                               float* dgates)
    void nnx_gru_backward_f32(long n, long gs, const float* gates, const float* hn,
                              const float* h_prev, float* dh, float* dgx, float* dgh)

cdef enum:
    CELL_RNN_TANH = 0
    CELL_RNN_RELU = 1
    CELL_LSTM = 2
    CELL_GRU = 3


cdef inline floating sigmoid(floating x) noexcept nogil:
    if floating is float:
        return nnx_sigmoidf(x)
    else:
        return 1.0 / (1.0 + exp(-x))


cdef inline floating tanh_(floating x) noexcept nogil:
    if floating is float:
        return nnx_tanhf(x)
    else:
        return tanh(x)


# -- Elman RNN: h = act(pre), pre already in gates (input part + biases + recurrent part) --

cdef inline void rnn_forward(bint relu, Py_ssize_t bs, Py_ssize_t H, floating* gates,
                             floating* h, Py_ssize_t ldh) noexcept nogil:
    cdef Py_ssize_t r, j
    cdef floating v
    if floating is float:
        for r in range(bs):
            nnx_rnn_forward_f32(H, relu, gates + r * H, h + r * ldh)
        return
    for r in range(bs):
        for j in range(H):
            v = gates[r * H + j]
            if relu:
                v = v if v > 0 else 0
            else:
                v = tanh_(v)
            gates[r * H + j] = v
            h[r * ldh + j] = v


cdef inline void rnn_backward(bint relu, Py_ssize_t bs, Py_ssize_t H, const floating* act,
                              const floating* dh, Py_ssize_t lddh,
                              floating* dpre) noexcept nogil:
    cdef Py_ssize_t r, j
    cdef floating a, g
    if floating is float:
        for r in range(bs):
            nnx_rnn_backward_f32(H, relu, act + r * H, dh + r * lddh, dpre + r * H)
        return
    for r in range(bs):
        for j in range(H):
            a = act[r * H + j]
            g = dh[r * lddh + j]
            if relu:
                dpre[r * H + j] = g if a > 0 else 0
            else:
                dpre[r * H + j] = g * (1 - a * a)


# -- LSTM: c = f c_prev + i g, m = o tanh(c); h = m (or W_hr m, done by the driver) ---------

cdef inline void lstm_forward(Py_ssize_t bs, Py_ssize_t H, floating* gates, floating* c,
                              floating* tanh_c, floating* m, Py_ssize_t ldm) noexcept nogil:
    """gates (bs, 4H) pre-activations -> activations; c (bs, H) c_prev -> c_t;
    tanh_c (bs, H) <- tanh(c_t); m rows <- o * tanh(c_t)."""
    cdef Py_ssize_t r, j
    cdef floating gi, gf, gg, go, cn, tc
    cdef floating* row
    if floating is float:
        for r in range(bs):
            nnx_lstm_forward_f32(H, H, gates + r * 4 * H, c + r * H, tanh_c + r * H, m + r * ldm)
        return
    for r in range(bs):
        row = gates + r * 4 * H
        for j in range(H):
            gi = sigmoid(row[j])
            gf = sigmoid(row[H + j])
            gg = tanh_(row[2 * H + j])
            go = sigmoid(row[3 * H + j])
            row[j] = gi
            row[H + j] = gf
            row[2 * H + j] = gg
            row[3 * H + j] = go
            cn = gf * c[r * H + j] + gi * gg
            tc = tanh_(cn)
            c[r * H + j] = cn
            tanh_c[r * H + j] = tc
            m[r * ldm + j] = go * tc


cdef inline void lstm_backward(Py_ssize_t bs, Py_ssize_t H, const floating* gates,
                               const floating* tanh_c, const floating* c_prev,
                               const floating* dm, Py_ssize_t lddm, floating* dc,
                               floating* dgates) noexcept nogil:
    """dm (bs, H) = dL/dm_t; dc (bs, H): dL/dc_t from later steps -> dL/dc_{t-1};
    dgates (bs, 4H) <- dL/d(pre-activations)."""
    cdef Py_ssize_t r, j
    cdef floating gi, gf, gg, go, tc, g, dct
    cdef const floating* row
    cdef floating* drow
    if floating is float:
        for r in range(bs):
            nnx_lstm_backward_f32(H, H, gates + r * 4 * H, tanh_c + r * H, c_prev + r * H,
                                  dm + r * lddm, dc + r * H, dgates + r * 4 * H)
        return
    for r in range(bs):
        row = gates + r * 4 * H
        drow = dgates + r * 4 * H
        for j in range(H):
            gi = row[j]
            gf = row[H + j]
            gg = row[2 * H + j]
            go = row[3 * H + j]
            tc = tanh_c[r * H + j]
            g = dm[r * lddm + j]
            dct = dc[r * H + j] + g * go * (1 - tc * tc)
            drow[j] = dct * gg * gi * (1 - gi)
            drow[H + j] = dct * c_prev[r * H + j] * gf * (1 - gf)
            drow[2 * H + j] = dct * gi * (1 - gg * gg)
            drow[3 * H + j] = g * tc * go * (1 - go)
            dc[r * H + j] = dct * gf


# -- GRU: r, z = sigmoid(x + h W^T + b), n = tanh(x_n + r (h W_n^T + b_hn)), h = (1-z) n + z h_prev

cdef inline void gru_forward(Py_ssize_t bs, Py_ssize_t H, floating* gates,
                             const floating* hg, const floating* b_hh,
                             const floating* h_prev, floating* hn, floating* h,
                             Py_ssize_t ldh) noexcept nogil:
    """gates (bs, 3H): input part with b_ih -> r, z, n; hg (bs, 3H) = h_prev W_hh^T;
    b_hh (3H), zeros without bias; hn (bs, H) <- h_prev W_hn^T + b_hn (kept for backward)."""
    cdef Py_ssize_t r, j
    cdef floating gr, gz, gn, hnv, hp, br = 0, bz = 0, bn = 0
    cdef floating* row
    cdef const floating* hrow
    if floating is float:
        for r in range(bs):
            nnx_gru_forward_f32(H, H, gates + r * 3 * H, hg + r * 3 * H, b_hh, h_prev + r * H,
                                hn + r * H, h + r * ldh)
        return
    for r in range(bs):
        row = gates + r * 3 * H
        hrow = hg + r * 3 * H
        for j in range(H):
            if b_hh != NULL:
                br = b_hh[j]
                bz = b_hh[H + j]
                bn = b_hh[2 * H + j]
            gr = sigmoid(row[j] + hrow[j] + br)
            gz = sigmoid(row[H + j] + hrow[H + j] + bz)
            hnv = hrow[2 * H + j] + bn
            gn = tanh_(row[2 * H + j] + gr * hnv)
            hp = h_prev[r * H + j]
            row[j] = gr
            row[H + j] = gz
            row[2 * H + j] = gn
            hn[r * H + j] = hnv
            h[r * ldh + j] = (1 - gz) * gn + gz * hp


cdef inline void gru_backward(Py_ssize_t bs, Py_ssize_t H, const floating* gates,
                              const floating* hn, const floating* h_prev, floating* dh,
                              floating* dgx, floating* dgh) noexcept nogil:
    """dh (bs, H): dL/dh_t -> the direct part z * dL/dh_t of dL/dh_{t-1};
    dgx (bs, 3H) <- dL/d(input part); dgh (bs, 3H) <- dL/d(h W_hh^T + b_hh)."""
    cdef Py_ssize_t r, j
    cdef floating gr, gz, gn, g, dn, dr, dz
    cdef const floating* row
    if floating is float:
        for r in range(bs):
            nnx_gru_backward_f32(H, H, gates + r * 3 * H, hn + r * H, h_prev + r * H, dh + r * H,
                                 dgx + r * 3 * H, dgh + r * 3 * H)
        return
    for r in range(bs):
        row = gates + r * 3 * H
        for j in range(H):
            gr = row[j]
            gz = row[H + j]
            gn = row[2 * H + j]
            g = dh[r * H + j]
            dn = g * (1 - gz) * (1 - gn * gn)
            dz = g * (h_prev[r * H + j] - gn) * gz * (1 - gz)
            dr = dn * hn[r * H + j] * gr * (1 - gr)
            dgx[r * 3 * H + j] = dr
            dgx[r * 3 * H + H + j] = dz
            dgx[r * 3 * H + 2 * H + j] = dn
            dgh[r * 3 * H + j] = dr
            dgh[r * 3 * H + H + j] = dz
            dgh[r * 3 * H + 2 * H + j] = dn * gr
            dh[r * H + j] = g * gz
