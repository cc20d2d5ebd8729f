"""Mult-adds of the functional ops a module's forward calls itself (matmul, linear, conv).

``observe_functional_ops(report)`` makes every matrix product / ``F.linear`` /
``F.bilinear`` / ``F.conv*`` / ``F.conv_transpose*`` run by the current thread call
``report(macs)`` after it returns.  Ops called by another observed op (``F.linear``'s own
matmul) are not reported again.

The library functions are replaced once for the whole process, by wrappers that look up
the summaries observing the *calling thread* (a thread-local stack) and otherwise just
call the original.  The replacement is reference-counted under a lock and undone when
the last observing summary ends, so summaries running in several threads, or one inside
another's forward pass, finish in any order and always leave the library as they found
it (replacing and restoring per summary would not: the first to end would remove the
other's wrapper, and the last would put a dead one back).
"""

import contextlib
import functools
import threading

from nnx_tools._summary._mult_adds import batch_and_spatial

__all__ = ["observe_functional_ops"]


def _arg(args, kwargs, index, name):
    if len(args) > index:
        return args[index]
    return kwargs.get(name)


def _rows(x):
    return x.numel() // x.shape[-1] if x.ndim and x.shape[-1] else 0


def _matmul_macs(args, kwargs, out):
    a = _arg(args, kwargs, 0, "input")
    return out.numel() * int(a.shape[-1])       # every output element: one dot of length K


def _linear_macs(args, kwargs, out):
    x, w, b = (_arg(args, kwargs, i, n) for i, n in enumerate(("input", "weight", "bias")))
    return _rows(x) * (w.numel() + (b.numel() if b is not None else 0))


def _bilinear_macs(args, kwargs, out):
    x1 = _arg(args, kwargs, 0, "input1")
    w, b = _arg(args, kwargs, 2, "weight"), _arg(args, kwargs, 3, "bias")
    return _rows(x1) * (w.numel() + (b.numel() if b is not None else 0))


def _conv_macs(dims):
    def macs(args, kwargs, out):
        w, b = _arg(args, kwargs, 1, "weight"), _arg(args, kwargs, 2, "bias")
        batch, spatial = batch_and_spatial(out, dims)
        return batch * spatial * (w.numel() + (b.numel() if b is not None else 0))
    return macs


def _conv_transpose_macs(dims):
    def macs(args, kwargs, out):
        x = _arg(args, kwargs, 0, "input")
        w, b = _arg(args, kwargs, 1, "weight"), _arg(args, kwargs, 2, "bias")
        batch, in_spatial = batch_and_spatial(x, dims)
        _, out_spatial = batch_and_spatial(out, dims)
        return batch * (in_spatial * w.numel() + (out_spatial * b.numel() if b is not None
                                                   else 0))
    return macs


def _targets():
    """(owner, attribute name, MACs formula) of every callable observed.

    Every nnx matrix product (``nnx.matmul``, ``Tensor.__matmul__``/``matmul``, ``mm``,
    ``bmm``, ``mv``, ``dot``, however they were imported) funnels into
    ``nnx._ops.linalg._product(input, other, node_type)``, looked up by name at each call:
    replacing that one name observes them all without touching the engine's code.  The
    functional convolutions and linear maps are looked up on ``nnx.nn.functional`` by
    callers writing ``F.linear(...)``; a name imported earlier with ``from ... import``
    keeps the original function and is not observed.
    """
    from nnx._ops import linalg
    from nnx.nn import functional

    targets = [(linalg, "_product", _matmul_macs),
               (functional, "linear", _linear_macs),
               (functional, "bilinear", _bilinear_macs)]
    for dims in (1, 2, 3):
        targets.append((functional, f"conv{dims}d", _conv_macs(dims)))
        targets.append((functional, f"conv_transpose{dims}d", _conv_transpose_macs(dims)))
    return [(owner, name, macs) for owner, name, macs in targets if hasattr(owner, name)]


class _ThreadState(threading.local):
    def __init__(self):
        self.reporters = []         # report callables of the summaries observing this thread
        self.in_op = False          # inside an observed op: its inner ops are its own


_thread = _ThreadState()
_lock = threading.Lock()
_users = 0                          # summaries observing, in every thread
_installed = []                     # (owner, name, original, wrapper)


def _observed(original, macs_of):
    @functools.wraps(original)          # name, docstring and __wrapped__ stay the original's
    def observed(*args, **kwargs):
        reporters = _thread.reporters
        if not reporters or _thread.in_op:
            return original(*args, **kwargs)
        _thread.in_op = True
        try:
            out = original(*args, **kwargs)
        finally:
            _thread.in_op = False
        try:
            macs = int(macs_of(args, kwargs, out))
        except (AttributeError, IndexError, TypeError, ValueError):
            macs = 0                            # an odd call: count nothing, never fail it
        for report in list(reporters):          # a summary inside another's forward: both
            report(macs)
        return out
    return observed


def _install():
    for owner, name, macs_of in _targets():
        original = getattr(owner, name)
        wrapper = _observed(original, macs_of)
        setattr(owner, name, wrapper)
        _installed.append((owner, name, original, wrapper))


def _uninstall():
    while _installed:
        owner, name, original, wrapper = _installed.pop()
        if getattr(owner, name) is wrapper:     # else someone replaced it since: theirs stays
            setattr(owner, name, original)


@contextlib.contextmanager
def observe_functional_ops(report):
    """While active, call ``report(macs)`` after each matrix product / linear / conv op run
    by this thread (not by the ops themselves).  The originals are put back when the last
    observer in the process ends, however the observers' lifetimes interleave."""
    global _users
    with _lock:
        if _users == 0:
            try:
                _install()
            except BaseException:
                _uninstall()
                raise
        _users += 1
    _thread.reporters.append(report)
    try:
        yield
    finally:
        reporters = _thread.reporters
        del reporters[max(i for i, r in enumerate(reporters) if r is report)]
        with _lock:
            _users -= 1
            if _users == 0:
                _uninstall()
