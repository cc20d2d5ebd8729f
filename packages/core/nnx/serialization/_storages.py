"""Storages of a checkpoint being loaded, and the rebuild handlers that view them as tensors.

A storage is one flat array read from the file once (``raw``, in the file's element type);
tensors are strided views of it, so tensors that shared a storage in torch share memory
after loading. bfloat16 storages are widened to float32 (NumPy has no bfloat16), big-endian
ones byte-swapped: such a storage gets one converted array, filled when its bytes arrive
(the legacy format stores the bytes after the pickle that names them).
"""

import collections
import mmap

import numpy as np

from nnx.serialization import _allowlist
from nnx.serialization._torch_names import BFLOAT16, same_element
from nnx.serialization._unpickler import PickleRefused

_HUGE_PAGE_MIN_BYTES = 4 << 20


def _allocate(numel, dtype):
    """An uninitialised flat array. Large ones are anonymous mappings advised to use
    transparent huge pages, so reading into them faults 2 MiB pages instead of 4 KiB ones
    (loading the issue's 500 MB state_dict of four tensors on the 2-core dev VM: median about
    0.8 s -> 0.4 s, torch 0.27 s); the memory goes back to the OS when the tensors die."""
    nbytes = numel * dtype.itemsize
    if nbytes < _HUGE_PAGE_MIN_BYTES or not hasattr(mmap, "MADV_HUGEPAGE"):
        return np.empty(numel, dtype)
    region = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    region.madvise(mmap.MADV_HUGEPAGE)
    return np.frombuffer(region, dtype)


class Storage:
    def __init__(self, key, file_dtype, numel, location, big_endian):
        self.key = key
        self.file_dtype = file_dtype            # np.dtype, BFLOAT16 or None (untyped bytes)
        self.numel = numel                      # elements (bytes when untyped)
        self.location = location
        self.big_endian = big_endian
        raw_dtype = np.dtype(np.uint16) if file_dtype is BFLOAT16 else (
            np.dtype(np.uint8) if file_dtype is None else file_dtype)
        self.raw = _allocate(numel, raw_dtype)
        self.filled = False
        self._as = {}          # element type -> flat array tensors view
        self._pending = []     # conversions waiting for the bytes

    @property
    def nbytes(self):
        return self.raw.nbytes

    def raw_bytes(self):
        """Writable byte view of ``raw``: the reader fills it in place."""
        return self.raw.view(np.uint8)

    def mark_filled(self):
        self.filled = True
        for convert in self._pending:
            convert()
        self._pending.clear()

    def as_elements(self, element):
        """The storage as a flat array of ``element`` (np.dtype or BFLOAT16)."""
        found = self._as.get(repr(element))
        if found is not None:
            return found
        if self.file_dtype is None:                    # untyped bytes (_rebuild_tensor_v3)
            width = 2 if element is BFLOAT16 else element.itemsize
            if self.numel % width:
                raise PickleRefused(f"storage '{self.key}' of {self.numel} bytes does not hold "
                                    f"whole {element} elements")
            source = self.raw.view(np.uint16 if element is BFLOAT16 else element)
        elif same_element(self.file_dtype, element):
            source = self.raw
        else:
            raise PickleRefused(f"storage '{self.key}' holds {self.file_dtype}, "
                                f"not {element}")
        if element is BFLOAT16:
            out = np.empty(source.shape, np.float32)
            self._after_fill(lambda: _widen_bfloat16(source, self.big_endian, out))
        elif self.big_endian and source.dtype.itemsize > 1:
            out = np.empty(source.shape, source.dtype)
            self._after_fill(lambda: np.copyto(out, source.byteswap()))
        else:
            out = source
        self._as[repr(element)] = out
        return out

    def _after_fill(self, convert):
        if self.filled:
            convert()
        else:
            self._pending.append(convert)


def _widen_bfloat16(raw_u16, big_endian, out_f32):
    bits = raw_u16.byteswap() if big_endian else raw_u16
    np.left_shift(bits, 16, out=out_f32.view(np.uint32), dtype=np.uint32)


