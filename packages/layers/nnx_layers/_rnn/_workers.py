"""The worker threads of the recurrent layers: one single-thread executor per purpose
(the reverse direction of a bidirectional layer, the second half of a split step).

Why a process check: an executor copied into the child of a fork() has no thread left but
counts an idle one, so a job submitted there never runs, and the thread waiting for it (the
forward direction, or a split step's partner at its barrier) would wait forever, as in a
forked data-loading worker that runs the model.  A child gets executors of its own, and
the module locks of the recurrent layers (``child_safe_lock``) released.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_EXECUTORS = {}         # name -> (pid, executor)
_LOCKS = []


def child_safe_lock():
    """A lock that a forked child gets released: a fork while another thread held it would
    leave the child's copy held forever (the stdlib's own locks do the same)."""
    lock = threading.Lock()
    _LOCKS.append(lock)
    return lock


def _release_locks_in_child():
    for lock in _LOCKS:
        lock._at_fork_reinit()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_release_locks_in_child)
_LOCK = child_safe_lock()


def worker(name):
    """This process's single-thread executor ``name`` (also its threads' name prefix)."""
    pid = os.getpid()
    entry = _EXECUTORS.get(name)
    if entry is None or entry[0] != pid:
        with _LOCK:
            entry = _EXECUTORS.get(name)
            if entry is None or entry[0] != pid:
                entry = (pid, ThreadPoolExecutor(1, thread_name_prefix=name))
                _EXECUTORS[name] = entry
    return entry[1]


def started(name):
    """Whether this process has started the executor ``name`` (tests)."""
    entry = _EXECUTORS.get(name)
    return entry is not None and entry[0] == os.getpid()
