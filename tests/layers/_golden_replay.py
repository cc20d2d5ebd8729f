"""The replay side of the functional golden fixtures in tests/golden (written by a
``generate*.py`` script with torch 2.13.0, read here with nnx and no torch).

- ``load_golden_module``: import a case table or generator from tests/golden once;
- ``load_fixture``: a fixture's arrays, after checking that torch 2.13.0 made it;
- ``assert_covers``: the fixture holds exactly the table's cases;
- ``replay_expression_case``: one case of ``generate.run_case``'s layout (an expression
  over ``lib``/``F`` and named inputs) evaluated with nnx and compared with torch's
  outputs, output dtypes, ``requires_grad`` and gradients.
"""

import importlib.util
import json
import os
import sys
import warnings

import numpy as np

GOLDEN_DIR = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "golden"))
REFERENCE_TORCH = "2.13.0"


def load_golden_module(name, filename):
    """tests/golden/<filename> imported as ``sys.modules[name]`` (once); tests/golden is
    put on sys.path first, so the module can import its neighbours (cases.py, generate.py)."""
    if name not in sys.modules:
        if GOLDEN_DIR not in sys.path:
            sys.path.insert(0, GOLDEN_DIR)
        spec = importlib.util.spec_from_file_location(name, os.path.join(GOLDEN_DIR, filename))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def load_fixture(filename):
    """All arrays of tests/golden/<filename>; fails unless torch 2.13.0 recorded them."""
    with np.load(os.path.join(GOLDEN_DIR, filename), allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    assert str(data["__meta__/torch_version"]).split("+")[0] == REFERENCE_TORCH
    return data


def assert_covers(golden, case_names, fixture, script):
    """The fixture's case list is the table's (in any order)."""
    assert sorted(map(str, golden["__meta__/cases"])) == sorted(case_names), (
        f"{fixture} is out of date: run tests/golden/{script} (torch==2.13.0)")


def _dtype_name(dtype):
    return str(dtype).split(".")[-1]


def _close(actual, expected, tolerance, case, what):
    """Same shape and dtype; floats within ``tolerance(case, dtype_name)``, others equal."""
    actual = np.asarray(actual.detach().numpy())
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, torch {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype}, torch {expected.dtype}"
    if expected.dtype.kind == "f":
        rtol, atol = tolerance(case, expected.dtype.name)
        np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


def replay_expression_case(lib, name, case, golden, tolerance, quiet=False,
                           none_grads=True):
    """Evaluate ``case.expr`` with ``lib`` (= nnx, ``F`` its functional) on the fixture's
    inputs and compare with torch: the output, its dtype and ``requires_grad``; then, if
    torch's gradients were recorded, the gradients of ``(out * w).sum()``, and None where
    torch leaves a gradient None (unless ``none_grads`` is False).
    ``tolerance(case, dtype_name)`` gives (rtol, atol); ``quiet`` silences the warnings
    the expression raises (deprecated arguments)."""
    meta = json.loads(str(golden[f"{name}/meta"]))
    assert meta["expr"] == case.expr, f"fixture is stale for {name}: regenerate it"
    inputs = {n: lib.tensor(golden[f"{name}/in/{n}"].copy(),
                            requires_grad=bool(meta["requires_grad"][n]))
              for n in meta["inputs"]}
    namespace = {"lib": lib, "F": lib.nn.functional, **inputs}
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore")
        out = eval(case.expr, {"__builtins__": __builtins__}, namespace)
    assert _dtype_name(out.dtype) == str(golden[f"{name}/out_dtype/0"]), f"{name}: dtype"
    _close(out, golden[f"{name}/out/0"], tolerance, case, f"{name}: output")
    assert bool(out.requires_grad) == meta["out_requires_grad"][0], f"{name}: requires_grad"
    if not meta["grad_checked"]:
        return
    (out * lib.tensor(golden[f"{name}/gradw/0"].copy())).sum().backward()
    for n in meta["grad_inputs"]:
        assert inputs[n].grad is not None, f"{name}: no gradient for {n}"
        _close(inputs[n].grad, golden[f"{name}/grad/{n}"], tolerance, case,
               f"{name}: grad of {n}")
    for n in meta["none_grad_inputs"] if none_grads else ():
        assert inputs[n].grad is None, f"{name}: torch leaves {n}.grad None"
