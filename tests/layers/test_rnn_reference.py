"""The Cython driver (``_rnn._sequence`` over ``_rnn._driver``) against the plain NumPy
reference cells (``_rnn.reference``), one layer and direction at a time: forward values,
final states and every gradient, padded and packed, both directions, float32 and float64."""

import numpy as np
import pytest

from nnx_layers._rnn import _sequence, reference

MODES = ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"]
LAYOUTS = [  # input, hidden, projection, bias, batch sizes per step
    (3, 5, 0, True, [4, 4, 4]),
    (4, 6, 0, False, [5, 3, 3, 1]),
    (2, 7, 3, True, [3, 2, 2, 2, 1]),
    (3, 4, 0, True, [2, 0, 0]),          # steps with no live rows
]


def _weights(rng, mode, n_in, H, P, bias, dtype):
    G = _sequence.NUM_GATES[mode]
    def arr(*s):
        return (rng.uniform(-0.6, 0.6, s).astype(dtype))
    return (arr(G * H, n_in), arr(G * H, P or H), arr(G * H) if bias else None,
            arr(G * H) if bias else None, arr(P, H) if P else None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("mode,layout", [(m, lay) for m in MODES for lay in LAYOUTS
                                         if m == "LSTM" or not lay[2]])  # projection: LSTM
def test_driver_matches_reference(mode, layout, reverse, dtype):
    n_in, H, P, bias, sizes = layout
    rng = np.random.default_rng(sum(sizes) + n_in * H + reverse)
    w = _weights(rng, mode, n_in, H, P, bias, dtype)
    N, B, Hout = sum(sizes), sizes[0], P or H
    x = rng.standard_normal((N, n_in)).astype(dtype)
    h0 = rng.standard_normal((B, Hout)).astype(dtype)
    c0 = rng.standard_normal((B, H)).astype(dtype) if mode == "LSTM" else None
    D = 2 if reverse else 1       # run as a bidirectional layer, check the chosen direction
    weights = [w] * D
    y, h_n, c_n, tape = _sequence.forward(mode, x, sizes, np.stack([h0] * D),
                                          None if c0 is None else np.stack([c0] * D), weights,
                                          D)
    ry, rh, rc, rtape = reference.sequence_forward(mode, x, sizes, h0, c0, w, reverse)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    d = D - 1
    np.testing.assert_allclose(y[:, d * Hout:(d + 1) * Hout], ry, **tol)
    np.testing.assert_allclose(h_n[d], rh, **tol)
    if c0 is not None:
        np.testing.assert_allclose(c_n[d], rc, **tol)

    dy = rng.standard_normal(ry.shape).astype(dtype)
    dh = rng.standard_normal(h0.shape).astype(dtype)
    dc = rng.standard_normal(h0.shape[:1] + (H,)).astype(dtype) if c0 is not None else None
    d_out = np.zeros(y.shape, dtype)
    d_out[:, d * Hout:(d + 1) * Hout] = dy
    d_hn = np.zeros(h_n.shape, dtype)
    d_hn[d] = dh
    d_cn = None
    if dc is not None:
        d_cn = np.zeros(c_n.shape, dtype)
        d_cn[d] = dc
    dx, dh0, dc0, grads = _sequence.backward(tape, d_out, d_hn, d_cn)
    rdx, rdh0, rdc0, rgrads = reference.sequence_backward(mode, rtape, dy, dh, dc, w, n_in)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else tol
    np.testing.assert_allclose(dx, rdx, **tol)   # the other direction had zero upstream grad
    np.testing.assert_allclose(dh0[d], rdh0, **tol)
    if dc is not None:
        np.testing.assert_allclose(dc0[d], rdc0, **tol)
    if not bias:            # the reference sums dL/d(pre-activations) whether or not a bias
        assert grads[d][2] is None and grads[d][3] is None
        rgrads = rgrads[:2] + [None, None] + rgrads[4:]
    for got, want in zip(grads[d], rgrads):
        assert (got is None) == (want is None)
        if want is not None:
            np.testing.assert_allclose(got, want, **tol)
