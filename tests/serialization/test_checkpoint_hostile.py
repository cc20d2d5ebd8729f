"""nnx.load refuses hostile and malformed checkpoints with CheckpointError, and runs nothing.

Every payload would create a sentinel file if any of it ran; each test checks it did not.
"""

import builtins
import io
import os
import pickle
import struct
import subprocess

import numpy as np
import pytest
from _checkpoint_helpers import golden, legacy_checkpoint, tensor_pickle, zip_checkpoint

import nnx
from nnx.serialization import ALLOWED_GLOBALS, CheckpointError


class Reduce:
    """An object that pickles as REDUCE(func, args)."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def payloads(sentinel):
    touch = f"touch {sentinel}"
    code = f"open({str(sentinel)!r}, 'w').write('ran')"
    return {
        "os.system": (Reduce(os.system, touch), "posix.system"),
        "builtins.eval": (Reduce(builtins.eval, code), "builtins.eval"),
        "builtins.exec": (Reduce(builtins.exec, code), "builtins.exec"),
        "subprocess.Popen": (Reduce(subprocess.Popen, ["touch", str(sentinel)]),
                             "subprocess.Popen"),
        "getattr chain": (Reduce(builtins.getattr, Reduce(builtins.__import__, "os"), "system"),
                          "builtins.getattr"),
        "numpy reconstruct": (np.zeros(2), "numpy"),
        "nested in a state_dict": ({"weight": Reduce(os.system, touch)}, "posix.system"),
    }


@pytest.mark.parametrize("name", list(payloads("x")))
@pytest.mark.parametrize("container", ["zip", "legacy"])
def test_hostile_globals_are_refused_and_never_run(name, container, tmp_path):
    sentinel = tmp_path / "pwned"
    obj, global_name = payloads(sentinel)[name]
    data = pickle.dumps(obj, protocol=2)
    blob = zip_checkpoint(data) if container == "zip" else legacy_checkpoint(data, [], [])
    with pytest.raises(CheckpointError, match=f"GLOBAL {global_name}"):
        nnx.load(io.BytesIO(blob))
    assert not sentinel.exists()


@pytest.mark.parametrize("protocol", [0, 1, 3, 4, 5])
def test_other_pickle_protocols_are_refused_too(protocol, tmp_path):
    sentinel = tmp_path / "pwned"
    data = pickle.dumps(Reduce(os.system, f"touch {sentinel}"), protocol=protocol)
    with pytest.raises(CheckpointError, match="posix.system|opcode"):
        nnx.load(io.BytesIO(zip_checkpoint(data)))
    assert not sentinel.exists()


@pytest.mark.parametrize("data, message", [
    # INST / OBJ build instances by name: refused as opcodes
    (b"(ios\nsystem\nX\x04\x00\x00\x00echot.", "unsupported pickle opcode b'i'"),
    (b"(cos\nsystem\nX\x04\x00\x00\x00echoo.", "GLOBAL os.system"),
    # STACK_GLOBAL goes through the same allowlist
    (b"\x80\x04\x8c\x02os\x8c\x06system\x93.", "GLOBAL os.system"),
    # REDUCE only calls allowlisted handlers, never a plain object from the stack
    (b"\x80\x02X\x01\x00\x00\x00a)R.", "REDUCE of 'a'"),
    # APPEND only on lists, SETITEM only on dicts, BUILD only on OrderedDict / tensors
    (b"\x80\x02}K\x01a.", "APPEND on a dict object"),
    (b"\x80\x02]K\x00K\x01s.", "SETITEM on a list object"),
    (b"\x80\x02](K\x00K\x01u.", "SETITEMS on a list object"),
    (b"\x80\x02]}b.", "BUILD on a list object"),
    (b"\x80\x02ccollections\nOrderedDict\n)R}X\x04\x00\x00\x00keysK\x01sb.",
     "BUILD state would shadow OrderedDict.keys"),
    (b"\x80\x02ccollections\nOrderedDict\nX\x01\x00\x00\x00a\x85R.",
     "collections.OrderedDict takes one list"),
    # EXT codes, persistent ids that are not storages, unknown opcodes
    (b"\x80\x02\x82\x01.", "unsupported pickle opcode b'\\x82'"),
    (b"\x80\x02X\x01\x00\x00\x00xQ.", "unsupported persistent id"),
    (b"\x80\x02\xff.", "unsupported pickle opcode"),
    # lengths past the end, memo misses, stack underflow
    (b"\x80\x02X\xff\xff\xff\x7f", "truncated"),
    (b"\x80\x02\x8d\xff\xff\xff\xff\xff\xff\xff\x7f", "truncated"),
    (b"\x80\x02\x8b\xff\xff\xff\x7f", "LONG of"),
    (b"\x80\x02h\x05.", "KeyError"),
    (b"\x80\x02r\xff\xff\xff\xffN.", "IndexError"),
    (b"\x80\x02t.", "IndexError"),
    (b"\x80\x02\x86.", "underflow"),
    (b"\x80\x02NN.", "stack not empty"),
    (b"\x80\x02N", "truncated"),
    (b"", "truncated"),
])
def test_malformed_pickles(data, message):
    with pytest.raises(CheckpointError, match=message.replace("\\", "\\\\").replace("[", r"\[")
                       .replace("(", r"\(").replace("'", "'")):
        nnx.load(io.BytesIO(zip_checkpoint(data)))


def test_huge_memo_index_allocates_nothing():
    # the C unpickler would grow its memo array to the index; a dict does not care
    data = b"\x80\x02Nr\xfe\xff\xff\xff0j\xfe\xff\xff\xff."
    assert nnx.load(io.BytesIO(zip_checkpoint(data))) is None


@pytest.mark.parametrize("kwargs, records, message", [
    ({"numel": 4}, {"0": b"\x00" * 12}, "declares 4 elements \\(16 bytes\\) but its record "
                                        "holds 12 bytes"),
    ({"numel": 2**31 - 1}, {"0": b"\x00" * 16}, "declares 2147483647 elements"),
    ({"numel": -1}, {"0": b""}, "storage size must be an int >= 0"),
    ({}, {}, "checkpoint has no record 'archive/data/0'"),
    ({"size": (5,)}, {"0": b"\x00" * 16}, "reaches element 4 of a storage of 4 elements"),
    ({"offset": 1, "size": (2, 2), "stride": (2, 1)}, {"0": b"\x00" * 16},
     "reaches element 4"),
    ({"offset": 5, "size": (0,)}, {"0": b"\x00" * 16}, "empty tensor offset 5 beyond"),
    ({"stride": (-1,), "offset": 3}, {"0": b"\x00" * 16}, "tensor stride must be an int >= 0"),
    ({"size": (-4,)}, {"0": b"\x00" * 16}, "tensor size must be an int >= 0"),
    ({"size": (2, 2)}, {"0": b"\x00" * 16}, "differ in length"),
    ({"offset": -1}, {"0": b"\x00" * 16}, "storage offset must be an int >= 0"),
    ({"size": (1,) * 65, "stride": (1,) * 65}, {"0": b"\x00" * 16}, "at most 64"),
    ({"storage_class": "IntStorage", "requires_grad": True}, {"0": b"\x00" * 16},
     "cannot require grad"),
    ({"storage_class": "UntypedStorage"}, {"0": b"\x00" * 4},
     "untyped storage needs _rebuild_tensor_v3"),
    ({"storage_class": "QInt8Storage"}, {"0": b"\x00" * 4}, "holds qint8 tensors"),
    ({"rebuild": "_rebuild_tensor_v3"}, {"0": b"\x00" * 16}, "takes 7 or 8 arguments"),
    ({"rebuild": "_rebuild_qtensor"}, {"0": b"\x00" * 16},
     "GLOBAL torch._utils._rebuild_qtensor"),
])
def test_storage_and_extent_checks(kwargs, records, message):
    with pytest.raises(CheckpointError, match=message):
        nnx.load(io.BytesIO(zip_checkpoint(tensor_pickle(**kwargs), records)))


def test_valid_hand_made_checkpoint_loads():
    data = np.arange(4, dtype=np.float32).tobytes()
    loaded = nnx.load(io.BytesIO(zip_checkpoint(tensor_pickle(), {"0": data}, folder="x y")))
    assert loaded.tolist() == [0.0, 1.0, 2.0, 3.0]
    # without the byteorder record (torch assumes native = little), and big-endian
    assert nnx.load(io.BytesIO(zip_checkpoint(tensor_pickle(), {"0": data},
                                              byteorder=None))).tolist() == [0, 1, 2, 3]
    big = np.arange(4, dtype=">f4").tobytes()
    assert nnx.load(io.BytesIO(zip_checkpoint(tensor_pickle(), {"0": big},
                                              byteorder=b"big"))).tolist() == [0, 1, 2, 3]
    with pytest.raises(CheckpointError, match="byteorder record"):
        nnx.load(io.BytesIO(zip_checkpoint(tensor_pickle(), {"0": data}, byteorder=b"middle")))


def test_legacy_stream_checks():
    data = np.arange(4, dtype=np.float32).tobytes()
    good = legacy_checkpoint(tensor_pickle(legacy=True), ["0"], [(4, data)])
    assert nnx.load(io.BytesIO(good)).tolist() == [0.0, 1.0, 2.0, 3.0]
    big = legacy_checkpoint(tensor_pickle(legacy=True), ["0"],
                            [(4, np.arange(4, dtype=">f4").tobytes())],
                            sys_info={"little_endian": False})
    with pytest.raises(CheckpointError, match="wrong size"):   # its count is big-endian too
        nnx.load(io.BytesIO(big))
    cases = {
        "storage has wrong size: expected 4 got 3": legacy_checkpoint(
            tensor_pickle(legacy=True), ["0"], [(3, data)]),
        "unknown or repeated key '1'": legacy_checkpoint(
            tensor_pickle(legacy=True), ["1"], [(4, data)]),
        "referenced but has no data": legacy_checkpoint(tensor_pickle(legacy=True), [], []),
        "storages declare 4000 bytes but only": legacy_checkpoint(
            tensor_pickle(legacy=True, numel=1000), ["0"], []),
        "invalid magic number": pickle.dumps(12345, protocol=2),
        "invalid protocol version": pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
        + pickle.dumps(999, protocol=2),
        "storage views": legacy_checkpoint(
            tensor_pickle(legacy=True).replace(b"NtQ", b"(X\x01\x00\x00\x000K\x00K\x02ttQ"),
            ["0"], [(4, data)]),
        "truncated": good[:-3],
    }
    for message, blob in cases.items():
        with pytest.raises(CheckpointError, match=message):
            nnx.load(io.BytesIO(blob))


def test_not_a_checkpoint_and_other_containers():
    with pytest.raises(CheckpointError, match="neither a zip archive nor a legacy"):
        nnx.load(io.BytesIO(b"hello world"))
    with pytest.raises(CheckpointError, match="without a <folder>/data.pkl"):
        nnx.load(io.BytesIO(zip_checkpoint(b"", folder="a/b")))
    with pytest.raises(CheckpointError, match="BadZipFile"):
        nnx.load(io.BytesIO(b"PK\x03\x04" + b"\x00" * 100))
    with pytest.raises(CheckpointError, match="neither a zip archive"):
        nnx.load(io.BytesIO(b""))


def test_deflated_records_and_bombs():
    import zipfile

    data = np.arange(4, dtype=np.float32).tobytes()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a/data.pkl", tensor_pickle())
        zf.writestr("a/data/0", data)
    assert nnx.load(io.BytesIO(out.getvalue())).tolist() == [0, 1, 2, 3]
    # a record claiming 2 GiB from a few bytes is refused before anything is inflated
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a/data.pkl", tensor_pickle(numel=2**29))
        zf.writestr("a/data/0", b"\x00" * 4096)
    raw = bomb.getvalue()
    # patch the central directory's uncompressed size of data/0 to 2 GiB
    cd = raw.rfind(b"PK\x01\x02", 0, raw.rfind(b"a/data/0") + 1)
    raw = raw[:cd + 24] + struct.pack("<I", 2**31) + raw[cd + 28:]
    with pytest.raises(CheckpointError, match="impossible compression ratio"):
        nnx.load(io.BytesIO(raw))


def test_arguments(tmp_path):
    with pytest.raises(FileNotFoundError):
        nnx.load(tmp_path / "missing.pt")
    with pytest.raises(ValueError, match="weights_only=False is not supported"):
        nnx.load(golden("views.pt"), weights_only=False)
    with pytest.raises(TypeError, match="map_location must be"):
        nnx.load(golden("views.pt"), map_location=lambda storage, location: storage)
    with pytest.raises(ValueError, match="unsupported map_location 'mps'"):
        nnx.load(golden("views.pt"), map_location="mps")
    with pytest.raises(TypeError, match="f must be a path or a binary file object"):
        nnx.load(3)
    for where in ("cpu", nnx.device("cpu"), {"cpu": "cpu"}, None):
        assert nnx.load(golden("views.pt"), map_location=where)["base"].device.type == "cpu"
    if not nnx.cuda.is_available():
        with pytest.raises(RuntimeError, match="nnx.cuda.is_available\\(\\) is False"):
            nnx.load(golden("views.pt"), map_location="cuda:0")
        with pytest.raises(RuntimeError, match="nnx.cuda.is_available\\(\\) is False"):
            nnx.load(golden("views.pt"), map_location={"cpu": "cuda"})


def test_allowlist_is_small_and_explicit():
    modules = {name.rsplit(".", 1)[0] for name in ALLOWED_GLOBALS}
    assert modules == {"_codecs", "builtins", "collections", "torch", "torch._utils",
                       "torch.cuda", "torch.storage"}
    assert "builtins.eval" not in ALLOWED_GLOBALS and "torch.load" not in ALLOWED_GLOBALS
    assert {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter", "torch.FloatStorage",
            "torch.bfloat16"} <= set(ALLOWED_GLOBALS)


def test_checkpoint_error_is_an_unpickling_error():
    assert issubclass(CheckpointError, pickle.UnpicklingError)


def test_one_key_declared_with_two_types_is_refused():
    # an untyped storage and a DoubleStorage under one key (NumPy would call
    # np.dtype('float64') == None equal: the check must not)
    first = tensor_pickle(storage_class="DoubleStorage", numel=2, size=(2,))
    second = tensor_pickle(storage_class="UntypedStorage", numel=2, size=(2,))
    pair = b"\x80\x02(" + first[2:-1] + second[2:-1] + b"l."
    with pytest.raises(CheckpointError, match="storage '0' is declared twice"):
        nnx.load(io.BytesIO(zip_checkpoint(pair, {"0": b"\x00" * 16})))


def test_deep_nesting_loads_without_recursion():
    depth = 100_000
    data = b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."
    nested = nnx.load(io.BytesIO(zip_checkpoint(data)))
    for _ in range(depth - 1):
        nested = nested[0]
    assert nested == []
