"""The tensors of a checkpoint file as :class:`TensorEntry` records (name, shape, dtype, size).

PyTorch files go through :func:`nnx.load` (a restricted unpickler: nothing in the file is
imported or run); ``.safetensors`` and ``.npz`` files are read from their headers only, through
``nnx_tools._formats`` (no tensor data is read). A training checkpoint (a dict holding a
``state_dict`` next to an optimizer, an epoch...) is searched for its weights; wrapper prefixes
such as DataParallel's ``module.`` are stripped when every name carries them.
"""

import math
import os
import re
from dataclasses import dataclass

from nnx_tools import _formats
from nnx_tools._formats import ConvertError

# A state_dict does not say which tensors were buffers: these names always are (BatchNorm's
# running statistics), and so is every tensor that is not floating point (step counters,
# position ids...). A tensor nnx.load returns as a Parameter is always a parameter.
BUFFER_NAMES = frozenset({"running_mean", "running_var", "num_batches_tracked"})
# Entries of a training checkpoint that hold the model's weights, most likely first.
WEIGHT_ENTRIES = ("state_dict", "model_state_dict", "model", "module", "net", "network",
                  "weights", "params", "ema", "model_ema")
# Prefixes wrappers add to every name: DataParallel / DDP, torch.compile, Lightning-style.
WRAPPER_PREFIXES = ("module.", "_orig_mod.", "model.")
FORMAT_NAMES = {"torch": "PyTorch", "safetensors": "safetensors", "npz": "NumPy .npz"}
_FLOATING = ("float16", "bfloat16", "float32", "float64", "complex64", "complex128")


@dataclass
class TensorEntry:
    """One tensor of a checkpoint: its full dotted ``name`` and what it holds."""

    name: str
    shape: tuple
    dtype: str
    nbytes: int
    is_parameter: bool
    tied_to: str = None       # an earlier name holding the very same tensor (counted once)

    @property
    def numel(self):
        return math.prod(self.shape)


@dataclass
class CheckpointTensors:
    """What :func:`read_entries` found in a file."""

    path: str
    format: str                        # 'torch', 'safetensors' or 'npz'
    tensors: list                      # [TensorEntry], file order
    entry: str = None                  # the checkpoint-dict entry read ('state_dict'...)
    stripped_prefix: str = ""          # wrapper prefix removed from every name
    other_entries: tuple = ()          # top-level entries that were not read


def _is_parameter(leaf_name, dtype, loaded_as_parameter=False):
    if loaded_as_parameter:
        return True
    return leaf_name not in BUFFER_NAMES and dtype in _FLOATING


def read_entries(path, key=None):
    """Read the tensor records of ``path`` (format from its extension).

    ``key`` picks an entry of a PyTorch checkpoint dict (``outer.inner`` for nested ones);
    without it a dict holding more than tensors is searched for its weights
    (``state_dict``, ``model``...).
    """
    path = os.fspath(path)
    kind = _formats.kind_of(path)
    if not os.path.exists(path):
        raise FileNotFoundError(2, "No such file or directory", path)
    if kind == "torch":
        found = _read_torch(path, key)
    else:
        if key is not None:
            raise ConvertError(f"--key applies to PyTorch files only, not to {path}")
        if kind == "safetensors":
            # a safetensors file keeps no order: 'layers.2' before 'layers.10' at least
            rows = sorted(_formats.headers_safetensors(path), key=lambda r: _natural(r[0]))
        else:
            rows = _formats.headers_npz(path)
        tensors = [TensorEntry(name, tuple(shape), dtype, nbytes,
                               _is_parameter(name.rsplit(".", 1)[-1], dtype))
                   for name, shape, dtype, nbytes in rows]
        found = CheckpointTensors(path, kind, tensors)
    found.stripped_prefix = _strip_wrapper_prefixes(found.tensors)
    return found


def _natural(name):
    """Sort key that orders the numbers inside a name by value."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", name)]


def _read_torch(path, key):
    import nnx

    obj = nnx.load(path, map_location="cpu")
    entry, others = None, ()
    if key is not None:
        obj, entry = _formats._take(obj, key), key
    elif isinstance(obj, dict) and not any(isinstance(v, nnx.Tensor) for v in obj.values()):
        # no tensor at the top: a training checkpoint ({'state_dict', 'optimizer', ...}) or
        # a nested state_dict; a dict with tensors of its own is read whole
        entry = _weights_entry(obj, nnx.Tensor)
        if entry is not None:
            others = tuple(str(k) for k in obj if k != entry)
            obj = obj[entry]
    pairs, skipped = [], []
    _flatten(obj, "", pairs, skipped, nnx.Tensor)
    if not pairs:
        what = f"entry {entry!r} of {path}" if entry else path
        raise ConvertError(f"{what} holds no tensors")
    tensors, seen = [], {}
    for name, tensor in pairs:
        array = tensor.detach().numpy()
        dtype = str(array.dtype)
        record = TensorEntry(name, tuple(array.shape), dtype, array.nbytes,
                             _is_parameter(name.rsplit(".", 1)[-1], dtype,
                                           isinstance(tensor, nnx.nn.Parameter)))
        # torch.save keeps tied weights as one tensor; nnx.load gives one object back
        identity = (array.__array_interface__["data"][0], array.shape, array.strides,
                    array.dtype.str)
        record.tied_to = seen.setdefault(identity, name) if array.size else None
        if record.tied_to == name:
            record.tied_to = None
        tensors.append(record)
    if entry is None:           # the whole object was read: name what held no tensor
        others = tuple(skipped)
    return CheckpointTensors(path, "torch", tensors, entry=entry, other_entries=others)


def _weights_entry(checkpoint, tensor_type):
    """The entry of a training checkpoint dict that holds the model's tensors, or None."""
    def holds_tensors(value):
        return isinstance(value, dict) and value and all(
            isinstance(v, (tensor_type, dict)) for v in value.values())

    for name in WEIGHT_ENTRIES:
        if holds_tensors(checkpoint.get(name)):
            return name
    candidates = [k for k, v in checkpoint.items() if holds_tensors(v)]
    return candidates[0] if len(candidates) == 1 else None


def _flatten(obj, prefix, pairs, skipped, tensor_type):
    """Collect ``(dotted name, tensor)`` from nested dicts / lists / tuples; the names of
    entries that hold no tensor at all go to ``skipped``."""
    if isinstance(obj, tensor_type):
        pairs.append((prefix or "tensor", obj))
        return
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        if prefix:
            skipped.append(prefix)
        return
    for name, value in items:
        _flatten(value, f"{prefix}.{name}" if prefix else str(name), pairs, skipped,
                 tensor_type)


def _strip_wrapper_prefixes(tensors):
    """Remove wrapper prefixes that every name carries (repeatedly: ``module._orig_mod.``);
    returns what was removed."""
    stripped = ""
    while tensors:
        prefix = next((p for p in WRAPPER_PREFIXES
                       if all(t.name.startswith(p) and len(t.name) > len(p) for t in tensors)),
                      None)
        if prefix is None:
            break
        stripped += prefix
        for record in tensors:
            record.name = record.name[len(prefix):]
            if record.tied_to:
                record.tied_to = record.tied_to[len(prefix):]
    return stripped


def format_name(kind):
    """'torch' -> 'PyTorch' (for headers)."""
    return FORMAT_NAMES[kind]
