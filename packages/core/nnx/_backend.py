"""Array backends: where a tensor's data lives, and the seam a GPU backend plugs into.

A tensor's ``_data`` is an array of one backend.  The CPU backend is NumPy; a GPU
backend (PyCUDA, a later issue) registers itself for device type ``'cuda'`` with its own
array type.  ``Tensor.device``, ``to(device)``, ``cpu()``, ``cuda()``, every factory's
``device=`` and ``nnx.cuda`` go through this registry, so a new backend needs no change
to the tensor type.  Registering is explicit: nothing touches a GPU at import time.
"""

import numpy as np

from nnx._size_device import device as _device


class Backend:
    """One array library on one device type."""

    device_type = "cpu"
    array_type = np.ndarray

    def is_available(self):
        return True

    def device_count(self):
        return 1

    def device_of(self, array):
        return _device(self.device_type)

    def from_numpy(self, array, device):
        """``array`` (an ndarray) moved onto ``device`` of this backend."""
        return array

    def to_numpy(self, array):
        return array


class NumpyBackend(Backend):
    """The CPU backend: data in NumPy arrays."""

    def device_of(self, array):
        return CPU


CPU = _device("cpu")
_BY_DEVICE_TYPE = {"cpu": NumpyBackend()}


def register(backend):
    """Make ``backend`` serve its ``device_type`` (the GPU backend calls this when loaded)."""
    _BY_DEVICE_TYPE[backend.device_type] = backend


def for_array(array):
    """The backend whose array type ``array`` is."""
    for backend in _BY_DEVICE_TYPE.values():
        if isinstance(array, backend.array_type):
            return backend
    raise TypeError(f"no nnx backend holds arrays of type {type(array).__name__}")


def for_device(dev):
    """The backend serving ``dev`` (a device, 'cpu', 'cuda:0', an index), or a clear error."""
    dev = _device(dev)
    backend = _BY_DEVICE_TYPE.get(dev.type)
    if backend is None or not backend.is_available():
        raise RuntimeError(
            f"nnx has no {dev.type.upper() if dev.type == 'cuda' else dev.type} backend "
            f"available for device '{dev}': nnx.cuda.is_available() is False (no GPU, or the "
            "optional 'gpu' extra with pycuda is not installed)")
    return backend


def check_cpu(dev):
    """Factories and casts of this build make CPU tensors: refuse any other device clearly."""
    if dev is None:
        return CPU
    backend = for_device(dev)
    if backend.device_type != "cpu":
        raise RuntimeError(f"creating tensors on '{_device(dev)}' arrives with nnx's GPU backend")
    return CPU


def has_device_type(device_type):
    backend = _BY_DEVICE_TYPE.get(device_type)
    return backend is not None and backend.is_available()


def device_count(device_type):
    backend = _BY_DEVICE_TYPE.get(device_type)
    return backend.device_count() if backend is not None and backend.is_available() else 0
