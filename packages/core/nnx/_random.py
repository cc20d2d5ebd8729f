"""Random numbers: ``nnx.Generator`` (NumPy's PCG64 behind torch's API), seeding, and the
random factories (``rand``, ``randn``, ``randint``, ``randperm``, ``normal`` ...).
"""

import numpy as np

from nnx._C import _C
from nnx._creation import _check_cpu, _finish, _float_dtype, _like, _parse_size
from nnx._size_device import device as _device

TensorBase = _C.TensorBase
wrap = _C.wrap


class Generator:
    """A random number generator (torch.Generator) over NumPy's PCG64."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        self.device = _device(device)

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        if not 0 <= seed < (1 << 64):
            raise RuntimeError(f"Overflow when unpacking long long (seed {seed} out of range)")
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self):
        self.manual_seed(int(np.random.SeedSequence().entropy) % (1 << 63))
        return self._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state
        return self


default_generator = Generator()


def _generator(generator=None):
    """The NumPy Generator behind ``generator`` (or the global one)."""
    return (default_generator if generator is None else generator)._rng


def manual_seed(seed):
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


# -- random tensors ----------------------------------------------------------------------


def rand(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    _check_cpu(device)
    d = _float_dtype(dtype)
    arr = _generator(generator).random(_parse_size(size)).astype(d.np_dtype)
    return _finish(arr, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    _check_cpu(device)
    d = _float_dtype(dtype)
    arr = _generator(generator).standard_normal(_parse_size(size)).astype(d.np_dtype)
    return _finish(arr, requires_grad)


def randint(
    low=0,
    high=None,
    size=None,
    *,
    generator=None,
    out=None,
    dtype=None,
    device=None,
    requires_grad=False,
):
    """``randint(high, size)`` or ``randint(low, high, size)``: integers in [low, high)."""
    _check_cpu(device)
    if size is None:
        if high is None:
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    d = _C.int64 if dtype is None else _C.to_dtype(dtype)
    arr = _generator(generator).integers(low, high, size=_parse_size((size,)))
    return _finish(arr.astype(d.np_dtype), requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    _check_cpu(device)
    return rand(*input._data.shape, dtype=_like(input, dtype), requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    _check_cpu(device)
    return randn(*input._data.shape, dtype=_like(input, dtype), requires_grad=requires_grad)


def randint_like(
    input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, memory_format=None
):
    _check_cpu(device)
    if high is None:
        low, high = 0, low
    return randint(low, high, input._data.shape, dtype=_like(input, dtype))


def randperm(n, *, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    _check_cpu(device)
    d = _C.int64 if dtype is None else _C.to_dtype(dtype)
    return _finish(_generator(generator).permutation(int(n)).astype(d.np_dtype), requires_grad)


def normal(
    mean=0.0,
    std=1.0,
    size=None,
    *,
    generator=None,
    out=None,
    dtype=None,
    device=None,
    requires_grad=False,
):
    """Samples of N(mean, std); ``mean``/``std`` may be tensors (then the shape is theirs)."""
    _check_cpu(device)
    m = mean._data if isinstance(mean, TensorBase) else mean
    s = std._data if isinstance(std, TensorBase) else std
    shape = (
        _parse_size((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    )
    d = _float_dtype(
        dtype if dtype is not None else (mean.dtype if isinstance(mean, TensorBase) else None)
    )
    arr = _generator(generator).normal(m, s, size=shape).astype(d.np_dtype)
    return _finish(arr, requires_grad)


def bernoulli(input, p=None, *, generator=None, out=None):
    probs = input._data if p is None else p
    arr = (_generator(generator).random(input._data.shape) < probs).astype(input._data.dtype)
    return wrap(arr)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    probs = np.atleast_2d(input._data.astype(np.float64))
    rng = _generator(generator)
    rows = []
    for row in probs:
        p = row / row.sum()
        rows.append(rng.choice(len(p), size=num_samples, replace=replacement, p=p))
    arr = np.array(rows, dtype=np.int64)
    return wrap(arr if input._data.ndim == 2 else arr[0])
