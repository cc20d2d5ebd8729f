"""The packed-weight float32 GEMM of the recurrent driver (``_rnn/_packed_gemm.h``) against
NumPy, on every path this CPU runs (portable C, AVX2, AVX-512), then whole layers run on
each path against the BLAS one: awkward shapes (one row, rows not a multiple of the tile,
columns not a multiple of the 32-wide panel, K = 1, odd sizes), both input parts with a
bias, accumulation, transposed A and the cache-blocked large products, projection, packed
batches, both directions, forward and backward."""

import os
import subprocess
import sys

import numpy as np
import pytest
from _rnn_network import network, run_both_ways

from nnx_layers._rnn import _driver, _sequence, _workers

PATHS = [name for name in ("generic", "avx2", "avx512")
         if _driver.gemm_path_available(_driver.GEMM_PATHS[name])]
SHAPES = [  # rows M, inner K1, K2 (second input part, 0: none), columns N
    (1, 1, 0, 1), (1, 64, 0, 256), (1, 32, 64, 256), (2, 3, 5, 31), (5, 7, 0, 33),
    (6, 13, 4, 64), (7, 1, 1, 95), (8, 16, 0, 32), (9, 64, 7, 70), (13, 3, 0, 130),
    (17, 33, 29, 97), (32, 256, 256, 1024),
]


def _rand(rng, *shape):
    return rng.uniform(-1, 1, shape).astype(np.float32)


def test_some_packed_path_runs():
    assert "generic" in PATHS
    assert _driver.best_gemm_path() in [_driver.GEMM_PATHS[p] for p in PATHS]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("M, K1, K2, N", SHAPES)
def test_packed_gemm_matches_numpy(path, M, K1, K2, N):
    rng = np.random.default_rng(M * 1000 + K1 * 10 + N)
    a, w, c = _rand(rng, M, K1), _rand(rng, N, K1), _rand(rng, M, N)
    expected = c.astype(np.float64) + a.astype(np.float64) @ w.T.astype(np.float64)
    got = c.copy()
    _driver.packed_gemm(_driver.GEMM_PATHS[path], a, w, got, True)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.sqrt(K1))

    got = c.copy()                    # overwrite: c's old content must not leak in
    _driver.packed_gemm(_driver.GEMM_PATHS[path], a, w, got, False)
    np.testing.assert_allclose(got, expected - c, rtol=1e-5, atol=1e-5 * np.sqrt(K1))

    a2, w2, bias = _rand(rng, M, K2), _rand(rng, N, K2), _rand(rng, N)
    expected = (bias + a.astype(np.float64) @ w.T.astype(np.float64)
                + a2.astype(np.float64) @ w2.T.astype(np.float64))
    got = c.copy()
    _driver.packed_gemm(_driver.GEMM_PATHS[path], a, w, got, False, a2, w2, bias)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.sqrt(K1 + K2))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("M, K, N", [(1, 1, 1), (3, 5, 40), (129, 7, 33), (300, 600, 70),
                                     (140, 1100, 32)])
def test_matmul_packed_matches_numpy(path, trans_a, M, K, N):
    # M > 128 rows and K > 512 take the cache-blocked loop (k blocks add up in C)
    rng = np.random.default_rng(M + K + N)
    a = _rand(rng, K, M) if trans_a else _rand(rng, M, K)
    w, c = _rand(rng, K, N), _rand(rng, M, N)
    product = (a.T if trans_a else a).astype(np.float64) @ w.astype(np.float64)
    tol = {"rtol": 1e-5, "atol": 2e-6 * np.sqrt(K)}
    got = c.copy()
    _driver.matmul_packed(_driver.GEMM_PATHS[path], a, trans_a, w, got)
    np.testing.assert_allclose(got, product, **tol)
    got = c.copy()
    _driver.matmul_packed(_driver.GEMM_PATHS[path], a, trans_a, w, got, True)
    np.testing.assert_allclose(got, c + product, **tol)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("M", [5, 128, 129, 300])
def test_packed_gemm_empty_inner_dimension(path, M):
    """K = 0: C is the bias (or kept, accumulating) on every row, also past the row block
    of 128 where the cache-blocked loop over K would never run."""
    a, w = np.zeros((M, 0), np.float32), np.zeros((4, 0), np.float32)
    bias = np.arange(1, 5, dtype=np.float32)
    c = np.full((M, 4), -7.0, np.float32)
    _driver.packed_gemm(_driver.GEMM_PATHS[path], a, w, c, False, None, None, bias)
    np.testing.assert_array_equal(c, np.broadcast_to(bias, (M, 4)))
    _driver.packed_gemm(_driver.GEMM_PATHS[path], a, w, c, True)
    np.testing.assert_array_equal(c, np.broadcast_to(bias, (M, 4)))
    _driver.packed_gemm(_driver.GEMM_PATHS[path], a, w, c, False)
    np.testing.assert_array_equal(c, 0)


