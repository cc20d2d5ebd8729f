"""In-place random fills: ``uniform_``, ``normal_``, ``bernoulli_`` (draws from nnx's
generator, or ``generator=``)."""

from nnx._C import _C
from nnx._ops._names import SCALAR_NAMES
from nnx._ops.inplace import _write, check_inplace

TensorBase = _C.TensorBase


def _require_floating(self, kernel):
    """torch has no integer or bool kernel for these fills."""
    if not self.dtype.is_floating_point:
        raise NotImplementedError(
            f'"{kernel}" not implemented for \'{SCALAR_NAMES[self.dtype.name]}\'')


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    from nnx._random import _generator

    check_inplace(self)
    _require_floating(self, "check_uniform_bounds")
    _write(self, _generator(generator).uniform(a, b, size=self._data.shape))
    return self


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    from nnx._random import _generator

    check_inplace(self)
    _require_floating(self, "normal_kernel_cpu")
    _write(self, _generator(generator).normal(mean, std, size=self._data.shape))
    return self


def bernoulli_(self, p=0.5, *, generator=None):
    from nnx._random import _generator

    check_inplace(self)
    probs = p._data if isinstance(p, TensorBase) else p
    _write(self, _generator(generator).random(self._data.shape) < probs)
    return self
