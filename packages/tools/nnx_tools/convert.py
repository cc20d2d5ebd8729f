"""Convert checkpoints between ``.pt``/``.pth``/``.bin``, ``.safetensors`` and ``.npz``.

The Python API behind the ``nnx-convert`` command::

    from nnx_tools import convert
    convert.convert("model.pt", "model.safetensors", dtype="float16", strip_prefix="module.")
    for row in convert.list_tensors("model.safetensors"):
        print(row.name, row.shape, row.dtype, row.nbytes)

Tensors travel as NumPy arrays: PyTorch files are read with :func:`nnx.load` (no torch
needed, nothing in the file is executed) and written with :func:`nnx.save`; safetensors
files go through the ``safetensors`` library's NumPy API; ``.npz`` through NumPy (never
unpickling). The format of each file comes from its extension.
"""

import os
import re
import tempfile
from collections import OrderedDict
from typing import NamedTuple

from nnx_tools import _formats
from nnx_tools._formats import ConvertError

FLOAT_DTYPES = ("float16", "float32", "float64")


class TensorInfo(NamedTuple):
    """One row of :func:`list_tensors`."""

    name: str
    shape: tuple
    dtype: str
    nbytes: int


def read_tensors(path, *, key=None, progress=None):
    """Read the tensors of a checkpoint file as an ordered ``{name: ndarray}``.

    Args:
        path: a ``.pt``/``.pth``/``.bin`` (torch.save / nnx.save), ``.safetensors`` or
            ``.npz`` file.
        key: for a PyTorch file holding a dict of more than tensors (a training checkpoint
            ``{'state_dict': ..., 'optimizer': ..., 'epoch': ...}``), the entry to take;
            nested entries are written ``outer.inner`` (an exact key wins over nesting).
        progress: an optional callable ``progress(nbytes)`` called as tensors are read.

    bfloat16 tensors are widened to float32 (exactly): NumPy has no bfloat16.
    """
    kind = _formats.kind_of(path)
    if kind == "torch":
        return _formats.read_torch(path, key, progress)
    if key is not None:
        raise ConvertError(f"--key applies to PyTorch files only, not to {path}")
    if kind == "safetensors":
        return _formats.read_safetensors(path, progress)
    return _formats.read_npz(path, progress)


def write_tensors(tensors, path):
    """Write ``{name: ndarray}`` to ``path`` in the format its extension names.

    ``.safetensors`` files get the metadata ``{"format": "pt"}`` (what the Hugging Face
    loaders expect); ``.npz`` files are uncompressed; ``.pt``/``.pth``/``.bin`` files are an
    ``OrderedDict`` state_dict in PyTorch's zip format. The file is written to a temporary
    name in the same folder and renamed, so a failed conversion leaves no partial file.
    """
    kind = _formats.kind_of(path)
    if kind == "torch":
        _formats.write_torch(tensors, path)
        return
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                                suffix=".tmp" + os.path.splitext(path)[1])
    os.close(fd)
    try:
        if kind == "safetensors":
            _formats.write_safetensors(tensors, temp)
        else:
            _formats.write_npz(tensors, temp)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def transform(tensors, *, dtype=None, strip_prefix=None, add_prefix=None, select=None):
    """Select, rename and cast tensors; returns a new ordered dict (inputs are not changed).

    Args:
        tensors: ``{name: ndarray}``.
        dtype: ``'float16'``, ``'float32'`` or ``'float64'``: floating tensors are cast to
            it; integer and bool tensors keep their type (as ``Module.to(dtype)`` does).
        strip_prefix: removed from the start of every name that has it (``'module.'`` from
            a ``DataParallel`` model); other names are kept as they are.
        add_prefix: put in front of every name (after stripping).
        select: a regular expression; only tensors whose (original) name it matches
            (``re.search``) are kept.
    """
    if dtype is not None and dtype not in FLOAT_DTYPES:
        raise ConvertError(f"dtype must be one of {', '.join(FLOAT_DTYPES)}, not {dtype!r}")
    pattern = None
    if select is not None:
        try:
            pattern = re.compile(select)
        except re.error as exc:
            raise ConvertError(f"--select {select!r} is not a valid regular expression: "
                               f"{exc}") from None
    out = OrderedDict()
    for name, array in tensors.items():
        if pattern is not None and not pattern.search(name):
            continue
        new_name = name
        if strip_prefix and new_name.startswith(strip_prefix):
            new_name = new_name[len(strip_prefix):]
        if add_prefix:
            new_name = add_prefix + new_name
        if new_name in out:
            raise ConvertError(f"two tensors would both be named {new_name!r}")
        if dtype is not None and array.dtype.kind == "f":
            array = array.astype(dtype, copy=False)
        out[new_name] = array
    return out


def convert(src, dst, *, dtype=None, strip_prefix=None, add_prefix=None, select=None,
            key=None, progress=None):
    """Convert the checkpoint ``src`` into ``dst`` (formats from the extensions).

    Arguments as for :func:`read_tensors` and :func:`transform`; ``progress`` is called with
    byte counts while reading. Returns the list of :class:`TensorInfo` written.
    """
    _formats.kind_of(dst)                      # an unknown extension fails before reading
    tensors = read_tensors(src, key=key, progress=progress)
    tensors = transform(tensors, dtype=dtype, strip_prefix=strip_prefix,
                        add_prefix=add_prefix, select=select)
    if not tensors:
        raise ConvertError("no tensors left to write (check --select / --key)")
    write_tensors(tensors, dst)
    return [TensorInfo(n, tuple(a.shape), str(a.dtype), a.nbytes) for n, a in tensors.items()]


def list_tensors(src, *, key=None):
    """Names, shapes, dtypes and sizes of the tensors in ``src``, without converting.

    safetensors and ``.npz`` files are listed from their headers (no tensor data is read);
    a PyTorch file is loaded.
    """
    kind = _formats.kind_of(src)
    if kind == "torch":
        tensors = read_tensors(src, key=key)
        return [TensorInfo(n, tuple(a.shape), str(a.dtype), a.nbytes) for n, a in tensors.items()]
    if key is not None:
        raise ConvertError(f"--key applies to PyTorch files only, not to {src}")
    rows = _formats.headers_safetensors(src) if kind == "safetensors" else \
        _formats.headers_npz(src)
    return [TensorInfo(*row) for row in rows]


def file_size(path):
    """The size of ``path`` in bytes (0 when it cannot be read)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def human_size(nbytes):
    """``1536`` -> ``'1.5 KiB'``."""
    if nbytes < 1024:
        return f"{nbytes} B"
    size = float(nbytes)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        size /= 1024
        if size < 1024 or unit == "TiB":
            return f"{size:.1f} {unit}"


__all__ = ["ConvertError", "TensorInfo", "convert", "file_size", "human_size", "list_tensors",
           "read_tensors", "transform", "write_tensors"]