def test_matmul_packed_empty_inner_dimension():
    c = np.ones((3, 4), np.float32)
    path = _driver.GEMM_PATHS["generic"]
    _driver.matmul_packed(path, np.ones((3, 0), np.float32), False, np.ones((0, 4), np.float32),
                          c, True)
    np.testing.assert_array_equal(c, 1)
    _driver.matmul_packed(path, np.ones((3, 0), np.float32), False, np.ones((0, 4), np.float32),
                          c)
    np.testing.assert_array_equal(c, 0)
    with pytest.raises(ValueError, match="shapes"):
        _driver.matmul_packed(path, np.ones((3, 2), np.float32), True,
                              np.ones((2, 4), np.float32), c)


def test_packed_gemm_refuses_bad_shapes_and_paths():
    a, w, c = np.ones((2, 3), np.float32), np.ones((4, 3), np.float32), np.ones((2, 5),
                                                                                np.float32)
    with pytest.raises(ValueError, match="shapes"):
        _driver.packed_gemm(_driver.GEMM_PATHS["generic"], a, w, c)
    with pytest.raises(ValueError, match="does not run"):
        _driver.packed_gemm(99, a, w, np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="does not run"):
        _driver.packed_gemm(_driver.GEMM_PATHS["blas"], a, w, np.ones((2, 4), np.float32))


CASES = [  # mode, input, hidden, projection, batch sizes per step, directions
    ("LSTM", 5, 7, 0, [1, 1, 1, 1, 1], 1),
    ("LSTM", 3, 33, 0, [9, 9, 9, 9, 9, 9], 2),
    ("LSTM", 4, 6, 3, [5, 3, 3, 1], 2),
    ("LSTM", 1, 40, 17, [13, 13, 7, 2, 2], 1),
    ("GRU", 3, 11, 0, [7, 6, 6, 1, 1], 2),
    ("RNN_TANH", 2, 37, 0, [3, 3, 2, 2, 2], 1),
    ("RNN_RELU", 3, 4, 0, [1], 2),
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("mode, n_in, H, P, sizes, D", CASES)
def test_layers_on_each_path_match_blas(path, mode, n_in, H, P, sizes, D):
    args = network(7, mode, n_in, H, P, sizes, D, np.float32)
    expected = run_both_ways(mode, sizes, D, *args, "blas")
    got = run_both_ways(mode, sizes, D, *args, path)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", [CASES[1], CASES[2], CASES[4]])
def test_two_threads_on_each_path_match_blas(monkeypatch, path, case):
    # both directions on a thread each, and the two threads splitting dx's rows
    mode, n_in, H, P, sizes, D = case
    args = network(11, mode, n_in, H, P, sizes, D, np.float32)
    expected = run_both_ways(mode, sizes, D, *args, "blas")
    monkeypatch.setattr(_sequence, "two_directions_at_once", lambda: True)
    monkeypatch.setattr(_sequence, "TWO_THREADS_FROM", 0)
    got = run_both_ways(mode, sizes, D, *args, path)
    assert _workers.started(_sequence.REVERSE_WORKER)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


def test_float64_ignores_the_packed_path():
    mode, n_in, H, P, sizes, D = CASES[2]
    args = network(3, mode, n_in, H, P, sizes, D, np.float64)
    expected = run_both_ways(mode, sizes, D, *args, "blas")
    got = run_both_ways(mode, sizes, D, *args, PATHS[-1])
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def test_set_gemm_path_checks_and_returns_previous():
    with pytest.raises(ValueError, match="no-such-path"):
        _sequence.set_gemm_path("no-such-path")
    previous = _sequence.set_gemm_path("blas")
    try:
        assert _sequence.set_gemm_path("generic") == "blas"
    finally:
        _sequence.set_gemm_path(previous)


@pytest.mark.parametrize("variable, message", [
    ("NNX_RNN_GEMM", "NNX_RNN_GEMM ignored: GEMM path 'bogus'"),
    ("NNX_RNN_SPLIT", "NNX_RNN_SPLIT ignored: step split mode 'bogus'")])
def test_a_bad_setting_in_the_environment_warns_and_runs(variable, message):
    code = ("import warnings, nnx; warnings.simplefilter('always'); from nnx import nn; "
            "print(tuple(nn.LSTM(2, 3)(nnx.randn(4, 1, 2))[0].shape))")
    env = dict(os.environ, **{variable: "bogus"})
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(4, 1, 3)"
    assert message in result.stderr


def test_the_split_setting_in_the_environment_applies():
    code = ("from nnx_layers._rnn import _sequence, _two_parts; "
            "print(_two_parts._MODE['mode'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=dict(os.environ, NNX_RNN_SPLIT="on"), check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "on"
