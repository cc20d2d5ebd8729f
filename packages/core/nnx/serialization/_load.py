"""``nnx.load``: read torch.save checkpoints (zip and legacy formats) without torch."""

import io
import os
import zipfile

from nnx.serialization import _allowlist, _storages, _torch_names
from nnx.serialization._errors import CheckpointError
from nnx.serialization._unpickler import PickleRefused, RestrictedUnpickler, describe

_DEFLATE_MAX_RATIO = 1100     # deflate cannot expand more than ~1032:1: a larger claim is a bomb
_COPY_CHUNK = 1 << 30      # one read() per storage (Linux caps a read at 2 GiB)


class _DeviceUnavailable(CheckpointError, RuntimeError):
    """A storage is mapped to a device this machine lacks (torch raises RuntimeError)."""


def load(f, map_location=None, *, weights_only=True):
    """Load an object saved with ``torch.save`` or :func:`nnx.save` from a file.

    Reads PyTorch's zip format (written by torch >= 1.6; the top folder may have any name)
    and the legacy stream format (torch 0.4 - 1.5, or ``_use_new_zipfile_serialization=False``),
    without torch installed. Tensors that shared a storage in the file share memory after
    loading; strides and storage offsets are kept. ``torch.nn.Parameter`` loads as
    :class:`nnx.nn.Parameter`, ``OrderedDict`` keeps its ``_metadata`` attribute, and
    dicts, lists, tuples, sets, numbers, strings, bytes, ``None``, ``torch.Size`` and
    ``torch.device`` load as their nnx / Python counterparts.

    dtypes: every torch dtype nnx has (bool, uint8, int8, int16, int32, int64, float16,
    float32, float64). **bfloat16 tensors are widened to float32** (exactly: every bfloat16
    value is a float32 value), since NumPy has no bfloat16. Complex, quantized, unsigned
    16/32/64-bit and float8 tensors raise :class:`CheckpointError`.

    Loading is safe by construction: the pickle inside the file runs on a restricted pickle
    machine that never imports anything and calls only nnx's own handlers for the names in
    ``nnx.serialization.ALLOWED_GLOBALS``. Each storage's declared size must match its
    record and each tensor must lie inside its storage. Every malformed, truncated,
    unsupported or hostile file raises :class:`nnx.serialization.CheckpointError` (a
    subclass of :class:`pickle.UnpicklingError`); nothing in the file is ever executed.

    Each storage is read once, straight into the array the tensors view (no second copy).

    Args:
        f: a path (``str`` / ``os.PathLike``) or a binary file object (``read``, and
            ``seek``/``tell`` for the zip format; a non-seekable stream is read into memory).
        map_location: where to put the tensors: ``None`` (the device saved in the file),
            a device string or :class:`nnx.device`, or a dict mapping saved locations
            (``'cuda:0'``) to target ones. nnx loads everything to the CPU first.
        weights_only: must be ``True`` (or ``None``): nnx never unpickles arbitrary objects.

    Example::

        >>> model.load_state_dict(nnx.load("resnet18.pth", map_location="cpu"))
    """
    if weights_only is False:
        raise ValueError("nnx.load only loads weights: weights_only=False is not supported "
                         "(nnx never unpickles arbitrary objects)")
    place = _placer(map_location)
    if isinstance(f, (str, bytes, os.PathLike)):
        with open(f, "rb") as file:
            return _load_file(file, place)
    if not hasattr(f, "read"):
        raise TypeError(f"nnx.load: f must be a path or a binary file object, "
                        f"not {type(f).__name__}")
    if not _seekable(f):
        f = io.BytesIO(f.read())
    return _load_file(f, place)


def _seekable(f):
    try:
        return f.seekable()
    except (AttributeError, OSError, ValueError):
        return False


def _load_file(file, place):
    try:
        start = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(start)
        head = file.read(4)
        file.seek(start)
        if head == b"PK\x03\x04":
            return _ZipReader(file, end, place).load()
        if head[:1] == b"\x80":
            return _LegacyReader(file, end - start, place).load()
        raise CheckpointError("not a torch checkpoint: neither a zip archive nor a legacy "
                              "(pre-1.6) pickle stream")
    except (CheckpointError, _DeviceUnavailable):
        raise
    except PickleRefused as exc:
        raise CheckpointError(f"checkpoint refused: {exc}") from exc
    except EOFError as exc:
        raise CheckpointError(f"checkpoint is truncated: {exc}") from exc
    except Exception as exc:   # noqa: BLE001 - every failure on file contents is one type
        raise CheckpointError(f"malformed checkpoint: {type(exc).__name__}: {exc}") from exc


