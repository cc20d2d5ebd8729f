"""The driver's speed paths against its plain ones, 2 layers x 2 directions, packed and
padded, LSTM with projection, GRU and RNN, float32 and float64: the two directions on two
threads (``_sequence._run_jobs``) against one after the other, and the forward's gate-major
recurrent GEMM against the row-major one.  Same values, final states and gradients."""

import numpy as np
import pytest

from nnx_layers._rnn import _sequence, _workers

CASES = [  # mode, input, hidden, projection, batch sizes per step
    ("LSTM", 3, 5, 0, [4, 4, 4]),
    ("LSTM", 4, 6, 3, [5, 3, 3, 1]),
    ("GRU", 3, 5, 0, [3, 2, 2, 1]),
    ("RNN_TANH", 2, 4, 0, [2, 2]),
    ("RNN_RELU", 3, 4, 0, [3, 3, 1]),
]


def _run(mode, x, sizes, h0, c0, weights, d_out, d_hn, d_cn):
    out, h_n, c_n, tape = _sequence.forward(mode, x, sizes, h0, c0, weights, 2)
    dx, dh0, dc0, grads = _sequence.backward(tape, d_out, d_hn, d_cn)
    flat = [g for group in grads for g in group if g is not None]
    return [a for a in (out, h_n, c_n, dx, dh0, dc0) if a is not None] + flat


def _args(seed, mode, n_in, H, P, sizes, dtype):
    """``_run``'s arguments: random weights (2 layers x 2 directions), input, initial
    states and output gradients."""
    rng = np.random.default_rng(seed)
    G, L, D = _sequence.NUM_GATES[mode], 2, 2
    Hout, N, B = P or H, sum(sizes), sizes[0]

    def arr(*shape):
        return rng.uniform(-0.6, 0.6, shape).astype(dtype)

    weights = [(arr(G * H, n_in if k < D else D * Hout), arr(G * H, Hout), arr(G * H),
                arr(G * H), arr(P, H) if P else None) for k in range(L * D)]
    return (mode, arr(N, n_in), sizes, arr(L * D, B, Hout),
            arr(L * D, B, H) if mode == "LSTM" else None, weights, arr(N, D * Hout),
            arr(L * D, B, Hout), arr(L * D, B, H) if mode == "LSTM" else None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode,n_in,H,P,sizes", CASES)
def test_two_threads_match_one(monkeypatch, mode, n_in, H, P, sizes, dtype):
    args = _args(n_in * H + P, mode, n_in, H, P, sizes, dtype)
    monkeypatch.setattr(_sequence, "two_directions_at_once", lambda: False)
    one = _run(*args)
    monkeypatch.setattr(_sequence, "two_directions_at_once", lambda: True)
    monkeypatch.setattr(_sequence, "TWO_THREADS_FROM", 0)
    two = _run(*args)
    # the reverse direction did run on the worker thread
    assert _workers.started(_sequence.REVERSE_WORKER)
    assert len(one) == len(two) > 8
    for a, b in zip(one, two):
        np.testing.assert_allclose(b, a, rtol=1e-6 if dtype == np.float32 else 1e-13,
                                   atol=1e-6 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode,n_in,H,P,sizes", CASES)
def test_gate_major_recurrent_gemm_matches_row_major(monkeypatch, mode, n_in, H, P, sizes,
                                                     dtype):
    """The forward's gate-major recurrent GEMM (``GATE_MAJOR_FROM``, large shapes only by
    default) forced on small ones: same values, states and gradients."""
    args = _args(7 * n_in + H + P, mode, n_in, H, P, sizes, dtype)
    previous = _sequence.set_gemm_path("blas")  # the gate-major GEMM is a BLAS path
    try:
        row_major = _run(*args)
        monkeypatch.setattr(_sequence, "GATE_MAJOR_FROM",
                            dict.fromkeys(_sequence.GATE_MAJOR_FROM, 0))
        gate_major = _run(*args)
    finally:
        _sequence.set_gemm_path(previous)
    for a, b in zip(row_major, gate_major):
        np.testing.assert_allclose(b, a, rtol=1e-5 if dtype == np.float32 else 1e-12,
                                   atol=1e-5 if dtype == np.float32 else 1e-12)
