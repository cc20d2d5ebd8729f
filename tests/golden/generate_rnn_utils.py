#!/usr/bin/env python
"""Generate (or check) the golden fixture ``rnn_utils_golden.npz`` from live torch.

Usage (needs torch==2.13.0, the reference version; imports only torch and numpy):

    python tests/golden/generate_rnn_utils.py            # (re)write rnn_utils_golden.npz
    python tests/golden/generate_rnn_utils.py --check    # recompute and compare with the file
    python tests/golden/generate_rnn_utils.py --out PATH # write elsewhere

The case table ``CASES`` is below: each case is an expression over ``R``
(``lib.nn.utils.rnn``), ``lib`` (torch or nnx) and its named inputs.
``tests/layers/test_rnn_utils_golden.py`` replays it with nnx (no torch). Results are
flattened (a PackedSequence gives its four fields, tuples and lists their items, None
stays None). Layout (written like ops_golden.npz, reproducible bytes):

    __meta__/torch_version, __meta__/numpy_version, __meta__/format    0-d str
    __meta__/cases                                                     1-d str
    <case>/meta         0-d str JSON: expr, inputs, which outputs are None, their
                        requires_grad and strides, which outputs enter the loss
    <case>/in/<name>    input arrays
    <case>/out/<i>      output i (absent when None)
    <case>/gradw/<i>    weight of floating output i that requires grad
    <case>/grad/<name>  d/d<name> of sum_i (out_i * w_i).sum()
"""

from __future__ import annotations

import json
import os
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generate as _generate  # noqa: E402  (shared CLI, writer and checker)

FORMAT = "nnx-rnn-utils-golden-1"
DEFAULT_OUT = os.path.join(HERE, "rnn_utils_golden.npz")
RTOL, ATOL = 1e-12, 1e-14  # --check (moves and sums of float64 data: exact in practice)

# A batch of 40 with many tied lengths: torch.sort breaks ties past 16 keys its own way.
TIES_40 = [2, 3, 1, 3, 3, 2, 1, 1, 3, 2, 2, 2, 3, 1, 2, 3, 3, 1, 2, 2,
           1, 3, 2, 2, 1, 1, 3, 2, 3, 1, 2, 2, 3, 3, 1, 2, 1, 2, 3, 3]
TIES_10 = [2, 3, 3, 1, 3, 2, 2, 3, 1, 2]


def f64(*shape, grad=True):
    return {"shape": list(shape), "dtype": "float64", "grad": grad}


def f32(*shape, grad=True):
    return {"shape": list(shape), "dtype": "float32", "grad": grad}


def i64(*shape):
    return {"shape": list(shape), "dtype": "int64", "grad": False}


