"""Run the time loop's small per-step GEMMs on one BLAS thread.

OpenBLAS splits any GEMM above ~0.5 MFLOP over its threads.  A recurrent step's GEMM is
small and latency-bound: on the 2-core development machine, waking the second thread for
every step made the small LSTM 2-thread forward 12 ms against 2 ms on one thread
(bench_rnn.py, small, 2 threads), and a busy second core costs a scheduler time slice per
step.  OpenBLAS >= 0.3.27 has ``openblas_set_num_threads_local``, which changes the count
for the calling thread only; scipy's bundled OpenBLAS exports it.  Where it is missing
(another BLAS, an older OpenBLAS) ``call_on_one_thread_if`` just calls.
"""

import ctypes
import glob
import os
import threading

# GEMMs with fewer multiply-adds (m*n*k) stay on one thread: the medium config's recurrent
# GEMM (32 x 256 x 1024 = 8.4M) gains from two threads (perf_baseline: 185 us on one, 113 us
# on two), the small one (8 x 128 x 512 = 0.5M) does not; on a busy 2-core host each
# threaded call risks waiting a scheduler slice for the second core (tiny LSTM fwd+bwd:
# 24 ms with its three 0.8M weight-gradient GEMMs threaded, 0.4 ms on one thread)
ONE_THREAD_BELOW = 4_000_000

# OpenBLAS runs a GEMM with m*n*k up to this (SMP_THRESHOLD_MIN 65536 x
# GEMM_MULTITHREAD_THRESHOLD 4, interface/gemm.c) on the calling thread by itself: setting
# the count around such calls (two ctypes calls and a lock, ~1.4 us) buys nothing
BLAS_ONE_THREAD_UP_TO = 262_144


def _candidate_paths():
    import scipy.linalg.cython_blas  # noqa: F401  (loads the BLAS the driver calls)
    paths = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "openblas" in os.path.basename(path) and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    import scipy
    libs = os.path.join(os.path.dirname(os.path.dirname(scipy.__file__)), "scipy.libs")
    paths += [p for p in glob.glob(os.path.join(libs, "*openblas*")) if p not in paths]
    # numpy's copy (ILP64, names ending in 64_) is not the one scipy.linalg.cython_blas uses
    return [p for p in paths if "64" not in os.path.basename(p)]


def _find_functions():
    """(set_num_threads_local, get_num_threads) of the BLAS the driver calls, or Nones."""
    try:
        paths = _candidate_paths()
    except ImportError:
        return None, None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("openblas_set_num_threads_local", "scipy_openblas_set_num_threads_local"):
            setter = getattr(lib, name, None)
            if setter is None:
                continue
            setter.argtypes = [ctypes.c_int]
            setter.restype = ctypes.c_int
            getter = None      # scipy's copy renames every symbol but the setter
            for name in ("openblas_get_num_threads", "scipy_openblas_get_num_threads"):
                getter = getter or getattr(lib, name, None)
            if getter is not None:
                getter.argtypes = []
                getter.restype = ctypes.c_int
            return setter, getter
    return None, None


_SETTER, _GETTER = _find_functions()


def blas_threads():
    """How many threads the driver's BLAS runs a large GEMM on (1 where unknown).

    While a thread is inside call_on_one_thread_if a process-wide count reads 1: the
    count to report is then the one it restores (decisions must not depend on timing).
    """
    if _GETTER is None:
        return 1
    if _PROCESS_WIDE and _NESTING["depth"] > 0:
        return _NESTING["outer"]
    return _GETTER()


def two_directions_at_once():
    """Whether the two directions of a bidirectional layer may run on two threads at once.

    Only where the BLAS has at least two threads (the user allowed two cores) and its count
    can be set per calling thread (each direction then runs its GEMMs on one thread, so the
    two never oversubscribe the cores).
    """
    if _SETTER is None or _GETTER is None:
        return False
    return _GETTER() >= 2 and (os.cpu_count() or 1) >= 2


# scipy's OpenBLAS (0.3.2x) keeps the count that ``openblas_set_num_threads_local`` sets in
# a process-wide variable, so two threads inside call_on_one_thread_if at once (the two
# directions of a bidirectional layer) each saw the other's 1 as "previous": the last to
# leave restored 1 and every later GEMM of the process ran on one thread.  So the count
# seen by the first thread to enter is kept and restored by the last to leave.
_NESTING = {"depth": 0, "outer": None}
_NESTING_LOCK = threading.Lock()


def _count_is_process_wide():
    """Whether a count set by ``openblas_set_num_threads_local`` in one thread is seen by
    the others (scipy's OpenBLAS 0.3.2x) rather than kept per thread (later OpenBLAS)."""
    if _SETTER is None or _GETTER is None:
        return False
    before = _GETTER()
    probe = 2 if before == 1 else 1
    worker = threading.Thread(target=_SETTER, args=(probe,))
    worker.start()
    worker.join()
    if _GETTER() == before:
        return False
    _SETTER(before)
    return True


_PROCESS_WIDE = _count_is_process_wide()


def call_on_one_thread_if(small, fn, *args):
    """``fn(*args)``, with this thread's BLAS calls on one thread if ``small``.

    A plain function rather than a context manager: it runs around every GEMM of a call,
    and a generator-based ``with`` cost ~3.5 us of the tiny LSTM's ~180 us fixed overhead.
    """
    if not small or _SETTER is None:
        return fn(*args)
    with _NESTING_LOCK:
        # nobody inside and the count 1: the user's own setting, nothing to change or restore
        # (while another thread is inside, a 1 may be its, to be restored under this call)
        untouched = _NESTING["depth"] == 0 and _GETTER is not None and _GETTER() == 1
        if not untouched:
            previous = _SETTER(1)
            if _NESTING["depth"] == 0:
                _NESTING["outer"] = previous
            _NESTING["depth"] += 1
    if untouched:
        return fn(*args)
    try:
        return fn(*args)
    finally:
        with _NESTING_LOCK:
            _NESTING["depth"] -= 1
            if not _PROCESS_WIDE:  # a thread-local count goes back to this thread's own
                _SETTER(previous)
            elif _NESTING["depth"] == 0:  # a shared one only when the last thread leaves
                _SETTER(_NESTING["outer"])
