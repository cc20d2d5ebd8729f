"""Every row of the layer case tables (``cases_<family>.py``) against its torch 2.13.0 fixture.

For each case: state_dict keys, order, shapes and dtypes, repr and default-init statistics
match torch's; then, for each (dtype, mode), the module loaded with torch's state gives
torch's outputs, input and parameter gradients and buffers after the passes; and float64
gradcheck holds.  The fixtures are ``tests/golden/layers_<family>.npz``, written by
``tests/golden/generate_layers.py`` (see ``_layer_case.py`` for the table's fields).
"""

from __future__ import annotations

import functools
import glob
import importlib
import json
import os

import numpy as np
import pytest
from _layer_case import In, init_draws, variants

import nnx
import nnx.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(os.path.dirname(HERE), "golden")

# default tolerances by dtype: rtol, and atol relative to the largest expected magnitude
RTOL = {"float64": 1e-10, "float32": 1e-5, "float16": 1e-3}


def _families():
    paths = sorted(glob.glob(os.path.join(HERE, "cases_*.py")))
    return [os.path.basename(p)[len("cases_"):-len(".py")] for p in paths]


TABLE = [(family, case) for family in _families()
         for case in importlib.import_module(f"cases_{family}").CASES]


def _case_id(family, case):
    return f"{family}:{case.name}"


@functools.cache
def _fixture(family):
    path = os.path.join(GOLDEN, f"layers_{family}.npz")
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: run tests/golden/generate_layers.py --family {family} "
                    "with torch==2.13.0")
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _meta(family, case):
    fx = _fixture(family)
    key = f"{case.name}/meta"
    if key not in fx:
        pytest.fail(f"layers_{family}.npz has no case {case.name!r}: regenerate it "
                    f"(tests/golden/generate_layers.py --family {family})")
    return json.loads(str(fx[key]))


def _tensor(arr, requires_grad=False):
    t = nnx.from_numpy(np.array(arr, copy=True))
    return t.requires_grad_(True) if requires_grad else t


def _value(fx, spec, key, grad=True):
    """A table value for nnx: the fixture's tensor for an ``In`` spec, else the value."""
    if isinstance(spec, In):
        return _tensor(fx[key], grad and spec.requires_grad)
    return spec


def _build(family, case, dtype, seed=0):
    fx = _fixture(family)
    prefix = f"{case.name}/{dtype}/ctor"
    args = [_value(fx, v, f"{prefix}/{i}", grad=False) for i, v in enumerate(case.args)]
    kwargs = {k: _value(fx, v, f"{prefix}/{k}", grad=False) for k, v in case.kwargs.items()}
    nnx.manual_seed(seed)
    return getattr(nn, case.cls)(*args, **kwargs).to(getattr(nnx, dtype))


def _load_torch_state(family, case, dtype, module):
    fx = _fixture(family)
    prefix = f"{case.name}/{dtype}/state/"
    state = {k[len(prefix):]: _tensor(v) for k, v in fx.items() if k.startswith(prefix)}
    module.load_state_dict(state)


def _inputs(family, case, dtype, mode):
    fx = _fixture(family)
    prefix = f"{case.name}/{dtype}/{mode}"
    args = [_value(fx, v, f"{prefix}/in/{i}") for i, v in enumerate(case.inputs)]
    kwargs = {k: _value(fx, v, f"{prefix}/kw/{k}") for k, v in case.forward_kwargs.items()}
    return args, kwargs


def _flatten(value):
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _flatten(item)]
    return [value]


def _assert_close(actual, expected, case, dtype, what):
    actual = actual.detach().numpy() if isinstance(actual, nnx.Tensor) else np.asarray(actual)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, torch {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype}, torch {expected.dtype}"
    if expected.dtype.kind != "f":
        np.testing.assert_array_equal(actual, expected, err_msg=what)
        return
    rtol = case.rtol if case.rtol is not None else RTOL[dtype]
    finite = np.abs(expected[np.isfinite(expected)])
    scale = max(float(finite.max()) if finite.size else 1.0, 1e-3)
    atol = case.atol if case.atol is not None else rtol * scale
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


# -- state, repr, init ----------------------------------------------------------------------

@pytest.mark.parametrize("family, case", TABLE, ids=[_case_id(*fc) for fc in TABLE])
def test_state_dict_and_repr_match_torch(family, case):
    meta = _meta(family, case)
    fx = _fixture(family)
    for dtype in case.dtypes:
        module = _build(family, case, dtype)
        state = module.state_dict()
        assert list(state) == meta["state_keys"]
        for key, value in state.items():
            expected = fx[f"{case.name}/{dtype}/state/{key}"]
            assert tuple(value.shape) == expected.shape, key
            assert value.numpy().dtype == expected.dtype, key
    assert repr(_build(family, case, case.dtypes[0])) == meta["repr"]


