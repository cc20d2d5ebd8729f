"""Tensor factories: ``tensor``, ``from_numpy``, ``zeros``, ``full``, ``arange``, ``eye`` ...

The random factories and the generator live in _random.py.
"""

import numbers
import warnings

import numpy as np

from nnx import _backend
from nnx._C import _C

TensorBase = _C.TensorBase
wrap = _C.wrap

_NUMPY_TYPES_MESSAGE = (
    "can't convert np.ndarray of type {}. The only supported types are: "
    "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
)

# -- sizes and dtypes --------------------------------------------------------------------


def _parse_size(size):
    """``(2, 3)``, ``((2, 3),)``, ``([2, 3],)`` or ``(Size,)`` -> a tuple of ints."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    dims = []
    for s in size:
        if isinstance(s, TensorBase):
            s = s.__index__()
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(
                f"size must be a tuple of ints, but got an element of type {type(s).__name__}"
            )
        dims.append(int(s))
    for s in dims:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {dims}")
    return tuple(dims)


def _float_dtype(dtype):
    d = _C.get_default_dtype() if dtype is None else _C.to_dtype(dtype)
    return d


def _finish(arr, requires_grad):
    t = wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_array(data, dtype=None):
    """An ndarray for ``data`` with torch's dtype inference (Python floats -> default dtype).

    With ``dtype`` given, Python numbers convert straight to it (0.1 as float64 is the
    double nearest 0.1, not a float32 rounding of it)."""
    if isinstance(data, TensorBase):
        return np.array(data._data, copy=True)
    if isinstance(data, np.ndarray):
        if data.dtype not in [d.np_dtype for d in _C.ALL_DTYPES]:
            raise TypeError(_NUMPY_TYPES_MESSAGE.format("numpy." + data.dtype.name))
        return np.array(data, copy=True)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    leaf = _first_leaf(data)  # before 0-d tensors in the list become NumPy scalars
    if isinstance(data, (list, tuple)):
        data = _unwrap_nested(data)
    try:
        arr = np.array(data)
    except ValueError as exc:
        raise ValueError(f"expected a rectangular nested sequence of numbers ({exc})") from None
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(f"new(): invalid data type '{arr.dtype}'")
    if dtype is not None:
        return arr
    # torch: Python floats take the default dtype, Python ints int64, NumPy scalars their own
    if arr.dtype.kind == "f" and arr.dtype != np.float16 and not isinstance(leaf, np.floating):
        arr = arr.astype(_C.get_default_dtype().np_dtype)
    elif arr.dtype.kind in "iu" and not isinstance(leaf, np.integer):
        arr = arr.astype(np.int64)
    return arr


def _unwrap_nested(data):
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(x) for x in data]
    if isinstance(data, TensorBase):
        return data._data if data._data.ndim else data._data[()]
    return data


def _first_leaf(data):
    # torch looks at every element; nnx at the first, so that big lists of Python numbers
    # convert at NumPy's speed (mixing NumPy scalars with Python numbers is rare)
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (torch.tensor)."""
    _check_cpu(device)
    if isinstance(data, TensorBase):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than "
            "nnx.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    arr = _infer_array(data, dtype)
    if dtype is not None:
        arr = arr.astype(_C.to_dtype(dtype).np_dtype)
    return _finish(arr, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing memory when it already is one (or a matching ndarray)."""
    _check_cpu(device)
    if isinstance(data, TensorBase):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (
        dtype is None or _C.to_dtype(dtype).np_dtype == data.dtype
    ):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (torch.from_numpy)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype not in [d.np_dtype for d in _C.ALL_DTYPES]:
        raise TypeError(_NUMPY_TYPES_MESSAGE.format("numpy." + ndarray.dtype.name))
    if not ndarray.dtype.isnative:
        raise ValueError(
            "given numpy array has byte order different from the native byte order. "
            "Conversion between byte orders is currently not supported."
        )
    return wrap(ndarray)


def _check_cpu(dev):
    """This build's factories make CPU tensors; any other device gets a clear error."""
    _backend.check_cpu(dev)


# -- filled tensors ----------------------------------------------------------------------


def zeros(*size, out=None, dtype=None, device=None, requires_grad=False):
    _check_cpu(device)
    return _finish(np.zeros(_parse_size(size), _float_dtype(dtype).np_dtype), requires_grad)


def ones(*size, out=None, dtype=None, device=None, requires_grad=False):
    _check_cpu(device)
    return _finish(np.ones(_parse_size(size), _float_dtype(dtype).np_dtype), requires_grad)


def empty(*size, out=None, dtype=None, device=None, requires_grad=False, memory_format=None):
    # Zero-filled rather than uninitialised: same cost class, and never leaks old memory.
    _check_cpu(device)
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False):
    _check_cpu(device)
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = "bool"
        elif isinstance(fill_value, numbers.Integral):
            dtype = "int64"
        else:
            dtype = _C.get_default_dtype()
    return _finish(
        np.full(_parse_size((size,)), fill_value, _C.to_dtype(dtype).np_dtype), requires_grad
    )


