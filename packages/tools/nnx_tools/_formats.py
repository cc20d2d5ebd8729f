"""Readers and writers of the three checkpoint formats, as ``{name: ndarray}``."""

import json
import math
import os
import zipfile
from collections import OrderedDict

import numpy as np

TORCH_EXTENSIONS = (".pt", ".pth", ".bin")
_SAFETENSORS_DTYPES = {
    "BOOL": "bool", "U8": "uint8", "I8": "int8", "U16": "uint16", "I16": "int16",
    "U32": "uint32", "I32": "int32", "U64": "uint64", "I64": "int64", "F16": "float16",
    "BF16": "bfloat16", "F32": "float32", "F64": "float64", "C64": "complex64",
}


class ConvertError(ValueError):
    """A user mistake: an unknown extension, a missing key, a name clash, a bad pattern, a
    file that is not what its extension says... ``nnx-convert`` prints its message on one
    line and exits with status 1."""


def kind_of(path):
    """'torch', 'safetensors' or 'npz', from the file extension."""
    extension = os.path.splitext(os.fspath(path))[1].lower()
    if extension in TORCH_EXTENSIONS:
        return "torch"
    if extension in (".safetensors", ".npz"):
        return extension[1:]
    raise ConvertError(f"cannot tell the format of {os.fspath(path)!r} from its extension: "
                       "use .pt, .pth or .bin (PyTorch), .safetensors or .npz")


# -- PyTorch -------------------------------------------------------------------------------
def _take(obj, key):
    """``obj[key]``, where ``key`` may name nested entries as ``outer.inner``."""
    parts = key.split(".")
    path = []
    while parts:
        if not isinstance(obj, dict):
            raise ConvertError(f"--key {key!r}: {'.'.join(path) or 'the file'} is a "
                               f"{type(obj).__name__}, not a dict")
        for n in range(len(parts), 0, -1):      # the longest name that is a key wins
            name = ".".join(parts[:n])
            if name in obj:
                obj = obj[name]
                path.append(name)
                del parts[:n]
                break
        else:
            keys = ", ".join(repr(k) for k in list(obj)[:10])
            raise ConvertError(f"--key {key!r}: no entry {parts[0]!r} in "
                               f"{'.'.join(path) or 'the file'} (keys: {keys})")
    return obj


def read_torch(path, key, progress):
    import nnx

    obj = nnx.load(path, map_location="cpu")
    if key is not None:
        obj = _take(obj, key)
    if isinstance(obj, nnx.Tensor):
        raise ConvertError(f"{path} holds a single tensor, not a state_dict")
    if not isinstance(obj, dict):
        raise ConvertError(f"{path} holds a {type(obj).__name__}, not a dict of tensors")
    others = [k for k, v in obj.items() if not isinstance(v, nnx.Tensor)]
    if others:
        nested = [str(k) for k, v in obj.items()
                  if isinstance(v, dict) and any(isinstance(t, nnx.Tensor) for t in v.values())]
        hint = (f"; pick a dict of tensors with --key ({', '.join(nested)})" if nested
                else "")
        raise ConvertError(f"{path} holds entries that are not tensors "
                           f"({', '.join(repr(k) for k in others[:5])}){hint}")
    tensors = OrderedDict()
    for name, tensor in obj.items():
        if not isinstance(name, str):
            raise ConvertError(f"{path}: tensor key {name!r} is not a string")
        tensors[name] = tensor.detach().numpy()
        if progress:
            progress(tensors[name].nbytes)
    return tensors


def write_torch(tensors, path):
    import nnx

    state = OrderedDict()
    for name, array in tensors.items():
        array = np.require(array, dtype=array.dtype.newbyteorder("="), requirements="C")
        try:
            state[name] = nnx.from_numpy(array)
        except TypeError:
            raise ConvertError(f"tensor {name!r} is {array.dtype}, which nnx and PyTorch "
                               "state_dicts written by nnx do not support") from None
    nnx.save(state, path)


