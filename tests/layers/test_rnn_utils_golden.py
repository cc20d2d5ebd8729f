"""nnx.nn.utils.rnn against values recorded from torch==2.13.0.

``tests/golden/rnn_utils_golden.npz`` is written by ``tests/golden/generate_rnn_utils.py``,
whose case table (expressions over ``R = lib.nn.utils.rnn``) this test replays with
``lib = nnx``: every output (a PackedSequence's four fields included), its dtype, its
``requires_grad`` and strides, and the gradients of ``sum_i (out_i * w_i).sum()``.
No torch needed.
"""

import json

import numpy as np
import pytest
from _golden_replay import load_fixture, load_golden_module

import nnx

gen = load_golden_module("_nnx_generate_rnn_utils", "generate_rnn_utils.py")


@pytest.fixture(scope="module")
def golden():
    data = load_fixture("rnn_utils_golden.npz")
    assert list(data["__meta__/cases"]) == list(gen.CASES), "regenerate the fixture"
    return data


@pytest.mark.parametrize("case", list(gen.CASES))
def test_case_matches_torch(golden, case):
    meta = json.loads(str(golden[f"{case}/meta"]))
    arrays = {name: golden[f"{case}/in/{name}"] for name in meta["inputs"]}
    outs, tensors, loss = gen.evaluate(nnx, case, arrays)
    assert len(outs) == meta["n_out"]
    assert [i for i, o in enumerate(outs) if o is None] == meta["none_outputs"]
    for i, o in enumerate(outs):
        if o is None:
            continue
        want = golden[f"{case}/out/{i}"]
        got = o.detach().numpy()
        assert got.dtype == want.dtype and got.shape == want.shape, (i, got.dtype, got.shape)
        np.testing.assert_array_equal(got, want, err_msg=f"output {i}")
        assert o.requires_grad == meta["out_requires_grad"][i], i
        assert list(o.stride()) == meta["out_strides"][i], (i, o.stride())
    if not meta["grads"]:
        assert loss is None or not any(t.requires_grad for t in tensors.values())
        return
    loss.backward()
    for name in meta["grads"]:
        np.testing.assert_allclose(tensors[name].grad.numpy(), golden[f"{case}/grad/{name}"],
                                   rtol=1e-12, atol=1e-14, err_msg=name)
    for name, t in tensors.items():
        if name not in meta["grads"]:
            assert t.grad is None, name
