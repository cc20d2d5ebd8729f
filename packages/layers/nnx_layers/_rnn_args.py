"""Argument checks of nnx.nn.utils.rnn, with the messages torch 2.13 gives.

torch checks these arguments in three places (its Python wrappers, the argument parser of
its ATen ops and the ATen kernels); the helpers here reproduce each message.
"""

import numbers

import numpy as np

from nnx._backend import CPU
from nnx._C import _C

_SCALAR_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long",
                 "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool"}


def check_arg(fname, name, position, value, ok, expected):
    """torch's argument-parser TypeError when ``value`` is not of the ``expected`` kind."""
    if not ok(value):
        raise TypeError(f"{fname}(): argument '{name}' (position {position}) must be "
                        f"{expected}, not {type(value).__name__}")


def is_tensor(v):
    return isinstance(v, _C.TensorBase)


def is_bool(v):
    return isinstance(v, (bool, np.bool_))


def is_int(v):
    return isinstance(v, numbers.Integral) and not is_bool(v)


def is_number(v):
    return isinstance(v, numbers.Number)


def is_float(v):
    return isinstance(v, numbers.Real)


def check_long_1d(tensor_or_array, device):
    """ATen's checkLongTensor (it names 'lengths' for batch_sizes too)."""
    arr = tensor_or_array
    if arr.ndim != 1 or device.type != "cpu" or arr.dtype != np.int64:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{arr.ndim}D {device} {_SCALAR_NAMES[arr.dtype.name]} tensor")


def lengths_int64(lengths):
    """``lengths`` (Tensor, list, array) as an int64 array and its device: torch's
    ``lengths.to(int64)`` or ``as_tensor(lengths, dtype=int64)``."""
    if is_tensor(lengths):
        return lengths._data.astype(np.int64), lengths.device
    if isinstance(lengths, str):
        raise TypeError("new(): invalid data type 'str'")
    if isinstance(lengths, (list, tuple)):
        lengths = [v.item() if is_tensor(v) else v for v in lengths]
    arr = np.asarray(lengths)
    if arr.dtype.kind not in "biuf":
        bad = arr.reshape(-1)[0].item() if arr.size else arr
        raise ValueError(f"too many dimensions '{type(bad).__name__}'")
    return arr.astype(np.int64), CPU


def dim_range_message(ndim, dim):
    """torch's IndexError text for ``dim`` outside a tensor of ``ndim`` dimensions."""
    n = max(ndim, 1)
    return f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
