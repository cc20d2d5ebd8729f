#!/usr/bin/env python
"""Generate (or check) the golden fixture ``optim_golden.npz`` from live torch.

Usage (needs torch==2.13.0, the reference version; imports only torch and numpy):

    python tests/golden/generate_optim.py            # (re)write tests/golden/optim_golden.npz
    python tests/golden/generate_optim.py --check    # recompute and compare with the file
    python tests/golden/generate_optim.py --out PATH # write elsewhere

The case tables are below. Each optimizer case runs ``STEPS`` steps of torch.optim on one
fixed float64 problem (params ``W`` (3, 4), ``b`` (3,) and ``c`` (2,), which never gets a
gradient; loss ``mean((tanh(X @ W.T + b) - Y)**2)``); each scheduler case steps a
two-group SGD's learning rates ``SCHED_STEPS`` times. ``tests/core/optim/test_golden_optim.py``
replays them with nnx. Layout (written like ops_golden.npz, reproducible bytes):

    __meta__/torch_version, __meta__/numpy_version, __meta__/format    0-d str
    __meta__/cases, __meta__/schedulers                                1-d str, table order
    problem/in/<W|b|c|X|Y>                                             the problem's arrays
    <case>/meta                0-d str JSON: optimizer, kwargs, groups (params by name and
                               overrides), tensor_lr (lr given as a 0-d float32 tensor)
    <case>/loss                (STEPS,) the closure's loss at each step
    <case>/param/<name>        (STEPS, *shape) the parameter after each step
    <case>/state/<name>/<key>  the final state tensors (with their dtype: step is float32)
    <sched>/meta               0-d str JSON: scheduler, kwargs (lr_lambda as source),
                               lrs, and optionally metrics, epochs, initial_lr
    <sched>/lr                 (SCHED_STEPS + 1, groups) the lrs after construction and
                               after each step
"""

from __future__ import annotations

import json
import os
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generate as _generate  # noqa: E402  (the ops generator next to this file)

FORMAT = "nnx-optim-golden-1"
DEFAULT_OUT = os.path.join(HERE, "optim_golden.npz")
STEPS = 5
SCHED_STEPS = 20
RTOL, ATOL = 1e-10, 1e-13  # --check: live torch against the stored values


def make_problem() -> dict:
    """The fixed problem's arrays (float64, from a fixed seed; numpy only)."""
    rng = np.random.default_rng(20250213)
    return {
        "W": rng.standard_normal((3, 4)) * 0.5,
        "b": rng.standard_normal(3) * 0.1,
        "c": rng.standard_normal(2),
        "X": rng.standard_normal((8, 4)),
        "Y": rng.uniform(-0.8, 0.8, size=(8, 3)),
    }


def _one(**kwargs):
    return {"groups": [{"params": ["W", "b", "c"]}], "kwargs": kwargs}


def _two(group1, **kwargs):
    """W in group 0 with the defaults; b and c in group 1 with ``group1``'s overrides."""
    return {"groups": [{"params": ["W"]}, {"params": ["b", "c"], **group1}], "kwargs": kwargs}


