"""Randomised live parity of the convolution family and the recurrent layers against
torch==2.13.0 (run by ``nox -s parity``).

Seeded random configurations are built in both libraries with the same parameters (nnx
loads torch's state_dict) and compared one per test case:

* Conv1d/2d/3d and ConvTranspose1d/2d/3d (stride, padding as int / tuple / 'same' /
  'valid', dilation, groups, bias, padding_mode, output_padding, ``output_size=``, batched
  or not, float32 / float64), Fold / Unfold, the padding layers and ``F.pad``: outputs,
  input / weight / bias gradients, reprs (``_live_harness`` compares them);
* RNN (tanh / relu), LSTM (with proj_size), GRU (1 to 3 layers, bidirectional,
  batch_first, bias, unbatched, initial state given or not, PackedSequence input sorted or
  not) and the three cells: outputs, final states, gradients of the input, the initial
  state and every parameter, reprs, state_dict keys, construction warnings
  (``_live_rnn_specs`` compares them);
* configurations and inputs wrong on purpose: error stage, type and message (torch's
  spelled with ``nnx``).

Tolerances: float64 rtol 1e-10, float32 rtol 1e-5, with the absolute tolerance scaled by
the largest magnitude of torch's result.  Each case nnx gets wrong is marked
``xfail(strict=True)`` in ``KNOWN`` with what differs, so the suite stays green while the
bug is on record, and turns red once it is fixed (then drop the entry).
"""

import random
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import _live_harness as conv_harness  # noqa: E402
import _live_rnn_specs as rnn_harness  # noqa: E402
from _live_conv_specs import (  # noqa: E402
    PAD_KINDS,
    conv_specs,
    f_pad_specs,
    pad_layer_specs,
    transpose_specs,
    unfold_specs,
)
from _live_rnn_specs import cell_specs, rnn_specs  # noqa: E402

import nnx  # noqa: E402

pytestmark = [pytest.mark.parity, pytest.mark.filterwarnings(
    "ignore:LSTM with projections is not supported with oneDNN")]


def _seed(*parts):
    return random.Random(" ".join(map(str, parts)))


# Cases where nnx differs from torch (case id -> what differs, and whether on purpose);
# each one is an xfail(strict=True), so a change of behaviour shows.
_EMPTY = (
    "deliberate deviation: nnx always raises 'Output size is too small' for an empty "
    "transposed-convolution output; torch's float32 batched oneDNN path returns an empty "
    "tensor (e.g. ConvTranspose1d(1,1,1,padding=1) on ones(2,1,2) gives shape (2,1,0); 3-d: "
    "its backward then fails on a size mismatch) while float64 or a batch of one raise")
KNOWN = {
    "ConvTranspose1d_fix_empty_batch2": _EMPTY,
    "ConvTranspose1d_fix_empty_output_size": _EMPTY,
    "ConvTranspose2d_22": _EMPTY,
    "LSTM_err_dtype_hx": (
        "deliberate deviation: a float64 hx with float32 weights raises torch's GEMM message "
        "'mat1 and mat2 must have the same dtype, but got Double and Float' (as RNN and GRU "
        "do); torch's LSTM says 'get_mkldnn_dtype: unsupported data type' (oneDNN)"),
    # the two below: deliberate deviations (README), nnx names the problem where torch's
    # message comes from a low-level index error
    **{f"{name}_err_packed_too_long": (
        "deliberate deviation: pack_padded_sequence with a length 6 > T = 5: torch packs "
        "without checking and the "
        "forward raises RuntimeError 'start (7) + length (1) exceeds dimension size (7).'; "
        "nnx's pack_padded_sequence raises 'Expected every length to be at most the padded "
        "sequence length 5, but got a length of 6'") for name in ("RNN", "LSTM", "GRU")},
    **{f"{name}_err_packed_hx_batch": (
        "deliberate deviation: PackedSequence of batch 3 (enforce_sorted=False) with hx of "
        "batch 2: torch raises "
        "RuntimeError 'INDICES element is out of DATA bounds, id=2 axis_dim=2' (permuting "
        "hx), nnx 'Expected hidden size (2, 3, 4), got [2, 2, 4]' (LSTM: hidden[0])")
       for name in ("RNN", "LSTM", "GRU")},
}


