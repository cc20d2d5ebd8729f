# Module-level state, read on every op: C globals rather than Python attributes.

from cpython.ref cimport Py_REFCNT
import numpy as _np
import weakref as _weakref

cdef object _ndarray = _np.ndarray

# Grad mode (torch.is_grad_enabled), flipped by nnx.no_grad and friends, and the flag that
# makes saved values unpack as Tensors while the engine runs a create_graph backward.
# Both are per thread, as in torch (a no_grad block in one thread leaves the others alone),
# and are C thread-locals, so reading them on every op costs nothing.
cdef extern from *:
    """
    #if defined(_MSC_VER)
    #define NNX_THREAD_LOCAL __declspec(thread)
    #else
    #define NNX_THREAD_LOCAL _Thread_local
    #endif
    static NNX_THREAD_LOCAL int nnx_grad_enabled = 1;
    static NNX_THREAD_LOCAL int nnx_unpack_as_tensors = 0;
    """
    int _grad_enabled "nnx_grad_enabled"
    int _unpack_as_tensors "nnx_unpack_as_tensors"

# Anomaly mode (nnx.autograd.set_detect_anomaly): nodes remember the forward stack
# that created them, and backward checks every gradient for NaN when asked to.
cdef bint _anomaly_enabled = False
cdef bint _anomaly_check_nan = True


def _set_anomaly_enabled(bint enabled, bint check_nan=True):
    global _anomaly_enabled, _anomaly_check_nan
    previous = (_anomaly_enabled, _anomaly_check_nan)
    _anomaly_enabled = enabled
    _anomaly_check_nan = check_nan
    return previous


def is_anomaly_enabled():
    return _anomaly_enabled


def is_anomaly_check_nan_enabled():
    return _anomaly_check_nan


# nnx.Tensor and nnx.Size, the Python classes the C code instantiates; registered by
# nnx/_tensor.py at import (the C part cannot import them: they subclass it).
cdef object _tensor_type = None
cdef object _size_type = tuple


def _register_types(tensor_type, size_type):
    global _tensor_type, _size_type
    _tensor_type = tensor_type
    _size_type = size_type


def is_grad_enabled():
    return bool(_grad_enabled)


def _set_grad_enabled(bint mode):
    """Set this thread's grad mode and return the previous one (the context managers use this)."""
    global _grad_enabled
    cdef bint previous = _grad_enabled
    _grad_enabled = mode
    return previous
