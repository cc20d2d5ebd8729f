"""RNN, LSTM, GRU and their cells against torch 2.13: values and gradients of the input, the
initial states and every parameter, from ``tests/golden/rnn_golden.npz`` (written by
``tests/golden/generate_rnn.py``).  Padded, batch_first, unbatched and packed inputs."""

import json
import os

import numpy as np
import pytest

import nnx
import nnx.nn as nn

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "golden", "rnn_golden.npz")

with np.load(FIXTURE, allow_pickle=False) as _f:
    GOLDEN = {k: _f[k] for k in _f.files}
CASES = [str(c) for c in GOLDEN["__meta__/cases"]]

# float32: rtol 1e-5 as the issue asks; atol covers values that cancel to ~0
TOL = {"float32": dict(rtol=1e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def _entries(case, kind):
    prefix = f"{case}/{kind}/"
    return {k[len(prefix):]: v for k, v in GOLDEN.items() if k.startswith(prefix)}


def _build(case):
    meta = json.loads(str(GOLDEN[f"{case}/meta"]))
    params = _entries(case, "param")
    x = GOLDEN[f"{case}/in/x"]
    dtype = getattr(nnx, x.dtype.name)
    module = getattr(nn, meta["cls"])(x.shape[-1], meta["hidden"], **meta["kwargs"], dtype=dtype)
    assert list(module.state_dict()) == meta["params"]
    module.load_state_dict({k: nnx.tensor(v) for k, v in params.items()})
    return meta, module


def _run(case, module, meta):
    inputs = {k: nnx.tensor(GOLDEN[f"{case}/in/{k}"], requires_grad=True)
              for k in ["x"] + meta["states"]}
    inp = inputs["x"]
    if meta["packed"]:
        from nnx.nn.utils.rnn import PackedSequence
        inp = PackedSequence(inp, *(nnx.tensor(GOLDEN[f"{case}/in/{k}"]) for k in
                                    ("batch_sizes", "sorted_indices", "unsorted_indices")))
    if not meta["states"]:
        hx = None
    elif "c0" in meta["states"]:
        hx = (inputs["h0"], inputs["c0"])
    else:
        hx = inputs["h0"]
    result = module(inp, hx)
    if meta["cls"].endswith("Cell"):
        outs = result if isinstance(result, tuple) else (result,)
    else:
        out, hid = result
        outs = ((out.data if meta["packed"] else out),) + (hid if isinstance(hid, tuple)
                                                           else (hid,))
    return inputs, dict(zip(meta["outputs"], outs))


@pytest.mark.parametrize("case", CASES)
def test_values_and_gradients_match_torch(case):
    meta, module = _build(case)
    inputs, outs = _run(case, module, meta)
    tol = TOL[str(GOLDEN[f"{case}/in/x"].dtype)]
    loss = 0
    for name, value in outs.items():
        np.testing.assert_allclose(value.detach().numpy(), GOLDEN[f"{case}/out/{name}"], **tol,
                                   err_msg=f"{case} output {name}")
        loss = loss + (value * nnx.tensor(GOLDEN[f"{case}/gradw/{name}"])).sum()
    loss.backward()
    grads = _entries(case, "grad")
    got = {k: t.grad for k, t in inputs.items()}
    got.update({k: p.grad for k, p in module.named_parameters()})
    assert set(got) == set(grads)
    for name, expected in grads.items():
        np.testing.assert_allclose(got[name].numpy(), expected, **tol,
                                   err_msg=f"{case} grad {name}")
