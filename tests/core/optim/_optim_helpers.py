"""Shared pieces of the nnx.optim tests: the golden fixture, its problem, exact messages."""

import json
import os
import re

import numpy as np
import pytest

import nnx
from nnx import optim

GOLDEN = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "golden", "optim_golden.npz"
)
REFERENCE_TORCH = "2.13.0"
RTOL, ATOL = 1e-10, 1e-13  # the replay's tolerance on float64 values


def raises(exc, message):
    """``exc`` whose message contains ``message`` verbatim."""
    return pytest.raises(exc, match=re.escape(message))


def load_golden():
    with np.load(GOLDEN, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    version = str(data["__meta__/torch_version"]).split("+")[0]
    assert version == REFERENCE_TORCH, f"fixture made with torch {version}"
    return data


def meta(golden, case):
    return json.loads(str(golden[f"{case}/meta"]))


def make_params(golden):
    """W, b, c as float64 Parameters holding the problem's starting values."""
    return {
        n: nnx.nn.Parameter(nnx.tensor(golden[f"problem/in/{n}"].copy())) for n in ("W", "b", "c")
    }


def loss_fn(golden, params):
    X, Y = (nnx.tensor(golden[f"problem/in/{n}"]) for n in ("X", "Y"))
    return ((nnx.tanh(X @ params["W"].T + params["b"]) - Y) ** 2).mean()


def _tuples(options):
    """JSON gives lists where torch's options are tuples (betas)."""
    return {k: tuple(v) if k == "betas" else v for k, v in options.items()}


def build_optimizer(spec, params):
    """The case's optimizer over ``params`` (a dict name -> Parameter)."""
    kwargs = _tuples(spec["kwargs"])
    if spec.get("tensor_lr"):
        kwargs["lr"] = nnx.tensor(kwargs["lr"])
    groups = [
        {**_tuples(g), "params": [params[n] for n in g["params"]]} for g in spec["groups"]
    ]
    return getattr(optim, spec["optimizer"])(groups, **kwargs)


def closure_for(golden, opt, params):
    def closure():
        opt.zero_grad()
        loss = loss_fn(golden, params)
        loss.backward()
        return loss

    return closure


def assert_close(actual, expected, what):
    actual = np.asarray(actual)
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype}, torch {expected.dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, torch {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


def numpy(t):
    return t.detach().numpy()


def param(*shape, values=None, dtype=nnx.float64):
    """A Parameter with a gradient set: ``values`` (default: 1, 2, 3 ...) and grad 0.5 each."""
    data = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape) if values is None else values
    p = nnx.nn.Parameter(nnx.tensor(np.asarray(data), dtype=dtype))
    p.grad = nnx.full_like(p, 0.5).detach()
    return p