def _placer(map_location):
    """``place(tensor, saved_location) -> tensor`` on the device map_location selects."""
    from nnx._size_device import device

    if map_location is None:
        def target(location):
            return location
    elif isinstance(map_location, (str, device)):
        fixed = str(map_location)
        if fixed.split(":")[0] not in ("cpu", "cuda"):
            raise ValueError(f"nnx.load: unsupported map_location '{fixed}': nnx has 'cpu' "
                             "and 'cuda' devices")

        def target(location):
            return fixed
    elif isinstance(map_location, dict):
        def target(location):
            return str(map_location.get(location, location))
    else:
        raise TypeError("nnx.load: map_location must be None, a device, a device string or a "
                        f"dict of locations, not {type(map_location).__name__}")

    def place(tensor, location):
        where = target(location)
        if where == "cpu" or where.startswith("cpu:"):
            return tensor
        if where == "cuda" or where.startswith("cuda:"):
            import nnx.cuda

            if not nnx.cuda.is_available():
                raise _DeviceUnavailable(
                    "Attempting to deserialize object on a CUDA device but "
                    "nnx.cuda.is_available() is False. If you are running on a CPU-only "
                    "machine, please use nnx.load with map_location=nnx.device('cpu') to "
                    "map your storages to the CPU."
                )
            return tensor.to(where)
        raise CheckpointError(f"nnx.load: unsupported device '{where}' (saved location "
                              f"'{location}')")
    return place


class _Reader:
    """What both formats share: the allowlist, BUILD and the storages by key."""

    def __init__(self, place):
        self.storages = {}
        self._table = _allowlist.build_allowlist(_storages.Rebuilders(place).table())

    def unpickler(self, file, length, persistent_load):
        return RestrictedUnpickler(
            file, length,
            find_global=lambda module, name: _allowlist.find_global(self._table, module, name),
            persistent_load=persistent_load, build=_storages.build,
        )

    def _persistent_load(self, pid):
        # each format's _make_storage(storage_type, key, location, numel) creates a new one
        return self.storage_from_pid(pid, self._make_storage)

    def storage_from_pid(self, pid, make):
        """Check a persistent id ``('storage', type, key, location, numel, ...)``; return the
        storage for its key (``make(storage_type, key, location, numel)`` creates one)."""
        if type(pid) is not tuple or len(pid) not in (5, 6) or pid[0] != "storage":
            raise PickleRefused(f"unsupported persistent id ({describe(pid)})")
        _, storage_type, key, location, numel = pid[:5]
        if len(pid) == 6 and pid[5] is not None:
            raise PickleRefused("storage views (torch < 0.4 checkpoints) are not supported")
        if not isinstance(storage_type, _allowlist.StorageType):
            raise PickleRefused(f"persistent id names {describe(storage_type)}, not a storage "
                                "type")
        if storage_type.unsupported:
            raise PickleRefused(f"{storage_type!r} holds {storage_type.unsupported} tensors, "
                                "which nnx does not support")
        if type(key) is not str or type(location) is not str:
            raise PickleRefused("storage key and location must be strings")
        numel = _allowlist._check_int(numel, "storage size")
        found = self.storages.get(key)
        if found is not None:
            if not (_torch_names.same_element(found.file_dtype, storage_type.file_dtype)
                    and found.numel == numel):
                raise PickleRefused(f"storage '{key}' is declared twice with different types "
                                    "or sizes")
            return found
        storage = make(storage_type, key, location, numel)
        self.storages[key] = storage
        return storage


def _element_size(storage_type):
    file_dtype = storage_type.file_dtype
    if file_dtype is None:
        return 1
    return 2 if file_dtype is _torch_names.BFLOAT16 else file_dtype.itemsize


