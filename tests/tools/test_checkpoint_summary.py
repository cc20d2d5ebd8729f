"""summarize_checkpoint: the module tree, layer types from key patterns, totals, formats.

Expected counts are worked out by hand from the shapes each test chooses (a layer's
parameter count is the sum of its tensors' element counts), never read from the output.
"""

import json
import os
import struct
from collections import OrderedDict

import numpy as np
import pytest
from safetensors.numpy import save_file

import nnx
from nnx_tools._checkpoint_summary import summarize_checkpoint
from nnx_tools._checkpoint_summary._layers import recognise

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden",
                      "checkpoints")


def _lstm_shapes(input_size, hidden, layers, bidirectional, proj=0, gates=4, bias=True):
    """torch.nn.LSTM/GRU/RNN parameter shapes, from torch 2.13's documented layout
    (weight_ih_l0: (G*H, I); layer k>0: (G*H, D*H_out); weight_hh: (G*H, H_out);
    weight_hr: (P, H))."""
    out = OrderedDict()
    h_out = proj or hidden
    for k in range(layers):
        for suffix in ("", "_reverse")[: 1 + bidirectional]:
            in_k = input_size if k == 0 else (1 + bidirectional) * h_out
            out[f"weight_ih_l{k}{suffix}"] = (gates * hidden, in_k)
            out[f"weight_hh_l{k}{suffix}"] = (gates * hidden, h_out)
            if bias:
                out[f"bias_ih_l{k}{suffix}"] = (gates * hidden,)
                out[f"bias_hh_l{k}{suffix}"] = (gates * hidden,)
            if proj:
                out[f"weight_hr_l{k}{suffix}"] = (proj, hidden)
    return out


# -- recognition from keys ----------------------------------------------------------------
def test_lstm_two_layer_bidirectional_with_projection():
    layer = recognise(_lstm_shapes(10, 20, 2, True, proj=5))
    assert layer.kind == "LSTM"
    assert layer.description == "LSTM(10, 20, proj_size=5, num_layers=2, bidirectional=True)"


def test_lstm_shapes_agree_with_nnx_lstm():
    model = nnx.nn.LSTM(10, 20, num_layers=2, bidirectional=True, proj_size=5)
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == \
        dict(_lstm_shapes(10, 20, 2, True, proj=5))


@pytest.mark.parametrize("gates, kind", [(3, "GRU"), (1, "RNN"), (4, "LSTM")])
def test_gate_count_gives_the_family(gates, kind):
    layer = recognise(_lstm_shapes(7, 12, 1, False, gates=gates))
    assert layer.kind == kind and layer.description == f"{kind}(7, 12)"
    assert "batch_first and dropout are not stored" in layer.note


def test_gru_three_layers_without_bias():
    layer = recognise(_lstm_shapes(300, 512, 3, False, gates=3, bias=False))
    assert layer.description == "GRU(300, 512, num_layers=3, bias=False)"


def test_cells():
    assert recognise({"weight_ih": (24, 5), "weight_hh": (24, 6), "bias_ih": (24,),
                      "bias_hh": (24,)}).description == "LSTMCell(5, 6)"
    assert recognise({"weight_ih": (18, 5), "weight_hh": (18, 6)}).description == \
        "GRUCell(5, 6, bias=False)"


def test_linear_conv_norms_embedding():
    assert recognise({"weight": (4, 16), "bias": (4,)}).description == \
        "Linear(in_features=16, out_features=4, bias=True)"
    ambiguous = recognise({"weight": (100, 16)})
    assert ambiguous.kind == "Linear/Embedding" and ambiguous.note
    assert ambiguous.description == "Embedding(100, 16) or Linear(16, 100, bias=False)"
    assert recognise({"weight": (8, 3, 3, 3), "bias": (8,)}).description == \
        "Conv2d(3, 8, kernel_size=(3, 3))"
    assert recognise({"weight": (8, 2, 5)}).description == \
        "Conv1d(2, 8, kernel_size=(5,), bias=False)"
    assert recognise({"weight": (4, 2, 3, 3, 3), "bias": (4,)}).kind == "Conv3d"
    batch_norm = recognise({"weight": (64,), "bias": (64,), "running_mean": (64,),
                            "running_var": (64,), "num_batches_tracked": ()})
    assert batch_norm.kind == "BatchNorm" and batch_norm.description == "BatchNorm(64)"
    assert recognise({"running_mean": (8,), "running_var": (8,)}).description == \
        "BatchNorm(8, affine=False)"
    assert recognise({"weight": (32,), "bias": (32,)}).kind == "LayerNorm/GroupNorm"
    assert recognise({"weight": (4, 5), "bias": (4, 5)}).description == "LayerNorm((4, 5))"
    assert recognise({"in_proj_weight": (48, 16), "in_proj_bias": (48,)}).description == \
        "MultiheadAttention(embed_dim=16)"


