"""Models for the summary golden comparison, each built from an ``nn`` namespace.

torch.nn and nnx.nn share the API, so ``generate_summary.py`` builds every model with
``torch.nn`` (and records torchinfo 1.8.0's summary) and ``tests/tools/test_summary_golden.py``
builds the same model with ``nnx.nn``.  Needs neither torch nor nnx to import.

``CASES``: ``SummaryCase(name, builder, input_size, dtypes, options, text)``: the summary
call's ``input_size`` (None: no forward pass), input dtypes by name, the other
``summary()`` options, and whether the fixture keeps the whole printed table.
"""

from typing import NamedTuple

__all__ = ["SummaryCase", "CASES", "CASES_BY_NAME", "BUILDERS"]

ALL_COLUMNS = ("input_size", "output_size", "num_params", "params_percent", "kernel_size",
               "mult_adds", "trainable")


def mlp(nn):
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                         nn.Linear(32, 4))


def small_cnn(nn):
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 6 * 6, 10))


def lstm_one_layer(nn):
    return nn.LSTM(8, 16)


def lstm_two_layers_bidirectional(nn):
    return nn.LSTM(8, 16, num_layers=2, bidirectional=True, batch_first=True)


def lstm_proj(nn):
    return nn.LSTM(8, 16, proj_size=4)


def gru(nn):
    return nn.GRU(8, 12, num_layers=2)


def rnn_relu(nn):
    return nn.RNN(8, 12, nonlinearity="relu", batch_first=True)


def embedding_lstm_classifier(nn):
    class TextClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(50, 12)
            self.encoder = nn.LSTM(12, 16, batch_first=True)
            self.head = nn.Linear(16, 3)

        def forward(self, tokens):
            embedded = self.embedding(tokens)
            _, (h_n, _) = self.encoder(embedded)
            return self.head(h_n[-1])

    return TextClassifier()


def nested_sequential(nn):
    return nn.Sequential(
        nn.Sequential(nn.Linear(8, 16), nn.ReLU(),
                      nn.Sequential(nn.Linear(16, 16), nn.Tanh())),
        nn.Linear(16, 4))


def frozen_layer(nn):
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    for p in model[0].parameters():
        p.requires_grad_(False)
    return model


def tied_lm(nn):
    class TiedLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(40, 16)
            self.proj = nn.Linear(16, 16)
            self.lm_head = nn.Linear(16, 40, bias=False)
            self.lm_head.weight = self.embed.weight

        def forward(self, tokens):
            return self.lm_head(self.proj(self.embed(tokens)))

    return TiedLM()


def named_cnn(nn):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3)
            self.pool = nn.MaxPool2d(2)
            self.features = nn.Sequential(nn.Conv2d(4, 8, 3), nn.ReLU())
            self.classifier = nn.Linear(8 * 4 * 4, 5)

        def forward(self, x):
            x = self.features(self.pool(self.conv1(x)))
            return self.classifier(x.flatten(1))

    return Net()


def shared_block(nn):
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = nn.Sequential(nn.Linear(8, 8), nn.ReLU())
            self.out = nn.Linear(8, 2)

        def forward(self, x):
            return self.out(self.block(self.block(x)))

    return Twice()


def module_list(nn):
    class Stack(nn.Module):
        """A ModuleList is never called: its row is inserted above its layers."""

        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])
            self.act = nn.ReLU()

        def forward(self, x):
            for layer in self.layers:
                x = self.act(layer(x))
            return x

    return Stack()


def skip_level(nn):
    class Outer(nn.Module):
        """forward reaches a grandchild directly: the child's row is inserted."""

        def __init__(self):
            super().__init__()
            self.block = nn.Sequential(nn.Linear(6, 6), nn.Sequential(nn.Linear(6, 3)))

        def forward(self, x):
            return self.block[1][0](self.block[0](x))

    return Outer()


def residual_net(nn):
    class BasicBlock(nn.Module):
        """A ResNet basic block: a skip connection, one ReLU called twice, and a 1x1
        downsampling branch that runs before the main path."""

        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                                nn.BatchNorm2d(cout))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            y = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(y)) + identity)

    class ResidualNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8),
                                      nn.ReLU())
            self.layer1 = nn.Sequential(BasicBlock(8, 8, 1), BasicBlock(8, 16, 2))
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            return self.fc(self.pool(self.layer1(self.stem(x))).flatten(1))

    return ResidualNet()


def grouped_conv(nn):
    return nn.Sequential(nn.Conv2d(8, 16, 3, groups=4), nn.ReLU(),
                         nn.Conv2d(16, 16, 3, groups=16, bias=False), nn.Flatten(2),
                         nn.Conv1d(16, 4, 1, groups=2))


def gru_cell_loop(nn):
    class CellLoop(nn.Module):
        """A GRUCell stepped over time in forward: one (recursive) row per step."""

        def __init__(self):
            super().__init__()
            self.cell = nn.GRUCell(5, 7)
            self.out = nn.Linear(7, 2)

        def forward(self, x):                   # (T, N, 5)
            h = None
            for t in range(x.shape[0]):
                h = self.cell(x[t], h)
            return self.out(h)

    return CellLoop()


