"""nnx-summary on checkpoint files (.pt/.pth/.bin, .safetensors, .npz) and its exports.

The checkpoints are written here (nnx.save, safetensors.numpy, np.savez) or are the torch
2.13-written goldens in tests/golden/checkpoints (see generate_checkpoints.py); expected
counts come from the shapes chosen (a tensor holds the product of its shape's elements).
"""

import csv
import io
import json
import os
from collections import OrderedDict

import numpy as np
import pytest
from _cli_helpers import assert_one_line_error, run_cli
from safetensors.numpy import save_file

import nnx
from nnx_tools import _summary_export, cli_summary, summarize_checkpoint

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden",
                      "checkpoints")

# GRU(4, 5): weight_ih_l0 (15, 4), weight_hh_l0 (15, 5), two biases (15,) -> 60 + 75 + 30;
# Linear(5, 2): 10 + 2; BatchNorm(2): weight, bias (2,) + running_mean/var (2,) + counter.
SHAPES = OrderedDict([
    ("rnn.weight_ih_l0", (15, 4)), ("rnn.weight_hh_l0", (15, 5)),
    ("rnn.bias_ih_l0", (15,)), ("rnn.bias_hh_l0", (15,)),
    ("out.weight", (2, 5)), ("out.bias", (2,)),
    ("norm.weight", (2,)), ("norm.bias", (2,)),
    ("norm.running_mean", (2,)), ("norm.running_var", (2,)),
])
PARAMS = 60 + 75 + 30 + 10 + 2 + 4
BUFFERS = 4 + 1


def _arrays():
    arrays = OrderedDict((name, np.full(shape, 0.5, np.float32))
                         for name, shape in SHAPES.items())
    arrays["norm.num_batches_tracked"] = np.array(3, np.int64)
    return arrays


@pytest.fixture(params=[".pt", ".pth", ".bin", ".safetensors", ".npz"])
def checkpoint(request, tmp_path):
    path = tmp_path / f"weights{request.param}"
    if request.param == ".safetensors":
        save_file(dict(_arrays()), str(path))
    elif request.param == ".npz":
        np.savez(path, **_arrays())
    else:
        nnx.save(OrderedDict((k, nnx.from_numpy(v)) for k, v in _arrays().items()), path)
    return path


def run_main(argv, capsys):
    return run_cli(cli_summary.main, argv, capsys)


def test_table(checkpoint, capsys):
    status, out, err = run_main([checkpoint], capsys)
    assert status == 0 and err == ""
    assert out.splitlines()[0].startswith(f"Checkpoint: {checkpoint} (")
    assert "├─rnn: GRU(4, 5)" in out and "│    └─weight_hh_l0" in out
    assert "├─out: Linear(in_features=5, out_features=2, bias=True)" in out
    assert "├─norm: BatchNorm(2)" in out
    assert f"Total params: {PARAMS:,}" in out and f"Buffer elements: {BUFFERS}" in out


def test_json_round_trips(checkpoint, capsys):
    status, out, _ = run_main([checkpoint, "--format", "json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["checkpoint"] == str(checkpoint)
    assert data["totals"]["total_params"] == PARAMS
    assert data["totals"]["buffer_elements"] == BUFFERS
    assert data["totals"]["total_size_bytes"] == 4 * (PARAMS + 4) + 8
    by_name = {row["name"]: row for row in data["rows"]}
    assert by_name["rnn"]["layer_type"] == "GRU" and by_name["rnn"]["num_params"] == 165
    assert by_name["rnn.weight_ih_l0"]["shape"] == [15, 4]
    assert by_name["norm.num_batches_tracked"]["row_type"] == "buffer"
    assert by_name["norm.num_batches_tracked"]["dtype"] == "int64"


def test_csv(checkpoint, capsys):
    status, out, _ = run_main([checkpoint, "--format", "csv", "--depth", "1"], capsys)
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(out))}
    assert status == 0 and sorted(rows) == ["norm", "out", "rnn"]
    assert [int(rows[n]["num_params"]) for n in ("rnn", "out", "norm")] == [165, 12, 4]
    assert rows["norm"]["num_buffer_elements"] == str(BUFFERS)
    assert rows["rnn"]["description"] == "GRU(4, 5)" and rows["rnn"]["shape"] == ""
    status, out, _ = run_main([checkpoint, "--format", "csv"], capsys)
    tensor_rows = [r for r in csv.DictReader(io.StringIO(out)) if r["row_type"] != "module"]
    shapes = {r["name"]: json.loads(r["shape"]) for r in tensor_rows}
    assert len(tensor_rows) == 11 and shapes["rnn.weight_ih_l0"] == [15, 4]


