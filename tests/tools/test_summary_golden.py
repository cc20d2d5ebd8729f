"""nnx_tools.summary against torchinfo 1.8.0 on the same models (built with torch.nn).

The fixture ``tests/golden/summary_golden.json`` is written by
``tests/golden/generate_summary.py`` (torch 2.13.0, torchinfo 1.8.0) from the model table
``tests/golden/summary_models.py``; nnx builds each model from the same builder with nnx.nn.

Where nnx differs on purpose, the test asserts nnx's documented value and says why:

- tied weights count once (``tied_lm``: torchinfo counts the shared 40x16 matrix twice);
- mult-adds: Embedding is a lookup (0; torchinfo ``N * params``), Linear counts every
  leading dimension of its input (torchinfo 1.8.0 only the first), a recurrent cell one
  step per sequence (``N * params``; torchinfo ``N * H * params``, as its rule for names
  like ``weight_ih`` multiplies by ``prod(output[:2])``);
- a container that is never called (a ModuleList) and is re-entered after a sibling ran
  is inserted above each of its layers; torchinfo inserts the same row object each time,
  so all copies print the last depth index and ``(recursive)`` (``module_list``); nnx
  numbers them ``1-1``, ``1-3``, ``1-5`` and marks only the later ones recursive;
- footer: sizes scale their units (torchinfo HEAD; 1.8.0 prints MB always, and on Python
  3.11 prints ``Total mult-adds (Units.MEGABYTES)``), mult-adds use k/M/G/T, and
  "Forward/backward pass size" is measured from the autograd graph (see
  ``test_summary_memory.py``), so only the footer's labels and dividers are compared.
"""

import importlib.util
import json
import math
import os
import sys

import pytest

import nnx
import nnx.nn as nn
from nnx_tools import summary
from nnx_tools._summary import _table

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "golden")
FIXTURE = os.path.join(GOLDEN_DIR, "summary_golden.json")


