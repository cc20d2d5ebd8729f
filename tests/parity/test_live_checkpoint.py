"""Checkpoints exchanged with live torch==2.13.0 (run by ``nox -s parity``).

- nnx.save -> torch.load(weights_only=True): values, dtypes, shapes, strides, storage
  offsets, key order, OrderedDict ``_metadata``, Parameter type and requires_grad, shared
  storages and identical objects survive; ``torch.load(mmap=True)`` accepts the alignment.
- torch.save (zip and legacy) -> nnx.load: the same, for random state dicts of every dtype
  with views, and for real torch.nn modules loaded into equivalent nnx modules.
"""

import collections
import io
import random

import numpy as np
import pytest

import nnx
from nnx.serialization import _zip_writer

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.parity

NNX_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
              "float64"]


def _random_values(rng, dtype, shape):
    values = rng.standard_normal(shape) * 50
    if dtype == "bool":
        return values > 0
    return values.astype(dtype)


def _state(lib, seed):
    """A random nested object with views, built identically with torch or nnx."""
    rng = np.random.default_rng(seed)
    py = random.Random(seed)
    state = collections.OrderedDict()
    bases = []
    for i in range(py.randint(3, 8)):
        dtype = py.choice(NNX_DTYPES)
        shape = tuple(py.randint(1, 5) for _ in range(py.randint(0, 3)))
        tensor = lib.tensor(_random_values(rng, dtype, shape))
        bases.append(tensor)
        state[f"layer{i}.weight"] = tensor
    for i, base in enumerate(bases):
        if base.dim() >= 2:
            state[f"view{i}.t"] = base.transpose(0, 1)
            state[f"view{i}.row"] = base[-1]
        if base.dim() >= 1 and base.shape[0] > 1:
            state[f"view{i}.slice"] = base[1:]
    state._metadata = collections.OrderedDict([("", {"version": 1}), ("layer0", {"version": 2})])
    parameter = lib.nn.Parameter(lib.tensor(rng.standard_normal((2, 3)).astype("float32")))
    return {
        "state_dict": state,
        "param": parameter,
        "param_again": parameter,
        "frozen": lib.nn.Parameter(lib.ones(2), requires_grad=False),
        "epoch": seed,
        "loss": float(seed) / 7,
        "tags": ["a", ("b", None), {"c": [1, 2.5]}],
    }


def _check_same(t_obj, n_obj, path="", seen=None):
    """A torch object and an nnx one agree (torch first)."""
    seen = {} if seen is None else seen
    if isinstance(t_obj, torch.Tensor):
        assert isinstance(n_obj, nnx.Tensor), path
        assert isinstance(t_obj, torch.nn.Parameter) == isinstance(n_obj, nnx.nn.Parameter), path
        assert t_obj.requires_grad == n_obj.requires_grad, path
        assert str(t_obj.dtype).split(".")[-1] == n_obj.dtype.name, path
        assert tuple(t_obj.shape) == tuple(n_obj.shape), path
        assert t_obj.stride() == n_obj.stride(), path
        assert t_obj.storage_offset() == n_obj.storage_offset(), path
        np.testing.assert_array_equal(t_obj.detach().numpy(), n_obj.detach().numpy(),
                                      err_msg=path)
        # identity: the same torch object maps to the same nnx object
        if id(t_obj) in seen:
            assert seen[id(t_obj)] is n_obj, path
        seen[id(t_obj)] = n_obj
        return
    assert type(t_obj) is type(n_obj) or (isinstance(t_obj, torch.Size)
                                          and isinstance(n_obj, nnx.Size)), path
    if isinstance(t_obj, dict):
        assert list(t_obj) == list(n_obj), path
        for key in t_obj:
            _check_same(t_obj[key], n_obj[key], f"{path}/{key}", seen)
        assert getattr(t_obj, "_metadata", None) == getattr(n_obj, "_metadata", None), path
    elif isinstance(t_obj, (list, tuple)):
        assert len(t_obj) == len(n_obj), path
        for i, (a, b) in enumerate(zip(t_obj, n_obj)):
            _check_same(a, b, f"{path}/{i}", seen)
    else:
        assert t_obj == n_obj, path


