"""The table primitives and the footer's numbers (torchinfo's layout; HEAD's units)."""

import nnx.nn as nn
from nnx_tools import summary
from nnx_tools._summary import _table, _units


def test_units_follow_torchinfo_head():
    # examples from torchinfo HEAD's README / model_statistics.format_output_num
    assert _units.format_bytes_line("Input size", 20540) == "Input size (kB): 20.54"
    assert _units.format_bytes_line("Input size", 856) == "Input size: 856"
    assert _units.format_bytes_line("Params size", 120000) == "Params size (kB): 120"
    assert _units.format_bytes_line("Params size", 2_500_000) == "Params size (MB): 2.50"
    assert _units.format_bytes_line("Size", 3_210_000_000) == "Size (GB): 3.21"
    assert _units.format_count_line("Total mult-adds", 3_410_000) == "Total mult-adds (M): 3.41"
    assert _units.format_count_line("Total mult-adds", 999) == "Total mult-adds: 999"
    assert _units.format_count_line("Total mult-adds", 2e12) == "Total mult-adds (T): 2"
    assert _units.format_count_line("Total params", 21840, scale=False) == "Total params: 21,840"


def test_tree_prefix():
    assert [_table.tree_prefix(d) for d in range(4)] == ["", "├─", "│    └─", "│    │    └─"]
    assert [_table.tree_prefix(d, ascii_only=True) for d in range(3)] == ["", "+ ", "|    + "]


def test_name_width_grows_in_steps_of_five():
    assert _table.name_width([("Linear", 1)]) == 40
    assert _table.name_width([("x" * 34, 1)]) == 40          # 34 + 5 + 1 = 40 -> 40
    assert _table.name_width([("x" * 35, 1)]) == 45          # 41 -> 45
    assert _table.name_width([]) == 40


def test_render_table_layout():
    text = _table.render_table(
        "Layer", ["Output Shape", "Param #"],
        [("Root", ["[1, 2]", "--"]), (_table.tree_prefix(1) + "Leaf", ["[1, 2]", "6"])],
        [["Total params: 6"]], col_width=15)
    assert text.split("\n") == [
        "=" * 70,
        "Layer                                    Output Shape    Param #",
        "=" * 70,
        "Root                                     [1, 2]          --",
        "├─Leaf                                   [1, 2]          6",
        "=" * 70,
        "Total params: 6",
        "=" * 70,
    ]


def test_cell():
    assert [_table.cell(v) for v in (None, 0, [], "", [2, 3], 3)] == [
        "--", "--", "--", "--", "[2, 3]", "3"]


def test_long_names_widen_the_first_column_and_groups_column():
    class AVeryLongModuleNameThatNeedsMoreRoom(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Sequential(nn.Conv2d(4, 4, 3, groups=2))

        def forward(self, x):
            return self.inner(x)

    stats = summary(AVeryLongModuleNameThatNeedsMoreRoom(), input_size=(1, 4, 5, 5),
                    col_names=("groups", "num_params"), row_settings=("depth", "var_names"),
                    verbose=0)
    lines = str(stats).split("\n")
    # "Conv2d (0): 2-1" at depth 2: 15 + 10 + 1 = 26; the root: 36*2 + 3 + 1 = 76 -> 80
    assert len(lines[0]) == 80 + 2 * 25
    assert lines[1].startswith("Layer (type (var_name):depth-idx)")
    conv = lines[5]
    assert conv.startswith("│    └─Conv2d (0): 2-1")
    assert conv.split()[-2:] == ["2", "76"]
