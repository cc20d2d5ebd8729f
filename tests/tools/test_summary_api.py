"""nnx_tools.summary: inputs, options, errors, and the model left as it was."""

import json

import numpy as np
import pytest

import nnx
import nnx.nn as nn
import nnx.nn.functional as F
from nnx._ops import linalg
from nnx_tools import ModelStatistics, summary


def _mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def _hook_counts(model):
    return [(len(m._forward_pre_hooks), len(m._forward_hooks),
             len(m._forward_hooks_always_called)) for m in model.modules()]


def _library_functions():
    return (linalg._product, F.linear, F.bilinear, F.conv1d, F.conv2d, F.conv_transpose2d)


def test_returns_statistics_and_prints_the_table(capsys):
    stats = summary(_mlp(), input_size=(3, 4))
    assert isinstance(stats, ModelStatistics)
    assert capsys.readouterr().out == str(stats) + "\n"
    assert stats.total_params == 4 * 8 + 8 + 8 * 2 + 2
    assert stats.total_mult_adds == 3 * 40 + 3 * 18
    assert stats.total_input == 3 * 4 * 4


def test_verbose_0_is_quiet(capsys):
    summary(_mlp(), input_size=(3, 4), verbose=0)
    assert capsys.readouterr().out == ""


def test_no_input_lists_every_module_with_parameters():
    class Unused(nn.Module):
        def __init__(self):
            super().__init__()
            self.used = nn.Linear(4, 4)
            self.never_called = nn.Sequential(nn.Linear(4, 3), nn.GRU(3, 5))

        def forward(self, x):
            return self.used(x)

    stats = summary(Unused(), verbose=0)
    names = [(row.class_name, row.depth, row.num_params) for row in stats.summary_list]
    gru = 3 * 15 + 3 * 15 + 30 + 30
    assert names == [("Unused", 0, 20 + 15 + gru), ("Linear", 1, 20),
                     ("Sequential", 1, 15 + gru), ("Linear", 2, 15), ("GRU", 2, gru)]
    assert stats.formatting.col_names == ("num_params",)  # the default drops output_size
    assert stats.total_params == 20 + 15 + gru
    assert "Total mult-adds" not in str(stats)


def test_columns_that_need_an_input_are_refused_without_one():
    with pytest.raises(ValueError, match="You must pass input_data or input_size"):
        summary(_mlp(), col_names=("output_size",), verbose=0)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"col_width": 0}, ValueError, "Column width must be greater than 0: col_width=0"),
    ({"verbose": 3}, ValueError, "Verbose must be either 0"),
    ({"input_data": nnx.zeros(1, 4)}, RuntimeError, "Only one of"),
    ({"col_names": ("params",)}, ValueError, "unknown column 'params'"),
    ({"row_settings": ("tree",)}, ValueError, "unknown row setting 'tree'"),
    ({"mode": "test"}, ValueError, "mode must be one of"),
])
def test_bad_options(kwargs, error, message):
    with pytest.raises(error, match=message):
        summary(_mlp(), **{"input_size": (3, 4), "verbose": 0, **kwargs})


def test_model_must_be_a_module():
    with pytest.raises(TypeError, match="nnx.nn.Module"):
        summary(lambda x: x, input_size=(2, 2), verbose=0)


def test_bad_input_size():
    with pytest.raises(ValueError, match="negative size"):
        summary(_mlp(), input_size=(3, -4), verbose=0)
    with pytest.raises(TypeError, match="Input_size is not a recognized type"):
        summary(_mlp(), input_size=3, verbose=0)
    with pytest.raises(TypeError, match="Input_size is not a recognized type"):
        summary(_mlp(), input_size=[(3, 4), 4], verbose=0)      # a shape and a number
    for bad in (2.0, True):
        with pytest.raises(TypeError, match="dimensions must be integers"):
            summary(_mlp(), input_size=(bad, 4), verbose=0)


def test_numpy_integers_are_sizes():
    stats = summary(_mlp(), input_size=(np.int64(3), np.int32(4)), verbose=0)
    assert stats.summary_list[0].input_size == [3, 4]
    assert stats.input_size == [[3, 4]]


class _ModeProbe(nn.Module):
    def __init__(self):
        super().__init__()
        self.seen = []
        self.inner = nn.Dropout(0.5)

    def forward(self, x):
        self.seen.append((self.training, self.inner.training))
        return self.inner(x)


@pytest.mark.parametrize("mode, during", [("train", (True, True)), ("eval", (False, False)),
                                          ("same", (True, False))])
def test_mode_is_applied_and_every_module_restored(mode, during):
    model = _ModeProbe()
    model.inner.eval()                   # a mixed model: kept mixed afterwards
    summary(model, input_size=(2, 3), mode=mode, verbose=0)
    assert model.seen == [during]
    assert (model.training, model.inner.training) == (True, False)


class _Fails(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(4, 8), nn.Linear(5, 2))

    def forward(self, x):
        return self.encoder(x)