def test_markdown(checkpoint, capsys):
    status, out, _ = run_main([checkpoint, "--format", "markdown", "--no-tensors"], capsys)
    lines = out.splitlines()
    assert status == 0 and lines[0] == f"**Checkpoint `{checkpoint}`**"
    assert lines[2].startswith("| Layer (name: type) | Type | Shape |")
    assert "| ├─rnn: GRU(4, 5) | GRU | -- | float32 | 165 | 660 |" in lines
    assert f"- Total params: {PARAMS}" in lines
    assert len([line for line in lines if line.startswith("| ├─")]) == 3


def test_golden_training_checkpoint(capsys):
    """torch-written {'state_dict', 'optimizer', 'epoch', ...}: the state_dict is read."""
    for name in ("wrappers.pt", "wrappers_legacy.pt"):
        status, out, _ = run_main([os.path.join(GOLDEN, name), "--format", "json"], capsys)
        data = json.loads(out)
        assert status == 0 and data["entry"] == "state_dict"
        # weight (3, 4), bias (3,), inner.weight (2, 3), inner.mean (3,) float64; steps ()
        assert data["totals"]["total_params"] == 12 + 3 + 6 + 3
        assert data["totals"]["buffer_elements"] == 1
        assert "optimizer" in data["other_entries"]
    status, out, _ = run_main([os.path.join(GOLDEN, "wrappers.pt"), "--key",
                               "optimizer.state", "--format", "json"], capsys)
    data = json.loads(out)      # SGD momentum buffers of the three parameters: 12 + 3 + 6
    assert status == 0 and data["totals"]["total_params"] == 21


def test_export_functions_take_summaries_or_dicts(checkpoint):
    info = summarize_checkpoint(checkpoint, depth=1)
    assert json.loads(_summary_export.to_json(info)) == json.loads(
        _summary_export.to_json(info.as_dict()))
    assert _summary_export.to_csv(info) == _summary_export.to_csv(info.as_dict())
    assert _summary_export.render(info, "table") == str(info)
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        _summary_export.render(info, "xml")


@pytest.mark.parametrize("argv, status, message", [
    (["{tmp}/missing.pt"], 1, "No such file or directory"),
    (["{tmp}/missing.safetensors"], 1, "No such file or directory"),
    (["{garbage}"], 1, "not a torch checkpoint"),
    (["{bad_st}"], 1, "not a valid safetensors file"),
    (["{bad_npz}"], 1, "not a readable .npz archive"),
    (["{golden}/full_model.pt"], 1, "GLOBAL torch.nn.modules.linear.Linear is not allowed"),
    (["{golden}/unsupported_complex.pt"], 1, "nnx-summary: error: "),
    (["{golden}/wrappers.pt", "--key", "nothing"], 1, "--key 'nothing': no entry"),
    (["{golden}/wrappers.pt", "--input-size", "2,3"], 2, "--input-size: for models only"),
    (["{golden}/wrappers.pt", "--kwargs", "{}", "--mode", "eval"], 2, "--mode"),
])
def test_errors_give_one_line(argv, status, message, tmp_path, capsys):
    (tmp_path / "garbage.pt").write_bytes(b"not a checkpoint")
    (tmp_path / "bad.safetensors").write_bytes(b"\x05" * 40)
    (tmp_path / "bad.npz").write_bytes(b"PK broken")
    names = {"{tmp}": str(tmp_path), "{golden}": GOLDEN,
             "{garbage}": str(tmp_path / "garbage.pt"),
             "{bad_st}": str(tmp_path / "bad.safetensors"),
             "{bad_npz}": str(tmp_path / "bad.npz")}
    for placeholder, value in names.items():
        argv = [a.replace(placeholder, value) for a in argv]
    assert_one_line_error(run_main(argv, capsys), "nnx-summary", status, message)


def test_debug_shows_the_checkpoint_error():
    with pytest.raises(nnx.serialization.CheckpointError):
        cli_summary.main([os.path.join(GOLDEN, "full_model.pt"), "--debug"])


def test_output_file(checkpoint, tmp_path, capsys):
    target = tmp_path / "out.md"
    status, out, _ = run_main([checkpoint, "--format", "markdown", "--output", target],
                              capsys)
    assert status == 0 and out == ""
    assert target.read_text(encoding="utf-8").startswith("**Checkpoint")
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
