"""nnx.save: torch's zip layout, round trips through nnx.load, sharing, atomic writes.

Reading nnx's files back with torch itself is tests/parity/test_live_checkpoint.py.
"""

import collections
import io
import os
import struct
import zipfile

import numpy as np
import pytest
from _checkpoint_helpers import Describer, golden

import nnx
from nnx.serialization import _zip_writer

DTYPES = [nnx.bool, nnx.uint8, nnx.int8, nnx.int16, nnx.int32, nnx.int64, nnx.float16,
          nnx.float32, nnx.float64]


def roundtrip(obj, tmp_path, name="ckpt.pt"):
    path = tmp_path / name
    nnx.save(obj, path)
    return nnx.load(path)


def test_zip_layout_matches_torch(tmp_path):
    path = tmp_path / "my.model.pth"
    nnx.save(collections.OrderedDict(w=nnx.ones(2, 3), b=nnx.zeros(3)), path)
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        # torch 2.13's record order, top folder = file name without its extension
        assert names == ["my.model/data.pkl", "my.model/.format_version",
                         "my.model/.storage_alignment", "my.model/byteorder",
                         "my.model/data/0", "my.model/data/1", "my.model/version",
                         "my.model/.data/serialization_id"]
        assert zf.read("my.model/.format_version") == b"1"
        assert zf.read("my.model/.storage_alignment") == b"64"
        assert zf.read("my.model/byteorder") == b"little"
        assert zf.read("my.model/version") == b"3\n"
        serial = zf.read("my.model/.data/serialization_id")
        assert len(serial) == 40 and serial.isdigit()
        assert zf.testzip() is None                      # every CRC is right
        assert np.frombuffer(zf.read("my.model/data/0"), np.float32).tolist() == [1.0] * 6
        data = path.read_bytes()
        for info in infos:
            assert info.compress_type == zipfile.ZIP_STORED and info.flag_bits == 0x0808
            name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:
                                                            info.header_offset + 30])
            start = info.header_offset + 30 + name_len + extra_len
            assert start % 64 == 0, info.filename        # torch's storage alignment
            extra = data[start - extra_len:start]
            assert extra[:2] == b"FB" and set(extra[4:]) <= {ord("Z")}
    assert data[-22:-18] == b"PK\x05\x06" and b"PK\x06\x06" in data[-120:]   # zip64 end


def test_data_pkl_is_protocol_2_with_torch_globals(tmp_path):
    nnx.save({"p": nnx.nn.Parameter(nnx.ones(2))}, tmp_path / "p.pt")
    with zipfile.ZipFile(tmp_path / "p.pt") as zf:
        pkl = zf.read("p/data.pkl")
    assert pkl[:2] == b"\x80\x02" and pkl[-1:] == b"."
    for name in (b"ctorch._utils\n_rebuild_parameter\n", b"ctorch._utils\n_rebuild_tensor_v2\n",
                 b"ctorch\nFloatStorage\n", b"ccollections\nOrderedDict\n"):
        assert name in pkl


def test_file_object_uses_archive_folder():
    buffer = io.BytesIO()
    nnx.save([nnx.arange(3)], buffer)
    assert zipfile.ZipFile(io.BytesIO(buffer.getvalue())).namelist()[0] == "archive/data.pkl"
    buffer.seek(0)
    assert nnx.load(buffer)[0].tolist() == [0, 1, 2]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_every_dtype_round_trips(dtype, tmp_path):
    values = np.array([0, 1, 3, 7, 100, 127], dtype=np.float64)
    tensor = nnx.tensor(values.reshape(2, 3), dtype=dtype)
    loaded = roundtrip({"x": tensor, "t": tensor.t()}, tmp_path)
    assert loaded["x"].dtype == dtype and loaded["t"].stride() == (1, 3)
    np.testing.assert_array_equal(loaded["x"].numpy(), tensor.numpy())
    assert np.shares_memory(loaded["x"].numpy(), loaded["t"].numpy())