def _like(input, dtype):
    return input.dtype if dtype is None else _C.to_dtype(dtype)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    _check_cpu(device)
    return _finish(np.zeros(input._data.shape, _like(input, dtype).np_dtype), requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    _check_cpu(device)
    return _finish(np.ones(input._data.shape, _like(input, dtype).np_dtype), requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    _check_cpu(device)
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad)


def full_like(
    input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None
):
    _check_cpu(device)
    return _finish(
        np.full(input._data.shape, fill_value, _like(input, dtype).np_dtype), requires_grad
    )


def arange(start=0, end=None, step=1, *, out=None, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step`` (torch.arange)."""
    _check_cpu(device)
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, TensorBase) else v for v in (start, end, step)]
    start, end, step = values
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_float = any(isinstance(v, float) for v in values)
        dtype = _C.get_default_dtype() if is_float else _C.int64
    d = _C.to_dtype(dtype)
    count = int(np.ceil((end - start) / step))
    arr = (
        (start + step * np.arange(count, dtype=np.float64))
        if d.is_floating_point or any(isinstance(v, float) for v in values)
        else start + step * np.arange(count, dtype=np.int64)
    )
    return _finish(arr.astype(d.np_dtype), requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False):
    _check_cpu(device)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    arr = np.linspace(float(start), float(end), int(steps))
    return _finish(arr.astype(_float_dtype(dtype).np_dtype), requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    _check_cpu(device)
    arr = np.logspace(float(start), float(end), int(steps), base=base)
    return _finish(arr.astype(_float_dtype(dtype).np_dtype), requires_grad)


def eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad=False):
    _check_cpu(device)
    return _finish(
        np.eye(n, n if m is None else m, dtype=_float_dtype(dtype).np_dtype), requires_grad
    )


# -- legacy constructor and pickling -----------------------------------------------------


def legacy_tensor(cls, *args, **kwargs):
    """``Tensor()``, ``Tensor(2, 3)`` (zeros), ``Tensor([1, 2])`` / ``Tensor(ndarray)`` (data)."""
    device = kwargs.pop("device", None)
    _check_cpu(device)
    if kwargs:
        raise TypeError(
            f"new() received an invalid combination of arguments - got unexpected "
            f"keyword argument '{next(iter(kwargs))}'"
        )
    dtype = _C.get_default_dtype().np_dtype
    if not args:
        arr = np.zeros((0,), dtype)
    elif all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args) or (
        len(args) == 1 and type(args[0]).__name__ == "Size"
    ):
        arr = np.zeros(_parse_size(args), dtype)
    elif len(args) == 1:
        src = args[0]
        if isinstance(src, TensorBase):
            arr = src._data
        else:
            arr = np.array(
                _unwrap_nested(src) if isinstance(src, (list, tuple)) else src, dtype=dtype
            )
    else:
        raise TypeError("new() received an invalid combination of arguments")
    t = TensorBase.__new__(cls)
    t._data = arr
    return t


def _rebuild(array, requires_grad):
    t = wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t
