"""F.conv*, F.conv_transpose*, F.pad, F.unfold and F.fold against torch 2.13.0.

The fixture ``tests/golden/conv_golden.npz`` is written by ``tests/golden/generate_conv.py``
from the table ``tests/golden/conv_cases.py``; this test rebuilds each case's inputs from the
stored arrays, evaluates the same expression with nnx, and compares output, dtype and the
gradients of ``(out * w).sum()`` (w stored in the fixture).  It never imports torch.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import warnings

import numpy as np
import pytest

import nnx

F = nnx.nn.functional
GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "golden")
FIXTURE = os.path.join(GOLDEN_DIR, "conv_golden.npz")


def _load_table():
    if GOLDEN_DIR not in sys.path:
        sys.path.append(GOLDEN_DIR)    # conv_cases imports cases.py, its neighbour
    spec = importlib.util.spec_from_file_location("_nnx_conv_golden_cases",
                                                  os.path.join(GOLDEN_DIR, "conv_cases.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


table = _load_table()
import cases  # noqa: E402  (tests/golden, on sys.path once the table is loaded)


@pytest.fixture(scope="module")
def golden():
    with np.load(FIXTURE, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    assert str(data["__meta__/torch_version"]).split("+")[0] == "2.13.0"
    return data


def test_fixture_covers_table(golden):
    assert sorted(str(n) for n in golden["__meta__/cases"]) == sorted(table.CASES_BY_NAME), (
        "conv_golden.npz is stale: run tests/golden/generate_conv.py with torch==2.13.0")


def _close(actual, expected, case, what):
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    if expected.dtype.kind != "f":
        np.testing.assert_array_equal(actual, expected, err_msg=what)
        return
    rtol, atol = cases.tolerance(case, expected.dtype.name)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("name", list(table.CASES_BY_NAME))
def test_matches_torch(name, golden):
    case = table.CASES_BY_NAME[name]
    meta = json.loads(str(golden[f"{name}/meta"]))
    assert meta["expr"] == case.expr, "fixture is stale: regenerate it"
    inputs = {n: nnx.tensor(golden[f"{name}/in/{n}"].copy(),
                            requires_grad=bool(meta["requires_grad"][n]))
              for n in meta["inputs"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)     # padding='same', even kernel
        out = eval(case.expr, {"F": F, "lib": nnx}, inputs)
    _close(out.detach().numpy(), golden[f"{name}/out/0"], case, f"{name}: output")
    assert str(out.dtype).split(".")[-1] == str(golden[f"{name}/out_dtype/0"])
    if not meta["grad_checked"]:
        return
    (out * nnx.tensor(golden[f"{name}/gradw/0"].copy())).sum().backward()
    for in_name in meta["grad_inputs"]:
        _close(inputs[in_name].grad.numpy(), golden[f"{name}/grad/{in_name}"], case,
               f"{name}: grad of {in_name}")