def test_special_float_values_round_trip(tmp_path):
    values = np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308])
    loaded = roundtrip(nnx.tensor(values, dtype=nnx.float64), tmp_path)
    assert loaded.numpy().tobytes() == values.tobytes()


def test_views_stay_shared_and_odd_views_are_copied(tmp_path):
    base = nnx.arange(24.0).reshape(4, 6)
    obj = {"base": base, "t": base.t(), "row": base[2], "step": base[::2, 1::3],
           "same": base, "flip": nnx.flip(base, [0]), "other": nnx.ones(2)}
    loaded = roundtrip(obj, tmp_path)
    assert loaded["same"] is loaded["base"]
    for name in ("t", "row", "step"):
        assert np.shares_memory(loaded[name].numpy(), loaded["base"].numpy()), name
        np.testing.assert_array_equal(loaded[name].numpy(), obj[name].numpy())
    assert loaded["row"].storage_offset() == 12 and loaded["step"].stride() == (12, 3)
    # negative strides have no torch form: a contiguous copy of its own
    np.testing.assert_array_equal(loaded["flip"].numpy(), obj["flip"].numpy())
    assert not np.shares_memory(loaded["flip"].numpy(), loaded["base"].numpy())
    with zipfile.ZipFile(tmp_path / "ckpt.pt") as zf:
        assert sum(n.startswith("ckpt/data/") for n in zf.namelist()) == 3


def test_containers_scalars_and_metadata_round_trip(tmp_path):
    state = collections.OrderedDict([("w", nnx.ones(2)), ("b", nnx.zeros(1))])
    state._metadata = collections.OrderedDict([("", {"version": 1}), ("fc", {"version": 2})])
    obj = {
        "state_dict": state, "epoch": 12, "lr": 1e-3, "name": "r\u00e9sum\u00e9 \u4e2d",
        "none": None, "flags": (True, False), "big": 2**70, "neg": -(2**40), "ints": [0, 255,
        256, 65535, 65536, -1, 2**31 - 1, -(2**31)], "nested": [{"a": (1, [2, {"b": 3.5}])}],
        "size": nnx.Size([2, 3]), "dtype": nnx.float16, "device": nnx.device("cpu"),
        "bytes": b"\x00\xff", "set": {1, 2}, "frozen": frozenset({3}), "empty": ([], {}, ()),
        "np_scalar": np.float32(0.5), "tuple4": (1, 2, 3, 4),
    }
    loaded = roundtrip(obj, tmp_path)
    assert list(loaded) == list(obj)
    assert loaded["state_dict"]._metadata == state._metadata
    assert isinstance(loaded["state_dict"], collections.OrderedDict)
    for key in obj:
        if key not in ("state_dict", "np_scalar"):
            assert loaded[key] == obj[key], key
    assert loaded["np_scalar"] == 0.5 and type(loaded["np_scalar"]) is float
    assert isinstance(loaded["size"], nnx.Size) and loaded["dtype"] is nnx.float16


def test_parameters_and_requires_grad_round_trip(tmp_path):
    param = nnx.nn.Parameter(nnx.ones(2, 2))
    frozen = nnx.nn.Parameter(nnx.ones(1), requires_grad=False)
    leaf = nnx.ones(3, requires_grad=True)
    loaded = roundtrip([param, frozen, leaf, param], tmp_path)
    assert isinstance(loaded[0], nnx.nn.Parameter) and loaded[0].requires_grad
    assert isinstance(loaded[1], nnx.nn.Parameter) and not loaded[1].requires_grad
    assert not isinstance(loaded[2], nnx.nn.Parameter) and loaded[2].requires_grad
    assert loaded[3] is loaded[0]


