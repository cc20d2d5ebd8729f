"""One layer and direction on two threads, each step's hidden units split between them
(``_rnn/_split.pyx``, ``_two_parts.py``), against the same network on one thread: every GEMM
path this CPU runs, awkward splits (hidden sizes whose halves are not whole 32-column
panels, one hidden unit a side), packed batches that shrink and grow, both directions, two
layers, no bias, keep and no-keep forwards; then when ``auto`` splits, and a failing part
that must release its partner instead of leaving it at the barrier forever."""

import multiprocessing
import os
import threading
import warnings

import numpy as np
import pytest
from _rnn_network import network, run_both_ways

import nnx
from nnx import nn
from nnx_layers._rnn import _driver, _sequence, _split, _two_parts, _workers

PATHS = [name for name in ("generic", "avx2", "avx512")
         if _driver.gemm_path_available(_driver.GEMM_PATHS[name])]
CASES = [  # mode, input, hidden, batch sizes per step, directions
    ("LSTM", 5, 2, [3, 3, 3, 3], 1),
    ("LSTM", 3, 33, [9, 9, 9, 9, 9, 9], 2),
    ("LSTM", 16, 64, [5, 4, 4, 2, 1], 1),
    ("LSTM", 7, 70, [1, 1, 1, 1, 1], 2),
    ("GRU", 3, 11, [7, 6, 6, 1, 1], 2),
    ("GRU", 9, 96, [4, 4, 4, 4], 1),
    ("RNN_TANH", 2, 37, [3, 3, 2, 2, 2], 1),
    ("RNN_RELU", 3, 65, [6, 6, 6, 6], 2),
]


@pytest.fixture
def split_mode():
    previous = _two_parts.set_step_split("auto")
    yield _two_parts.set_step_split
    _two_parts.set_step_split(previous)


@pytest.fixture
def packed_path():
    """The best packed GEMM path on every call (not only where it beats BLAS): the split
    needs one."""
    previous = _sequence.set_gemm_path(PATHS[-1])
    yield
    _sequence.set_gemm_path(previous)


def _assert_close(got, expected):
    """Equal but for the summation order of the weight gradients (the split parts run them
    on the packed kernels, one thread on BLAS): relative to each array's largest value."""
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6 * (1 + np.abs(e).max()))


def _count_splits(monkeypatch):
    calls = []
    run_parts = _two_parts.run_parts

    def counting(fn, *args):
        calls.append(fn.__name__)
        return run_parts(fn, *args)

    monkeypatch.setattr(_sequence, "run_parts", counting)
    return calls


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("mode, n_in, H, sizes, D", CASES)
def test_split_steps_match_one_thread(monkeypatch, split_mode, path, mode, n_in, H, sizes, D):
    args = network(5, mode, n_in, H, 0, sizes, D, np.float32)
    split_mode("off")
    expected = run_both_ways(mode, sizes, D, *args, path)
    split_mode("on")
    calls = _count_splits(monkeypatch)
    got = run_both_ways(mode, sizes, D, *args, path)
    # 2 layers x D directions: forward, backward, forward without backward
    assert calls.count("forward_part") == 4 * D and calls.count("backward_part") == 2 * D
    _assert_close(got, expected)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_split_without_bias_and_with_frozen_weights(monkeypatch, packed_path, split_mode,
                                                   mode):
    sizes, D, H = [4, 4, 3, 1], 1, 40
    x, h0, c0, weights, d_out = network(2, mode, 6, H, 0, sizes, D, np.float32)
    weights = [(w_ih, w_hh, None, None, None) for w_ih, w_hh, _, _, _ in weights]
    calls = _count_splits(monkeypatch)
    results = []
    for mode_name in ("off", "on"):
        split_mode(mode_name)
        out, h_n, c_n, tape = _sequence.forward(mode, x, sizes, h0, c0, weights, D)
        # layer 0's W_ih frozen, layer 1's W_hh frozen: those gradients are not computed
        need = [(False, True, True, True, True), (True, False, True, True, True)]
        dx, dh0, _, grads = _sequence.backward(tape, d_out, h_n, c_n, need_weights=need)
        assert grads[0][0] is None and grads[1][1] is None
        results.append([out, h_n, dx, dh0, grads[0][1], grads[1][0]])
    assert calls == ["forward_part"] * 2 + ["backward_part"] * 2     # "on" only
    _assert_close(*results)


