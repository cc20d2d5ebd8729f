"""nnx.cuda: the GPU device namespace.  The GPU backend (PyCUDA) arrives with its own issue and
registers itself in nnx._backend; until then no device is available.  Nothing here touches a
GPU at import time."""


from nnx import _backend


def is_available():
    """Whether a CUDA backend is registered and sees a GPU (never touches one at import)."""
    return _backend.has_device_type("cuda")


def device_count():
    return _backend.device_count("cuda")


def manual_seed(seed):
    """Seeding the (absent) GPU generator is a no-op, as in torch without CUDA."""


def manual_seed_all(seed):
    """Seeding the (absent) GPU generators is a no-op, as in torch without CUDA."""
