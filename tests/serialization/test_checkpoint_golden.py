"""nnx.load on checkpoints written by torch 2.13 (tests/golden/generate_checkpoints.py).

Each case is saved by torch in the zip format and the legacy stream format; nnx must give
the same tree (types, key order, scalars, dtypes, shapes, strides, storage offsets, which
tensors share storage, which objects are identical) and the same values, without torch.
"""

import collections
import json

import numpy as np
import pytest
from _checkpoint_helpers import Describer, golden, normalise

import nnx
from nnx.serialization import CheckpointError

CASES = ["state_dict", "dtypes", "views", "wrappers", "parameters"]


@pytest.fixture(scope="module")
def expected():
    with np.load(golden("expected.npz"), allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("suffix", ["", "_legacy"])
@pytest.mark.parametrize("case", CASES)
def test_golden_checkpoint_loads_like_torch(case, suffix, expected):
    loaded = nnx.load(golden(f"{case}{suffix}.pt"))
    describe = Describer()
    tree = normalise(describe(loaded, ""))
    assert tree == normalise(json.loads(str(expected[f"{case}/tree"])))
    prefix = f"{case}/t/"
    stored = {k[len(prefix):]: v for k, v in expected.items() if k.startswith(prefix)}
    assert set(stored) == set(describe.values)
    for path, want in stored.items():
        got = describe.values[path]
        assert got.dtype == want.dtype and got.shape == want.shape, path
        np.testing.assert_array_equal(got, want, err_msg=path)


def test_archive_folder_from_a_file_object_loads():
    a = nnx.load(golden("state_dict_archive.pt"))
    b = nnx.load(golden("state_dict.pt"))
    assert list(a) == list(b)
    for key in a:
        np.testing.assert_array_equal(a[key].numpy(), b[key].numpy())


def test_views_share_memory_after_loading():
    views = nnx.load(golden("views.pt"))
    base = views["base"]
    assert views["tied"] is base
    for name in ("transposed", "row", "column", "strided"):
        assert np.shares_memory(views[name].numpy(), base.numpy()), name
    views["row"].numpy()[0] = -1.0          # a write through one view shows in the others
    assert base[1, 0].item() == -1.0 and views["transposed"][0, 1].item() == -1.0
    assert views["expanded"].stride() == (0, 1)
    assert views["offset"].storage_offset() == 5 and views["offset"].stride() == (3, 1)


def test_bfloat16_widens_exactly_to_float32():
    dtypes = nnx.load(golden("dtypes.pt"))
    bf16 = dtypes["bfloat16"]
    assert bf16.dtype == nnx.float32
    np.testing.assert_array_equal(bf16.numpy(),
                                  np.array([1.0, -3.140625, 9.969209968386869e37,
                                            9.183549615799121e-41, np.inf], np.float32))
    matrix = dtypes["bf16_matrix_t"]          # a transposed bfloat16 view keeps its strides
    assert matrix.stride() == (1, 3)
    np.testing.assert_array_equal(matrix.numpy(), np.arange(6, dtype=np.float32)
                                  .reshape(2, 3).T)


class Inner(nnx.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nnx.nn.Parameter(nnx.zeros(2, 3))
        self.register_buffer("mean", nnx.zeros(3, dtype=nnx.float64))


class Net(nnx.nn.Module):
    """The model generate_checkpoints.py saves from torch, written with nnx."""

    def __init__(self):
        super().__init__()
        self.weight = nnx.nn.Parameter(nnx.zeros(3, 4))
        self.bias = nnx.nn.Parameter(nnx.zeros(3))
        self.register_buffer("steps", nnx.tensor(0))
        self.inner = Inner()


@pytest.mark.parametrize("name", ["state_dict.pt", "state_dict_legacy.pt",
                                  "state_dict_archive.pt"])
def test_module_load_state_dict_from_a_torch_checkpoint(name):
    state = nnx.load(golden(name))
    assert isinstance(state, collections.OrderedDict)
    assert state._metadata == collections.OrderedDict([("", {"version": 1}),
                                                       ("inner", {"version": 1})])
    model = Net()
    result = model.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), state[key].numpy())
    assert model.steps.item() == 7
    assert model.inner.mean.dtype == nnx.float64


def test_wrapped_checkpoint_state_dict_entry():
    checkpoint = nnx.load(golden("wrappers.pt"))
    assert checkpoint["epoch"] == 3 and checkpoint["best_loss"] == 0.25
    model = Net()
    model.load_state_dict(checkpoint["state_dict"])
    groups = checkpoint["optimizer"]["param_groups"]
    assert groups[0]["lr"] == 0.1 and groups[0]["params"] == [0, 1, 2]
    assert isinstance(checkpoint["size"], nnx.Size) and checkpoint["size"] == (2, 3)
    assert checkpoint["raw"] == b"\x00\xff\x10"


@pytest.mark.parametrize("name, message", [
    ("unsupported_uint16.pt", "torch.uint16 tensors are not supported by nnx"),
    ("unsupported_complex.pt", "torch.ComplexFloatStorage holds complex64 tensors"),
    ("full_model.pt", "GLOBAL torch.nn.modules.linear.Linear is not allowed"),
])
def test_torch_files_nnx_refuses(name, message):
    with pytest.raises(CheckpointError, match=message):
        nnx.load(golden(name))


def test_file_objects_load(tmp_path):
    with open(golden("views_legacy.pt"), "rb") as f:
        assert list(nnx.load(f)) == list(nnx.load(golden("views_legacy.pt")))

    class Stream:                       # read() only: not seekable
        def __init__(self, data):
            self.data = data

        def read(self, n=-1):
            data, self.data = self.data, b""
            return data

    with open(golden("dtypes.pt"), "rb") as f:
        loaded = nnx.load(Stream(f.read()))
    assert loaded["int64"].tolist() == [-(2**63), 2**63 - 1, 0, -5]
