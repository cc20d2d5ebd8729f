"""Plain NumPy reference of every recurrent cell, forward beside backward.

Legend: B batch, I input, H hidden, P projection (Hout = P or H), G gates.  Weights are in
torch's layout: w_ih (G*H, I), w_hh (G*H, Hout), biases (G*H,) or None, w_hr (P, H) or None.
Gate order: LSTM i f g o, GRU r z n (GRU's b_hn sits inside r * (.)).

These functions are written for clarity, one step at a time; the tests check the Cython
driver against them (and the golden fixtures from torch check both).  ``sequence_forward`` /
``sequence_backward`` run one layer and direction over a packed or padded sequence with them.
"""

import numpy as np


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _affine(x, w, b):
    return x @ w.T + (0 if b is None else b)


# -- Elman RNN ----------------------------------------------------------------------------

def rnn_cell_forward(x, h, w_ih, w_hh, b_ih, b_hh, relu=False):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh); returns (h', cache)."""
    pre = _affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh)
    h_new = np.maximum(pre, 0) if relu else np.tanh(pre)
    return h_new, (x, h, h_new, relu)


def rnn_cell_backward(cache, dh_new, w_ih, w_hh):
    """Returns (dx, dh, dw_ih, dw_hh, db) for dL/dh' = dh_new (db is both biases' grad)."""
    x, h, h_new, relu = cache
    dpre = dh_new * (h_new > 0) if relu else dh_new * (1 - h_new * h_new)
    return dpre @ w_ih, dpre @ w_hh, dpre.T @ x, dpre.T @ h, dpre.sum(0)


# -- LSTM ---------------------------------------------------------------------------------

def lstm_cell_forward(x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr=None):
    """c' = f c + i g, h' = o tanh(c') (then W_hr h' with a projection); returns (h', c', cache)."""
    pre = _affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh)
    i, f, g, o = np.split(pre, 4, axis=-1)
    i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
    c_new = f * c + i * g
    m = o * np.tanh(c_new)
    h_new = m if w_hr is None else m @ w_hr.T
    return h_new, c_new, (x, h, c, i, f, g, o, c_new, m)


def lstm_cell_backward(cache, dh_new, dc_new, w_ih, w_hh, w_hr=None):
    """Returns (dx, dh, dc, dw_ih, dw_hh, db, dw_hr) for dL/dh' = dh_new, dL/dc' = dc_new."""
    x, h, c, i, f, g, o, c_new, m = cache
    dw_hr = None
    dm = dh_new
    if w_hr is not None:
        dw_hr = dh_new.T @ m
        dm = dh_new @ w_hr
    tc = np.tanh(c_new)
    dc_tot = dc_new + dm * o * (1 - tc * tc)
    dpre = np.concatenate([dc_tot * g * i * (1 - i), dc_tot * c * f * (1 - f),
                           dc_tot * i * (1 - g * g), dm * tc * o * (1 - o)], axis=-1)
    return (dpre @ w_ih, dpre @ w_hh, dc_tot * f, dpre.T @ x, dpre.T @ h, dpre.sum(0), dw_hr)


# -- GRU ----------------------------------------------------------------------------------

def gru_cell_forward(x, h, w_ih, w_hh, b_ih, b_hh):
    """h' = (1 - z) n + z h; returns (h', cache)."""
    gx = _affine(x, w_ih, b_ih)
    gh = _affine(h, w_hh, b_hh)
    xr, xz, xn = np.split(gx, 3, axis=-1)
    hr, hz, hn = np.split(gh, 3, axis=-1)
    r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    return (1 - z) * n + z * h, (x, h, r, z, n, hn)


def gru_cell_backward(cache, dh_new, w_ih, w_hh):
    """Returns (dx, dh, dw_ih, dw_hh, db_ih, db_hh) for dL/dh' = dh_new."""
    x, h, r, z, n, hn = cache
    dn = dh_new * (1 - z) * (1 - n * n)
    dz = dh_new * (h - n) * z * (1 - z)
    dr = dn * hn * r * (1 - r)
    dgx = np.concatenate([dr, dz, dn], axis=-1)
    dgh = np.concatenate([dr, dz, dn * r], axis=-1)
    dh = dh_new * z + dgh @ w_hh
    return dgx @ w_ih, dh, dgx.T @ x, dgh.T @ h, dgx.sum(0), dgh.sum(0)


# -- one layer and direction over a packed sequence ---------------------------------------

def _steps(batch_sizes, reverse):
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]]).astype(int)
    order = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    return [(t, int(offsets[t]), int(batch_sizes[t])) for t in order]


def sequence_forward(mode, x, batch_sizes, h0, c0, weights, reverse=False):
    """Run one layer/direction.  x (N, I) packed rows; weights (w_ih, w_hh, b_ih, b_hh, w_hr).

    mode is 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'.  Returns (y (N, Hout), h_n, c_n, tape).
    """
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    h, c = h0.copy(), None if c0 is None else c0.copy()
    y = np.zeros((x.shape[0], h0.shape[1]), dtype=x.dtype)
    tape = []
    for t, off, bs in _steps(batch_sizes, reverse):
        xt = x[off:off + bs]
        h_prev = h[:bs].copy()              # the caches keep them; h and c change in place
        c_prev = None if c is None else c[:bs].copy()
        if mode == "LSTM":
            h_new, c_new, cache = lstm_cell_forward(xt, h_prev, c_prev, w_ih, w_hh, b_ih, b_hh,
                                                    w_hr)
            c[:bs] = c_new
        elif mode == "GRU":
            h_new, cache = gru_cell_forward(xt, h_prev, w_ih, w_hh, b_ih, b_hh)
        else:
            h_new, cache = rnn_cell_forward(xt, h_prev, w_ih, w_hh, b_ih, b_hh,
                                            relu=mode == "RNN_RELU")
        h[:bs] = h_new
        y[off:off + bs] = h_new
        tape.append((t, off, bs, cache))
    return y, h, c, tape


def sequence_backward(mode, tape, dy, dh_n, dc_n, weights, input_size):
    """Gradients of ``sequence_forward``: returns (dx, dh_0, dc_0, [dw_ih, dw_hh, db_ih,
    db_hh, dw_hr])."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    dx = np.zeros((dy.shape[0], input_size), dtype=dy.dtype)
    dh, dc = dh_n.copy(), None if dc_n is None else dc_n.copy()
    grads = [np.zeros_like(w_ih), np.zeros_like(w_hh), np.zeros(w_ih.shape[0], dy.dtype),
             np.zeros(w_ih.shape[0], dy.dtype), None if w_hr is None else np.zeros_like(w_hr)]
    for _t, off, bs, cache in reversed(tape):
        g = dh[:bs] + dy[off:off + bs]
        if mode == "LSTM":
            dxt, dh[:bs], dc[:bs], gwi, gwh, gb, gwr = lstm_cell_backward(
                cache, g, dc[:bs], w_ih, w_hh, w_hr)
            gbi = gbh = gb
            if gwr is not None:
                grads[4] += gwr
        elif mode == "GRU":
            dxt, dh[:bs], gwi, gwh, gbi, gbh = gru_cell_backward(cache, g, w_ih, w_hh)
        else:
            dxt, dh[:bs], gwi, gwh, gb = rnn_cell_backward(cache, g, w_ih, w_hh)
            gbi = gbh = gb
        dx[off:off + bs] = dxt
        grads[0] += gwi
        grads[1] += gwh
        grads[2] += gbi
        grads[3] += gbh
    return dx, dh, dc, grads
