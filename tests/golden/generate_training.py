#!/usr/bin/env python
"""Generate (or check) ``training_golden.npz``: 30 training steps of a small MLP in torch.

Usage (needs torch==2.13.0, the reference version; imports only torch and numpy):

    python tests/golden/generate_training.py            # (re)write the fixture
    python tests/golden/generate_training.py --check    # recompute and compare

The model is ``nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))`` in float64,
its initial weights drawn by NumPy from a fixed seed (so nnx loads the same ones through
``load_state_dict``), trained on a fixed batch with cross-entropy for ``STEPS`` steps by each
optimizer of the table.  ``tests/core/nn/test_training_golden.py`` replays it with nnx.

Layout (written like ops_golden.npz, reproducible bytes):

    __meta__/torch_version, __meta__/numpy_version, __meta__/format    0-d str
    __meta__/cases                                 1-d str, table order
    data/X (32, 4) float64, data/y (32,) int64     the batch
    init/<key>                                     the initial state_dict
    <case>/meta                                    0-d str JSON: optimizer and kwargs
    <case>/loss                                    (STEPS,) loss before each step
    <case>/final/<key>                             the state_dict after the last step
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generate as _generate  # noqa: E402  (the ops generator next to this file)

FORMAT = "nnx-training-golden-1"
DEFAULT_OUT = os.path.join(HERE, "training_golden.npz")
STEPS = 30
RTOL, ATOL = 1e-10, 1e-12

CASES = {
    "sgd_momentum": ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-3}),
    "sgd_nesterov": ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    "adam": ("Adam", {"lr": 0.01}),
    "adamw_amsgrad": ("AdamW", {"lr": 0.01, "weight_decay": 0.05, "amsgrad": True}),
    "rmsprop_centered": ("RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True}),
    "adagrad": ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
}


def make_data() -> dict:
    """The batch and the initial weights (float64, NumPy only, fixed seed)."""
    rng = np.random.default_rng(20261124)
    x = rng.standard_normal((32, 4))
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(np.int64) + (x[:, 3] > 1).astype(np.int64)
    init = {
        "0.weight": rng.uniform(-0.5, 0.5, (16, 4)),
        "0.bias": rng.uniform(-0.5, 0.5, 16),
        "2.weight": rng.uniform(-0.25, 0.25, (3, 16)),
        "2.bias": rng.uniform(-0.25, 0.25, 3),
    }
    return {"X": x, "y": y, "init": init}


def train(torch, data, optimizer, kwargs) -> tuple:
    """(losses, final state_dict as arrays) of STEPS steps of ``optimizer``."""
    nn = torch.nn
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3)).double()
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in data["init"].items()})
    opt = getattr(torch.optim, optimizer)(model.parameters(), **kwargs)
    x, y = torch.from_numpy(data["X"]), torch.from_numpy(data["y"])
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    final = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    return np.array(losses), final


def compute_all(torch) -> dict:
    torch.set_num_threads(1)  # one summation order: the fixture is bit-stable
    data = make_data()
    entries = _generate.meta_entries(torch, FORMAT, CASES)
    entries.update({"data/X": data["X"], "data/y": data["y"]})
    entries.update({f"init/{k}": v for k, v in data["init"].items()})
    for name, (optimizer, kwargs) in CASES.items():
        losses, final = train(torch, data, optimizer, kwargs)
        entries[f"{name}/meta"] = _generate._str(
            json.dumps({"optimizer": optimizer, "kwargs": kwargs}, sort_keys=True))
        entries[f"{name}/loss"] = losses
        entries.update({f"{name}/final/{k}": v for k, v in final.items()})
    return entries


def main(argv=None) -> int:
    return _generate.run(
        __doc__.split("\n\n")[0],
        compute_all,
        DEFAULT_OUT,
        f"{len(CASES)} training runs of {STEPS} steps",
        tolerance=lambda key, dtype: (RTOL, ATOL),
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
