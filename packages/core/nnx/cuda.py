"""nnx.cuda: the GPU device namespace.  The GPU backend (PyCUDA) arrives with its own issue;
until then no device is available, and nothing here touches a GPU at import time."""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Seeding the (absent) GPU generator is a no-op, as in torch without CUDA."""


def manual_seed_all(seed):
    """Seeding the (absent) GPU generators is a no-op, as in torch without CUDA."""