def test_module_state_dict_round_trip(tmp_path):
    model = nnx.nn.Module()
    model.weight = nnx.nn.Parameter(nnx.randn(3, 2))
    model.register_buffer("count", nnx.tensor(4))
    nnx.save(model.state_dict(), tmp_path / "m.pt")
    other = nnx.nn.Module()
    other.weight = nnx.nn.Parameter(nnx.zeros(3, 2))
    other.register_buffer("count", nnx.tensor(0))
    other.load_state_dict(nnx.load(tmp_path / "m.pt"))
    np.testing.assert_array_equal(other.weight.detach().numpy(), model.weight.detach().numpy())
    assert other.count.item() == 4


def test_torch_golden_files_survive_a_resave(tmp_path):
    for name in ("views.pt", "wrappers_legacy.pt", "parameters.pt"):
        original = nnx.load(golden(name))
        again = roundtrip(original, tmp_path)
        first, second = Describer(), Describer()
        assert first(original, "") == second(again, "")
        for path, value in first.values.items():
            np.testing.assert_array_equal(second.values[path], value)


def test_unsupported_objects_are_refused_and_the_old_file_survives(tmp_path):
    path = tmp_path / "keep.pt"
    nnx.save({"x": nnx.ones(1)}, path)
    before = path.read_bytes()

    class Custom:
        pass

    with pytest.raises(TypeError, match="nnx.save cannot save objects of type .*Custom"):
        nnx.save({"x": nnx.zeros(1), "bad": Custom()}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.pt"]              # no temporary file left behind
    recursive = []
    recursive.append(recursive)
    nnx.save(recursive, tmp_path / "rec.pt")                 # memoized: a list may hold itself
    loaded = nnx.load(tmp_path / "rec.pt")
    assert loaded[0] is loaded


def test_interrupted_write_leaves_no_torn_file(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    nnx.save({"x": nnx.ones(1)}, path)
    before = path.read_bytes()

    def fail(self, name, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(_zip_writer.ZipWriter, "write_record", fail)
    with pytest.raises(KeyboardInterrupt):
        nnx.save({"x": nnx.zeros(1)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.pt"]


def test_save_keeps_the_file_mode(tmp_path):
    path = tmp_path / "mode.pt"
    path.write_bytes(b"")
    os.chmod(path, 0o640)
    nnx.save([1], path)
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_forced_zip64_records_still_read(tmp_path, monkeypatch):
    monkeypatch.setattr(_zip_writer, "_ZIP64_LIMIT", 0)   # every size and offset "large"
    obj = {"a": nnx.arange(10.0), "b": nnx.ones(3, dtype=nnx.int16)}
    nnx.save(obj, tmp_path / "z.pt")
    with zipfile.ZipFile(tmp_path / "z.pt") as zf:
        assert zf.testzip() is None
        assert zf.getinfo("z/data/0").file_size == 40
    loaded = nnx.load(tmp_path / "z.pt")
    assert loaded["a"].tolist() == list(range(10)) and loaded["b"].tolist() == [1, 1, 1]


def test_bad_targets():
    with pytest.raises(TypeError, match="f must be a path or a writable binary file object"):
        nnx.save([], 3)


def test_large_storages_round_trip_and_stay_writable(tmp_path):
    # storages of 4 MiB and more are read into huge-page mappings, not np.empty
    base = nnx.arange(3 * 2**20, dtype=nnx.float32).reshape(3, 2**20)
    loaded = roundtrip({"base": base, "row": base[1], "t": base.t()}, tmp_path)
    np.testing.assert_array_equal(loaded["base"].numpy(), base.numpy())
    assert np.shares_memory(loaded["row"].numpy(), loaded["base"].numpy())
    loaded["row"].numpy()[:] = -1.0
    assert loaded["t"][5, 1].item() == -1.0
    again = roundtrip(loaded, tmp_path, "again.pt")          # the mapping's views re-save shared
    assert again["row"].storage_offset() == 2**20
    assert np.shares_memory(again["t"].numpy(), again["base"].numpy())
