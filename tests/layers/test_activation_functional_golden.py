"""The functionals behind the activation, distance and linear layers against torch 2.13.0:
outputs, output dtypes and gradients recorded in ``tests/golden/act_dist_golden.npz`` by
``tests/golden/generate_act_dist.py`` (case table ``tests/golden/cases_act_dist.py``).
This test never imports torch."""

import importlib.util
import json
import os
import sys

import numpy as np
import pytest

import nnx as lib

F = lib.nn.functional
GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "golden")
FIXTURE = os.path.join(GOLDEN_DIR, "act_dist_golden.npz")


def _load_table():
    name = "_nnx_golden_cases_act_dist"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(GOLDEN_DIR, "cases_act_dist.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


table = _load_table()


@pytest.fixture(scope="module")
def golden():
    with np.load(FIXTURE, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    assert str(data["__meta__/torch_version"]).split("+")[0] == "2.13.0"
    return data


def test_fixture_covers_table(golden):
    stored = sorted(str(n) for n in golden["__meta__/cases"])
    assert stored == sorted(c.name for c in table.CASES), (
        "act_dist_golden.npz is out of date: run tests/golden/generate_act_dist.py")


def _close(actual, expected, case, what):
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    if expected.dtype.kind == "f":
        rtol, atol = table.tolerance(case, expected.dtype.name)
        np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


def _dtype_name(dtype):
    return str(dtype).split(".")[-1]


@pytest.mark.parametrize("name", [c.name for c in table.CASES])
def test_matches_torch(name, golden):
    case = table.CASES_BY_NAME[name]
    meta = json.loads(str(golden[f"{name}/meta"]))
    assert meta["expr"] == case.expr, f"fixture is stale for {name}"
    inputs = {n: lib.tensor(golden[f"{name}/in/{n}"].copy(),
                            requires_grad=bool(meta["requires_grad"][n]))
              for n in meta["inputs"]}
    out = eval(case.expr, {"__builtins__": __builtins__}, {"lib": lib, "F": F, **inputs})
    assert _dtype_name(out.dtype) == str(golden[f"{name}/out_dtype/0"])
    _close(out.detach().numpy(), golden[f"{name}/out/0"], case, f"{name}: output")
    assert bool(out.requires_grad) == meta["out_requires_grad"][0]
    if not meta["grad_checked"]:
        return
    (out * lib.tensor(golden[f"{name}/gradw/0"].copy())).sum().backward()
    for in_name in meta["grad_inputs"]:
        grad = inputs[in_name].grad
        expected = golden[f"{name}/grad/{in_name}"]
        assert grad is not None and _dtype_name(grad.dtype) == expected.dtype.name, in_name
        _close(grad.numpy(), expected, case, f"{name}: grad of {in_name}")