def test_transposed_conv_bilinear_and_weight_only_norms():
    # torch 2.13: ConvTranspose2d(4, 6, 3).weight is (4, 6, 3, 3), its bias (6,); a Conv2d's
    # bias matches the weight's first dimension instead
    transposed = recognise({"weight": (4, 6, 3, 3), "bias": (6,)})
    assert transposed.kind == "ConvTranspose2d"
    assert transposed.description == "ConvTranspose2d(4, 6, kernel_size=(3, 3))"
    # Bilinear(3, 4, 5): weight (5, 3, 4), bias (5,), the keys of a Conv1d(3, 5, 4)
    bilinear = recognise({"weight": (5, 3, 4), "bias": (5,)})
    assert bilinear.kind == "Conv1d" and "Bilinear(in1, in2, out)" in bilinear.note
    assert recognise({"weight": (8,)}).description == \
        "LayerNorm(8, bias=False), RMSNorm(8) or PReLU(num_parameters=8)"


def test_unknown_and_containers():
    assert recognise({"weight": (3, 4), "bias": (3,), "steps": ()}) is None
    assert recognise({}, ("0", "1")).kind == "Sequential/ModuleList"
    assert recognise({}, ("encoder",)) is None
    odd = recognise({"weight_ih_l0": (10, 4), "weight_hh_l0": (10, 4)})
    assert odd.kind == "RNN-like"


# -- the tree, totals and formats ----------------------------------------------------------
def _model_state():
    """A state_dict written by hand: names and shapes of torch.nn layers (counts below)."""
    shapes = OrderedDict()
    shapes["embed.weight"] = (50, 8)                           # 400
    for name, shape in _lstm_shapes(8, 6, 2, True).items():    # per direction and layer:
        shapes[f"encoder.{name}"] = shape                      # 4*6*(8|12) + 144 + 48
    shapes["head.0.weight"] = (3, 12)                          # 36
    shapes["head.0.bias"] = (3,)                               # 3
    shapes["head.1.weight"] = (3,)                             # BatchNorm: 3 + 3 params,
    shapes["head.1.bias"] = (3,)
    shapes["head.1.running_mean"] = (3,)                       # 3 + 3 + 1 buffer elements
    shapes["head.1.running_var"] = (3,)
    return shapes


# LSTM(8, 6, num_layers=2, bidirectional=True): layer 0 per direction 24*8 + 24*6 + 48 = 384,
# layer 1 per direction 24*12 + 24*6 + 48 = 480 -> 2 * (384 + 480) = 1728.
EXPECTED_PARAMS = 400 + 1728 + 36 + 3 + 3 + 3
EXPECTED_BUFFERS = 3 + 3 + 1


def _arrays(prefix=""):
    arrays = OrderedDict((prefix + name, np.ones(shape, np.float32))
                         for name, shape in _model_state().items())
    arrays[prefix + "head.1.num_batches_tracked"] = np.array(5, dtype=np.int64)
    return arrays


def _write(path, arrays):
    kind = os.path.splitext(str(path))[1]
    if kind == ".safetensors":
        save_file(dict(arrays), str(path))
    elif kind == ".npz":
        np.savez(path, **arrays)
    else:
        nnx.save(OrderedDict((k, nnx.from_numpy(v)) for k, v in arrays.items()), path)
    return path


