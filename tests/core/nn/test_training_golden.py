"""A 30-step training run of a small MLP built from nnx.nn pieces equals torch's
(``tests/golden/training_golden.npz``, made by ``generate_training.py`` from torch 2.13.0).

The MLP is a ``Sequential`` of the test ``Lin`` (torch.nn.Linear's parameters and forward)
and a Tanh module, so its state_dict keys are torch's; it loads torch's initial weights with
``load_state_dict``, trains with ``nnx.optim`` on cross-entropy, and must give the same
loss at every step and the same final weights, in float64, to rtol 1e-10.
"""

import json
import os

import numpy as np
import pytest
from _nn_helpers import Lin

import nnx
from nnx import nn

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "golden", "training_golden.npz")
GOLDEN = np.load(FIXTURE)
CASES = [str(c) for c in GOLDEN["__meta__/cases"]]


class Tanh(nn.Module):
    def forward(self, x):
        return nnx.tanh(x)


def mlp():
    return nn.Sequential(Lin(4, 16, dtype=nnx.float64), Tanh(), Lin(16, 3, dtype=nnx.float64))


def test_fixture_comes_from_the_reference_torch():
    assert str(GOLDEN["__meta__/torch_version"]).startswith("2.13.0")


@pytest.mark.parametrize("case", CASES)
def test_training_run_matches_torch(case):
    meta = json.loads(str(GOLDEN[f"{case}/meta"]))
    model = mlp()
    init = {key[len("init/"):]: nnx.tensor(GOLDEN[key]) for key in GOLDEN.files
            if key.startswith("init/")}
    assert model.load_state_dict(init).missing_keys == []
    optimizer = getattr(nnx.optim, meta["optimizer"])(model.parameters(), **meta["kwargs"])
    x, y = nnx.tensor(GOLDEN["data/X"]), nnx.tensor(GOLDEN["data/y"])
    losses = []
    for _ in range(len(GOLDEN[f"{case}/loss"])):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    np.testing.assert_allclose(losses, GOLDEN[f"{case}/loss"], rtol=1e-10, atol=0)
    final = model.state_dict()
    assert list(final) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for key, value in final.items():
        np.testing.assert_allclose(value.numpy(), GOLDEN[f"{case}/final/{key}"],
                                   rtol=1e-10, atol=1e-13, err_msg=key)
