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


def _use_fake_blas(monkeypatch, setter, getter, process_wide=None):
    """Point ``_blas_threads`` at a fake BLAS (and, where given, its count's sharing)."""
    monkeypatch.setattr(_blas_threads, "_SETTER", setter)
    monkeypatch.setattr(_blas_threads, "_GETTER", getter)
    if process_wide is not None:
        monkeypatch.setattr(_blas_threads, "_PROCESS_WIDE", process_wide)


def test_overlapping_calls_restore_the_process_count(monkeypatch):
    blas = _GlobalCountBlas(2)
    _use_fake_blas(monkeypatch, blas.set_local, blas.get)
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
    _use_fake_blas(monkeypatch, blas.set_local, blas.get)
    inner = _blas_threads.call_on_one_thread_if(
        True, _blas_threads.call_on_one_thread_if, True, blas.get)
    assert inner == 1 and blas.get() == 3
    assert _blas_threads.call_on_one_thread_if(False, blas.get) == 3


def _two_threads_overlapping(blas, first_body, last_body):
    """Thread "first" enters, then "last"; "first" leaves while "last" is still inside."""
    first_inside, first_left = threading.Event(), threading.Event()

    def first():
        def body():
            first_body()
            first_inside.set()
            last_inside.wait()
        _blas_threads.call_on_one_thread_if(True, body)
        first_left.set()

    last_inside = threading.Event()

    def last():
        first_inside.wait()

        def body():
            last_inside.set()
            first_left.wait()
            last_body()         # the other thread has left: the count must still be 1 here
        _blas_threads.call_on_one_thread_if(True, body)

    threads = [threading.Thread(target=first), threading.Thread(target=last)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_the_first_to_leave_does_not_restore_a_process_wide_count(monkeypatch):
    blas = _GlobalCountBlas(4)
    _use_fake_blas(monkeypatch, blas.set_local, blas.get, process_wide=True)
    seen = {}

    def first_body():
        seen["first"] = blas.get()
        seen["decides on"] = _blas_threads.blas_threads()   # the count it will restore

    def last_body():
        seen["last, after the first left"] = blas.get()

    _two_threads_overlapping(blas, first_body, last_body)
    assert seen == {"first": 1, "decides on": 4, "last, after the first left": 1}
    assert blas.get() == 4


class _ThreadLocalCountBlas:
    """openblas_set_num_threads_local as later OpenBLAS has it: one count per thread."""

    def __init__(self, count):
        self.default, self.local = count, threading.local()

    def set_local(self, n):
        previous = self.get()
        self.local.count = n
        return previous

    def get(self):
        return getattr(self.local, "count", self.default)


def test_a_thread_local_count_goes_back_per_thread(monkeypatch):
    blas = _ThreadLocalCountBlas(4)
    _use_fake_blas(monkeypatch, blas.set_local, blas.get, process_wide=False)
    after = {}

    def first_body():
        pass

    def last_body():
        after["last inside"] = blas.get()

    _two_threads_overlapping(blas, first_body, last_body)
    assert after == {"last inside": 1}
    assert _blas_threads.call_on_one_thread_if(True, blas.get) == 1
    assert blas.get() == 4     # this thread's own count is back


def test_a_count_of_one_is_left_alone(monkeypatch):
    calls = []
    blas = _GlobalCountBlas(1)

    def counting_setter(n):
        calls.append(n)
        return blas.set_local(n)

    _use_fake_blas(monkeypatch, counting_setter, blas.get)
    assert _blas_threads.call_on_one_thread_if(True, blas.get) == 1
    assert calls == [] and blas.get() == 1


def test_the_probe_matches_this_blas():
    """scipy's bundled OpenBLAS shares the count; whatever this one does, the probe left the
    count as it found it."""
    if _blas_threads._SETTER is None or _blas_threads._GETTER is None:
        assert _blas_threads._PROCESS_WIDE is False
        return
    before = _blas_threads._GETTER()
    assert _blas_threads._count_is_process_wide() is _blas_threads._PROCESS_WIDE
    assert _blas_threads._GETTER() == before
