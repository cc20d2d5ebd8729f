"""What every reduction shares: reading ``dim``, output and accumulation dtypes, and
the small helpers their backward formulas use.

Dims follow torch: ``dim`` is None (all dims), an int or a tuple; negative dims count
from the end; a 0-d tensor accepts dim 0 and -1.  Integer and bool inputs sum to
int64; float16 accumulates in float32.
"""

import numpy as np

from nnx._C import _C
from nnx._C._C import attach
from nnx._ops import _grad
from nnx._ops._shape_base import wrap_dim, wrap_dims

_TORCH_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


# -- helpers ----------------------------------------------------------------------------

def _dims(dim, ndim):
    """Reduced dims as a sorted tuple: None or () mean all; a 0-d tensor reduces none."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        dims = wrap_dims(dim, ndim) if len(dim) else tuple(range(ndim))
    else:
        dims = (wrap_dim(dim, ndim),)
    return tuple(sorted(d for d in dims if d < ndim))


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _torch_name(np_dtype):
    return _TORCH_NAMES[np.dtype(np_dtype).name]


def _is_float(np_dtype):
    return np.dtype(np_dtype).kind == "f"


def _acc(np_dtype):
    """The dtype to accumulate in: float16 sums lose too much, as torch knows."""
    return np.dtype(np.float32) if np_dtype == np.float16 else np_dtype


def _sum_dtype(np_dtype, dtype):
    """Output dtype of sum/prod/cumsum: ``dtype`` if given, int64 for integers and bool."""
    if dtype is not None:
        return _C.to_dtype(dtype).np_dtype
    return np_dtype if _is_float(np_dtype) else np.dtype(np.int64)


def _restore(g, dims, ndim, keepdim):
    """The gradient of a reduced output with its reduced dims back as size 1."""
    return g if keepdim else _grad.unsqueeze_dims(g, dims, ndim)


def _record(node, input, out, **attrs):
    node.__dict__.update(attrs)
    attach(node, (input,), out)
    return node


def _cast_back(g, np_dtype):
    """A gradient in the input's dtype (ops with ``dtype=`` compute in another)."""
    return g if _grad.data(g).dtype == np_dtype else _grad.cast(g, np_dtype)


def _const(array, like):
    return _grad.const(np.asarray(array, dtype=_grad.data(like).dtype), like)
