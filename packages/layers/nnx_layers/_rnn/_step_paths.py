"""Which kernels run a recurrent layer's step GEMMs: OpenBLAS or the packed-weight kernels
of ``_packed_gemm.h`` (``gemm_path``), on one thread or split over two (``split_and_path``),
and the NNX_RNN_GEMM / NNX_RNN_SPLIT settings that force a choice."""

import os
import warnings

import numpy as np

from nnx_layers._rnn import _driver
from nnx_layers._rnn._blas_threads import ONE_THREAD_BELOW, blas_threads
from nnx_layers._rnn._two_parts import chunk_width, may_split, set_step_split

# float32 step GEMMs against weights packed once per call (``_packed_gemm.h``): per step,
# 1 thread, the medium LSTM's h W_hh^T (32 x 256 @ 256 x 1024) took 150 us on the AVX-512
# kernel against 231 us through OpenBLAS (which re-packs W every call; 181 us gate-major),
# the large one 5.1 ms against 8.8 (6.6 gate-major), the backward's dgates W_hh 1.6-1.8x
# less; small and tiny shapes tie or gain a little.  The AVX2 kernel is ~15% slower than
# the AVX-512 one: below AVX2_PACKED_FROM multiply-adds per step OpenBLAS is as fast.
# Packing costs about one step, so calls with fewer steps keep BLAS.  The kernels run on
# one thread: where OpenBLAS may use two for a step (from ONE_THREAD_BELOW, when the
# directions do not already run on one thread each) it wins (2 threads, medium LSTM
# forward 15.9 ms against 17.9, large 300 against 494), so those calls keep BLAS too,
# unless they split their steps over two threads (``split_and_path``).
AVX2_PACKED_FROM = 2_000_000
PACKED_MIN_STEPS = 4
_GEMM = {"path": "auto"}


def set_gemm_path(name):
    """Pick the step-GEMM path: "auto" (the default: the best packed kernel this CPU runs,
    where it wins), or force "blas", "generic", "avx2" or "avx512" on every float32 call
    (tests, benchmarks; also the NNX_RNN_GEMM environment variable).  Returns the previous
    name; raises ValueError for a path this CPU cannot run."""
    if name != "auto" and (name not in _driver.GEMM_PATHS
                           or not _driver.gemm_path_available(_driver.GEMM_PATHS[name])):
        raise ValueError(f"GEMM path {name!r} is not one of {sorted(_driver.GEMM_PATHS)} "
                         f"that runs on this CPU")
    previous, _GEMM["path"] = _GEMM["path"], name
    return previous


def gemm_path(dtype, steps, macs, concurrent, split_candidate=False):
    """The driver's ``gemm_path`` for a call of ``steps`` steps with ``macs`` multiply-adds
    in each step's recurrent GEMM; ``concurrent``: the directions run on a thread each;
    ``split_candidate``: the caller splits the steps over two threads where
    ``_two_parts.chunk_width`` says so, which needs a packed path even where two BLAS
    threads would beat one packed one."""
    name = _GEMM["path"]
    if dtype != np.float32:
        return _driver.GEMM_PATHS["blas"]
    if name != "auto":
        return _driver.GEMM_PATHS[name]
    best = _driver.best_gemm_path()
    if steps < PACKED_MIN_STEPS or best < _driver.GEMM_PATHS["avx2"] or (
            best == _driver.GEMM_PATHS["avx2"] and macs < AVX2_PACKED_FROM) or (
            not concurrent and not split_candidate and macs >= ONE_THREAD_BELOW
            and blas_threads() > 1):
        return _driver.GEMM_PATHS["blas"]
    return best


BLAS_PATH = _driver.GEMM_PATHS["blas"]


def split_and_path(mode, dtype, steps, H, macs, concurrent, projected, n_in):
    """(chunk width, gemm_path) of one layer and direction: a width > 0 runs its steps on
    two threads (``_two_parts``) on a packed path, 0 on one thread on ``gemm_path``'s."""
    if not concurrent and may_split(dtype, macs):
        packed = gemm_path(dtype, steps, macs, concurrent, split_candidate=True)
        cw = chunk_width(dtype, H, macs, steps, packed != BLAS_PATH, projected,
                         mode == "GRU" and n_in == 0)
        if cw:
            return cw, packed
    return 0, gemm_path(dtype, steps, macs, concurrent)


for _variable, _setter in (("NNX_RNN_GEMM", set_gemm_path), ("NNX_RNN_SPLIT", set_step_split)):
    if os.environ.get(_variable):
        try:
            _setter(os.environ[_variable])
        except ValueError as error:  # a typo in the environment must not break nn.LSTM
            warnings.warn(f"{_variable} ignored: {error}", RuntimeWarning, stacklevel=2)