def _load_models():
    name = "_nnx_summary_models"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(GOLDEN_DIR, "summary_models.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


models = _load_models()

with open(FIXTURE, encoding="utf-8") as _f:
    GOLDEN = json.load(_f)

# cases whose mult-adds nnx computes differently on purpose (see _expected_macs)
MACS_DIFFER = ("embedding_lstm_classifier", "tied_lm", "gru_cell_loop")


# module_list: torchinfo's ModuleList rows -> nnx's (depth_index, is_recursive), in order
MODULE_LIST_ROWS = [(1, False), (3, True), (5, True)]


def _documented_rows(case_name, rows):
    """torchinfo's rows with its repeated-container bug replaced by nnx's rows."""
    rows = [dict(row) for row in rows]
    if case_name.startswith("module_list"):
        inserted = [row for row in rows if row["class_name"] == "ModuleList"]
        for row, (index, recursive) in zip(inserted, MODULE_LIST_ROWS, strict=True):
            row["depth_index"], row["is_recursive"] = index, recursive
    return rows


def _documented_text(case_name, text, first_width):
    lines = text.split("\n")
    if case_name.startswith("module_list"):
        found = [i for i, line in enumerate(lines) if line.startswith("├─ModuleList: 1-5")]
        for i, (index, recursive) in zip(found, MODULE_LIST_ROWS, strict=True):
            cells = _cells(lines[i], first_width, 25)
            cells[0] = f"├─ModuleList: 1-{index}"
            folded = case_name == "module_list_depth1"
            cells[2] = "(recursive)" if recursive else ("216" if folded else "--")
            if folded:                  # each copy folds the one Linear call below it
                cells[3] = "144"
            lines[i] = _table.format_row(cells[0], cells[1:], first_width, 25)
    return lines


def _nnx_summary(case, capsys=None):
    model = models.BUILDERS[case.builder](nn)
    kwargs = dict(case.options)
    if case.input_size is not None:
        kwargs["input_size"] = case.input_size
        kwargs["mode"] = "eval"
    if case.dtypes:
        kwargs["dtypes"] = [getattr(nnx, name) for name in case.dtypes]
    verbose = kwargs.pop("verbose", 1)
    stats = summary(model, verbose=verbose, **kwargs)
    if capsys is not None:
        capsys.readouterr()
    return model, stats


def test_fixture_covers_table():
    assert GOLDEN["torch_version"] == "2.13.0"
    assert GOLDEN["torchinfo_version"] == "1.8.0"
    assert sorted(GOLDEN["cases"]) == sorted(models.CASES_BY_NAME), (
        "tests/golden/summary_golden.json is out of date: run generate_summary.py")


def _expected_macs(case_name, row, golden_row):
    """torchinfo's MACs of a leaf row, or nnx's documented value where nnx differs."""
    if golden_row["class_name"] == "Embedding":
        return 0                            # a lookup multiplies nothing
    if golden_row["class_name"] == "Linear" and len(golden_row["output_size"]) > 2:
        return golden_row["num_params"] * math.prod(golden_row["output_size"][:-1])
    if golden_row["class_name"] in ("RNNCell", "LSTMCell", "GRUCell"):
        return golden_row["num_params"] * golden_row["input_size"][0]
    return golden_row["mult_adds"]


@pytest.mark.parametrize("case", models.CASES, ids=lambda c: c.name)
def test_rows_match_torchinfo(case, capsys):
    _, stats = _nnx_summary(case, capsys)
    golden = GOLDEN["cases"][case.name]
    rows = stats.summary_list
    golden_rows = _documented_rows(case.name, golden["rows"])
    assert len(rows) == len(golden_rows), [r.class_name for r in rows]
    for row, expected in zip(rows, golden_rows):
        where = (f"{case.name}: {expected['class_name']} "
                 f"{expected['depth']}-{expected['depth_index']}")
        got = {
            "class_name": row.class_name, "var_name": row.var_name, "depth": row.depth,
            "depth_index": row.depth_index, "is_recursive": row.is_recursive,
            "is_leaf_layer": row.is_leaf_layer, "input_size": row.input_size,
            "output_size": row.output_size, "num_params": row.num_params,
            "trainable_params": row.trainable_params, "kernel_size": row.kernel_size,
        }
        want = {key: expected[key] for key in got}
        assert got == want, where
        if row.is_leaf_layer:
            assert row.mult_adds == _expected_macs(case.name, row, expected), where


@pytest.mark.parametrize("case", models.CASES, ids=lambda c: c.name)
def test_totals_match_torchinfo(case, capsys):
    model, stats = _nnx_summary(case, capsys)
    golden = GOLDEN["cases"][case.name]["totals"]
    if case.builder == "tied_lm":
        # lm_head.weight IS embed.weight: 40*16 counted once (torchinfo 1.8.0: twice)
        assert golden["total_params"] == 1552
        assert stats.total_params == stats.trainable_params == 1552 - 640 == 912
        assert stats.total_param_bytes == 912 * 4
    else:
        assert stats.total_params == golden["total_params"]
        assert stats.trainable_params == golden["trainable_params"]
        assert stats.total_param_bytes == golden["total_param_bytes"]
    expected_macs = sum(
        _expected_macs(case.name, None, row) for row in GOLDEN["cases"][case.name]["rows"]
        if row["is_leaf_layer"])
    if case.input_size is None:
        expected_macs = 0
    assert stats.total_mult_adds == expected_macs
    if case.name in MACS_DIFFER:
        assert stats.total_mult_adds != golden["total_mult_adds"]     # documented above
    else:
        assert stats.total_mult_adds == golden["total_mult_adds"]


def _cells(line, first_width, col_width):
    """A table line cut into its cells (torchinfo's fixed-width layout)."""
    cells = [line[:first_width].rstrip()]
    rest = line[first_width + 1:]
    while rest:
        cells.append(rest[:col_width].rstrip())
        rest = rest[col_width + 1:]
    return cells


def _footer_label(line):
    """``Input size (MB): 0.02`` -> ``Input size``."""
    label = line.split(":")[0]
    return label.split(" (")[0]


TEXT_CASES = [case for case in models.CASES if case.text]


@pytest.mark.parametrize("case", TEXT_CASES, ids=lambda c: c.name)
def test_table_text_matches_torchinfo(case, capsys):
    _, stats = _nnx_summary(case, capsys)
    ours = str(stats).split("\n")
    reference = GOLDEN["cases"][case.name]["text"]
    first_width = len(reference.split("\n")[0]) - 25 * len(stats.formatting.col_names)
    theirs = _documented_text(case.name, reference, first_width)
    assert len(ours) == len(theirs)
    assert ours[0] == theirs[0]                        # the divider: same total width
    mult_col = (list(stats.formatting.col_names).index("mult_adds") + 1
                if "mult_adds" in stats.formatting.col_names else None)
    footer_start = next(i for i, line in enumerate(theirs) if line.startswith("Total params"))
    for i, (mine, ref) in enumerate(zip(ours[:footer_start], theirs[:footer_start])):
        if mine == ref:
            continue
        # only the deliberate mult-adds differences may differ in the body
        got, want = _cells(mine, first_width, 25), _cells(ref, first_width, 25)
        assert mult_col is not None and len(got) == len(want), (i, mine, ref)
        assert got[:mult_col] + got[mult_col + 1:] == want[:mult_col] + want[mult_col + 1:]
        assert case.name in MACS_DIFFER, (i, mine, ref)
    for mine, ref in zip(ours[footer_start:], theirs[footer_start:]):
        if ref.startswith("="):
            assert mine == ref
        elif ref.startswith(("Total params", "Trainable params", "Non-trainable params")):
            if case.builder == "tied_lm":
                assert _footer_label(mine) == _footer_label(ref)
            else:
                assert mine == ref
        else:
            assert _footer_label(mine) == _footer_label(ref)


def test_tied_lm_rows_show_mult_adds_nnx_defines():
    case = models.CASES_BY_NAME["tied_lm"]
    _, stats = _nnx_summary(case)
    by_name = [(row.class_name, row.mult_adds) for row in stats.summary_list[1:]]
    # Embedding: 0; Linear(16, 16) on (2, 6, 16): 12 * 272; lm_head: 12 * 640
    assert by_name == [("Embedding", 0), ("Linear", 12 * 272), ("Linear", 12 * 640)]
