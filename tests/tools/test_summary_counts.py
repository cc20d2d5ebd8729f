"""Parameter and mult-add counts where torchinfo falls short (its issues in the comments)."""

import nnx
import nnx.nn as nn
import nnx.nn.functional as F
from nnx_tools import summary

MACS = ("output_size", "num_params", "mult_adds")


def _rows(stats):
    return [(row.class_name, row.mult_adds) for row in stats.summary_list]


# -- parameters ------------------------------------------------------------------------------

class _TiedEncoderDecoder(nn.Module):
    """Shared embedding (T5-style) and a tied output layer: 30*8 exists once."""

    def __init__(self):
        super().__init__()
        self.shared = nn.Embedding(30, 8)
        self.encoder = nn.Sequential(self.shared, nn.Linear(8, 8))
        self.decoder = nn.Linear(8, 30, bias=False)
        self.decoder.weight = self.shared.weight

    def forward(self, tokens):
        return self.decoder(self.encoder(tokens))


def test_tied_and_shared_parameters_count_once():
    # torchinfo 1.8.0 issues #322, #377, #358, #327: tied weights counted per use
    model = _TiedEncoderDecoder()
    stats = summary(model, input_size=(2, 5), dtypes=[nnx.int64], verbose=0)
    assert stats.total_params == 30 * 8 + 8 * 8 + 8 == 312
    assert stats.trainable_params == 312
    assert stats.total_param_bytes == 312 * 4
    # the no-input tree too: the embedding is listed twice, the second time (recursive)
    tree = summary(model, verbose=0)
    assert tree.total_params == 312
    assert [(r.class_name, r.is_recursive) for r in tree.summary_list] == [
        ("_TiedEncoderDecoder", False), ("Embedding", False), ("Sequential", False),
        ("Embedding", True), ("Linear", False), ("Linear", False)]
    assert "(recursive)" in str(tree)


def test_module_called_twice_is_recursive_and_counted_once():
    block = nn.Linear(4, 4)
    model = nn.Sequential(block, nn.ReLU(), block)
    stats = summary(model, input_size=(3, 4), col_names=MACS, verbose=0)
    assert [r.is_recursive for r in stats.summary_list] == [False, False, False, True]
    assert stats.total_params == 20
    assert stats.total_mult_adds == 2 * 3 * 20            # it runs twice: both calls count
    hidden = summary(model, input_size=(3, 4), row_settings=("depth", "hide_recursive_layers"),
                     verbose=0)
    assert str(hidden).count("Linear") == 1


