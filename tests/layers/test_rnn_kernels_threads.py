"""``_blas_threads.call_on_one_thread_if`` from two threads at once (the two directions of a
bidirectional layer): scipy's OpenBLAS keeps the "local" thread count in one process-wide
variable, so each thread saw the other's 1 as its previous count and the process was left
on one BLAS thread after the first bidirectional call.  A fake BLAS with that behaviour."""

import threading

from nnx_layers._rnn import _blas_threads


class _GlobalCountBlas:
    """openblas_set_num_threads_local as scipy's OpenBLAS 0.3.2x has it: sets the global."""

    def __init__(self, count):
        self.count = count

    def set_local(self, n):
        previous, self.count = self.count, n
        return previous

    def get(self):
        return self.count


def test_overlapping_calls_restore_the_process_count(monkeypatch):
    blas = _GlobalCountBlas(2)
    monkeypatch.setattr(_blas_threads, "_SETTER", blas.set_local)
    monkeypatch.setattr(_blas_threads, "_GETTER", blas.get)
    both_inside = threading.Barrier(2)
    first_left = threading.Event()
    seen = []

    def direction(leave_first):
        def body():
            seen.append(blas.get())
            both_inside.wait()          # both threads inside: each set the count to 1
            if not leave_first:
                first_left.wait()       # the other leaves first, this one last
        _blas_threads.call_on_one_thread_if(True, body)
        if leave_first:
            first_left.set()

    worker = threading.Thread(target=direction, args=(False,))
    worker.start()
    direction(True)
    worker.join()
    assert seen == [1, 1]
    assert blas.get() == 2 and _blas_threads.blas_threads() == 2


def test_nested_calls_restore_the_count(monkeypatch):
    blas = _GlobalCountBlas(3)
    monkeypatch.setattr(_blas_threads, "_SETTER", blas.set_local)
    monkeypatch.setattr(_blas_threads, "_GETTER", blas.get)
    inner = _blas_threads.call_on_one_thread_if(
        True, _blas_threads.call_on_one_thread_if, True, blas.get)
    assert inner == 1 and blas.get() == 3
    assert _blas_threads.call_on_one_thread_if(False, blas.get) == 3
