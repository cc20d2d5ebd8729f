"""nnx.optim against golden runs recorded from torch==2.13.0 (tests/golden/optim_golden.npz,
written by tests/golden/generate_optim.py; this file never imports torch).

Each optimizer case replays STEPS steps on the fixture's problem, gradients from nnx's
autograd, and compares the losses, the parameters after every step and the final state
(values and dtypes: ``step`` is a float32 tensor). The state_dict tests stop a run
half-way, move it into a new optimizer over new parameters and check that the rest of the
run is the uninterrupted one.
"""

import copy

import numpy as np
import pytest
from _optim_helpers import (
    assert_close,
    build_optimizer,
    closure_for,
    load_golden,
    make_params,
    meta,
    numpy,
)

import nnx

GOLDEN = load_golden()
CASES = [str(c) for c in GOLDEN["__meta__/cases"]]
OPTIMIZERS = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad"}


def _expected_state(case):
    prefix = f"{case}/state/"
    state = {}
    for key in GOLDEN:
        if key.startswith(prefix):
            name, entry = key[len(prefix) :].split("/")
            state.setdefault(name, {})[entry] = GOLDEN[key]
    return state


def _check_state(opt, params, case):
    expected = _expected_state(case)
    actual = {n: opt.state[p] for n, p in params.items() if p in opt.state}
    assert sorted(actual) == sorted(expected), f"{case}: params with state"
    for name, entries in expected.items():
        assert sorted(actual[name]) == sorted(entries), f"{case}: state keys of {name}"
        for key, value in entries.items():
            assert_close(numpy(actual[name][key]), value, f"{case}: state {name}/{key}")


def test_fixture_covers_every_optimizer():
    assert {meta(GOLDEN, c)["optimizer"] for c in CASES} == OPTIMIZERS
    assert len(CASES) == len(set(CASES)) >= 20


@pytest.mark.parametrize("case", CASES)
def test_steps_match_torch(case):
    spec = meta(GOLDEN, case)
    params = make_params(GOLDEN)
    opt = build_optimizer(spec, params)
    closure = closure_for(GOLDEN, opt, params)
    start_c = numpy(params["c"]).copy()
    losses = GOLDEN[f"{case}/loss"]
    for step in range(len(losses)):
        loss = opt.step(closure)
        assert isinstance(loss, nnx.Tensor)
        assert_close(loss.item(), losses[step], f"{case}: loss at step {step}")
        for name in ("W", "b"):
            expected = GOLDEN[f"{case}/param/{name}"][step]
            assert_close(numpy(params[name]), expected, f"{case}: {name} after step {step + 1}")
    np.testing.assert_array_equal(numpy(params["c"]), start_c)  # no grad: never stepped
    _check_state(opt, params, case)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("split", [1, 3])
def test_state_dict_round_trip_continues_the_run(case, split):
    spec = meta(GOLDEN, case)
    params = make_params(GOLDEN)
    opt = build_optimizer(spec, params)
    closure = closure_for(GOLDEN, opt, params)
    for _ in range(split):
        opt.step(closure)
    saved = copy.deepcopy(opt.state_dict())

    # a fresh run: new parameters holding the current values, a new optimizer
    resumed = {n: nnx.nn.Parameter(p.detach().clone()) for n, p in params.items()}
    opt2 = build_optimizer(spec, resumed)
    opt2.load_state_dict(saved)
    assert opt2.state_dict()["param_groups"] == saved["param_groups"]
    closure2 = closure_for(GOLDEN, opt2, resumed)
    steps = len(GOLDEN[f"{case}/loss"])
    for step in range(split, steps):
        opt2.step(closure2)
        for name in ("W", "b"):
            expected = GOLDEN[f"{case}/param/{name}"][step]
            assert_close(numpy(resumed[name]), expected, f"{case}: {name} after step {step + 1}")
    _check_state(opt2, resumed, case)


def test_state_dict_aliases_like_torch():
    """torch's state_dict() holds the optimizer's own state tensors, and load_state_dict
    keeps a tensor that already has the parameter's dtype: the same objects."""
    spec = meta(GOLDEN, "adam_default")
    params = make_params(GOLDEN)
    opt = build_optimizer(spec, params)
    opt.step(closure_for(GOLDEN, opt, params))
    sd = opt.state_dict()
    assert sd["state"][0] is opt.state[params["W"]]
    assert sd["param_groups"][0] is not opt.param_groups[0]
    other = make_params(GOLDEN)
    opt2 = build_optimizer(spec, other)
    opt2.load_state_dict(sd)
    assert opt2.state[other["W"]] is not sd["state"][0]
    assert opt2.state[other["W"]]["exp_avg"] is sd["state"][0]["exp_avg"]
    assert opt2.state[other["W"]]["step"] is sd["state"][0]["step"]