@pytest.mark.parametrize("extension", [".pt", ".pth", ".bin", ".safetensors", ".npz"])
def test_each_format_gives_the_same_tree(tmp_path, extension):
    info = summarize_checkpoint(_write(tmp_path / f"model{extension}", _arrays()))
    assert info.total_params == EXPECTED_PARAMS
    assert info.buffer_elements == EXPECTED_BUFFERS
    assert info.num_tensors == 1 + 16 + 2 + 5 and info.num_buffer_tensors == 3
    assert info.param_bytes == 4 * EXPECTED_PARAMS
    assert info.buffer_bytes == 4 * 6 + 8
    assert info.total_bytes == info.param_bytes + info.buffer_bytes
    modules = {row["name"]: row for row in info.rows() if row["row_type"] == "module"}
    assert modules["encoder"]["description"] == "LSTM(8, 6, num_layers=2, bidirectional=True)"
    assert modules["encoder"]["num_params"] == 1728
    assert modules["head"]["layer_type"] == "Sequential/ModuleList"
    assert modules["head.0"]["layer_type"] == "Linear"
    assert modules["head.1"]["layer_type"] == "BatchNorm"
    assert modules["head.1"]["num_buffer_elements"] == EXPECTED_BUFFERS
    assert modules["embed"]["layer_type"] == "Linear/Embedding"
    assert "same key" in modules["embed"]["note"] and modules["head.0"]["note"] is None


def test_wrapper_prefix_and_training_checkpoint(tmp_path):
    state = OrderedDict((k, nnx.from_numpy(v)) for k, v in _arrays("module.").items())
    path = tmp_path / "ckpt.pth"
    nnx.save({"epoch": 3, "state_dict": state, "optimizer": {"state": {}}}, path)
    info = summarize_checkpoint(path)
    assert info.entry == "state_dict" and info.stripped_prefix == "module."
    assert info.other_entries == ("epoch", "optimizer")
    assert info.total_params == EXPECTED_PARAMS
    assert "prefix 'module.' stripped" in info.header_line()
    assert summarize_checkpoint(path, key="state_dict").total_params == EXPECTED_PARAMS


def test_depth_folds_deeper_modules(tmp_path):
    path = _write(tmp_path / "m.safetensors", _arrays())
    rows = summarize_checkpoint(path, depth=1).rows()
    assert [r["name"] for r in rows] == ["embed", "encoder", "head"]
    assert all(r["folded"] for r in rows)
    assert rows[2]["num_params"] == 36 + 3 + 6
    deep = summarize_checkpoint(path, depth=2).rows()
    assert [r["name"] for r in deep if r["row_type"] == "module"] == \
        ["embed", "encoder", "head", "head.0", "head.1"]
    assert "embed.weight" in [r["name"] for r in deep]
    only_modules = summarize_checkpoint(path, depth=2, show_tensors=False).rows()
    assert {r["row_type"] for r in only_modules} == {"module"}
    root = summarize_checkpoint(path, depth=0).rows()
    assert len(root) == 1 and root[0]["num_params"] == EXPECTED_PARAMS


def test_tied_weights_count_once(tmp_path):
    shared = nnx.ones(10, 4)
    path = tmp_path / "tied.pt"
    nnx.save(OrderedDict([("embed.weight", shared), ("lm_head.weight", shared),
                          ("lm_head.bias", nnx.zeros(10))]), path)
    info = summarize_checkpoint(path)
    assert info.total_params == 40 + 10 and info.num_tied == 1
    tied = [r for r in info.rows() if r["name"] == "lm_head.weight"][0]
    assert tied["tied_to"] == "embed.weight" and tied["num_params"] == 0


def test_golden_torch_files():
    for name in ("wrappers.pt", "wrappers_legacy.pt"):
        info = summarize_checkpoint(os.path.join(GOLDEN, name))
        # the torch-written state_dict: weight (3, 4), bias (3,), steps () int64,
        # inner.weight (2, 3), inner.mean (3,) float64 (a float buffer: a state_dict cannot
        # tell it from a parameter, so it counts as one)
        assert info.entry == "state_dict"
        assert info.total_params == 12 + 3 + 6 + 3 and info.buffer_elements == 1
        assert info.total_bytes == 4 * 12 + 4 * 3 + 8 + 4 * 6 + 8 * 3
        assert "optimizer" in info.other_entries and "epoch" in info.other_entries
    listed = summarize_checkpoint(os.path.join(GOLDEN, "parameters.pt"))
    assert [t.name for t in listed.tensors] == ["0", "1", "2", "3"]
    assert listed.total_params == 2 + 1 + 2 + 2
    views = summarize_checkpoint(os.path.join(GOLDEN, "views.pt"))
    tied = {t.name: t.tied_to for t in views.tensors}
    assert tied["tied"] == "base" and tied["transposed"] is None
    assert views.num_tied == 1


