#!/usr/bin/env python
"""Generate (or check) the golden fixture ``rnn_golden.npz`` of the recurrent layers.

Usage (needs torch==2.13.0, the reference version; imports only torch and numpy):

    python tests/golden/generate_rnn.py            # (re)write tests/golden/rnn_golden.npz
    python tests/golden/generate_rnn.py --check    # recompute and compare with the file

Each case builds a torch module (RNN/LSTM/GRU or a cell) from ``kwargs`` with fixed
parameters, runs it on fixed inputs (padded, batch_first, unbatched or packed) and records
the outputs and the gradients of ``sum(out_i * w_i)`` with respect to the input, the given
states and every parameter.  ``tests/layers/test_rnn_golden.py`` replays them with nnx.
Layout (written like ops_golden.npz, reproducible bytes):

    __meta__/torch_version, __meta__/numpy_version, __meta__/format    0-d str
    __meta__/cases                                                     1-d str, table order
    <case>/meta            0-d str JSON: cls, kwargs, packed, given states, output names
    <case>/param/<name>    every parameter (state_dict order is checked by the test)
    <case>/in/<x|h0|c0>    the input (the packed data when packed) and the given states
    <case>/in/batch_sizes, sorted_indices, unsorted_indices   packed cases (int64)
    <case>/out/<name>      outputs: out, h_n, c_n (cells: h, c)
    <case>/gradw/<name>    the weight w_i of each output in the loss
    <case>/grad/<name>     d loss / d input, states and parameters
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from generate import meta_entries, run  # noqa: E402

FORMAT = "nnx-rnn-golden-1"
DEFAULT_OUT = os.path.join(HERE, "rnn_golden.npz")

# name, class, kwargs, input shape, dtype, options: states (give h0/c0), lengths (packed)
_L = [
    ("LSTM_f32", "LSTM", {}, (6, 4, 8), "float32", {}, 16),
    ("LSTM_f64_states", "LSTM", {}, (5, 3, 4), "float64", {"states": True}, 5),
    ("LSTM_2l_bidir_f64", "LSTM", {"num_layers": 2, "bidirectional": True}, (4, 3, 3),
     "float64", {"states": True}, 4),
    ("LSTM_proj_f64", "LSTM", {"proj_size": 3, "num_layers": 2, "bidirectional": True},
     (4, 2, 3), "float64", {"states": True}, 5),
    ("LSTM_proj_f32", "LSTM", {"proj_size": 6}, (6, 4, 8), "float32", {}, 12),
    ("LSTM_batch_first_nobias_f64", "LSTM", {"batch_first": True, "bias": False}, (3, 5, 4),
     "float64", {"states": True}, 4),
    ("LSTM_unbatched_f64", "LSTM", {}, (5, 4), "float64", {"states": True}, 3),
    ("LSTM_packed_f64", "LSTM", {"bidirectional": True}, (5, 4, 3), "float64",
     {"states": True, "lengths": [3, 5, 1, 4]}, 4),
    ("GRU_f32", "GRU", {}, (6, 4, 8), "float32", {}, 16),
    ("GRU_2l_bidir_h24_f32", "GRU", {"num_layers": 2, "bidirectional": True}, (10, 2, 12),
     "float32", {"states": True, "default_init": True}, 24),
    ("LSTM_2l_bidir_h24_f32", "LSTM", {"num_layers": 2, "bidirectional": True}, (10, 2, 12),
     "float32", {"states": True, "default_init": True}, 24),
    ("GRU_2l_bidir_f64", "GRU", {"num_layers": 2, "bidirectional": True}, (4, 3, 3),
     "float64", {"states": True}, 4),
    ("GRU_batch_first_f64", "GRU", {"batch_first": True}, (3, 4, 5), "float64",
     {"states": True}, 4),
    ("GRU_unbatched_nobias_f64", "GRU", {"bias": False}, (4, 3), "float64", {}, 5),
    ("GRU_packed_f64", "GRU", {"num_layers": 2}, (5, 3, 3), "float64",
     {"states": True, "lengths": [2, 5, 4]}, 4),
    ("RNN_f32", "RNN", {}, (6, 4, 8), "float32", {}, 16),
    ("RNN_tanh_f64_states", "RNN", {}, (5, 3, 4), "float64", {"states": True}, 5),
    ("RNN_relu_2l_bidir_f64", "RNN", {"nonlinearity": "relu", "num_layers": 2,
                                      "bidirectional": True}, (4, 3, 3), "float64",
     {"states": True}, 4),
    ("RNN_relu_f32", "RNN", {"nonlinearity": "relu"}, (6, 4, 8), "float32", {}, 16),
    ("RNN_packed_nobias_f64", "RNN", {"bias": False, "bidirectional": True}, (4, 3, 2),
     "float64", {"states": True, "lengths": [4, 2, 3]}, 3),
    ("LSTMCell_f32", "LSTMCell", {}, (4, 8), "float32", {"states": True}, 16),
    ("LSTMCell_zero_state_f64", "LSTMCell", {}, (3, 4), "float64", {}, 5),
    ("LSTMCell_unbatched_f64", "LSTMCell", {"bias": False}, (4,), "float64",
     {"states": True}, 5),
    ("GRUCell_f32", "GRUCell", {}, (4, 8), "float32", {"states": True}, 16),
    ("GRUCell_unbatched_f64", "GRUCell", {}, (4,), "float64", {"states": True}, 5),
    ("GRUCell_zero_state_nobias_f64", "GRUCell", {"bias": False}, (3, 4), "float64", {}, 5),
    ("RNNCell_tanh_f32", "RNNCell", {}, (4, 8), "float32", {"states": True}, 16),
    ("RNNCell_relu_f64", "RNNCell", {"nonlinearity": "relu"}, (3, 4), "float64",
     {"states": True}, 5),
    ("RNNCell_unbatched_f64", "RNNCell", {}, (4,), "float64", {}, 5),
]
CASES = [dict(name=n, cls=c, kwargs=k, shape=s, dtype=d, opts=o, hidden=h)
         for n, c, k, s, d, o, h in _L]


def _state_shapes(case):
    """(h0 shape, c0 shape or None) in the user's layout."""
    kw, shape, H = case["kwargs"], case["shape"], case["hidden"]
    lstm = case["cls"].startswith("LSTM")
    if case["cls"].endswith("Cell"):
        s = shape[:-1] + (H,)
        return s, (s if lstm else None)
    D = 2 if kw.get("bidirectional") else 1
    LD = kw.get("num_layers", 1) * D
    Hout = kw.get("proj_size", 0) or H
    if "lengths" in case["opts"]:
        B = len(case["opts"]["lengths"])
    elif len(shape) == 2:
        B = None
    else:
        B = shape[0] if kw.get("batch_first") else shape[1]
    def mk(f):
        return ((LD, f) if B is None else (LD, B, f))
    return mk(Hout), (mk(H) if lstm else None)