def test_failing_forward_names_the_layer_and_leaves_the_model_as_it_was():
    model = _Fails()
    model.eval()
    model.encoder[0].train()
    before = _hook_counts(model)
    product, linear = linalg._product, F.linear
    with pytest.raises(RuntimeError) as info:
        summary(model, input_size=(2, 4), mode="train", verbose=0)
    message = str(info.value)
    assert "Linear at 'encoder.1'" in message
    assert "mat1 and mat2 shapes cannot be multiplied (2x8 and 5x2)" in message
    assert isinstance(info.value.__cause__, RuntimeError)
    assert _hook_counts(model) == before
    assert [m.training for m in model.modules()] == [False, False, True, False]
    assert linalg._product is product and F.linear is linear


def test_hooks_removed_after_success_and_user_hooks_kept():
    model = _mlp()
    calls = []
    model[0].register_forward_hook(lambda m, a, o: calls.append(tuple(o.shape)))
    before = _hook_counts(model)
    summary(model, input_size=(3, 4), verbose=0)
    assert _hook_counts(model) == before
    assert calls == [(3, 8)]


def test_input_data_forms():
    class TwoInputs(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x, y=None, scale=1.0):
            return self.fc(x + (0 if y is None else y)) * scale

    model = TwoInputs()
    x = nnx.ones(5, 3)
    assert summary(model, input_data=x, verbose=0).summary_list[1].input_size == [5, 3]
    stats = summary(model, input_data=[x, x], verbose=0)
    assert stats.input_size == [[5, 3], [5, 3]]
    stats = summary(model, input_data={"x": x, "y": x}, scale=2.0, verbose=0)
    assert stats.summary_list[0].output_size == [5, 2]
    stats = summary(model, input_data=np.ones((4, 3), dtype=np.float32), verbose=0)
    assert stats.summary_list[1].input_size == [4, 3]
    assert stats.total_input == 4 * 3 * 4


def test_dtypes_and_batch_dim():
    model = nn.Embedding(10, 3)
    for dtype in (nnx.int64, "int64"):
        stats = summary(model, input_size=(2, 5), dtypes=[dtype], verbose=0)
        assert stats.summary_list[0].output_size == [2, 5, 3]
        assert stats.total_input == 2 * 5 * 8
    stats = summary(_mlp(), input_size=(4,), batch_dim=0, verbose=0)
    assert stats.summary_list[0].input_size == [1, 4]
    with pytest.raises(ValueError, match="unknown dtype"):
        summary(model, input_size=(2, 5), dtypes=["int65"], verbose=0)


def test_packed_sequence_input_and_output():
    rnn_utils = nn.utils.rnn
    lstm = nn.LSTM(3, 4)
    packed = rnn_utils.pack_padded_sequence(nnx.zeros(5, 2, 3), [5, 2])
    stats = summary(lstm, input_data=packed, col_names=("output_size", "mult_adds"), verbose=0)
    row = stats.summary_list[0]
    assert row.input_size == [7, 3] and row.output_size == [7, 4]  # live rows x features
    assert row.output_shapes == [{"data": [7, 4], "batch_sizes": [2, 2, 1, 1, 1]},
                                 [[1, 2, 4], [1, 2, 4]]]
    params = sum(p.numel() for p in lstm.parameters())
    assert row.mult_adds == 7 * params       # sum(batch_sizes), not 5 * 2 padded rows


