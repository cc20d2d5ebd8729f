"""F.conv*, F.conv_transpose*, F.pad, F.unfold and F.fold against torch 2.13.0.

The fixture ``tests/golden/conv_golden.npz`` is written by ``tests/golden/generate_conv.py``
from the table ``tests/golden/conv_cases.py``; this test rebuilds each case's inputs from the
stored arrays, evaluates the same expression with nnx, and compares output, dtype and the
gradients of ``(out * w).sum()`` (w stored in the fixture).  It never imports torch.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from _golden_replay import assert_covers, load_fixture, load_golden_module

import nnx

F = nnx.nn.functional
table = load_golden_module("_nnx_conv_golden_cases", "conv_cases.py")
cases = load_golden_module("cases", "cases.py")


@pytest.fixture(scope="module")
def golden():
    return load_fixture("conv_golden.npz")


def test_fixture_covers_table(golden):
    assert_covers(golden, table.CASES_BY_NAME, "conv_golden.npz", "generate_conv.py")


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
