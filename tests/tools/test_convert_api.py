"""nnx_tools.convert: the Python API behind nnx-convert."""

import json
import os
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import nnx
from nnx_tools import convert
from nnx_tools.convert import ConvertError

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden",
                      "checkpoints")


def _state():
    rng = np.random.default_rng(0)
    return OrderedDict([
        ("module.fc.weight", rng.standard_normal((3, 4)).astype(np.float32)),
        ("module.fc.bias", rng.standard_normal(3).astype(np.float32)),
        ("module.bn.num_batches_tracked", np.array(5, dtype=np.int64)),
        ("module.bn.running_mean", np.zeros(3, np.float64)),
        ("head.mask", np.array([True, False])),
        ("head.half", np.array([1.5, -2.0], np.float16)),
    ])


def _save_pt(path, arrays):
    nnx.save(OrderedDict((k, nnx.from_numpy(v)) for k, v in arrays.items()), path)


def _assert_same(got, want):
    assert list(got) == list(want)
    for key in want:
        assert got[key].dtype == want[key].dtype and got[key].shape == want[key].shape, key
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)


@pytest.mark.parametrize("src_ext", [".pt", ".safetensors", ".npz"])
@pytest.mark.parametrize("dst_ext", [".pth", ".bin", ".safetensors", ".npz"])
def test_every_pair_of_formats_round_trips(src_ext, dst_ext, tmp_path):
    state = _state()
    src = tmp_path / f"src{src_ext}"
    if src_ext == ".pt":
        _save_pt(src, state)
    elif src_ext == ".safetensors":
        save_file(dict(state), src)
    else:
        np.savez(src, **state)
    dst = tmp_path / f"dst{dst_ext}"
    rows = convert.convert(src, dst)
    assert {r.name for r in rows} == set(state)
    got = convert.read_tensors(dst)
    if ".safetensors" in (src_ext, dst_ext):    # safetensors stores names sorted
        got, state = dict(sorted(got.items())), dict(sorted(state.items()))
    _assert_same(got, state)


def test_pytorch_output_is_a_state_dict_torch_layout(tmp_path):
    convert.convert(_npz(tmp_path), tmp_path / "out.pt")
    loaded = nnx.load(tmp_path / "out.pt")
    assert isinstance(loaded, OrderedDict) and loaded["module.fc.weight"].shape == (3, 4)
    assert zipfile.ZipFile(tmp_path / "out.pt").namelist()[0] == "out/data.pkl"


def _npz(tmp_path, state=None):
    path = tmp_path / "in.npz"
    np.savez(path, **(state or _state()))
    return path


def test_safetensors_output_has_the_pt_format_metadata(tmp_path):
    convert.convert(_npz(tmp_path), tmp_path / "out.safetensors")
    from safetensors import safe_open

    with safe_open(str(tmp_path / "out.safetensors"), framework="np") as f:
        assert f.metadata() == {"format": "pt"}


def test_transform_options():
    state = _state()
    out = convert.transform(state, dtype="float16", strip_prefix="module.", add_prefix="net.",
                            select=r"fc\.|bn\.num")
    assert list(out) == ["net.fc.weight", "net.fc.bias", "net.bn.num_batches_tracked"]
    assert out["net.fc.weight"].dtype == np.float16
    assert out["net.bn.num_batches_tracked"].dtype == np.int64     # integers keep their type
    np.testing.assert_array_equal(out["net.fc.bias"], state["module.fc.bias"].astype(np.float16))
    kept = convert.transform(state, strip_prefix="module.")
    assert "head.mask" in kept and "fc.weight" in kept                # other names untouched
    assert state["module.fc.weight"].dtype == np.float32               # input not changed
    doubled = convert.transform(state, dtype="float64")
    assert doubled["head.half"].dtype == np.float64 and doubled["head.mask"].dtype == bool


def test_transform_errors():
    with pytest.raises(ConvertError, match="two tensors would both be named 'w'"):
        convert.transform({"a.w": np.zeros(1), "w": np.zeros(1)}, strip_prefix="a.")
    with pytest.raises(ConvertError, match="is not a valid regular expression"):
        convert.transform({}, select="(")
    with pytest.raises(ConvertError, match="dtype must be one of float16, float32, float64"):
        convert.transform({}, dtype="int8")


