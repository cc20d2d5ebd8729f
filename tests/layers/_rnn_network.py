"""A two-layer recurrent network on NumPy arrays (``_sequence``'s level) and one run of it
both ways (forward + backward, then forward without backward), for the tests that compare
the driver's GEMM paths and thread layouts against each other."""

import numpy as np

from nnx_layers._rnn import _sequence


def network(seed, mode, n_in, H, P, sizes, D, dtype):
    rng = np.random.default_rng(seed)
    G, L = _sequence.NUM_GATES[mode], 2
    Hout, N, B = P or H, sum(sizes), sizes[0]

    def arr(*shape):
        return rng.uniform(-0.5, 0.5, shape).astype(dtype)

    weights = [(arr(G * H, n_in if k < D else D * Hout), arr(G * H, Hout), arr(G * H),
                arr(G * H), arr(P, H) if P else None) for k in range(L * D)]
    return (arr(N, n_in), arr(L * D, B, Hout), arr(L * D, B, H) if mode == "LSTM" else None,
            weights, arr(N, D * Hout))


def run_both_ways(mode, sizes, D, x, h0, c0, weights, d_out, path):
    previous = _sequence.set_gemm_path(path)
    try:
        out, h_n, c_n, tape = _sequence.forward(mode, x, sizes, h0, c0, weights, D)
        dx, dh0, dc0, grads = _sequence.backward(tape, d_out, h_n * 0.5,
                                                 None if c_n is None else c_n * 0.5)
        # without backward to come (no_grad): one step's buffers, reused
        out_ng, h_ng, c_ng, _ = _sequence.forward(mode, x, sizes, h0, c0, weights, D,
                                                  keep=False)
    finally:
        _sequence.set_gemm_path(previous)
    return [a for a in (out, h_n, c_n, dx, dh0, dc0, out_ng, h_ng, c_ng) if a is not None] + [
        g for group in grads for g in group if g is not None]