# name -> (optimizer, spec). Options cover every branch of each update.
OPTIMIZER_CASES = {
    "sgd_plain": ("SGD", _one(lr=0.1)),
    "sgd_momentum": ("SGD", _one(lr=0.1, momentum=0.9)),
    "sgd_dampening_wd": ("SGD", _one(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    "sgd_nesterov": ("SGD", _one(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    "sgd_maximize": ("SGD", _one(lr=0.1, momentum=0.5, maximize=True)),
    "sgd_groups": ("SGD", _two({"lr": 0.2, "momentum": 0.7}, lr=0.1)),
    "sgd_tensor_lr": ("SGD", {**_one(lr=0.1, momentum=0.9), "tensor_lr": True}),
    "adam_default": ("Adam", _one(lr=0.01)),
    "adam_weight_decay": ("Adam", _one(lr=0.01, weight_decay=0.1)),
    "adam_amsgrad": ("Adam", _one(lr=0.02, betas=(0.8, 0.99), amsgrad=True)),
    "adam_maximize_eps": ("Adam", _one(lr=0.01, eps=1e-3, maximize=True)),
    "adam_decoupled": ("Adam", _one(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    "adam_groups": ("Adam", _two({"lr": 0.05, "betas": (0.5, 0.9)}, lr=0.01)),
    "adam_tensor_lr": ("Adam", {**_one(lr=0.01, weight_decay=0.05), "tensor_lr": True}),
    "adamw_default": ("AdamW", _one(lr=0.01)),
    "adamw_amsgrad_maximize": (
        "AdamW",
        _one(lr=0.02, weight_decay=0.1, amsgrad=True, maximize=True),
    ),
    "adamw_groups": ("AdamW", _two({"lr": 0.03, "weight_decay": 0.5}, lr=0.01)),
    "rmsprop_default": ("RMSprop", _one(lr=0.01)),
    "rmsprop_centered": ("RMSprop", _one(lr=0.01, centered=True)),
    "rmsprop_momentum_wd": ("RMSprop", _one(lr=0.01, momentum=0.9, weight_decay=0.05)),
    "rmsprop_all": (
        "RMSprop",
        _one(lr=0.02, alpha=0.9, eps=1e-6, centered=True, momentum=0.5, maximize=True),
    ),
    "rmsprop_groups": ("RMSprop", _two({"alpha": 0.5, "centered": True}, lr=0.01)),
    "adagrad_default": ("Adagrad", _one(lr=0.1)),
    "adagrad_decay_wd": ("Adagrad", _one(lr=0.1, lr_decay=0.1, weight_decay=0.05)),
    "adagrad_init_maximize": (
        "Adagrad",
        _one(lr=0.1, initial_accumulator_value=0.5, eps=1e-6, maximize=True),
    ),
    # a group's initial_accumulator_value is ignored: the constructor's is used
    "adagrad_groups": (
        "Adagrad",
        _two({"lr": 0.3, "lr_decay": 0.2, "initial_accumulator_value": 0.7}, lr=0.1),
    ),
}

_PLATEAU_METRICS = [
    1.0, 0.9, 0.95, 0.97, 0.9, 0.8, 0.85, 0.85, 0.86, 0.7,
    0.7, 0.71, 0.72, 0.73, 0.6, 0.61, 0.62, 0.63, 0.64, 0.65,
]  # fmt: skip

# name -> (scheduler, spec). lr_lambda entries are sources, evaluated by both sides.
SCHEDULER_CASES = {
    "steplr": ("StepLR", {"kwargs": {"step_size": 3, "gamma": 0.5}}),
    "steplr_closed_form": (
        "StepLR",
        {"kwargs": {"step_size": 3, "gamma": 0.5}, "epochs": list(range(0, 40, 2))},
    ),
    "multisteplr": ("MultiStepLR", {"kwargs": {"milestones": [2, 5, 5, 9, 15], "gamma": 0.3}}),
    "multisteplr_closed_form": (
        "MultiStepLR",
        {
            "kwargs": {"milestones": [2, 5, 5, 9], "gamma": 0.3},
            "epochs": [9 - (i % 10) for i in range(20)],
        },
    ),
    "exponentiallr": ("ExponentialLR", {"kwargs": {"gamma": 0.9}}),
    "exponentiallr_resume": (
        "ExponentialLR",
        {"kwargs": {"gamma": 0.9, "last_epoch": 3}, "initial_lr": [0.2, 0.1]},
    ),
    "cosine": ("CosineAnnealingLR", {"kwargs": {"T_max": 7, "eta_min": 0.01}}),
    "cosine_no_min": ("CosineAnnealingLR", {"kwargs": {"T_max": 5}}),
    "cosine_closed_form": (
        "CosineAnnealingLR",
        {"kwargs": {"T_max": 6, "eta_min": 0.001}, "epochs": [3 * i % 17 for i in range(20)]},
    ),
    "cosine_resume": (
        "CosineAnnealingLR",
        {"kwargs": {"T_max": 10, "eta_min": 0.0, "last_epoch": 4}, "initial_lr": [0.2, 0.1]},
    ),
    "lambdalr": ("LambdaLR", {"kwargs": {"lr_lambda": "lambda epoch: 0.95 ** epoch"}}),
    "lambdalr_list": (
        "LambdaLR",
        {
            "kwargs": {
                "lr_lambda": ["lambda epoch: 1 / (epoch + 1)", "lambda epoch: epoch // 3 + 1"]
            }
        },
    ),
    "plateau_min": (
        "ReduceLROnPlateau",
        {"kwargs": {"factor": 0.5, "patience": 2}, "metrics": _PLATEAU_METRICS},
    ),
    "plateau_max_abs_cooldown": (
        "ReduceLROnPlateau",
        {
            "kwargs": {
                "mode": "max",
                "factor": 0.5,
                "patience": 1,
                "threshold": 0.05,
                "threshold_mode": "abs",
                "cooldown": 2,
                "min_lr": [0.01, 0.02],
            },
            "metrics": [-m for m in _PLATEAU_METRICS],
        },
    ),
    "plateau_min_lr_eps": (
        "ReduceLROnPlateau",
        {
            "kwargs": {"factor": 0.3, "patience": 0, "min_lr": 0.004, "eps": 1e-3},
            "metrics": _PLATEAU_METRICS,
        },
    ),
}
SCHED_LRS = [0.1, 0.05]


def _loss(torch, W, b, X, Y):
    return ((torch.tanh(X @ W.T + b) - Y) ** 2).mean()


def run_optimizer_case(torch, name, optimizer, spec, problem) -> dict:
    params = {
        n: torch.nn.Parameter(torch.from_numpy(problem[n].copy())) for n in ("W", "b", "c")
    }
    X, Y = (torch.from_numpy(problem[n].copy()) for n in ("X", "Y"))
    kwargs = dict(spec["kwargs"])
    if spec.get("tensor_lr"):
        kwargs["lr"] = torch.tensor(kwargs["lr"])
    groups = [
        {**g, "params": [params[n] for n in g["params"]]}
        for g in (json.loads(json.dumps(g)) for g in spec["groups"])
    ]
    for group in groups:  # JSON has lists where torch's options are tuples
        if "betas" in group:
            group["betas"] = tuple(group["betas"])
    opt = getattr(torch.optim, optimizer)(groups, **kwargs)

    def closure():
        opt.zero_grad()
        loss = _loss(torch, params["W"], params["b"], X, Y)
        loss.backward()
        return loss

    losses, trace = [], {n: [] for n in params}
    for _ in range(STEPS):
        losses.append(opt.step(closure).item())
        for n, p in params.items():
            trace[n].append(p.detach().numpy().copy())
    entries = {
        f"{name}/meta": _generate._str(
            json.dumps({"optimizer": optimizer, **spec}, sort_keys=True)
        ),
        f"{name}/loss": np.array(losses),
    }
    for n in ("W", "b"):
        entries[f"{name}/param/{n}"] = np.stack(trace[n])
    if not np.array_equal(trace["c"][-1], problem["c"]):
        raise RuntimeError("c, which has no gradient, was updated")
    for n, p in params.items():
        for key, value in opt.state.get(p, {}).items():
            entries[f"{name}/state/{n}/{key}"] = value.detach().numpy().copy()
    return entries


def run_scheduler_case(torch, name, scheduler, spec) -> dict:
    weights = [torch.nn.Parameter(torch.zeros(2, dtype=torch.float64)) for _ in SCHED_LRS]
    opt = torch.optim.SGD([{"params": [w], "lr": lr} for w, lr in zip(weights, SCHED_LRS)])
    for group, initial in zip(opt.param_groups, spec.get("initial_lr", [])):
        group["initial_lr"] = initial
    kwargs = dict(spec["kwargs"])
    if "lr_lambda" in kwargs:
        source = kwargs["lr_lambda"]
        kwargs["lr_lambda"] = (
            [eval(s) for s in source] if isinstance(source, list) else eval(source)
        )
    sched = getattr(torch.optim.lr_scheduler, scheduler)(opt, **kwargs)
    lrs = [[g["lr"] for g in opt.param_groups]]
    for i in range(SCHED_STEPS):
        opt.step()  # no gradients: only keeps the scheduler's order check quiet
        if "metrics" in spec:
            sched.step(spec["metrics"][i])
        elif "epochs" in spec:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the epoch argument is deprecated
                sched.step(spec["epochs"][i])
        else:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        if sched.get_last_lr() != lrs[-1]:
            raise RuntimeError("get_last_lr() disagrees with the groups")
    meta = {"scheduler": scheduler, "lrs": SCHED_LRS, **spec}
    return {
        f"{name}/meta": _generate._str(json.dumps(meta, sort_keys=True)),
        f"{name}/lr": np.array(lrs, dtype=np.float64),
    }


def compute_all(torch) -> dict:
    torch.manual_seed(0)
    torch.set_num_threads(1)  # reproducible reduction order
    problem = make_problem()
    entries = _generate.meta_entries(torch, FORMAT, OPTIMIZER_CASES)
    entries["__meta__/schedulers"] = np.array(list(SCHEDULER_CASES))
    entries.update({f"problem/in/{k}": v for k, v in problem.items()})
    for name, (optimizer, spec) in OPTIMIZER_CASES.items():
        entries.update(run_optimizer_case(torch, name, optimizer, spec, problem))
    for name, (scheduler, spec) in SCHEDULER_CASES.items():
        entries.update(run_scheduler_case(torch, name, scheduler, spec))
    return entries


def main(argv=None) -> int:
    summary = f"{len(OPTIMIZER_CASES)} optimizer and {len(SCHEDULER_CASES)} scheduler cases"
    return _generate.run(
        __doc__.split("\n\n")[0],
        compute_all,
        DEFAULT_OUT,
        summary,
        tolerance=lambda key, dtype: (RTOL, ATOL),
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