def _params(pairs):
    ids = [label for label, _ in pairs]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return [pytest.param(spec, id=label, marks=_marks(label)) for label, spec in pairs]


def _marks(label):
    reason = KNOWN.get(label)
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


_SET = re.compile(r"\{('[^{}]*')\}")


def _sorted_sets(observation):
    """Set displays in error messages (``{'zeros', 'reflect', ...}``) in sorted order: their
    order follows string hashing, which changes from process to process."""
    error = observation.get("error")
    if error is not None:
        text = _SET.sub(lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}",
                        error[2])
        observation["error"] = (*error[:2], text)
    return observation


def _conv_cases():
    pairs = []
    for d in (1, 2, 3):
        pairs += conv_specs(d, _seed("conv", d))
        pairs += transpose_specs(d, _seed("transpose", d))
    pairs += unfold_specs(_seed("fold"))
    for kind in PAD_KINDS:
        for d in (1, 2, 3):
            pairs += pad_layer_specs(kind, d, _seed("pad", kind, d))
    pairs += f_pad_specs(_seed("F.pad"))
    return pairs + _fixed_conv_cases()


def _fixed_conv_cases():
    """Minimal forms of what wider random runs (1190 conv configurations) found."""
    one = np.ones

    def spec(name, args, kwargs, x, fkwargs=None, dtype="float64"):
        tol = (1e-10, 1e-10) if dtype == "float64" else (1e-5, 1e-5)
        return conv_harness.Spec(name, args, kwargs, (x,), fkwargs, dtype=dtype, tol=tol)
    return [
        # dilation > stride allows output_padding up to dilation - 1
        ("ConvTranspose1d_fix_dilated_output_padding",
         spec("ConvTranspose1d", (1, 1, 1), {"dilation": 2, "output_padding": 1}, one((1, 1, 3)))),
        ("ConvTranspose3d_fix_dilated_output_padding",
         spec("ConvTranspose3d", (2, 2, 1), {"dilation": 2, "output_padding": (1, 0, 1)},
              one((1, 2, 2, 1, 2)))),
        # an empty output: torch returns it in float32 for a batch of more than one
        ("ConvTranspose1d_fix_empty_batch1",
         spec("ConvTranspose1d", (1, 1, 1), {"padding": 1}, one((1, 1, 2)), dtype="float32")),
        ("ConvTranspose1d_fix_empty_float64",
         spec("ConvTranspose1d", (1, 1, 1), {"padding": 1}, one((2, 1, 2)))),
        ("ConvTranspose1d_fix_empty_batch2",
         spec("ConvTranspose1d", (1, 1, 1), {"padding": 1}, one((2, 1, 2)), dtype="float32")),
        ("ConvTranspose1d_fix_empty_output_size",
         spec("ConvTranspose1d", (1, 1, 1), {"dilation": 2, "padding": 1}, one((2, 1, 2)),
              {"output_size": conv_harness.Lit([0])}, dtype="float32")),
    ]


def _rnn_cases():
    pairs = []
    for name in ("RNN", "LSTM", "GRU"):
        pairs += rnn_specs(name, _seed("rnn", name))
    for name in ("RNNCell", "LSTMCell", "GRUCell"):
        pairs += cell_specs(name, _seed("cell", name))
    return pairs


CONV_CASES = _conv_cases()
RNN_CASES = _rnn_cases()


def _assert_matches_torch(harness, spec):
    """``spec`` run with torch, then with nnx from torch's state: ``harness`` finds no
    difference."""
    want, state = harness.observe(spec, torch)
    got, _ = harness.observe(spec, nnx, state)
    diff = harness.mismatch(spec, _sorted_sets(want), _sorted_sets(got))
    assert diff is None, f"{spec!r}\n{diff}"


@pytest.mark.parametrize("spec", _params(CONV_CASES))
def test_conv_family(spec):
    _assert_matches_torch(conv_harness, spec)


@pytest.mark.parametrize("spec", _params(RNN_CASES))
def test_recurrent(spec):
    _assert_matches_torch(rnn_harness, spec)
