"""The recurrent layers' reused buffers (``_rnn/_workspace.py``): a dead tape's saved
buffers serve the next call (same memory, no fresh pages), a live tape's never do, results
stay right through reuse, and idle memory stays under its cap."""

import gc

import numpy as np
import pytest
from _rnn_network import network

from nnx_layers._rnn import _sequence, _workspace

SIZES = [64] * 40       # 64 x 4H floats per gate buffer: well above MIN_BYTES


@pytest.fixture(autouse=True)
def empty_pool():
    gc.collect()            # tapes of earlier tests hand their blocks back first
    _workspace.clear()
    yield
    _workspace.clear()


def _forward(args):
    x, h0, c0, weights, _ = args
    return _sequence.forward("LSTM", x, SIZES, h0, c0, weights, 1)


def _gates(tape):
    return tape.layers[0][1][0][0]


def _saved_addresses(tape):
    """Where every large saved buffer of every layer lives."""
    return {a.ctypes.data for _, saved, _ in tape.layers for buffers in saved
            for a in buffers if a.nbytes >= _workspace.MIN_BYTES}


def test_a_dead_tape_lends_its_buffers_to_the_next_call():
    args = network(0, "LSTM", 8, 64, 0, SIZES, 1, np.float32)
    out, _, _, tape = _forward(args)
    expected = out.copy()
    addresses = _saved_addresses(tape)
    assert len(addresses) == 8        # 2 layers x gates, h_prev, c_prev, tanh(c)
    assert _workspace.idle_bytes() == 0
    del tape
    gc.collect()
    assert _workspace.idle_bytes() > 0
    out, _, _, tape = _forward(args)
    assert _saved_addresses(tape) == addresses
    np.testing.assert_array_equal(out, expected)


def test_a_live_tape_keeps_its_buffers():
    args = network(1, "GRU", 8, 64, 0, SIZES, 1, np.float32)
    x, h0, _, weights, d_out = args
    first = _sequence.forward("GRU", x, SIZES, h0, None, weights, 1)
    second = _sequence.forward("GRU", x, SIZES, h0, None, weights, 1)
    assert _gates(first[3]).ctypes.data != _gates(second[3]).ctypes.data
    # backward's own scratch comes and goes while both tapes live: both still give the
    # same gradients
    grads = [_sequence.backward(tape, d_out, h_n, None)[3] for _, h_n, _, tape in
             (first, second, first)]
    for a, b in zip(grads[0][0] + grads[0][1], grads[1][0] + grads[1][1]):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(grads[0][0] + grads[0][1], grads[2][0] + grads[2][1]):
        np.testing.assert_array_equal(a, b)


def test_idle_blocks_stay_under_the_cap(monkeypatch):
    block = _workspace.MIN_BYTES + _workspace.ALIGNMENT       # what one array holds
    monkeypatch.setattr(_workspace, "IDLE_LIMIT", 3 * block)
    workspace = _workspace.Workspace()
    arrays = [workspace.empty((_workspace.MIN_BYTES // 4,), np.float32) for _ in range(5)]
    small = workspace.empty((3, 5), np.float64)       # below MIN_BYTES: never kept
    assert small.shape == (3, 5) and small.dtype == np.float64
    del arrays
    workspace.release()
    assert _workspace.idle_bytes() == 3 * block
    again = _workspace.Workspace().empty((_workspace.MIN_BYTES // 8, 2), np.float32)
    assert again.shape == (_workspace.MIN_BYTES // 8, 2)
    assert _workspace.idle_bytes() == 2 * block


@pytest.mark.parametrize("shape, dtype", [((3, 5), np.float64), ((1000, 70), np.float32),
                                          ((0, 4), np.float32)])
def test_arrays_start_on_a_cache_line(shape, dtype):
    """The split step's two threads write neighbouring columns of the same rows: a line
    shared at the boundary would ping-pong between the cores (calls that cannot split ask
    for no alignment)."""
    for array in (_workspace.aligned_empty(shape, dtype),
                  _workspace.Workspace(aligned=True).empty(shape, dtype)):
        assert array.shape == shape and array.dtype == dtype and array.flags.c_contiguous
        assert array.ctypes.data % _workspace.ALIGNMENT == 0 or array.size == 0


def test_the_least_recently_released_blocks_go_first(monkeypatch):
    """Sizes that change from call to call (packed batches) must not fill the cap with
    blocks nobody asks for again: the oldest make room for the newest."""
    sizes = [_workspace.MIN_BYTES, _workspace.MIN_BYTES + 4096, _workspace.MIN_BYTES + 8192]
    # room for the last two blocks (each holds its size + ALIGNMENT), not for all three
    monkeypatch.setattr(_workspace, "IDLE_LIMIT", sum(sizes[1:]) + 2 * _workspace.ALIGNMENT)
    for nbytes in sizes:
        workspace = _workspace.Workspace()
        workspace.empty((nbytes,), np.uint8)
        workspace.release()

    def idle_sizes():
        return sorted(nbytes for nbytes, blocks in _workspace._IDLE.items() if blocks)

    assert idle_sizes() == sizes[1:]
    oversized = _workspace.Workspace()
    oversized.empty((10 * _workspace.MIN_BYTES,), np.uint8)
    oversized.release()                  # larger than the cap: dropped, nothing evicted
    assert idle_sizes() == sizes[1:]
