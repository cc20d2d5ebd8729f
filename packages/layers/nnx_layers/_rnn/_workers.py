"""The worker threads of the recurrent layers: one single-thread executor per purpose
(the reverse direction of a bidirectional layer, the second half of a split step).

Why a process check: an executor copied into the child of a fork() has no thread left but
counts an idle one, so a job submitted there never runs, and the thread waiting for it (the
forward direction, or a split step's partner at its barrier) would wait forever, as in a
forked data-loading worker that runs the model.  A child gets executors of its own.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_EXECUTORS = {}         # name -> (pid, executor)
_LOCK = threading.Lock()


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
