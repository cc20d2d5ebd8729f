"""nnx.nn.functional's losses against torch 2.13.0 on the cases of
tests/golden/loss_cases.py (fixture tests/golden/loss_golden.npz, written by
tests/golden/generate_loss.py): outputs, their dtypes and requires_grad, and the
gradient of every input torch differentiates (None where torch leaves None)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import warnings

import numpy as np
import pytest

import nnx
import nnx.nn.functional as F

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "golden")
FIXTURE = os.path.join(GOLDEN_DIR, "loss_golden.npz")


def _load(name, filename):
    if name not in sys.modules:
        sys.path.insert(0, GOLDEN_DIR)
        spec = importlib.util.spec_from_file_location(name, os.path.join(GOLDEN_DIR, filename))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


loss_cases = _load("loss_cases", "loss_cases.py")
tolerance = _load("cases", "cases.py").tolerance


@pytest.fixture(scope="module")
def golden():
    with np.load(FIXTURE, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    assert str(data["__meta__/torch_version"]).split("+")[0] == "2.13.0"
    return data


def test_fixture_covers_table(golden):
    assert sorted(map(str, golden["__meta__/cases"])) == sorted(loss_cases.CASES_BY_NAME), (
        "loss_golden.npz is stale: run tests/golden/generate_loss.py (torch==2.13.0)")


def _close(actual, expected, case, what):
    actual = np.asarray(actual.detach().numpy())
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, torch {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype}, torch {expected.dtype}"
    rtol, atol = tolerance(case, expected.dtype.name)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True,
                               err_msg=what)


@pytest.mark.parametrize("name", list(loss_cases.CASES_BY_NAME))
def test_loss_matches_torch(name, golden):
    case = loss_cases.CASES_BY_NAME[name]
    meta = json.loads(str(golden[f"{name}/meta"]))
    assert meta["expr"] == case.expr, "stale fixture: regenerate it"
    inputs = {n: nnx.tensor(golden[f"{name}/in/{n}"].copy(),
                            requires_grad=bool(meta["requires_grad"][n]))
              for n in meta["inputs"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = eval(case.expr, {"__builtins__": __builtins__}, {"lib": nnx, "F": F, **inputs})
    assert str(out.dtype).split(".")[-1] == str(golden[f"{name}/out_dtype/0"])
    _close(out, golden[f"{name}/out/0"], case, f"{name}: output")
    assert out.requires_grad == meta["out_requires_grad"][0]
    if not meta["grad_checked"]:
        return
    (out * nnx.tensor(golden[f"{name}/gradw/0"].copy())).sum().backward()
    for n in meta["grad_inputs"]:
        assert inputs[n].grad is not None, f"{name}: no gradient for {n}"
        _close(inputs[n].grad, golden[f"{name}/grad/{n}"], case, f"{name}: grad of {n}")
    for n in meta["none_grad_inputs"]:
        assert inputs[n].grad is None, f"{name}: torch leaves {n}.grad None"