# name -> (expression, inputs)
CASES = {
    # -- pack_padded_sequence ---------------------------------------------------------------
    "pack_sorted": ("R.pack_padded_sequence(x, [4, 2, 1])", {"x": f64(4, 3, 2)}),
    "pack_equal_lengths": ("R.pack_padded_sequence(x, [3, 3])", {"x": f64(3, 2, 2)}),
    "pack_truncates": ("R.pack_padded_sequence(x, [3, 1])", {"x": f64(5, 2, 3)}),
    "pack_batch_first": ("R.pack_padded_sequence(x, [4, 3, 3], batch_first=True)",
                         {"x": f64(3, 4, 2)}),
    "pack_unsorted": ("R.pack_padded_sequence(x, [2, 5, 1, 3], enforce_sorted=False)",
                      {"x": f64(5, 4, 3)}),
    "pack_unsorted_batch_first_2d": (
        "R.pack_padded_sequence(x, [1, 4, 4, 2], batch_first=True, enforce_sorted=False)",
        {"x": f64(4, 4)}),
    "pack_lengths_tensor": ("R.pack_padded_sequence(x, lib.tensor([3, 3, 1]))",
                            {"x": f64(3, 3, 2)}),
    "pack_lengths_float_tensor": (
        "R.pack_padded_sequence(x, lib.tensor([2.9, 1.2]), enforce_sorted=False)",
        {"x": f64(3, 2)}),
    "pack_trailing_dims": ("R.pack_padded_sequence(x, [3, 2], batch_first=True)",
                           {"x": f64(2, 3, 2, 3)}),
    "pack_ties_10": (f"R.pack_padded_sequence(x, {TIES_10}, enforce_sorted=False)",
                     {"x": f32(3, 10, 1)}),
    "pack_ties_40": (f"R.pack_padded_sequence(x, {TIES_40}, enforce_sorted=False)",
                     {"x": f32(3, 40, 1)}),
    "pack_ties_40_batch_first": (
        f"R.pack_padded_sequence(x, lib.tensor({TIES_40}), batch_first=True, "
        "enforce_sorted=False)", {"x": f64(40, 3)}),
    "pack_int": ("R.pack_padded_sequence(x, [3, 1])", {"x": i64(3, 2)}),
    # -- pad_packed_sequence ----------------------------------------------------------------
    "unpack_sorted": ("R.pad_packed_sequence(R.pack_padded_sequence(x, [4, 2, 1]))",
                      {"x": f64(4, 3, 2)}),
    "unpack_sorted_batch_first": (
        "R.pad_packed_sequence(R.pack_padded_sequence(x, [4, 2, 1]), batch_first=True)",
        {"x": f64(4, 3, 2)}),
    "unpack_unsorted": (
        "R.pad_packed_sequence(R.pack_padded_sequence(x, [2, 5, 1, 3], enforce_sorted=False))",
        {"x": f64(5, 4, 3)}),
    "unpack_unsorted_options": (
        "R.pad_packed_sequence(R.pack_padded_sequence(x, [2, 5, 1, 3], batch_first=True, "
        "enforce_sorted=False), batch_first=True, padding_value=-2.5, total_length=7)",
        {"x": f64(4, 5, 2)}),
    "unpack_total_length": (
        "R.pad_packed_sequence(R.pack_padded_sequence(x, [3, 1]), padding_value=9, "
        "total_length=5)", {"x": f64(3, 2)}),
    "unpack_int_padding": (
        "R.pad_packed_sequence(R.pack_padded_sequence(x, [3, 1]), padding_value=-1.7)",
        {"x": i64(3, 2)}),
    "unpack_repeated_unsorted_indices": (
        "R.pad_packed_sequence(R.PackedSequence(x, lib.tensor([2, 1]), None, "
        "lib.tensor([1, 1, 0])), batch_first=True)", {"x": f64(3, 2)}),
    "repack_through_pad": (
        "R.pack_padded_sequence(*R.pad_packed_sequence(R.pack_padded_sequence(x, [2, 3, 1], "
        "enforce_sorted=False), batch_first=True), batch_first=True, enforce_sorted=False)",
        {"x": f64(3, 3, 2)}),
    # -- pack_sequence / unpack_sequence ----------------------------------------------------
    "pack_sequence_sorted": ("R.pack_sequence([a, b, c])",
                             {"a": f64(4, 2), "b": f64(2, 2), "c": f64(1, 2)}),
    "pack_sequence_unsorted": ("R.pack_sequence([a, b, c], enforce_sorted=False)",
                               {"a": f64(2, 2), "b": f64(4, 2), "c": f64(3, 2)}),
    "pack_sequence_1d": ("R.pack_sequence([a, b, c])", {"a": f64(3), "b": f64(2), "c": f64(1)}),
    "unpack_sequence_unsorted": (
        "R.unpack_sequence(R.pack_sequence([a, b, c], enforce_sorted=False))",
        {"a": f64(2, 3), "b": f64(4, 3), "c": f64(1, 3)}),
    "unpack_sequence_padded": ("R.unpack_sequence(R.pack_padded_sequence(x, [3, 3, 2]))",
                               {"x": f64(3, 3, 2)}),
    # -- pad_sequence / unpad_sequence ------------------------------------------------------
    "pad_sequence_right": ("R.pad_sequence([a, b, c])",
                           {"a": f64(2, 3), "b": f64(4, 3), "c": f64(1, 3)}),
    "pad_sequence_batch_first_value": (
        "R.pad_sequence([a, b, c], batch_first=True, padding_value=-1.0)",
        {"a": f64(2, 3), "b": f64(4, 3), "c": f64(1, 3)}),
    "pad_sequence_left": ("R.pad_sequence([a, b, c], padding_side='left')",
                          {"a": f64(2, 3), "b": f64(4, 3), "c": f64(1, 3)}),
    "pad_sequence_left_batch_first": (
        "R.pad_sequence([a, b], batch_first=True, padding_value=0.5, padding_side='left')",
        {"a": f64(1, 2, 2), "b": f64(3, 2, 2)}),
    "pad_sequence_broadcast": ("R.pad_sequence([a, b])", {"a": f64(3, 2), "b": f64(2, 1)}),
    "pad_sequence_mixed_dtypes": ("R.pad_sequence([a, b], batch_first=True)",
                                  {"a": f64(2, 2), "b": f32(3, 2)}),
    "pad_sequence_int_first": ("R.pad_sequence([a, b], padding_value=-7.5)",
                               {"a": i64(2), "b": f64(3)}),
    "pad_sequence_tensor_input": ("R.pad_sequence(x, batch_first=True)", {"x": f64(2, 3)}),
    "unpad_sequence": ("R.unpad_sequence(x * 1, lib.tensor([3, 1, 2]))", {"x": f64(3, 3, 2)}),
    "unpad_sequence_batch_first": (
        "R.unpad_sequence(x, lib.tensor([2, 4, 1]), batch_first=True)", {"x": f64(3, 4, 2)}),
    "unpad_sequence_odd_lengths": (
        "R.unpad_sequence(x * 1, lib.tensor([5.0, -1.0, 1.5]))", {"x": f64(3, 3)}),
    "pad_unpad_round_trip": (
        "R.unpad_sequence(R.pad_sequence([a, b, c], batch_first=True), lib.tensor([2, 4, 1]), "
        "batch_first=True)", {"a": f64(2, 3), "b": f64(4, 3), "c": f64(1, 3)}),
    # -- invert_permutation -----------------------------------------------------------------
    "invert_permutation": ("R.invert_permutation(lib.tensor([2, 0, 3, 1]))", {}),
    "invert_permutation_none": ("[R.invert_permutation(None)]", {}),
}