def test_hostile_and_broken_files(tmp_path):
    with pytest.raises(nnx.serialization.CheckpointError):
        summarize_checkpoint(os.path.join(GOLDEN, "full_model.pt"))
    with pytest.raises(FileNotFoundError):
        summarize_checkpoint(tmp_path / "missing.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 20)
    with pytest.raises(ValueError, match="not a valid safetensors file"):
        summarize_checkpoint(bad)


def test_safetensors_bfloat16_from_the_header(tmp_path):
    """NumPy cannot write bfloat16: the file is built by hand (8-byte header length, JSON
    header, data); the header's dtype and 2-byte width are what the summary reports."""
    header = json.dumps({"w": {"dtype": "BF16", "shape": [3, 5], "data_offsets": [0, 30]}})
    path = tmp_path / "bf16.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header.encode() + b"\x00" * 30)
    info = summarize_checkpoint(path)
    assert info.tensors[0].dtype == "bfloat16" and info.total_bytes == 30
    assert info.total_params == 15


def test_safetensors_names_in_natural_order(tmp_path):
    arrays = {f"layers.{i}.weight": np.zeros((2, 2), np.float32) for i in (10, 2, 1)}
    info = summarize_checkpoint(_write(tmp_path / "order.safetensors", arrays))
    assert [t.name for t in info.tensors] == ["layers.1.weight", "layers.2.weight",
                                              "layers.10.weight"]


def test_text_table_lists_every_module(tmp_path):
    info = summarize_checkpoint(_write(tmp_path / "m.npz", _arrays()), depth=2)
    text = str(info)
    assert text.splitlines()[0].startswith("Checkpoint: ") and "NumPy .npz" in text
    assert "├─encoder: LSTM(8, 6, num_layers=2, bidirectional=True)" in text
    assert "│    └─weight_ih_l0" in text
    assert f"Total params: {EXPECTED_PARAMS:,}" in text
    ascii_text = str(summarize_checkpoint(tmp_path / "m.npz", depth=2, ascii_only=True))
    assert "├" not in ascii_text and "+ encoder: LSTM" in ascii_text


def test_a_lone_tensor_and_a_file_without_tensors(tmp_path):
    nnx.save(nnx.ones(3, 2), tmp_path / "one.pt")
    info = summarize_checkpoint(tmp_path / "one.pt")
    assert [t.name for t in info.tensors] == ["tensor"] and info.total_params == 6
    nnx.save({"epoch": 1, "name": "run"}, tmp_path / "none.pt")
    with pytest.raises(ValueError, match="holds no tensors"):
        summarize_checkpoint(tmp_path / "none.pt")


def test_a_dict_with_tensors_of_its_own_is_read_whole(tmp_path):
    """Only a dict without top-level tensors is searched for a weights entry: here the
    top-level tensor and the nested one are both the model's."""
    nnx.save({"scale": nnx.ones(3), "encoder": {"proj": {"weight": nnx.ones(2, 4)}}},
             tmp_path / "nested.pt")
    info = summarize_checkpoint(tmp_path / "nested.pt")
    assert info.entry is None and info.other_entries == ()
    assert [t.name for t in info.tensors] == ["scale", "encoder.proj.weight"]
    assert info.total_params == 3 + 8


def test_a_long_dtype_list_fits_its_column(tmp_path):
    from nnx_tools._checkpoint_summary._table import fit_dtypes

    assert fit_dtypes("float32,int64", 20) == "float32,int64"
    assert fit_dtypes("float32,float64,float16,int64,int32,int16,int8,uint8,bool", 20) == \
        "float32,float64,+7"
    assert fit_dtypes("complex128", 4) == "complex128"          # a single dtype stays whole
    text = str(summarize_checkpoint(os.path.join(GOLDEN, "dtypes.pt"), depth=0))
    header, root = (next(line for line in text.splitlines() if line.startswith(start))
                    for start in ("Layer", "(root)"))
    # the cells after the dtypes stay under their headers
    assert root[header.index("Dtype"):].startswith("float32,float64,+7 ")
    assert root[header.index("Param #"):].startswith("27 +18 buf ")
