"""``nnx.save``: write PyTorch's zip checkpoint format (what torch.save writes since 1.6)."""

import os
import secrets
import sys
import tempfile

import numpy as np

from nnx.serialization import _torch_names
from nnx.serialization._pickler import DataPickler
from nnx.serialization._zip_writer import ZipWriter


class _Storages:
    """Assigns torch storage keys ('0', '1', ...) to tensors' memory.

    Tensors viewing one NumPy buffer (a contiguous base array) share one storage, with their
    own offset and strides, as torch's views share a storage. A tensor torch cannot express
    as a view of its buffer (negative strides, a non-contiguous or foreign base, a different
    byte order) gets a contiguous copy as its own storage.
    """

    def __init__(self):
        self.records = []       # (key, flat uint8 array) in key order
        self._by_buffer = {}    # (id(base), dtype) -> (key, numel, base address)
        self._keep = []

    def __call__(self, tensor):
        array = _host_array(tensor)
        dtype_name = tensor.dtype.name
        storage_class = _torch_names.STORAGE_CLASS_BY_DTYPE[dtype_name]
        shared = self._as_view(array)
        if shared is not None:
            key, numel, offset, stride = shared
        else:
            copy = np.array(array, order="C", copy=True, dtype=array.dtype.newbyteorder("<"))
            key = self._add(copy.reshape(-1).view(np.uint8))
            numel, offset = copy.size, 0
            stride = _contiguous_strides(copy.shape)
        return key, storage_class, numel, offset, stride

    def _add(self, flat_bytes):
        key = str(len(self.records))
        self.records.append((key, flat_bytes))
        return key

    def _as_view(self, array):
        itemsize = array.dtype.itemsize
        if not array.dtype.isnative or sys.byteorder != "little" or array.size == 0:
            return None
        if any(s < 0 or s % itemsize for s in array.strides):
            return None
        base = array
        while isinstance(base.base, np.ndarray):
            base = base.base
        if base.flags.c_contiguous:
            flat = base.reshape(-1)
        elif base.flags.f_contiguous:
            flat = base.T.reshape(-1)
        else:
            return None
        start = flat.__array_interface__["data"][0]
        offset_bytes = array.__array_interface__["data"][0] - start
        if offset_bytes < 0 or offset_bytes % itemsize or flat.nbytes % itemsize:
            return None
        numel = flat.nbytes // itemsize
        offset = offset_bytes // itemsize
        stride = tuple(s // itemsize for s in array.strides)
        last = offset + sum((n - 1) * s for n, s in zip(array.shape, stride))
        if last >= numel:
            return None
        found = self._by_buffer.get((id(base), array.dtype))
        if found is None:
            self._keep.append(base)
            key = self._add(flat.view(np.uint8))
            self._by_buffer[(id(base), array.dtype)] = (key, numel)
        else:
            key, numel = found
        return key, numel, offset, stride


def _host_array(tensor):
    from nnx import _backend

    data = tensor._data
    if not isinstance(data, np.ndarray):
        data = _backend.for_array(data).to_numpy(data)
    return data


def _contiguous_strides(shape):
    strides = []
    step = 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _write_archive(file, archive_name, obj):
    storages = _Storages()
    try:
        data_pkl = DataPickler(storages).dump(obj)
    except RecursionError:
        raise ValueError("nnx.save: the object is nested too deeply (or contains itself)") from None
    writer = ZipWriter(file)
    writer.write_record(f"{archive_name}/data.pkl", data_pkl)
    writer.write_record(f"{archive_name}/.format_version", _torch_names.FORMAT_VERSION)
    writer.write_record(f"{archive_name}/.storage_alignment",
                        str(_torch_names.STORAGE_ALIGNMENT).encode())
    writer.write_record(f"{archive_name}/byteorder", b"little")
    for key, flat_bytes in storages.records:
        writer.write_record(f"{archive_name}/data/{key}", flat_bytes)
    writer.write_record(f"{archive_name}/version", _torch_names.ARCHIVE_VERSION)
    # torch writes two random 64-bit numbers as 20 decimal digits each
    serial = f"{secrets.randbits(64):020d}{secrets.randbits(64):020d}"
    writer.write_record(f"{archive_name}/.data/serialization_id", serial.encode())
    writer.close()


def save(obj, f):
    """Save ``obj`` in PyTorch's zip checkpoint format (``torch.load`` reads it back).

    Writes what ``torch.save`` (torch 2.13) writes: a zip archive whose records are
    ``data.pkl`` (pickle protocol 2), ``.format_version``, ``.storage_alignment``,
    ``byteorder``, one ``data/<key>`` record per storage (raw little-endian bytes, each
    starting on a 64-byte boundary), ``version`` and ``.data/serialization_id``. The top
    folder is the file name without its extension (``archive`` for a file object).

    ``obj`` may nest tensors, :class:`nnx.nn.Parameter` (saved as
    ``torch.nn.Parameter``), dicts, ``OrderedDict`` (its ``_metadata`` attribute, as
    ``Module.state_dict()`` sets it, is kept), lists, tuples, sets, ``None``, bools, ints,
    floats, strings, bytes, :class:`nnx.Size`, :class:`nnx.device` and nnx dtypes: the
    objects ``torch.load(f, weights_only=True)`` accepts. Tensors that view the same
    memory are saved as views of one storage and load back sharing it. Tensors on a GPU are
    copied to the host and saved with location ``'cpu'``. Python attributes set on a
    Parameter are saved (as torch does); those set on a plain tensor are not.

    Given a path, the archive is written to a temporary file in the same folder, flushed
    to disk and renamed over ``f``: an interrupted save never leaves a torn file.

    Args:
        obj: the object to save, e.g. ``model.state_dict()``.
        f: a path (``str`` / ``os.PathLike``) or a writable binary file object.

    Example::

        >>> nnx.save(model.state_dict(), "model.pt")
    """
    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(os.fspath(f))
        archive_name = os.path.splitext(os.path.basename(path))[0] or "archive"
        _atomic_write(path, lambda file: _write_archive(file, archive_name, obj))
    elif hasattr(f, "write"):
        _write_archive(f, "archive", obj)
    else:
        raise TypeError(f"nnx.save: f must be a path or a writable binary file object, "
                        f"not {type(f).__name__}")


def _atomic_write(path, write):
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                                suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, _new_file_mode(path))
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def _new_file_mode(path):
    """The mode ``open(path, 'wb')`` would give: the old file's, else 0o666 minus umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
