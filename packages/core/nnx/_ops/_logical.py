"""all and any: whether all / any elements (along ``dim``) are nonzero."""

import numpy as np

from nnx._C._C import wrap
from nnx._ops._reduce_base import _dims

# -- all, any --------------------------------------------------------------------------

def _logical(input, dim, keepdim, fn):
    x = input._data
    res = np.asarray(fn(x, axis=_dims(dim, x.ndim), keepdims=keepdim))
    return wrap(res.astype(np.uint8) if x.dtype == np.uint8 else res)


def all(input, dim=None, keepdim=False):
    """Whether all elements (along ``dim``) are nonzero: bool (uint8 for uint8 input)."""
    return _logical(input, dim, keepdim, np.all)


def any(input, dim=None, keepdim=False):
    """Whether any element (along ``dim``) is nonzero: bool (uint8 for uint8 input)."""
    return _logical(input, dim, keepdim, np.any)
