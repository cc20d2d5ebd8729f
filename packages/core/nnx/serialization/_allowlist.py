"""The globals a checkpoint may name, each mapped to nnx's own handler.

``ALLOWED_GLOBALS`` is the whole allowlist: a pickle naming anything else is refused with
the name in the message. Nothing here imports the named module or calls torch: the names
are keys of a table and the handlers build nnx objects from checked arguments.
"""

import _compat_pickle
import collections

import numpy as np

from nnx._C import _C
from nnx.serialization import _torch_names
from nnx.serialization._unpickler import Handler, PickleRefused, describe

MAX_DIMS = 64  # NumPy's limit


class StorageType:
    """A ``torch.<X>Storage`` / ``torch.storage.UntypedStorage`` class named by a pickle."""

    def __init__(self, qualified_name, file_dtype, unsupported=None):
        self.qualified_name = qualified_name
        self.file_dtype = file_dtype       # np.dtype, "bfloat16", or None (untyped bytes)
        self.unsupported = unsupported     # the torch dtype nnx lacks, if any

    def __repr__(self):
        return self.qualified_name


class TorchDtype:
    """A ``torch.<dtype>`` global (the dtype argument of ``_rebuild_tensor_v3``)."""

    def __init__(self, name, np_dtype):
        self.name = name
        self.np_dtype = np_dtype           # np.dtype, "bfloat16", or None (nnx lacks it)

    def __repr__(self):
        return "torch." + self.name


def _check_int(value, what, minimum=0):
    if type(value) is not int or value < minimum:
        raise PickleRefused(f"{what} must be an int >= {minimum}, got {describe(value)}")
    return value


def _check_shape(values, what):
    if type(values) not in (tuple, list) or len(values) > MAX_DIMS:
        raise PickleRefused(f"{what} must be a tuple of at most {MAX_DIMS} ints")
    return tuple(_check_int(v, what) for v in values)


def _ordered_dict(args):
    if len(args) > 1 or (args and type(args[0]) not in (list, tuple, dict)):
        raise PickleRefused("collections.OrderedDict takes one list, tuple or dict")
    result = collections.OrderedDict()
    for item in (args[0].items() if args and type(args[0]) is dict else args[0] if args else ()):
        if type(item) not in (list, tuple) or len(item) != 2:
            raise PickleRefused("collections.OrderedDict items must be pairs")
        result[item[0]] = item[1]
    return result


def _simple(qualified_name, allowed_arg_types, convert, nargs=(1,)):
    """A handler that calls ``convert`` on arguments of the listed plain types only."""
    def call(args):
        if len(args) not in nargs or any(type(a) not in allowed_arg_types for a in args):
            raise PickleRefused(f"unexpected arguments for {qualified_name}")
        return convert(*args)
    return Handler(qualified_name, call)


def _codecs_encode(text, encoding="latin1"):
    # protocol 2 pickles bytes as _codecs.encode(str, 'latin1')
    if encoding not in ("latin1", "latin-1"):
        raise PickleRefused(f"_codecs.encode with encoding {describe(encoding)}")
    return text.encode("latin1")


def _size(values):
    from nnx._size_device import Size

    return Size(_check_shape(values, "torch.Size"))


def _device(*args):
    from nnx._size_device import device

    return device(*args)


def build_allowlist(rebuilders):
    """The table (module, name) -> handler or value; ``rebuilders`` maps the
    ``torch._utils`` rebuild function names to the loader's bound handlers."""
    table = {
        ("collections", "OrderedDict"): Handler("collections.OrderedDict", _ordered_dict),
        ("torch", "Size"): _simple("torch.Size", (tuple, list), _size),
        ("torch", "device"): _simple("torch.device", (str, int), _device, nargs=(1, 2)),
        ("builtins", "set"): _simple("builtins.set", (list, tuple), set, nargs=(0, 1)),
        ("builtins", "frozenset"): _simple("builtins.frozenset", (list, tuple), frozenset,
                                           nargs=(0, 1)),
        ("builtins", "complex"): _simple("builtins.complex", (int, float), complex,
                                         nargs=(1, 2)),
        ("builtins", "bytearray"): _simple("builtins.bytearray", (bytes,), bytearray,
                                           nargs=(0, 1)),
        ("_codecs", "encode"): _simple("_codecs.encode", (str,), _codecs_encode, nargs=(1, 2)),
    }
    for name, handler in rebuilders.items():
        table[("torch._utils", name)] = Handler("torch._utils." + name, handler)
    for cls, file_dtype in _torch_names.FILE_DTYPE_BY_STORAGE_CLASS.items():
        for module in ("torch", "torch.cuda"):
            table[(module, cls)] = StorageType(f"{module}.{cls}", file_dtype)
    for cls, torch_dtype in _torch_names.UNSUPPORTED_STORAGE_CLASSES.items():
        for module in ("torch", "torch.cuda"):
            table[(module, cls)] = StorageType(f"{module}.{cls}", None, torch_dtype)
    for module in ("torch", "torch.storage"):
        table[(module, "UntypedStorage")] = StorageType(f"{module}.UntypedStorage", None)
    for name, np_dtype in _torch_names.DTYPE_BY_TORCH_NAME.items():
        # a dtype nnx has loads as that nnx dtype; bfloat16 and the others stay markers
        table[("torch", name)] = (
            _C.to_dtype(np_dtype.name) if isinstance(np_dtype, np.dtype)
            else TorchDtype(name, np_dtype)
        )
    return table


REBUILDER_NAMES = (
    "_rebuild_tensor",
    "_rebuild_tensor_v2",
    "_rebuild_tensor_v3",
    "_rebuild_parameter",
    "_rebuild_parameter_with_state",
)


def _names():
    table = build_allowlist({name: None for name in REBUILDER_NAMES})
    return tuple(sorted(f"{module}.{name}" for module, name in table))


ALLOWED_GLOBALS = _names()
"""Every ``module.name`` a checkpoint may name (sorted)."""


def find_global(table, module, name):
    # Python 3 writes protocol 0-2 pickles with Python 2 names (builtins.set as
    # __builtin__.set): undo that as pickle.Unpickler(fix_imports=True) does
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    try:
        return table[(module, name)]
    except KeyError:
        raise PickleRefused(
            f"Unsupported global: GLOBAL {module}.{name} is not allowed in an nnx checkpoint "
            "(nnx.load reads tensors, Parameters and plain containers only; a full pickled "
            "model needs its classes: save its state_dict() instead)"
        ) from None
    except TypeError:   # unhashable module/name cannot happen from GLOBAL; be explicit anyway
        raise PickleRefused("GLOBAL with non-string names") from None


def check_extent(storage_numel, offset, size, stride):
    """Refuse a tensor view that reaches outside its storage (negative values included)."""
    if len(size) != len(stride):
        raise PickleRefused(f"tensor size {size} and stride {stride} differ in length")
    if 0 in size:
        if offset > storage_numel:
            raise PickleRefused(f"empty tensor offset {offset} beyond storage of "
                                f"{storage_numel} elements")
        return
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= storage_numel:
        raise PickleRefused(
            f"tensor (offset {offset}, size {size}, stride {stride}) reaches element {last} "
            f"of a storage of {storage_numel} elements"
        )


def view(flat, offset, size, stride):
    """``flat[offset]``-based strided view (the array's base chain keeps sharing visible)."""
    itemsize = flat.dtype.itemsize
    return np.ndarray(size, flat.dtype, buffer=flat, offset=offset * itemsize,
                      strides=tuple(s * itemsize for s in stride))