def test_key_takes_a_nested_entry_of_a_training_checkpoint(tmp_path):
    path = os.path.join(GOLDEN, "wrappers.pt")
    with pytest.raises(ConvertError, match="entries that are not tensors .*--key "
                                           r"\(state_dict\)"):
        convert.read_tensors(path)
    tensors = convert.read_tensors(path, key="state_dict")
    assert list(tensors) == ["weight", "bias", "steps", "inner.weight", "inner.mean"]
    nested = {"model": {"ema.v1": {"w": nnx.ones(2)}}}
    nnx.save(nested, tmp_path / "n.pt")
    assert list(convert.read_tensors(tmp_path / "n.pt", key="model.ema.v1")) == ["w"]
    with pytest.raises(ConvertError, match="no entry 'nope' in model"):
        convert.read_tensors(tmp_path / "n.pt", key="model.nope")
    with pytest.raises(ConvertError, match="--key applies to PyTorch files only"):
        convert.read_tensors(_npz(tmp_path), key="state_dict")


def test_torch_golden_checkpoints_convert(tmp_path):
    for name in ("state_dict.pt", "state_dict_legacy.pt", "dtypes.pt"):
        dst = tmp_path / (name + ".safetensors")
        convert.convert(os.path.join(GOLDEN, name), dst)
        loaded = load_file(dst)
        source = nnx.load(os.path.join(GOLDEN, name))
        for key, tensor in source.items():
            np.testing.assert_array_equal(loaded[key], tensor.detach().numpy())
    assert load_file(tmp_path / "dtypes.pt.safetensors")["bfloat16"].dtype == np.float32


def test_bfloat16_safetensors_are_widened(tmp_path):
    # safetensors' NumPy API cannot build bfloat16 arrays; the raw patterns are widened
    header = json.dumps({"w": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]},
                         "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}).encode()
    header += b" " * (-len(header) % 8)
    bits = np.array([0x3F80, 0xC049, 0x0000, 0x7F80], "<u2").tobytes()
    path = tmp_path / "bf.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + bits
                     + np.float32(0.5).tobytes())
    tensors = convert.read_tensors(path)
    np.testing.assert_array_equal(tensors["w"], np.array([[1.0, -3.140625], [0.0, np.inf]],
                                                         np.float32))
    assert tensors["b"].tolist() == [0.5]
    rows = {r.name: r for r in convert.list_tensors(path)}
    assert rows["w"] == ("w", (2, 2), "bfloat16", 8)


def test_list_tensors_reads_headers(tmp_path):
    state = _state()
    np.savez(tmp_path / "a.npz", **state)
    save_file(dict(state), tmp_path / "a.safetensors")
    _save_pt(tmp_path / "a.pt", state)
    expected = {(k, v.shape, str(v.dtype), v.nbytes) for k, v in state.items()}
    for name in ("a.npz", "a.safetensors", "a.pt"):
        assert {tuple(r) for r in convert.list_tensors(tmp_path / name)} == expected, name


@pytest.mark.parametrize("name, content, message", [
    ("x.txt", b"", "cannot tell the format of .* from its extension"),
    ("x.safetensors", b"garbage!", "not a valid safetensors file"),
    ("x.npz", b"garbage!", "not a readable .npz archive"),
])
def test_bad_files(name, content, message, tmp_path):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ConvertError, match=message):
        convert.read_tensors(tmp_path / name)


def test_unsupported_dtype_for_pytorch_output(tmp_path):
    np.savez(tmp_path / "u.npz", x=np.arange(3, dtype=np.uint16))
    with pytest.raises(ConvertError, match="tensor 'x' is uint16"):
        convert.convert(tmp_path / "u.npz", tmp_path / "u.pt")
    assert not (tmp_path / "u.pt").exists()
    convert.convert(tmp_path / "u.npz", tmp_path / "u.safetensors")   # safetensors has U16
    assert load_file(tmp_path / "u.safetensors")["x"].dtype == np.uint16


def test_npz_names_that_clash_with_savez_arguments(tmp_path):
    state = {"file": np.ones(2), "allow_pickle": np.zeros(1)}
    convert.write_tensors(state, tmp_path / "k.npz")
    _assert_same(convert.read_tensors(tmp_path / "k.npz"), state)


def test_failed_write_leaves_no_file(tmp_path):
    with pytest.raises(ConvertError, match='Unknown dtype "object"'):
        convert.write_tensors({"x": np.array([object()])}, tmp_path / "o.safetensors")
    assert os.listdir(tmp_path) == []


def test_non_contiguous_inputs_are_written(tmp_path):
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    state = {"t": base.T, "s": base[:, ::2]}
    for ext in (".safetensors", ".npz", ".pt"):
        convert.write_tensors(state, tmp_path / f"nc{ext}")
        _assert_same(dict(sorted(convert.read_tensors(tmp_path / f"nc{ext}").items())),
                     dict(sorted(state.items())))