def test_module_with_packed_input_matches_one_thread(monkeypatch, packed_path, split_mode):
    calls = _count_splits(monkeypatch)
    nnx.manual_seed(0)
    lstm = nn.LSTM(8, 96, num_layers=2)
    seqs = [nnx.randn(n, 8) for n in (7, 5, 5, 2)]
    results = []
    for mode_name in ("off", "on"):
        split_mode(mode_name)
        lstm.zero_grad()
        packed = nn.utils.rnn.pack_sequence(seqs)
        out, (h_n, c_n) = lstm(packed)
        padded, _ = nn.utils.rnn.pad_packed_sequence(out)
        (padded.sum() + h_n.sum() + c_n.sum()).backward()
        results.append([padded.detach().numpy(), h_n.detach().numpy(), c_n.detach().numpy()]
                       + [p.grad.numpy() for p in lstm.parameters()])
    assert calls.count("forward_part") == 2 and calls.count("backward_part") == 2
    _assert_close(*results)


def test_auto_splits_only_where_it_can_and_pays(monkeypatch, split_mode):
    monkeypatch.setattr(_two_parts, "blas_threads", lambda: 2)
    big = _two_parts.SPLIT_FROM
    assert _two_parts.chunk_width(np.float32, 256, big, 100, True, False, False) == 32
    assert _two_parts.chunk_width(np.float32, 70, big, 100, True, False, False) == 32
    assert _two_parts.chunk_width(np.float32, 33, big, 100, True, False, False) == 17
    assert _two_parts.chunk_width(np.float32, 2, big, 100, True, False, False) == 1
    for refused in [(np.float32, 256, big - 1, 100, True, False, False),  # small step
                    (np.float32, 256, big, 4, True, False, False),        # short call
                    (np.float64, 256, big, 100, True, False, False),      # float64
                    (np.float32, 256, big, 100, False, False, False),     # BLAS path
                    (np.float32, 256, big, 100, True, True, False),       # LSTM projection
                    (np.float32, 256, big, 100, True, False, True),       # GRU, no input
                    (np.float32, 1, big, 100, True, False, False)]:       # one hidden unit
        assert _two_parts.chunk_width(*refused) == 0, refused
    monkeypatch.setattr(_two_parts, "blas_threads", lambda: 1)
    assert _two_parts.chunk_width(np.float32, 256, big, 100, True, False, False) == 0
    split_mode("on")                    # "on": also below SPLIT_FROM and on one thread
    assert _two_parts.chunk_width(np.float32, 256, 1, 100, True, False, False) == 32
    split_mode("off")
    assert _two_parts.chunk_width(np.float32, 256, big, 100, True, False, False) == 0
    with pytest.raises(ValueError, match="'sometimes'"):
        _two_parts.set_step_split("sometimes")


def test_claims_split_the_chunks_from_both_ends():
    """Part 0 takes chunks from the front, part 1 from the back, each exactly once."""
    assert _split.chunks(256, 32) == 8 and _split.chunks(70, 32) == 3
    words = _split.claims(1, 256, 32)
    taken = [_split.take_chunk(words, 0, part) for part in (0, 1, 0)]
    assert taken == [0, 7, 1]
    taken += [_split.take_chunk(words, 0, part) for part in (1, 1, 1, 0, 0)]
    assert sorted(taken) == list(range(8)) and taken[3:6] == [6, 5, 4]
    assert [_split.take_chunk(words, 0, part) for part in (0, 1)] == [-1, -1]


def _recorded_forward_args(monkeypatch, split_mode):
    """The arguments of one real ``forward_part`` call (a small LSTM layer, on a packed
    path even where NNX_RNN_GEMM=blas is set: BLAS never splits)."""
    recorded = []
    monkeypatch.setattr(_sequence, "run_parts", lambda fn, *args: recorded.append(args))
    split_mode("on")
    previous = _sequence.set_gemm_path(PATHS[-1])
    try:
        x, h0, c0, weights, _ = network(1, "LSTM", 4, 8, 0, [2, 2, 2, 2], 1, np.float32)
        _sequence.forward("LSTM", x, [2, 2, 2, 2], h0, c0, weights[:1], 1)
    finally:
        _sequence.set_gemm_path(previous)
    monkeypatch.undo()
    return recorded[0]


