"""nnx against golden values recorded from torch==2.13.0.

The fixture ``tests/golden/ops_golden.npz`` is written by
``tests/golden/generate.py`` from the case table ``tests/golden/cases.py``.
This test never imports torch: it rebuilds every case's inputs from the stored
arrays, evaluates the same expression with ``lib=nnx`` and
``F=nnx.nn.functional``, and compares outputs, output dtypes, ``requires_grad``
of the outputs, and gradients of ``sum_i (out_i * w_i).sum()``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys

import numpy as np
import pytest

import nnx as lib

F = lib.nn.functional

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "golden")
FIXTURE = os.path.join(GOLDEN_DIR, "ops_golden.npz")
REFERENCE_TORCH = "2.13.0"


def _load_cases():
    name = "_nnx_golden_cases"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, os.path.join(GOLDEN_DIR, "cases.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


cases = _load_cases()


@pytest.fixture(scope="module")
def golden():
    with np.load(FIXTURE, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    version = str(data["__meta__/torch_version"]).split("+")[0]
    assert version == REFERENCE_TORCH, (
        f"fixture made with torch {version}, expected {REFERENCE_TORCH}"
    )
    return data


def test_fixture_covers_table(golden):
    stored = [str(n) for n in golden["__meta__/cases"]]
    table = [c.name for c in cases.CASES]
    assert sorted(stored) == sorted(table), (
        "tests/golden/ops_golden.npz is out of date with cases.py; "
        "regenerate with `python tests/golden/generate.py` (torch==2.13.0)"
    )


def _dtype_name(dtype) -> str:
    # "nnx.float32" -> "float32" (torch's "torch.float32" is stored the same way)
    return str(dtype).split(".")[-1]


def _numpy(t) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def _assert_close(actual: np.ndarray, expected: np.ndarray, case, what: str) -> None:
    assert actual.shape == expected.shape, (
        f"{what}: shape {actual.shape}, torch gives {expected.shape}"
    )
    if expected.dtype.kind == "f":
        rtol, atol = cases.tolerance(case, expected.dtype.name)
        np.testing.assert_allclose(
            actual.astype(np.float64),
            expected.astype(np.float64),
            rtol=rtol,
            atol=atol,
            equal_nan=True,
            err_msg=what,
        )
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


@pytest.mark.parametrize("name", [c.name for c in cases.CASES])
def test_golden(name, golden):
    check_case(name, golden)


def check_case(name, golden):
    """Evaluate case ``name`` with nnx on the inputs in ``golden``; compare with torch's results.

    ``golden`` maps fixture keys to arrays: the committed fixture, or (tests/parity) the
    entries generate.run_case just produced with live torch.
    """
    case = cases.CASES_BY_NAME[name]
    key = f"{name}/meta"
    if key not in golden:
        pytest.fail(f"{name} missing from the fixture; regenerate with tests/golden/generate.py")
    meta = json.loads(str(golden[key]))
    assert meta["expr"] == case.expr, (
        f"fixture is stale for {name}: {meta['expr']!r} != {case.expr!r}"
    )

    # inputs, from the stored arrays
    inputs = {}
    for in_name in meta["inputs"]:
        arr = golden[f"{name}/in/{in_name}"]
        rg = bool(meta["requires_grad"][in_name])
        t = lib.tensor(arr.copy(), requires_grad=rg)
        assert _dtype_name(t.dtype) == arr.dtype.name, (
            f"input {in_name}: nnx.tensor(ndarray {arr.dtype}) gives {t.dtype}"
        )
        inputs[in_name] = t

    result = eval(case.expr, {"__builtins__": __builtins__}, {"lib": lib, "F": F, **inputs})

    if meta["tuple"]:
        assert isinstance(result, (tuple, list)), (
            f"expected a tuple/list of tensors, got {type(result)}"
        )
        outs = list(result)
    else:
        outs = [result]
    assert len(outs) == meta["n_out"], f"{len(outs)} outputs, torch gives {meta['n_out']}"

    for i, out in enumerate(outs):
        assert isinstance(out, lib.Tensor), f"output {i} is {type(out).__name__}, not a tensor"
        want_dtype = str(golden[f"{name}/out_dtype/{i}"])
        assert _dtype_name(out.dtype) == want_dtype, (
            f"output {i}: dtype {out.dtype}, torch gives {want_dtype}"
        )
        _assert_close(_numpy(out), golden[f"{name}/out/{i}"], case, f"{name}: output {i}")
        assert bool(out.requires_grad) == meta["out_requires_grad"][i], (
            f"output {i}: requires_grad={out.requires_grad}, "
            f"torch gives {meta['out_requires_grad'][i]}"
        )

    if not meta["grad_checked"]:
        return

    loss = None
    for i in meta["grad_outputs"]:
        w = lib.tensor(golden[f"{name}/gradw/{i}"].copy())
        term = (outs[i] * w).sum()
        loss = term if loss is None else loss + term
    loss.backward()

    for in_name in meta["grad_inputs"]:
        g = inputs[in_name].grad
        assert g is not None, f"{name}: no gradient for input {in_name}"
        expected = golden[f"{name}/grad/{in_name}"]
        assert _dtype_name(g.dtype) == expected.dtype.name, (
            f"grad of {in_name}: dtype {g.dtype}, torch gives {expected.dtype}"
        )
        _assert_close(_numpy(g), expected, case, f"{name}: grad of {in_name}")
    for in_name in meta["none_grad_inputs"]:
        assert inputs[in_name].grad is None, (
            f"{name}: torch leaves {in_name}.grad None (input unused by backward)"
        )