class _OwnsParameters(nn.Module):
    """A container that holds a parameter itself, and a child it never calls."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(nnx.ones(6))
        self.body = nn.Linear(6, 6)
        self.spare = nn.Linear(6, 100)

    def forward(self, x):
        return self.body(x) * self.scale


def test_parameters_owned_by_a_container_show_on_its_row():
    # torchinfo #137/#243: a container row shows num_params - sum(children called), which
    # puts the never-called child's 700 parameters on the container's row
    stats = summary(_OwnsParameters(), input_size=(2, 6), verbose=0)
    root = stats.summary_list[0]
    assert root.own_params == 6 and root.num_params == 6 + 42 + 700
    assert root.shown_params(folded=False) == (6, 6)
    first_row = str(stats).split("\n")[3]
    assert first_row.split() == ["_OwnsParameters", "[2,", "6]", "6"]
    assert stats.total_params == 748


def test_frozen_layer_shows_parentheses_and_partial():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    model[0].weight.requires_grad_(False)
    stats = summary(model, input_size=(1, 2), col_names=("num_params", "trainable"),
                    verbose=0)
    assert stats.trainable_params == 2 + 6
    assert [r.trainable for r in stats.summary_list] == ["Partial", "Partial", "True"]
    model[0].bias.requires_grad_(False)
    text = str(summary(model, input_size=(1, 2), verbose=0))
    assert "(6)" in text


# -- recurrent mult-adds ---------------------------------------------------------------------

def _numel(module):
    return sum(p.numel() for p in module.parameters())


def test_rnn_mult_adds_count_every_step_direction_and_layer():
    for model, shape, rows in [
        (nn.GRU(5, 7, num_layers=3, bidirectional=True), (9, 2, 5), 9 * 2),
        (nn.LSTM(5, 7, proj_size=3, batch_first=True), (2, 9, 5), 2 * 9),
        (nn.RNN(5, 7), (9, 5), 9),                           # unbatched: T rows
    ]:
        stats = summary(model, input_size=shape, verbose=0)
        assert stats.total_mult_adds == rows * _numel(model)


def test_cells_count_one_step_per_sequence():
    for cell in (nn.LSTMCell(5, 7), nn.GRUCell(5, 7), nn.RNNCell(5, 7)):
        assert summary(cell, input_size=(4, 5), verbose=0).total_mult_adds == 4 * _numel(cell)
        assert summary(cell, input_size=(5,), verbose=0).total_mult_adds == _numel(cell)


def test_packed_input_counts_live_rows_only():
    gru = nn.GRU(3, 4, num_layers=2)
    packed = nn.utils.rnn.pack_padded_sequence(nnx.zeros(6, 3, 3), [6, 3, 1])
    stats = summary(gru, input_data=packed, verbose=0)
    assert stats.total_mult_adds == (6 + 3 + 1) * _numel(gru)   # not 6 * 3 padded rows


# -- convolutions ----------------------------------------------------------------------------

def test_conv_transpose_counts_each_input_element_once():
    conv = nn.ConvTranspose2d(3, 4, 3, stride=2)
    stats = summary(conv, input_size=(2, 3, 5, 5), verbose=0)
    out = stats.summary_list[0].output_size
    assert out == [2, 4, 11, 11]
    assert stats.total_mult_adds == 3 * 4 * 9 * 2 * 25 + 4 * 2 * 11 * 11


def test_conv_formula_with_unbatched_input():
    conv = nn.Conv1d(2, 3, 3)
    stats = summary(conv, input_size=(2, 10), verbose=0)
    assert stats.total_mult_adds == _numel(conv) * 8


# -- functional ops inside forward ------------------------------------------------------------

class _Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(8, 24)
        self.out_weight = nn.Parameter(nnx.ones(8, 8))

    def forward(self, x):                              # x (B, T, 8)
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        scores = q @ k.transpose(1, 2)                 # (B, T, T): B*T*T*8
        mixed = nnx.bmm(scores, v)                     # (B, T, 8): B*T*8*T
        return F.linear(mixed, self.out_weight)        # B*T*64


class _Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = _Attention()
        self.kernel = nn.Parameter(nnx.ones(4, 1, 3))

    def forward(self, x):
        y = self.attention(x)                          # (B, T, 8)
        y = nnx.matmul(y, nnx.ones(8, 4))              # B*T*4*8 -> this block's own
        return F.conv1d(y.transpose(1, 2), self.kernel, groups=4)   # (B, 4, T-2): B*(T-2)*12


def test_functional_ops_count_toward_the_innermost_module():
    # torchinfo #126, #72: matmul and F.* inside forward are invisible to it
    B, T = 2, 5
    stats = summary(_Block(), input_size=(B, T, 8), col_names=MACS, verbose=0)
    rows = {row.class_name: row.mult_adds for row in stats.summary_list}
    assert rows["Linear"] == B * T * (8 * 24 + 24)     # the formula, its F.linear not again
    assert rows["_Attention"] == B * T * T * 8 + B * T * 8 * T + B * T * 64
    assert rows["_Block"] == B * T * 4 * 8 + B * (T - 2) * 12
    assert stats.total_mult_adds == sum(rows.values())
    # depth 1 folds the attention's rows into its row of the table
    folded = summary(_Block(), input_size=(B, T, 8), col_names=MACS, depth=1, verbose=0)
    row = folded.as_dict()["rows"][1]
    assert row["class_name"] == "_Attention"
    assert row["mult_adds"] == rows["Linear"] + rows["_Attention"]
    assert folded.as_dict()["rows"][0]["mult_adds"] == rows["_Block"]


def test_observers_are_removed_after_the_summary():
    from nnx._ops import linalg

    original = linalg._product
    summary(_Block(), input_size=(1, 4, 8), verbose=0)
    assert linalg._product is original
    assert F.conv1d.__module__ == "nnx.nn.functional._conv"


def test_only_the_summarising_thread_is_observed():
    import threading

    from nnx_tools._summary._functional_ops import observe_functional_ops

    reports = []
    a, b = nnx.ones(2, 3), nnx.ones(3, 4)
    with observe_functional_ops(reports.append):
        worker = threading.Thread(target=lambda: nnx.matmul(a, b))
        worker.start()
        worker.join()
        assert reports == []
        a @ b
        F.linear(a, nnx.ones(5, 3), nnx.ones(5))
    a @ b
    assert reports == [2 * 4 * 3, 2 * (15 + 5)]


def test_summaries_in_two_threads_ending_in_either_order():
    # the first summary to start ends first: each must still see its own matmul, and the
    # library must be left unpatched (replacing per summary left a dead wrapper behind)
    import threading

    from nnx._ops import linalg

    functions = (linalg._product, F.linear, F.conv2d)
    first_in, second_in, first_done = (threading.Event() for _ in range(3))

    class Waits(nn.Module):
        def __init__(self, arrived, wait_for):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.arrived, self.wait_for = arrived, wait_for

        def forward(self, x):
            self.arrived.set()
            assert self.wait_for.wait(10)
            return self.fc(x @ nnx.ones(3, 3))

    results = {}

    def first():
        results["first"] = summary(Waits(first_in, second_in), input_size=(2, 3), verbose=0)
        first_done.set()

    worker = threading.Thread(target=first)
    worker.start()
    assert first_in.wait(10)
    results["second"] = summary(Waits(second_in, first_done), input_size=(2, 3), verbose=0)
    worker.join()
    expected = 2 * 3 * 3 + 2 * 12               # the matmul, then the Linear
    assert results["first"].total_mult_adds == results["second"].total_mult_adds == expected
    assert (linalg._product, F.linear, F.conv2d) == functions


def test_a_summary_inside_a_forward_pass():
    class SummarisesItself(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            self.inner = summary(self.fc, input_data=x, verbose=0)
            return self.fc(x) @ nnx.ones(3, 3)

    from nnx._ops import linalg

    product = linalg._product
    model = SummarisesItself()
    stats = summary(model, input_size=(2, 3), verbose=0)
    assert model.inner.total_mult_adds == 2 * 12
    assert [(r.class_name, r.is_recursive, r.mult_adds) for r in stats.summary_list] == [
        ("SummarisesItself", False, 2 * 3 * 3), ("Linear", False, 24), ("Linear", True, 24)]
    assert linalg._product is product