# -- safetensors ---------------------------------------------------------------------------
def read_safetensors(path, progress):
    from safetensors import safe_open

    tensors = OrderedDict()
    try:
        header = None                 # parsed once, on the first bfloat16 tensor
        with safe_open(os.fspath(path), framework="np") as f:
            for name in f.keys():
                if f.get_slice(name).get_dtype() == "BF16":
                    header = header or _safetensors_header(path)
                    tensors[name] = _read_bfloat16(path, name, header)
                else:
                    tensors[name] = f.get_tensor(name)
                if progress:
                    progress(tensors[name].nbytes)
    except (OSError, ConvertError):
        raise
    except Exception as exc:          # SafetensorError and friends: the file is bad
        raise ConvertError(f"{path}: not a valid safetensors file "
                           f"({type(exc).__name__}: {exc})") from None
    return tensors


def _safetensors_header(path):
    """(file size, header length, header dict) of a safetensors file."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        header_len = int.from_bytes(f.read(8), "little")
        if header_len > size - 8:
            raise ConvertError(f"{path}: safetensors header is longer than the file")
        return size, header_len, json.loads(f.read(header_len))


def _read_bfloat16(path, name, header):
    """safetensors' NumPy API cannot make bfloat16 arrays: read the raw 16-bit patterns
    (``header``, from ``_safetensors_header``, says where) and widen them to float32, which
    is exact."""
    size, header_len, entries = header
    entry = entries[name]
    begin, end = entry["data_offsets"]
    count = math.prod(entry["shape"])
    if end - begin != 2 * count or 8 + header_len + end > size:
        raise ConvertError(f"{path}: bfloat16 tensor {name!r} has inconsistent offsets")
    with open(path, "rb") as f:
        f.seek(8 + header_len + begin)
        bits = np.frombuffer(f.read(end - begin), "<u2").astype(np.uint32)
    return (bits << 16).view(np.float32).reshape(entry["shape"])


def write_safetensors(tensors, path):
    from safetensors.numpy import save_file

    contiguous = {name: np.require(array, requirements="C") for name, array in tensors.items()}
    try:
        save_file(contiguous, path, metadata={"format": "pt"})
    except OSError:
        raise
    except Exception as exc:          # SafetensorError: e.g. a dtype safetensors lacks
        raise ConvertError(f"cannot write {path}: {exc}") from None


def headers_safetensors(path):
    from safetensors import safe_open

    rows = []
    try:
        with safe_open(os.fspath(path), framework="np") as f:
            for name in f.keys():
                piece = f.get_slice(name)
                shape = tuple(piece.get_shape())
                dtype = _SAFETENSORS_DTYPES.get(piece.get_dtype(), piece.get_dtype())
                width = 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize
                rows.append((name, shape, dtype, math.prod(shape) * width))
    except OSError:
        raise
    except Exception as exc:
        raise ConvertError(f"{path}: not a valid safetensors file "
                           f"({type(exc).__name__}: {exc})") from None
    return rows


# -- npz -----------------------------------------------------------------------------------
def read_npz(path, progress):
    tensors = OrderedDict()
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not hasattr(archive, "files"):
                raise ConvertError(f"{path} is a single .npy array, not an .npz archive")
            for name in archive.files:
                tensors[name] = archive[name]
                if progress:
                    progress(tensors[name].nbytes)
    except (OSError, ConvertError):
        raise
    except (ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ConvertError(f"{path}: not a readable .npz archive ({exc})") from None
    return tensors


def write_npz(tensors, path):
    """Uncompressed .npz (what np.savez writes), without pickling and without np.savez's
    keyword arguments (a tensor may be called ``file``)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in tensors.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


_NPY_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}


def headers_npz(path):
    rows = []
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if not member.endswith(".npy"):
                    continue
                with archive.open(member) as f:
                    version = np.lib.format.read_magic(f)
                    read_header = _NPY_HEADER_READERS.get(version)
                    if read_header is None:
                        raise ValueError(f"{member}: .npy format version {version}")
                    shape, _, dtype = read_header(f)
                rows.append((member[:-4], tuple(shape), str(dtype),
                             math.prod(shape) * dtype.itemsize))
    except OSError:
        raise
    except (ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ConvertError(f"{path}: not a readable .npz archive ({exc})") from None
    return rows