@pytest.mark.parametrize("family, case", TABLE, ids=[_case_id(*fc) for fc in TABLE])
def test_default_init_matches_torch_statistics(family, case):
    """Each parameter's fresh values follow torch's init: the same constant, or values in
    the range torch's draws span (with 15% slack) and a similar spread, over as many fresh
    modules on each side (``init_draws``: about 2000 values per parameter)."""
    fx = _fixture(family)
    _meta(family, case)
    prefix = f"{case.name}/init/"
    expected = {k[len(prefix):]: v for k, v in fx.items() if k.startswith(prefix)}
    probe = _build(family, case, case.dtypes[0], seed=999)
    sizes = {name: p.numel() for name, p in probe.named_parameters() if p.numel()}
    assert sorted(sizes) == sorted(expected)
    for name, (lo, hi, _mean, std) in expected.items():
        values = np.concatenate([
            dict(_build(family, case, case.dtypes[0], seed=1000 + draw).double()
                 .named_parameters())[name].detach().numpy().ravel()
            for draw in range(init_draws(sizes[name]))])
        if lo == hi:
            np.testing.assert_array_equal(values, lo, err_msg=f"{name}: torch inits it to {lo}")
            continue
        slack = 0.15 * (hi - lo)
        assert values.min() >= lo - slack and values.max() <= hi + slack, (
            f"{name}: nnx spans [{values.min():.4g}, {values.max():.4g}], torch [{lo:.4g}, "
            f"{hi:.4g}]")
        if values.size >= 64:
            assert 0.75 * std <= values.std() <= 1.33 * std, (
                f"{name}: nnx std {values.std():.4g}, torch {std:.4g}")


# -- values and gradients -------------------------------------------------------------------

GOLDEN_VARIANTS = [(family, case, dtype, mode) for family, case in TABLE if case.golden
                   for dtype, mode in variants(case)]


@pytest.mark.parametrize("family, case, dtype, mode", GOLDEN_VARIANTS,
                         ids=[f"{_case_id(f, c)}:{d}:{m}" for f, c, d, m in GOLDEN_VARIANTS])
def test_outputs_and_gradients_match_torch(family, case, dtype, mode):
    meta = _meta(family, case)["variants"][f"{dtype}/{mode}"]
    fx = _fixture(family)
    prefix = f"{case.name}/{dtype}/{mode}"
    module = _build(family, case, dtype)
    _load_torch_state(family, case, dtype, module)
    module.train(mode == "train")
    args, kwargs = _inputs(family, case, dtype, mode)
    for _ in range(case.steps):
        result = module(*args, **kwargs)
    outs = _flatten(result)
    assert len(outs) == len(meta["outputs"]), "number of outputs"
    loss = None
    for i, (out, info) in enumerate(zip(outs, meta["outputs"])):
        _assert_close(out, fx[f"{prefix}/out/{i}"], case, dtype, f"output {i}")
        if info["weighted"]:
            assert out.requires_grad, f"output {i} should require grad"
            term = (out * _tensor(fx[f"{prefix}/gradw/{i}"])).sum()
            loss = term if loss is None else loss + term
    if loss is not None:
        loss.backward()
        for i in meta["grad_in"]:
            _assert_close(args[i].grad, fx[f"{prefix}/grad_in/{i}"], case, dtype,
                          f"gradient of input {i}")
        for k in meta["grad_kw"]:
            _assert_close(kwargs[k].grad, fx[f"{prefix}/grad_kw/{k}"], case, dtype,
                          f"gradient of {k}")
        for name, p in module.named_parameters():
            if name in meta["grad_param"]:
                assert p.grad is not None, f"{name}.grad is None, torch has one"
                _assert_close(p.grad, fx[f"{prefix}/grad_param/{name}"], case, dtype,
                              f"gradient of {name}")
            else:
                assert p.grad is None, f"{name}.grad should stay None, as torch's"
    for key, value in module.state_dict().items():
        _assert_close(value, fx[f"{prefix}/state_after/{key}"], case, dtype,
                      f"{key} after the forward passes")


GRADCHECK = [(family, case) for family, case in TABLE
             if case.gradcheck and case.golden and "float64" in case.dtypes]


@pytest.mark.parametrize("family, case", GRADCHECK, ids=[_case_id(*fc) for fc in GRADCHECK])
def test_float64_gradcheck(family, case):
    mode = case.modes[0]
    module = _build(family, case, "float64")
    _load_torch_state(family, case, "float64", module)
    module.train(mode == "train")
    args, kwargs = _inputs(family, case, "float64", mode)
    arg_slots = [i for i, a in enumerate(args) if isinstance(a, nnx.Tensor) and a.requires_grad]
    kw_slots = [k for k, v in kwargs.items() if isinstance(v, nnx.Tensor) and v.requires_grad]
    params = [p for p in module.parameters() if p.requires_grad]
    wrt = [args[i] for i in arg_slots] + [kwargs[k] for k in kw_slots] + params
    if not wrt:
        pytest.fail(f"{case.name}: gradcheck=True but nothing requires grad; set "
                    "gradcheck=False in the table")

    def forward(*tensors):
        call_args, call_kwargs = list(args), dict(kwargs)
        for slot, t in zip(arg_slots, tensors):
            call_args[slot] = t
        for slot, t in zip(kw_slots, tensors[len(arg_slots):]):
            call_kwargs[slot] = t
        # the parameters are passed as themselves: gradcheck perturbs them in place
        outs = _flatten(module(*call_args, **call_kwargs))
        return tuple(o for o in outs if isinstance(o, nnx.Tensor) and o.is_floating_point())

    assert nnx.autograd.gradcheck(forward, tuple(wrt), eps=1e-6, atol=1e-5, rtol=1e-3)