class Rebuilders:
    """``torch._utils`` rebuild functions as nnx handlers, with ``place`` moving each new
    tensor to its target device."""

    def __init__(self, place):
        self._place = place

    def table(self):
        return {
            "_rebuild_tensor": self.rebuild_tensor,
            "_rebuild_tensor_v2": self.rebuild_tensor_v2,
            "_rebuild_tensor_v3": self.rebuild_tensor_v3,
            "_rebuild_parameter": self.rebuild_parameter,
            "_rebuild_parameter_with_state": self.rebuild_parameter_with_state,
        }

    def _tensor(self, storage, offset, size, stride, requires_grad, element):
        from nnx._C import _C

        if not isinstance(storage, Storage):
            raise PickleRefused(f"tensor storage is a {type(storage).__name__}, not a storage")
        offset = _allowlist._check_int(offset, "storage offset")
        size = _allowlist._check_shape(size, "tensor size")
        stride = _allowlist._check_shape(stride, "tensor stride")
        if type(requires_grad) is not bool:
            raise PickleRefused("requires_grad must be a bool")
        flat = storage.as_elements(element)
        _allowlist.check_extent(flat.shape[0], offset, size, stride)
        array = _allowlist.view(flat, offset, size, stride)
        tensor = self._place(_C.wrap(array), storage.location)
        if requires_grad:
            if not tensor.dtype.is_floating_point:
                raise PickleRefused(f"a {tensor.dtype} tensor cannot require grad")
            tensor.requires_grad_(True)
        return tensor

    @staticmethod
    def _element_of(storage):
        if not isinstance(storage, Storage):
            raise PickleRefused(f"tensor storage is a {type(storage).__name__}, not a storage")
        if storage.file_dtype is None:
            raise PickleRefused("an untyped storage needs _rebuild_tensor_v3's dtype")
        return storage.file_dtype

    def rebuild_tensor(self, args):
        if len(args) != 4:
            raise PickleRefused("_rebuild_tensor takes 4 arguments")
        storage, offset, size, stride = args
        return self._tensor(storage, offset, size, stride, False, self._element_of(storage))

    def rebuild_tensor_v2(self, args):
        # (storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
        if len(args) not in (6, 7):
            raise PickleRefused("_rebuild_tensor_v2 takes 6 or 7 arguments")
        storage = args[0]
        return self._tensor(*args[:5], self._element_of(storage))

    def rebuild_tensor_v3(self, args):
        # (storage, offset, size, stride, requires_grad, backward_hooks, dtype[, metadata])
        if len(args) not in (7, 8):
            raise PickleRefused("_rebuild_tensor_v3 takes 7 or 8 arguments")
        from nnx._C import _C

        dtype = args[6]
        if isinstance(dtype, _C.dtype):
            return self._tensor(*args[:5], np.dtype(dtype.name))
        if not isinstance(dtype, _allowlist.TorchDtype):
            raise PickleRefused("_rebuild_tensor_v3's dtype is not a torch dtype")
        if dtype.np_dtype is None:
            raise PickleRefused(f"{dtype!r} tensors are not supported by nnx")
        return self._tensor(*args[:5], dtype.np_dtype)

    def rebuild_parameter(self, args):
        if len(args) != 3:
            raise PickleRefused("_rebuild_parameter takes 3 arguments")
        return self._parameter(args[0], args[1], None)

    def rebuild_parameter_with_state(self, args):
        if len(args) != 4:
            raise PickleRefused("_rebuild_parameter_with_state takes 4 arguments")
        return self._parameter(args[0], args[1], args[3])

    def _parameter(self, data, requires_grad, state):
        from nnx._C import _C
        from nnx.nn.parameter import Parameter

        if not isinstance(data, _C.TensorBase) or type(requires_grad) is not bool:
            raise PickleRefused("_rebuild_parameter takes a tensor and a bool")
        if requires_grad and not data.dtype.is_floating_point:
            raise PickleRefused(f"a {data.dtype} Parameter cannot require grad")
        param = Parameter(data.detach() if data.requires_grad else data, requires_grad)
        if state is not None:
            build(param, state)
        return param


def build(obj, state):
    """BUILD: set plain attributes on an OrderedDict (``_metadata``), Tensor or Parameter.

    Values go straight into the instance ``__dict__`` (no ``__setstate__``, no setattr),
    so a state cannot reach descriptors or engine fields.
    """
    from nnx._C import _C

    if not isinstance(obj, (collections.OrderedDict, _C.TensorBase)):
        raise PickleRefused(f"BUILD on a {type(obj).__name__} object")
    slots = None
    if type(state) is tuple and len(state) == 2:
        state, slots = state
    for part in (state, slots):
        if part is None:
            continue
        if type(part) is not dict or any(type(k) is not str for k in part):
            raise PickleRefused("BUILD state must be a dict with string keys")
        shadowing = [k for k in part if hasattr(type(obj), k)]
        if shadowing:
            raise PickleRefused(f"BUILD state would shadow {type(obj).__name__}.{shadowing[0]}")
        obj.__dict__.update(part)