def run_case(torch, case):
    nn = torch.nn
    dt = getattr(torch, case["dtype"])
    g = torch.Generator().manual_seed(sum(map(ord, case["name"])))
    args = (case["shape"][-1], case["hidden"])
    module = getattr(nn, case["cls"])(*args, **case["kwargs"], dtype=dt)
    # U(-0.5, 0.5) weights exercise saturation on small cases; the larger float32 cases
    # keep torch's own init U(-1/sqrt(H), 1/sqrt(H)) (ordinary sizes, ordinary weights)
    bound = 1 / case["hidden"] ** 0.5 if case["opts"].get("default_init") else 0.5
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-bound, bound, generator=g)
    pre = case["name"]
    e = {f"{pre}/param/{k}": v.detach().numpy().copy() for k, v in module.state_dict().items()}
    x = torch.randn(case["shape"], dtype=dt, generator=g)
    h_shape, c_shape = _state_shapes(case)
    states = {}
    if case["opts"].get("states"):
        states["h0"] = torch.randn(h_shape, dtype=dt, generator=g).requires_grad_()
        if c_shape is not None:
            states["c0"] = torch.randn(c_shape, dtype=dt, generator=g).requires_grad_()
    lengths = case["opts"].get("lengths")
    if lengths is not None:
        packed = nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths),
                                                   enforce_sorted=False)
        data = packed.data.detach().clone().requires_grad_()
        inp = nn.utils.rnn.PackedSequence(data, packed.batch_sizes, packed.sorted_indices,
                                          packed.unsorted_indices)
        e[f"{pre}/in/batch_sizes"] = packed.batch_sizes.numpy()
        e[f"{pre}/in/sorted_indices"] = packed.sorted_indices.numpy()
        e[f"{pre}/in/unsorted_indices"] = packed.unsorted_indices.numpy()
        x = data
    else:
        x.requires_grad_()
        inp = x
    e[f"{pre}/in/x"] = x.detach().numpy().copy()
    for k, v in states.items():
        e[f"{pre}/in/{k}"] = v.detach().numpy().copy()
    if not states:
        hx = None
    elif "c0" in states:
        hx = (states["h0"], states["c0"])
    else:
        hx = states["h0"]
    result = module(inp, hx)
    if case["cls"].endswith("Cell"):
        outs = dict(zip(["h", "c"], result if isinstance(result, tuple) else (result,)))
    else:
        out, hid = result
        out = out.data if lengths is not None else out
        outs = {"out": out}
        outs.update(zip(["h_n", "c_n"], hid if isinstance(hid, tuple) else (hid,)))
    loss = 0
    for k, v in outs.items():
        w = torch.randn(v.shape, dtype=dt, generator=g)
        e[f"{pre}/out/{k}"] = v.detach().numpy().copy()
        e[f"{pre}/gradw/{k}"] = w.numpy()
        loss = loss + (v * w).sum()
    loss.backward()
    e[f"{pre}/grad/x"] = x.grad.numpy().copy()
    for k, v in states.items():
        e[f"{pre}/grad/{k}"] = v.grad.numpy().copy()
    for k, v in module.named_parameters():
        e[f"{pre}/grad/{k}"] = v.grad.numpy().copy()
    meta = {"cls": case["cls"], "kwargs": case["kwargs"], "hidden": case["hidden"],
            "packed": lengths is not None, "states": sorted(states), "outputs": list(outs),
            "params": list(module.state_dict())}
    e[f"{pre}/meta"] = np.array(json.dumps(meta, sort_keys=True))
    return e


def compute_all(torch):
    import warnings
    torch.set_num_threads(1)
    entries = meta_entries(torch, FORMAT, [c["name"] for c in CASES])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "LSTM with projections is not supported with oneDNN"
        for case in CASES:
            entries.update(run_case(torch, case))
    return entries


def tolerance(key, dtype):
    return (1e-5, 1e-6) if dtype == "float32" else (1e-10, 1e-12)


if __name__ == "__main__":
    sys.exit(run(__doc__.splitlines()[1], compute_all, DEFAULT_OUT, f"{len(CASES)} cases",
                 tolerance))