def test_tuple_list_and_dict_outputs():
    class Outputs(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            y = self.fc(x)
            return {"logits": y, "pair": [x, (y, y)]}

    stats = summary(Outputs(), input_size=(4, 3), verbose=0)
    root = stats.summary_list[0]
    assert root.output_size == [4, 3]        # torchinfo: a dict shows its last value
    assert root.output_shapes == {"logits": [4, 2], "pair": [[4, 3], [[4, 2], [4, 2]]]}


def test_as_dict_is_json_safe_and_has_the_interface_keys():
    model = nn.Sequential(nn.Sequential(nn.Linear(4, 8), nn.ReLU()), nn.Linear(8, 2))
    stats = summary(model, input_size=(3, 4), depth=1, verbose=0,
                    col_names=("output_size", "num_params", "mult_adds"))
    data = json.loads(json.dumps(stats.as_dict()))
    assert data["model"] == "Sequential"
    assert data["columns"] == ["output_size", "num_params", "mult_adds"]
    assert [r["class_name"] for r in data["rows"]] == ["Sequential", "Sequential", "Linear"]
    folded = data["rows"][1]
    assert folded["num_params"] == 40 and folded["mult_adds"] == 3 * 40
    assert folded["params_percent"] == pytest.approx(100 * 40 / 58)
    assert folded["output_size"] == [3, 8] and folded["depth_index"] == 1
    assert data["rows"][0]["trainable"] == "True" and data["rows"][0]["mult_adds"] is None
    assert set(data["rows"][0]) >= {
        "class_name", "var_name", "depth", "depth_index", "input_size", "output_size",
        "num_params", "params_percent", "kernel_size", "mult_adds", "trainable",
        "is_recursive"}
    assert data["totals"] == {
        "total_params": 58, "trainable_params": 58, "non_trainable_params": 0,
        "total_mult_adds": 3 * 58, "input_size_bytes": 48,
        "forward_backward_size_bytes": stats.total_output_bytes, "params_size_bytes": 232,
        "estimated_total_size_bytes": 48 + stats.total_output_bytes + 232}


def test_none_means_the_default(capsys):
    stats = summary(_mlp(), input_size=(3, 4), col_names=None, row_settings=None, mode=None,
                    verbose=None)
    assert stats.formatting.col_names == ("output_size", "num_params")
    assert "Linear: 1-1" in capsys.readouterr().out
    assert summary(_mlp(), col_names=None, verbose=0).formatting.col_names == ("num_params",)


def test_an_exception_caught_inside_forward_does_not_confuse_the_rows():
    class Fallback(nn.Module):
        def __init__(self):
            super().__init__()
            self.fast = nn.Linear(5, 2)          # wrong input width: raises
            self.slow = nn.Linear(4, 2)

        def forward(self, x):
            try:
                return self.fast(x)
            except RuntimeError:
                return self.slow(x)

    stats = summary(Fallback(), input_size=(3, 4), verbose=0)
    rows = [(r.var_name, r.executed, r.output_size) for r in stats.summary_list]
    assert rows == [("Fallback", True, [3, 2]), ("fast", False, []), ("slow", True, [3, 2])]
    assert stats.total_mult_adds == 3 * 10


def test_an_error_after_a_caught_one_names_the_module_that_raised_it():
    class OwnFailure(nn.Module):
        def __init__(self):
            super().__init__()
            self.fast = nn.Linear(5, 2)

        def forward(self, x):
            try:
                self.fast(x)
            except RuntimeError:
                pass
            raise ValueError("no fallback")

    with pytest.raises(RuntimeError) as info:
        summary(OwnFailure(), input_size=(3, 4), verbose=0)
    assert "failed in OwnFailure (the model itself): ValueError: no fallback" in str(info.value)


def test_ops_after_a_caught_error_count_toward_the_caller():
    class MatmulFallback(nn.Module):
        def __init__(self):
            super().__init__()
            self.fast = nn.Linear(5, 2)
            self.weight = nn.Parameter(nnx.ones(4, 2))

        def forward(self, x):
            try:
                return self.fast(x)
            except RuntimeError:
                return x @ self.weight            # the failed Linear's row is closed

    stats = summary(MatmulFallback(), input_size=(3, 4), verbose=0)
    assert [(r.var_name, r.mult_adds) for r in stats.summary_list] == [
        ("MatmulFallback", 3 * 2 * 4), ("fast", 0)]


def test_buffers_and_the_rng_are_left_as_they_were():
    # a training-mode pass updates BatchNorm's running statistics and draws dropout masks
    # from the global RNG: a summary must change neither
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    nnx.manual_seed(3)
    expected_draw = nnx.rand(5)
    nnx.manual_seed(3)
    before = {name: b.clone() for name, b in model.named_buffers()}
    buffers = dict(model.named_buffers())
    stats = summary(model, input_size=(8, 4), mode="train", verbose=0)
    assert stats.summary_list[2].output_size == [8, 4]
    for name, buffer in model.named_buffers():
        assert buffer is buffers[name]
        assert nnx.equal(buffer, before[name]), name
    assert int(model[1].num_batches_tracked) == 0
    assert nnx.equal(nnx.rand(5), expected_draw)


def test_keyboard_interrupt_leaves_no_hooks_modes_or_observers():
    class Interrupted(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)
            self.drop = nn.Dropout()

        def forward(self, x):
            self.fc(x) @ nnx.ones(2, 2)
            raise KeyboardInterrupt

    model = Interrupted()
    model.drop.eval()
    before, functions = _hook_counts(model), _library_functions()
    with pytest.raises(KeyboardInterrupt):             # not turned into a RuntimeError
        summary(model, input_size=(2, 3), mode="train", verbose=0)
    assert _hook_counts(model) == before
    assert [m.training for m in model.modules()] == [True, True, False]
    assert _library_functions() == functions


def test_calls_from_other_threads_add_no_rows():
    import threading

    model = _mlp()

    class CallsFromAThread(nn.Module):
        def __init__(self):
            super().__init__()
            self.shared = model

        def forward(self, x):
            worker = threading.Thread(target=lambda: self.shared(nnx.ones(7, 4)))
            worker.start()
            worker.join()
            return self.shared(x)

    stats = summary(CallsFromAThread(), input_size=(3, 4), verbose=0)
    assert [(r.class_name, r.output_size) for r in stats.summary_list] == [
        ("CallsFromAThread", [3, 2]), ("Sequential", [3, 2]), ("Linear", [3, 8]),
        ("ReLU", [3, 8]), ("Linear", [3, 2])]
    assert stats.total_mult_adds == 3 * 58
