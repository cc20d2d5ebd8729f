"""When and how one layer and direction runs on two threads, each step split (``_split.pyx``).

On one thread the packed step kernels already run near the sgemm peak, so with two cores
allowed (the BLAS pool has two threads, as torch.set_num_threads(2) gives torch two) a
unidirectional layer could only use the second core through OpenBLAS's own threads, which
re-pack the weight on every step: the medium LSTM took 1.4-1.6x torch's oneDNN on two
threads.  Split, each thread packs and multiplies half of every gate's columns once per call.
"""

import os

import numpy as np

from nnx_layers._rnn import _split
from nnx_layers._rnn._blas_threads import blas_threads
from nnx_layers._rnn._workers import worker

# From this many multiply-adds per step's recurrent GEMM a split pays for its per-step
# hand-over (the barrier and the other core's half of h: ~2 us a step on the 2-core VM)
# and the second thread's start (~50 us a call).  Measured forward, 100 steps: small LSTM
# (8 x 512 x 128 = 0.5M) 17.0 us a step on one thread, 11.1 split; small GRU (0.4M) gains
# ~15%; small RNN (0.13M) does not gain
SPLIT_FROM = 300_000
# ... and from this many in the whole call: the second thread's start (~50 us) takes ~8
# steps of 0.5M multiply-adds (6 us saved a step) to pay back
SPLIT_CALL_FROM = 8_000_000
_MODE = {"mode": "auto"}
SPLIT_WORKER = "nnx-rnn-split"


def set_step_split(mode):
    """"auto" (split float32 layers from SPLIT_FROM when two BLAS threads are allowed),
    "on" (split every layer that can be: tests) or "off"; also the NNX_RNN_SPLIT
    environment variable.  Returns the previous mode."""
    if mode not in ("auto", "on", "off"):
        raise ValueError(f"step split mode {mode!r} is not 'auto', 'on' or 'off'")
    previous, _MODE["mode"] = _MODE["mode"], mode
    return previous


def may_split(dtype, macs):
    """Whether a call of ``macs`` multiply-adds per step might run some layer split (a
    cheap superset of ``chunk_width``'s test, for the call's allocations)."""
    mode = _MODE["mode"]
    return dtype == np.float32 and (mode == "on" or (mode == "auto" and macs >= SPLIT_FROM))


def chunk_width(dtype, H, macs, steps, packed_path, projected, gru_without_input):
    """The hidden units of one chunk of a split step (``_split``), or 0 for one thread.
    Needs float32, a packed GEMM path (``packed_path``), no LSTM projection (its h needs
    all of m: a second barrier per step) and, for GRU, an input; "auto" also two allowed
    threads, ``macs`` of at least SPLIT_FROM and ``steps`` x ``macs`` of at least
    SPLIT_CALL_FROM."""
    mode = _MODE["mode"]
    if mode == "off" or dtype != np.float32 or not packed_path or projected \
            or gru_without_input or H < 2:
        return 0
    if mode == "auto" and (macs < SPLIT_FROM or steps * macs < SPLIT_CALL_FROM
                           or blas_threads() < 2 or (os.cpu_count() or 1) < 2):
        return 0
    # a 32-column panel per gate and chunk; below 64 units, two chunks (tests)
    return 32 if H >= 64 else (H + 1) // 2


def run_parts(fn, *args):
    """fn(0, sync, *args) on this thread and fn(1, sync, *args) on a worker, together;
    returns once both have stopped, whatever happened.

    A part that raises aborts the barrier, so that its partner returns rather than waits
    forever; so does anything raised here (a KeyboardInterrupt, a thread that cannot
    start), before part 1 may have run or while waiting for it.  The partner's "other
    thread failed" error says nothing new: part 0's own error is raised if it has one,
    else part 1's."""
    sync = np.zeros(_split.SYNC_WORDS, dtype=np.int32)
    errors, future = [], None

    def part(index):
        try:
            fn(index, sync, *args)
        except BaseException:
            _split.abort(sync)
            raise

    try:
        future = worker(SPLIT_WORKER).submit(part, 1)
        part(0)
    except BaseException as error:
        _split.abort(sync)
        errors.append(error)
    while future is not None:   # part 1 must be done before its buffers may go
        try:
            future.result()
            break
        except KeyboardInterrupt as error:
            _split.abort(sync)
            errors.append(error)
        except BaseException as error:
            errors.append(error)
            break
    if errors:
        real = [e for e in errors if not isinstance(e, _split.PartnerFailed)]
        raise (real or errors)[0]
