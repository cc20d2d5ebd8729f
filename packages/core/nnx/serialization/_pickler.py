"""Write ``data.pkl``: the pickle (protocol 2) torch.save writes for tensors and containers.

Python's pickler cannot name ``torch._utils._rebuild_tensor_v2`` without importing torch,
so the few opcodes a weights file needs are emitted here, in torch's layout (verified
against torch 2.13's output): a tensor is ``_rebuild_tensor_v2(<BINPERSID ('storage',
torch.FloatStorage, key, 'cpu', numel)>, offset, size, stride, requires_grad,
OrderedDict())``, a Parameter ``_rebuild_parameter(<tensor>, requires_grad, OrderedDict())``,
a Parameter with Python attributes ``_rebuild_parameter_with_state(<tensor>, requires_grad,
OrderedDict(), attributes)``, an OrderedDict ``collections.OrderedDict()`` + SETITEMS + BUILD
of its ``__dict__`` (``_metadata``). Every object is memoized, so shared objects stay shared.
"""

import collections
import struct

import numpy as np

_BATCH = 1000   # items per APPENDS / SETITEMS, as pickle does
_PACK_I = struct.Struct("<i").pack
_PACK_BIG_D = struct.Struct(">d").pack


class DataPickler:
    """Pickle ``obj`` into ``self.out``; ``storage_of(tensor)`` returns
    ``(key, storage_class, numel, offset, stride)`` for each tensor."""

    def __init__(self, storage_of):
        self.out = bytearray(b"\x80\x02")
        self._storage_of = storage_of
        self._memo = {}         # id(obj) -> memo index
        self._globals = {}      # "module\nname" -> memo index
        self._keep = []         # objects memoized by id stay alive until the end

    def dump(self, obj):
        self._save(obj)
        self.out += b"."
        return bytes(self.out)

    # -- memo ---------------------------------------------------------------------
    def _put(self, key, table):
        index = len(self._memo) + len(self._globals)
        table[key] = index
        self.out += b"q" + bytes([index]) if index < 256 else b"r" + _PACK_I(index)

    def _get(self, index):
        self.out += b"h" + bytes([index]) if index < 256 else b"j" + _PACK_I(index)

    def _memoize(self, obj):
        self._keep.append(obj)
        self._put(id(obj), self._memo)

    def _global(self, module, name):
        key = f"{module}\n{name}\n"
        if key in self._globals:
            self._get(self._globals[key])
        else:
            self.out += b"c" + key.encode("utf-8")
            self._put(key, self._globals)

    # -- values -------------------------------------------------------------------
    def _save(self, obj):
        from nnx._C import _C
        from nnx._size_device import Size, device
        from nnx.nn.parameter import Parameter

        index = self._memo.get(id(obj))
        if index is not None:
            self._get(index)
            return
        kind = type(obj)
        if obj is None:
            self.out += b"N"
        elif kind is bool or isinstance(obj, np.bool_):
            self.out += b"\x88" if obj else b"\x89"
        elif kind is int or isinstance(obj, np.integer):
            self._int(int(obj))
        elif kind is float or isinstance(obj, np.floating):
            self.out += b"G" + _PACK_BIG_D(float(obj))
        elif kind is str:
            self._str(obj)
            self._memoize(obj)
        elif isinstance(obj, Parameter):
            self._parameter(obj)
        elif isinstance(obj, _C.TensorBase):
            self._tensor(obj, obj.requires_grad)
            self._memoize(obj)
        elif isinstance(obj, collections.OrderedDict):
            self._ordered_dict(obj)
        elif isinstance(obj, dict):
            self.out += b"}"
            self._memoize(obj)
            self._items(obj)
        elif isinstance(obj, list):
            self.out += b"]"
            self._memoize(obj)
            for start in range(0, len(obj), _BATCH):
                self.out += b"("
                for item in obj[start:start + _BATCH]:
                    self._save(item)
                self.out += b"e"
        elif isinstance(obj, Size):
            self._global("torch", "Size")
            self._tuple(tuple(int(n) for n in obj))
            self.out += b"\x85R"
            self._memoize(obj)
        elif isinstance(obj, tuple):
            self._tuple(obj)
            self._memoize(obj)
        elif isinstance(obj, (set, frozenset)):
            self._global("builtins", type(obj).__name__ if kind in (set, frozenset) else "set")
            self.out += b"]("
            for item in obj:
                self._save(item)
            self.out += b"e\x85R"
            self._memoize(obj)
        elif kind is bytes:            # protocol 2 writes bytes as _codecs.encode(str, 'latin1')
            self._global("_codecs", "encode")
            self._str(obj.decode("latin1"))
            self._str("latin1")
            self.out += b"\x86R"
            self._memoize(obj)
        elif isinstance(obj, _C.dtype):
            self._global("torch", obj.name)
        elif isinstance(obj, device):
            self._global("torch", "device")
            self._str(str(obj))
            self.out += b"\x85R"
        else:
            raise TypeError(
                f"nnx.save cannot save objects of type {kind.__module__}.{kind.__qualname__}: "
                "it saves tensors, Parameters, dicts, OrderedDicts, lists, tuples, sets, "
                "numbers, strings, bytes, None, nnx.Size, nnx.device and dtypes "
                "(the objects torch.load(weights_only=True) reads back)"
            )

    def _int(self, value):
        if 0 <= value < 256:
            self.out += b"K" + bytes([value])
        elif 0 <= value < 65536:
            self.out += b"M" + value.to_bytes(2, "little")
        elif -(1 << 31) <= value < (1 << 31):
            self.out += b"J" + _PACK_I(value)
        else:
            n = (value.bit_length() + 8) // 8      # room for the sign bit
            data = value.to_bytes(n, "little", signed=True)
            self.out += (b"\x8a" + bytes([n]) if n < 256 else b"\x8b" + _PACK_I(n)) + data

    def _str(self, text):
        data = text.encode("utf-8", "surrogatepass")
        self.out += b"X" + _PACK_I(len(data)) + data

    def _tuple(self, items):
        if not items:
            self.out += b")"
            return
        if len(items) > 3:
            self.out += b"("
        for item in items:
            self._save(item)
        self.out += b"t" if len(items) > 3 else b"\x85\x86\x87"[len(items) - 1:len(items)]

    def _items(self, mapping):
        items = list(mapping.items())
        for start in range(0, len(items), _BATCH):
            self.out += b"("
            for key, value in items[start:start + _BATCH]:
                self._save(key)
                self._save(value)
            self.out += b"u"

    def _empty_ordered_dict(self):
        self._global("collections", "OrderedDict")
        self.out += b")R"

    def _ordered_dict(self, obj):
        self._empty_ordered_dict()
        self._memoize(obj)
        self._items(obj)
        state = {k: v for k, v in vars(obj).items() if type(k) is str}
        if state:
            self._save(state)
            self.out += b"b"

    def _tensor(self, tensor, requires_grad):
        key, storage_class, numel, offset, stride = self._storage_of(tensor)
        self._global("torch._utils", "_rebuild_tensor_v2")
        self.out += b"(("
        self._save("storage")
        self._global("torch", storage_class)
        self._save(key)
        self._save("cpu")
        self._int(numel)
        self.out += b"tQ"
        self._int(offset)
        self._tuple(tuple(int(n) for n in tensor.shape))
        self._tuple(stride)
        self.out += b"\x88" if requires_grad else b"\x89"
        self._empty_ordered_dict()
        self.out += b"tR"

    def _parameter(self, param):
        # Python attributes set on a Parameter travel as torch's "state" (a dict)
        state = {k: v for k, v in vars(param).items() if type(k) is str}
        self._global("torch._utils",
                     "_rebuild_parameter_with_state" if state else "_rebuild_parameter")
        self.out += b"("
        self._tensor(param, False)
        self.out += b"\x88" if param.requires_grad else b"\x89"
        self._empty_ordered_dict()
        if state:
            self._save(state)
        self.out += b"tR"
        self._memoize(param)