def _sharing(tensors, storage_key):
    """Which tensors (by key) share one storage, as a set of frozensets."""
    groups = collections.defaultdict(set)
    for key, tensor in tensors.items():
        if tensor.numel():
            groups[storage_key(tensor)].add(key)
    return {frozenset(g) for g in groups.values()}


def _nnx_root(tensor):
    array = tensor._data
    while isinstance(array.base, np.ndarray):
        array = array.base
    return id(array)


@pytest.mark.parametrize("seed", range(8))
def test_nnx_save_then_torch_load(seed, tmp_path):
    obj = _state(nnx, seed)
    nnx.save(obj, tmp_path / "n.pt")
    loaded = torch.load(tmp_path / "n.pt", weights_only=True)
    _check_same(loaded, obj)
    assert _sharing(loaded["state_dict"], lambda t: t.untyped_storage().data_ptr()) == \
        _sharing(obj["state_dict"], _nnx_root)
    assert loaded["param_again"] is loaded["param"]
    mapped = torch.load(tmp_path / "n.pt", weights_only=True, mmap=True)   # needs alignment
    _check_same(mapped, obj)


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("seed", range(8))
def test_torch_save_then_nnx_load(seed, legacy, tmp_path):
    obj = _state(torch, seed)
    torch.save(obj, tmp_path / "t.pt", _use_new_zipfile_serialization=not legacy)
    loaded = nnx.load(tmp_path / "t.pt")
    _check_same(obj, loaded)
    assert _sharing(loaded["state_dict"], _nnx_root) == \
        _sharing(obj["state_dict"], lambda t: t.untyped_storage().data_ptr())


def test_torch_reads_forced_zip64(tmp_path, monkeypatch):
    monkeypatch.setattr(_zip_writer, "_ZIP64_LIMIT", 0)
    obj = _state(nnx, 99)
    nnx.save(obj, tmp_path / "z.pt")
    _check_same(torch.load(tmp_path / "z.pt", weights_only=True), obj)


def test_torch_reads_a_file_object():
    buffer = io.BytesIO()
    obj = _state(nnx, 5)
    nnx.save(obj, buffer)
    buffer.seek(0)
    _check_same(torch.load(buffer, weights_only=True), obj)


def test_bfloat16_from_torch_is_widened_exactly(tmp_path):
    values = torch.randn(64).to(torch.bfloat16)
    torch.save({"x": values, "t": values.view(8, 8).t()}, tmp_path / "b.pt")
    loaded = nnx.load(tmp_path / "b.pt")
    np.testing.assert_array_equal(loaded["x"].numpy(), values.float().numpy())
    np.testing.assert_array_equal(loaded["t"].numpy(), values.view(8, 8).t().float().numpy())


def test_torch_module_state_dict_into_nnx_module(tmp_path):
    torch.manual_seed(0)
    source = torch.nn.Module()
    source.weight = torch.nn.Parameter(torch.randn(5, 3))
    source.bias = torch.nn.Parameter(torch.randn(5))
    source.register_buffer("running", torch.arange(5, dtype=torch.float64))
    torch.save(source.state_dict(), tmp_path / "m.pt")
    target = nnx.nn.Module()
    target.weight = nnx.nn.Parameter(nnx.zeros(5, 3))
    target.bias = nnx.nn.Parameter(nnx.zeros(5))
    target.register_buffer("running", nnx.zeros(5, dtype=nnx.float64))
    target.load_state_dict(nnx.load(tmp_path / "m.pt"))
    for key, value in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[key].numpy(), value.numpy())
    # and back: torch loads nnx's state_dict into the torch module
    nnx.save(target.state_dict(), tmp_path / "back.pt")
    source.load_state_dict(torch.load(tmp_path / "back.pt", weights_only=True))