def dict_output(nn):
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(4, 6)
            self.head = nn.Linear(6, 3)

        def forward(self, x):
            hidden = self.body(x)
            return {"hidden": hidden, "logits": self.head(hidden)}

    return TwoHeads()


BUILDERS = {f.__name__: f for f in (
    mlp, small_cnn, lstm_one_layer, lstm_two_layers_bidirectional, lstm_proj, gru, rnn_relu,
    embedding_lstm_classifier, nested_sequential, frozen_layer, tied_lm, named_cnn,
    shared_block, module_list, skip_level, residual_net, grouped_conv, gru_cell_loop,
    dict_output)}


class SummaryCase(NamedTuple):
    name: str
    builder: str
    input_size: object = None
    dtypes: tuple = ()
    options: dict = {}
    text: bool = False


_MACS = {"col_names": ("output_size", "num_params", "mult_adds")}

CASES = [
    SummaryCase("mlp", "mlp", (2, 16), options={"col_names": ALL_COLUMNS}, text=True),
    SummaryCase("small_cnn", "small_cnn", (2, 3, 16, 16), options={"col_names": ALL_COLUMNS},
                text=True),
    SummaryCase("small_cnn_verbose", "small_cnn", (2, 3, 16, 16),
                options={"col_names": ("output_size", "num_params", "kernel_size"),
                         "verbose": 2}, text=True),
    SummaryCase("small_cnn_no_input", "small_cnn", text=True),
    SummaryCase("lstm_one_layer", "lstm_one_layer", (5, 2, 8), options=_MACS, text=True),
    SummaryCase("lstm_two_layers_bidirectional", "lstm_two_layers_bidirectional", (2, 5, 8),
                options=_MACS, text=True),
    SummaryCase("lstm_proj", "lstm_proj", (5, 2, 8), options=_MACS),
    SummaryCase("gru", "gru", (5, 2, 8), options=_MACS),
    SummaryCase("rnn_relu", "rnn_relu", (2, 5, 8), options=_MACS),
    SummaryCase("embedding_lstm_classifier", "embedding_lstm_classifier", (2, 7), ("int64",),
                options=_MACS, text=True),
    SummaryCase("nested_depth1", "nested_sequential", (2, 8), options={"depth": 1, **_MACS},
                text=True),
    SummaryCase("nested_depth2", "nested_sequential", (2, 8), options={"depth": 2, **_MACS},
                text=True),
    SummaryCase("nested_depth3", "nested_sequential", (2, 8), options={"depth": 3, **_MACS},
                text=True),
    SummaryCase("frozen_layer", "frozen_layer", (2, 8),
                options={"col_names": ("output_size", "num_params", "trainable")}, text=True),
    SummaryCase("tied_lm", "tied_lm", (2, 6), ("int64",), options=_MACS, text=True),
    SummaryCase("named_cnn_var_names", "named_cnn", (2, 1, 14, 14),
                options={"row_settings": ("depth", "var_names"), **_MACS}, text=True),
    SummaryCase("named_cnn_ascii", "named_cnn", (2, 1, 14, 14),
                options={"row_settings": ("ascii_only", "var_names")}, text=True),
    SummaryCase("shared_block", "shared_block", (2, 8), options=_MACS, text=True),
    SummaryCase("module_list", "module_list", (2, 8), options=_MACS, text=True),
    SummaryCase("module_list_depth1", "module_list", (2, 8), options={"depth": 1, **_MACS},
                text=True),
    SummaryCase("skip_level", "skip_level", (2, 6), options=_MACS, text=True),
    SummaryCase("skip_level_no_input", "skip_level", text=True),
    SummaryCase("tied_lm_no_input", "tied_lm", text=True),
    SummaryCase("shared_block_no_input", "shared_block", text=True),
    SummaryCase("embedding_lstm_no_input", "embedding_lstm_classifier",
                options={"depth": 1, "verbose": 2}, text=True),
    SummaryCase("residual_net", "residual_net", (2, 3, 8, 8),
                options={"col_names": ALL_COLUMNS}, text=True),
    SummaryCase("residual_net_depth2_var_names", "residual_net", (2, 3, 8, 8),
                options={"depth": 2, "row_settings": ("depth", "var_names"), **_MACS},
                text=True),
    SummaryCase("residual_net_depth0", "residual_net", (2, 3, 8, 8),
                options={"depth": 0, **_MACS}, text=True),
    SummaryCase("grouped_conv", "grouped_conv", (2, 8, 9, 9),
                options={"col_names": ("output_size", "num_params", "kernel_size", "mult_adds")},
                text=True),
    SummaryCase("gru_cell_loop", "gru_cell_loop", (6, 3, 5), options=_MACS, text=True),
    SummaryCase("dict_output", "dict_output", (2, 4), options=_MACS, text=True),
]

CASES_BY_NAME = {case.name: case for case in CASES}