class _ZipReader(_Reader):
    def __init__(self, file, end, place):
        super().__init__(place)
        self._file = file
        self._end = end
        self._zip = zipfile.ZipFile(file)
        names = [n for n in self._zip.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        if not names:
            raise CheckpointError("zip archive without a <folder>/data.pkl record: not a "
                                  "torch checkpoint")
        self._prefix = names[0][: -len("data.pkl")]
        self._big_endian = False

    def load(self):
        byteorder = self._record_info("byteorder", required=False)
        if byteorder is not None:
            order = self._read_record(byteorder, self._buffer_for(byteorder))
            if order not in (b"little", b"big"):
                raise CheckpointError(f"byteorder record is {bytes(order[:20])!r}")
            self._big_endian = order == b"big"
        info = self._record_info("data.pkl")
        data = self._read_record(info, self._buffer_for(info))
        return self.unpickler(io.BytesIO(data), len(data), self._persistent_load).load()

    def _make_storage(self, storage_type, key, location, numel):
        info = self._record_info("data/" + key)
        expected = numel * _element_size(storage_type)
        if info.file_size != expected:
            raise CheckpointError(f"storage '{key}' declares {numel} elements ({expected} "
                                  f"bytes) but its record holds {info.file_size} bytes")
        self._check_record_bounds(info)     # before allocating: the size is now file-backed
        storage = _storages.Storage(key, storage_type.file_dtype, numel, location,
                                    self._big_endian)
        self._read_record(info, storage.raw_bytes())
        storage.mark_filled()
        return storage

    def _record_info(self, name, required=True):
        try:
            return self._zip.getinfo(self._prefix + name)
        except KeyError:
            if required:
                raise CheckpointError(f"checkpoint has no record '{self._prefix}{name}'") from None
            return None

    def _buffer_for(self, info):
        self._check_record_bounds(info)     # sizes are checked before anything is allocated
        return bytearray(info.file_size)

    def _check_record_bounds(self, info):
        if info.flag_bits & 0x1:
            raise CheckpointError(f"record {info.filename} is encrypted")
        if info.header_offset + 30 + info.compress_size > self._end:
            raise CheckpointError(f"record {info.filename} extends past the end of the file")
        if info.compress_type == zipfile.ZIP_STORED:
            if info.compress_size != info.file_size:
                raise CheckpointError(f"stored record {info.filename} has different "
                                      "compressed and real sizes")
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            if info.file_size > _DEFLATE_MAX_RATIO * info.compress_size + 1024:
                raise CheckpointError(f"record {info.filename} claims an impossible "
                                      "compression ratio")
        else:
            raise CheckpointError(f"record {info.filename} uses compression method "
                                  f"{info.compress_type}; only stored and deflate are read")

    def _read_record(self, info, target):
        """Fill ``target`` (a writable buffer of ``info.file_size`` bytes) from the record."""
        self._check_record_bounds(info)
        view = memoryview(target).cast("B")
        if len(view) != info.file_size:
            raise CheckpointError(f"record {info.filename} size mismatch")
        if info.compress_type == zipfile.ZIP_STORED:
            self._file.seek(info.header_offset)
            header = self._file.read(30)
            if len(header) != 30 or header[:4] != b"PK\x03\x04":
                raise CheckpointError(f"bad local header for record {info.filename}")
            skip = int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30],
                                                                            "little")
            start = info.header_offset + 30 + skip
            if start + info.file_size > self._end:
                raise CheckpointError(f"record {info.filename} extends past the end of the file")
            self._file.seek(start)
            _read_exactly(self._file.readinto, view, info.filename)
        else:
            with self._zip.open(info) as stream:
                _read_exactly(stream.readinto, view, info.filename)
                if stream.read(1):
                    raise CheckpointError(f"record {info.filename} is longer than declared")
        return target


def _read_exactly(readinto, view, what):
    done = 0
    while done < len(view):
        n = readinto(view[done:done + _COPY_CHUNK])
        if not n:
            raise EOFError(f"{what}: {len(view) - done} bytes missing")
        done += n


class _LegacyReader(_Reader):
    """torch 0.4-1.5 stream: magic, protocol, sys_info, object, storage keys, then storages."""

    def __init__(self, file, length, place):
        super().__init__(place)
        self._file = file
        self._left = length
        self._big_endian = False

    def _plain_pickle(self):
        def refuse(*_):
            raise PickleRefused("globals are not allowed in the legacy header")
        unpickler = RestrictedUnpickler(self._file, self._left, find_global=refuse,
                                        persistent_load=refuse, build=refuse)
        value = unpickler.load()
        self._left = unpickler.bytes_left
        return value

    def load(self):
        if self._plain_pickle() != _torch_names.LEGACY_MAGIC_NUMBER:
            raise CheckpointError("invalid magic number; corrupt file?")
        protocol = self._plain_pickle()
        if protocol != _torch_names.LEGACY_PROTOCOL_VERSION:
            raise CheckpointError(f"invalid protocol version: {describe(protocol)}")
        sys_info = self._plain_pickle()
        if type(sys_info) is not dict:
            raise CheckpointError("invalid sys_info record")
        self._big_endian = sys_info.get("little_endian", True) is False
        unpickler = self.unpickler(self._file, self._left, self._persistent_load)
        result = unpickler.load()
        self._left = unpickler.bytes_left
        keys = self._plain_pickle()
        if type(keys) is not list or any(type(k) is not str for k in keys):
            raise CheckpointError("invalid storage key list")
        self._read_storages(keys)
        return result

    def _make_storage(self, storage_type, key, location, numel):
        nbytes = numel * _element_size(storage_type)
        declared = sum(s.nbytes for s in self.storages.values()) + nbytes
        if declared > self._left:   # the bytes must follow in this file: no huge allocations
            raise CheckpointError(f"storages declare {declared} bytes but only {self._left} "
                                  "bytes follow")
        return _storages.Storage(key, storage_type.file_dtype, numel, location,
                                 self._big_endian)

    def _read_storages(self, keys):
        order = "big" if self._big_endian else "little"
        for key in keys:
            storage = self.storages.get(key)
            if storage is None or storage.filled:
                raise CheckpointError(f"storage key list names unknown or repeated key '{key}'")
            if self._left < 8:
                raise EOFError("storage size missing")
            numel = int.from_bytes(self._file.read(8), order, signed=True)
            self._left -= 8
            if numel != storage.numel:
                raise CheckpointError(f"storage has wrong size: expected {storage.numel} "
                                      f"got {numel}")
            view = memoryview(storage.raw_bytes()).cast("B")
            if len(view) > self._left:
                raise EOFError(f"storage '{key}' truncated")
            _read_exactly(self._file.readinto, view, f"storage '{key}'")
            self._left -= len(view)
            storage.mark_filled()
        missing = [k for k, s in self.storages.items() if not s.filled]
        if missing:
            raise CheckpointError(f"storage '{missing[0]}' is referenced but has no data")
