"""Casts, copies and device moves: ``to``, ``type``, ``float()`` ..., ``clone``, ``new_*``."""

import builtins

import numpy as np

from nnx import _backend
from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad as G
from nnx._size_device import device as _device

TensorBase = _C.TensorBase

_LEGACY_TYPES = {
    "FloatTensor": "float32",
    "DoubleTensor": "float64",
    "HalfTensor": "float16",
    "LongTensor": "int64",
    "IntTensor": "int32",
    "ShortTensor": "int16",
    "CharTensor": "int8",
    "ByteTensor": "uint8",
    "BoolTensor": "bool",
}


class ToCopyBackward0(Node):
    def backward(self, grad):
        return (G.cast(grad, self.src_dtype),)


class CloneBackward0(Node):
    def backward(self, grad):
        return (grad,)


def _cast(input, dtype, copy=False):
    """``input`` as ``dtype``; differentiable between floating types (torch's _to_copy)."""
    d = _C.to_dtype(dtype)
    if input._data.dtype == d.np_dtype and not copy:
        return input
    out = wrap(input._data.astype(d.np_dtype, copy=True))
    if d.is_floating_point and needs_grad(input):
        node = ToCopyBackward0()
        node.src_dtype = input._data.dtype
        attach(node, (input,), out)
    return out


def _check_device(dev):
    return _backend.check_cpu(dev)


def parse_to(*args, **kwargs):
    """``(device, dtype, non_blocking, copy)`` from ``to``'s overloads: ``to(dtype)``,
    ``to(device, dtype=None)``, ``to(other)``, each with ``non_blocking``/``copy``
    (torch._C._nn._parse_to).  ``dtype`` stays as given (None when not asked for)."""
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    non_blocking = kwargs.pop("non_blocking", False)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    args = list(args)
    if args and isinstance(args[0], TensorBase):
        other = args.pop(0)
        dtype = other.dtype
    elif (
        args
        and isinstance(args[0], (str, _device, builtins.int))
        and not isinstance(args[0], builtins.bool)
    ):
        dev = args.pop(0)
    if args and not isinstance(args[0], builtins.bool):
        dtype = args.pop(0)
    if args:
        non_blocking = args.pop(0)
    if args:
        copy = args.pop(0)
    return dev, dtype, non_blocking, copy


def to(self, *args, **kwargs):
    """``to(dtype)``, ``to(device, dtype=None)``, ``to(other)``, with ``non_blocking``/``copy``."""
    dev, dtype, _, copy = parse_to(*args, **kwargs)
    if dev is not None:
        _check_device(dev)
    if dtype is None:
        return self.clone() if copy else self
    return _cast(self, dtype, copy=copy)


def type(self, dtype=None, non_blocking=False, **kwargs):
    """No argument: the legacy type name (``'nnx.FloatTensor'``); else cast to that type."""
    if dtype is None:
        return _C.legacy_type_name(self._data)
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1]
        if name not in _LEGACY_TYPES:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _LEGACY_TYPES[name]
    return _cast(self, dtype)


def type_as(self, other):
    return _cast(self, other.dtype)


def float(self, memory_format=None):
    return _cast(self, "float32")


def double(self, memory_format=None):
    return _cast(self, "float64")


def half(self, memory_format=None):
    return _cast(self, "float16")


def int(self, memory_format=None):
    return _cast(self, "int32")


def long(self, memory_format=None):
    return _cast(self, "int64")


def short(self, memory_format=None):
    return _cast(self, "int16")


def char(self, memory_format=None):
    return _cast(self, "int8")


def byte(self, memory_format=None):
    return _cast(self, "uint8")


def bool(self, memory_format=None):
    return _cast(self, "bool")


def cpu(self, memory_format=None):
    return self


def cuda(self, device=None, non_blocking=False, memory_format=None):
    _backend.check_cpu("cuda" if device is None else device)


def clone(input, *, memory_format=None):
    out = wrap(np.array(input._data, copy=True))
    if needs_grad(input):
        attach(CloneBackward0(), (input,), out)
    return out


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    from nnx._creation import tensor

    return tensor(data, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)


def _new_filled(self, size, fill, dtype, requires_grad):
    from nnx._creation import _parse_size

    d = self.dtype if dtype is None else _C.to_dtype(dtype)
    out = wrap(np.full(_parse_size(size), fill, dtype=d.np_dtype))
    if requires_grad:
        out.requires_grad_(True)
    return out


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    return _new_filled(self, size, 0, dtype, requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return _new_filled(self, size, 1, dtype, requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    return _new_filled(self, size, 0, dtype, requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _new_filled(self, (size,), fill_value, dtype, requires_grad)