def make_input(case: str, name: str, spec: dict) -> np.ndarray:
    rng = np.random.default_rng(zlib.crc32(f"{case}/{name}".encode()))
    shape = tuple(spec["shape"])
    if spec["dtype"] == "int64":
        return rng.integers(-9, 10, shape).astype(np.int64)
    return rng.standard_normal(shape).astype(spec["dtype"])


def make_grad_weight(case: str, index: int, shape, dtype) -> np.ndarray:
    rng = np.random.default_rng(zlib.crc32(f"{case}/gradw/{index}".encode()))
    return rng.uniform(-1.0, 1.0, tuple(shape)).astype(dtype)


def flatten(result) -> list:
    """Outputs in order: a PackedSequence's four fields, tuples' and lists' items."""
    if isinstance(result, tuple) and hasattr(result, "_fields"):
        return list(result)
    if isinstance(result, (tuple, list)):
        return [o for r in result for o in flatten(r)]
    return [result]


def evaluate(lib, case: str, arrays: dict):
    """Run one case with ``lib`` (torch or nnx): (outputs, input tensors, loss or None).

    ``arrays`` are the inputs; those whose spec asks for grad require it. The loss is
    ``sum_i (out_i * w_i).sum()`` over floating outputs that require grad."""
    expr, specs = CASES[case]
    tensors = {}
    for name, arr in arrays.items():
        t = lib.from_numpy(arr.copy())
        if specs[name]["grad"]:
            t.requires_grad_(True)
        tensors[name] = t
    outs = flatten(eval(expr, {"R": lib.nn.utils.rnn, "lib": lib, **tensors}))
    loss = None
    for i, o in enumerate(outs):
        if o is not None and o.is_floating_point() and o.requires_grad:
            w = make_grad_weight(case, i, tuple(o.shape), str(o.dtype).split(".")[-1])
            term = (o * lib.from_numpy(w)).sum()
            loss = term if loss is None else loss + term
    return outs, tensors, loss


def run_case(torch, case: str) -> dict:
    specs = CASES[case][1]
    arrays = {name: make_input(case, name, spec) for name, spec in specs.items()}
    outs, tensors, loss = evaluate(torch, case, arrays)
    entries = {f"{case}/in/{name}": arr for name, arr in arrays.items()}
    loss_outputs = []
    for i, o in enumerate(outs):
        if o is None:
            continue
        entries[f"{case}/out/{i}"] = o.detach().numpy().copy()
        if o.is_floating_point() and o.requires_grad:
            loss_outputs.append(i)
            entries[f"{case}/gradw/{i}"] = make_grad_weight(
                case, i, tuple(o.shape), str(o.dtype).split(".")[-1])
    grads = []
    if loss is not None:
        loss.backward()
        for name, t in tensors.items():
            if t.grad is not None:
                grads.append(name)
                entries[f"{case}/grad/{name}"] = t.grad.numpy().copy()
    meta = {
        "expr": CASES[case][0],
        "inputs": specs,
        "none_outputs": [i for i, o in enumerate(outs) if o is None],
        "n_out": len(outs),
        "out_requires_grad": [None if o is None else bool(o.requires_grad) for o in outs],
        "out_strides": [None if o is None else list(o.stride()) for o in outs],
        "loss_outputs": loss_outputs,
        "grads": grads,
    }
    entries[f"{case}/meta"] = np.array(json.dumps(meta, sort_keys=True))
    return entries


def compute_all(torch) -> dict:
    torch.set_num_threads(1)
    entries = _generate.meta_entries(torch, FORMAT, list(CASES))
    for case in CASES:
        entries.update(run_case(torch, case))
    return entries


def main(argv=None) -> int:
    return _generate.run(__doc__.split("\n\n")[0], compute_all, DEFAULT_OUT,
                         f"{len(CASES)} cases", tolerance=lambda key, dtype: (RTOL, ATOL),
                         argv=argv)


if __name__ == "__main__":
    sys.exit(main())