def _run_parts_within(seconds, error, part, args, hang_message):
    """run_parts(part, *args) on a daemon thread (a hang must not keep pytest alive);
    returns the ExceptionInfo of the ``error`` it must raise."""
    done = []
    caller = threading.Thread(target=lambda: done.append(
        pytest.raises(error, _two_parts.run_parts, part, *args)), daemon=True)
    caller.start()
    caller.join(timeout=seconds)
    assert not caller.is_alive(), hang_message
    assert done, f"run_parts did not raise {error.__name__}"
    return done[0]


def test_a_failing_part_releases_its_partner(monkeypatch, split_mode):
    args = _recorded_forward_args(monkeypatch, split_mode)

    def part(index, sync, *rest):
        if index == 1:
            raise KeyError("part 1 failed before its loop")
        _split.forward_part(index, sync, *rest)     # waits at the first step's barrier

    raised = _run_parts_within(60, KeyError, part, args, "part 0 still waits for part 1")
    assert "part 1 failed" in str(raised.value)     # the real error, not PartnerFailed


def test_an_interrupt_here_stops_part_1_before_returning(monkeypatch, split_mode):
    """A KeyboardInterrupt in this thread's part: part 1, waiting at its barrier, is
    released and has stopped when run_parts raises (its buffers may be reused after)."""
    args = _recorded_forward_args(monkeypatch, split_mode)
    finished = []

    def part(index, sync, *rest):
        if index == 0:
            raise KeyboardInterrupt
        try:
            _split.forward_part(index, sync, *rest)
        finally:
            finished.append(index)

    _run_parts_within(60, KeyboardInterrupt, part, args, "part 1 still waits for part 0")
    assert finished == [1]


def test_outputs_own_their_memory(split_mode):
    """h_n, c_n and the output are plain arrays (storage offset 0, as torch's), even
    where the internal buffers are aligned views."""
    split_mode("on")
    x, h0, c0, weights, _ = network(4, "LSTM", 5, 64, 0, [3, 3, 2], 1, np.float32)
    out, h_n, c_n, _ = _sequence.forward("LSTM", x, [3, 3, 2], h0, c0, weights, 1)
    assert out.base is None and h_n.base is None and c_n.base is None


def test_a_part_with_bad_arguments_aborts_the_barrier(monkeypatch, split_mode):
    args = list(_recorded_forward_args(monkeypatch, split_mode))
    sync = np.zeros(_split.SYNC_WORDS, dtype=np.int32)
    with pytest.raises(ValueError, match="split step"):
        _split.forward_part(0, sync, 0, *args[1:])      # split 0: part 0 owns nothing
    assert sync.any()                                    # the abort flag is up
    with pytest.raises(_split.PartnerFailed):
        _split.forward_part(1, sync, *args)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX-only")
def test_a_forked_child_gets_workers_of_its_own(monkeypatch, split_mode):
    """Both workers started in the parent; a forked child's copies have no thread, and a
    job given to them would never run (the caller waiting forever)."""
    mode, n_in, H, sizes, D = CASES[1]
    args = network(9, mode, n_in, H, 0, sizes, D, np.float32)
    split_mode("on")
    expected = run_both_ways(mode, sizes, D, *args, PATHS[-1])
    monkeypatch.setattr(_sequence, "two_directions_at_once", lambda: True)
    monkeypatch.setattr(_sequence, "TWO_THREADS_FROM", 0)
    run_both_ways(mode, sizes, D, *args, PATHS[-1])
    assert _workers.started(_two_parts.SPLIT_WORKER)
    assert _workers.started(_sequence.REVERSE_WORKER)

    def child():
        concurrent = run_both_ways(mode, sizes, D, *args, PATHS[-1])
        monkeypatch.setattr(_sequence, "TWO_THREADS_FROM", 10**18)
        split = run_both_ways(mode, sizes, D, *args, PATHS[-1])
        for result in (concurrent, split):
            _assert_close(result, expected)

    with warnings.catch_warnings():     # Python 3.12+: fork() of a threaded process
        warnings.simplefilter("ignore", DeprecationWarning)
        process = multiprocessing.get_context("fork").Process(target=child)
        process.start()
    process.join(timeout=120)
    if process.is_alive():
        process.kill()
        pytest.fail("the forked child waited forever for a worker thread")
    assert process.exitcode == 0
