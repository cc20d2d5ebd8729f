#!/usr/bin/env python
"""Generate (or check) the golden checkpoints under ``tests/golden/checkpoints/``.

Usage (needs torch==2.13.0, the reference version; imports only torch and numpy):

    python tests/golden/generate_checkpoints.py          # (re)write the .pt files + expected.npz
    python tests/golden/generate_checkpoints.py --check  # live torch loads every committed .pt
                                                         # and gives what expected.npz says

Each case below is an object torch saves twice: ``<case>.pt`` in the zip format and
``<case>_legacy.pt`` with ``_use_new_zipfile_serialization=False`` (the pre-1.6 stream).
``tests/serialization/test_checkpoint_golden.py`` loads them with ``nnx.load`` (no torch)
and compares with ``expected.npz``:

    __meta__/torch_version, __meta__/numpy_version, __meta__/format    0-d str
    __meta__/cases                 1-d str: case names
    <case>/tree                    0-d str: JSON description of the saved object (below)
    <case>/t/<path>                each tensor's values (bfloat16 widened to float32, as nnx
                                   loads it)

The JSON tree mirrors the object: ``{"dict"|"OrderedDict": [[key, node], ...],
"metadata": node}``, ``{"list"|"tuple"|"Size": [node, ...]}``, ``{"int"|"float"|"str"|
"bool"|"bytes_hex": value}``, ``{"none": null}``, tensors as ``{"tensor": path, "dtype",
"param", "requires_grad", "shape", "stride", "offset", "storage"}`` (``storage``: an index
equal for tensors sharing one torch storage) and a repeated object as ``{"same_as": path}``.

``unsupported_*.pt`` and ``full_model.pt`` are files nnx must refuse with CheckpointError.
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
from collections import OrderedDict

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generate as _generate  # noqa: E402  (the ops generator next to this file)
from checkpoint_tree import TreeDescriber  # noqa: E402  (shared with the nnx-side test)

FORMAT = "nnx-checkpoint-golden-1"
FOLDER = os.path.join(HERE, "checkpoints")
EXPECTED = os.path.join(FOLDER, "expected.npz")


def _model_class(torch):
    nn = torch.nn

    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(2, 3))
            self.register_buffer("mean", torch.linspace(-1, 1, 3, dtype=torch.float64))

    class Net(nn.Module):
        """The model tests/serialization rebuilds with nnx.nn.Module and Parameters."""

        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(3, 4))
            self.bias = nn.Parameter(torch.randn(3))
            self.register_buffer("steps", torch.tensor(7))
            self.inner = Inner()

    return Net


def _cases(torch):
    """name -> object to save (seeded, small)."""
    torch.manual_seed(0)
    Net = _model_class(torch)
    model = Net()
    f = torch.finfo
    dtypes = OrderedDict()
    dtypes["float32"] = torch.tensor([0.0, -0.0, 1.5, math.inf, -math.inf, f(torch.float32).max,
                                      f(torch.float32).tiny, 1e-45])
    dtypes["float64"] = torch.tensor([math.pi, -1e300, 5e-324, math.nan], dtype=torch.float64)
    dtypes["float16"] = torch.tensor([1.0, 65504.0, 6e-8, -2.5], dtype=torch.float16)
    dtypes["bfloat16"] = torch.tensor([1.0, -3.140625, 1e38, 9.2e-41, math.inf],
                                      dtype=torch.bfloat16)
    dtypes["int64"] = torch.tensor([-(2**63), 2**63 - 1, 0, -5])
    dtypes["int32"] = torch.tensor([-(2**31), 2**31 - 1, 3], dtype=torch.int32)
    dtypes["int16"] = torch.tensor([-(2**15), 2**15 - 1], dtype=torch.int16)
    dtypes["int8"] = torch.tensor([-128, 127, 0], dtype=torch.int8)
    dtypes["uint8"] = torch.tensor([0, 255, 17], dtype=torch.uint8)
    dtypes["bool"] = torch.tensor([True, False, True])
    dtypes["bf16_matrix_t"] = torch.arange(6, dtype=torch.bfloat16).reshape(2, 3).t()

    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    flat = torch.arange(12, dtype=torch.float64)
    views = {
        "base": base,
        "transposed": base.t(),
        "row": base[1],
        "column": base[:, 2],
        "strided": base[::2, 1::3],
        "offset": flat[5:11].view(2, 3),
        "flat": flat,
        "expanded": torch.ones(3)[None].expand(4, 3),
        "empty": torch.empty(0, 3),
        "scalar": torch.tensor(3.5),
        "tied": base,
        "int_view": torch.arange(10)[3:7],
    }
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    loss = (model.weight.sum() + model.bias.sum() + model.inner.weight.sum()) ** 2
    loss.backward()
    optimizer.step()
    wrappers = {
        "state_dict": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": 3,
        "best_loss": 0.25,
        "name": "run-1 \u00e9\u4e2d",
        "none": None,
        "flags": (True, False),
        "size": torch.Size([2, 3]),
        "nested": [{"a": [1, 2.5, "x", -(2**40)]}, (torch.tensor([1, 2]),)],
        "raw": b"\x00\xff\x10",
    }
    tagged = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    tagged.tag = "extra python state"
    parameters = [
        torch.nn.Parameter(torch.tensor([[0.5, -0.5]])),
        torch.nn.Parameter(torch.tensor([3.0]), requires_grad=False),
        tagged,
        torch.tensor([2.0, 4.0], requires_grad=True),
    ]
    return OrderedDict([
        ("state_dict", model.state_dict()),
        ("dtypes", dtypes),
        ("views", views),
        ("wrappers", wrappers),
        ("parameters", parameters),
    ]), model


class _Describer(TreeDescriber):
    def __init__(self, torch, case, entries):
        super().__init__()
        self.torch = torch
        self.tensor_type = torch.Tensor
        self.size_type = torch.Size
        self.case = case
        self.entries = entries
        self.storages = {}

    def _tensor(self, tensor, path):
        torch = self.torch
        data = tensor.detach()
        values = data.float() if data.dtype == torch.bfloat16 else data
        self.entries[f"{self.case}/t/{path}"] = values.numpy().copy()
        pointer = data.untyped_storage().data_ptr()
        node = {
            "tensor": path,
            "dtype": str(tensor.dtype).split(".")[-1],
            "param": isinstance(tensor, torch.nn.Parameter),
            "requires_grad": tensor.requires_grad,
            "shape": list(tensor.shape),
            "stride": list(tensor.stride()),
            "offset": tensor.storage_offset(),
            "storage": self.storages.setdefault(pointer, len(self.storages)),
        }
        if getattr(tensor, "__dict__", None):
            node["attributes"] = {k: v for k, v in vars(tensor).items() if isinstance(v, str)}
        return node


def compute_entries(torch):
    torch.set_num_threads(1)
    cases, _ = _cases(torch)
    entries = _generate.meta_entries(torch, FORMAT, list(cases))
    for name, obj in cases.items():
        tree = _Describer(torch, name, entries)(obj, "")
        entries[f"{name}/tree"] = np.array(json.dumps(tree, sort_keys=True))
    return entries, cases


def _unsupported(torch):
    """Files nnx must refuse: dtypes it lacks, and a whole pickled model."""
    torch.manual_seed(1)
    return {
        "unsupported_uint16.pt": {"x": torch.tensor([1, 2, 3], dtype=torch.uint16)},
        "unsupported_complex.pt": {"x": torch.ones(2, dtype=torch.complex64)},
        "full_model.pt": torch.nn.Linear(2, 2),
    }


def write(torch):
    os.makedirs(FOLDER, exist_ok=True)
    entries, cases = compute_entries(torch)
    for name, obj in cases.items():
        torch.save(obj, os.path.join(FOLDER, f"{name}.pt"))
        torch.save(obj, os.path.join(FOLDER, f"{name}_legacy.pt"),
                   _use_new_zipfile_serialization=False)
    buffer = io.BytesIO()            # a file object: torch names the folder 'archive'
    torch.save(cases["state_dict"], buffer)
    with open(os.path.join(FOLDER, "state_dict_archive.pt"), "wb") as f:
        f.write(buffer.getvalue())
    for filename, obj in _unsupported(torch).items():
        torch.save(obj, os.path.join(FOLDER, filename))
    _generate.write_npz(EXPECTED, entries)
    total = sum(os.path.getsize(os.path.join(FOLDER, n)) for n in os.listdir(FOLDER))
    print(f"wrote {len(os.listdir(FOLDER))} files to {FOLDER}: {total / 1024:.1f} KiB "
          f"(torch {torch.__version__})")


def check(torch):
    """Live torch: the fresh expectations match expected.npz, and torch.load of every
    committed .pt gives the same description (so the files are what the npz says)."""
    entries, cases = compute_entries(torch)
    status = _generate.check(EXPECTED, entries, lambda key, dtype: (0.0, 0.0),
                             f"{len(cases)} checkpoint cases")
    for name in cases:
        for suffix in ("", "_legacy"):
            path = os.path.join(FOLDER, f"{name}{suffix}.pt")
            loaded = torch.load(path, weights_only=True)
            fresh = {}
            tree = _Describer(torch, name, fresh)(loaded, "")
            if json.dumps(tree, sort_keys=True) != str(entries[f"{name}/tree"]):
                print(f"FAIL: {path}: torch.load gives a different tree")
                status = 1
            for key, value in fresh.items():
                if not np.array_equal(value, entries[key], equal_nan=True):
                    print(f"FAIL: {path}: {key} differs")
                    status = 1
    return status


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    torch = _generate._import_torch()
    if argv == ["--check"]:
        return check(torch)
    if argv:
        sys.exit("usage: generate_checkpoints.py [--check]")
    write(torch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
