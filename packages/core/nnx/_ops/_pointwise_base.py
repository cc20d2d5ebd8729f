"""Helpers shared by the elementwise op modules (pointwise, _unary_table, _select)."""

import numpy as np

from nnx._C import _C
from nnx._C._C import wrap

TensorBase = _C.TensorBase


def _as_tensor(x):
    """A tensor for ``x``; Python floats become the default dtype, as torch wraps numbers."""
    if isinstance(x, TensorBase):
        return x
    arr = np.asarray(x)
    if arr.dtype == np.float64 and not isinstance(x, np.ndarray):
        arr = arr.astype(_C.get_default_dtype().np_dtype)
    return wrap(arr)


def _float_input(x):
    """Integer and bool inputs of float-valued functions compute in the default dtype."""
    if x.dtype.kind == "f":
        return x
    return x.astype(_C.get_default_dtype().np_dtype)
