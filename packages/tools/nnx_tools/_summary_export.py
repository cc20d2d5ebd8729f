"""JSON, CSV and Markdown renderings of a model summary and of a checkpoint summary.

Both summaries offer ``as_dict()``: a model's (:class:`nnx_tools.ModelStatistics`) has
``"model"``, ``"columns"``, ``"rows"`` and ``"totals"``; a checkpoint's
(:class:`nnx_tools.CheckpointSummary`) has ``"checkpoint"`` instead of ``"model"``. Each
renderer takes either summary object (or its dict):

- :func:`to_json`: the dict itself (``json.loads`` gives every number back);
- :func:`to_csv`: one row per displayed layer (and tensor, for a checkpoint), header = the
  columns; shapes are JSON lists (``[2, 3, 32, 32]``), empty cells for None;
- :func:`to_markdown`: a pipe table with the table's columns, then the totals as a list.
"""

import csv
import io
import json

from nnx_tools._summary._table import HEADER_TITLES, tree_prefix
from nnx_tools._summary._units import format_bytes_line, format_count_line, format_int

FORMATS = ("table", "json", "csv", "markdown")
# Model-summary CSV columns around the chosen ones.
_MODEL_ID_COLUMNS = ("class_name", "var_name", "depth", "depth_index")
# Model totals: (key, label, kind) in footer order; kind 'count', 'scaled' or 'bytes'.
_MODEL_TOTALS = (
    ("total_params", "Total params", "count"),
    ("trainable_params", "Trainable params", "count"),
    ("non_trainable_params", "Non-trainable params", "count"),
    ("total_mult_adds", "Total mult-adds", "scaled"),
    ("input_size_bytes", "Input size", "bytes"),
    ("forward_backward_size_bytes", "Forward/backward pass size", "bytes"),
    ("params_size_bytes", "Params size", "bytes"),
    ("estimated_total_size_bytes", "Estimated Total Size", "bytes"),
)
_CHECKPOINT_TOTALS = (
    ("tensors", "Tensors", "count"),
    ("parameter_tensors", "Parameter tensors", "count"),
    ("buffer_tensors", "Buffer tensors", "count"),
    ("tied_tensors", "Tied copies (counted once)", "count"),
    ("total_params", "Total params", "count"),
    ("buffer_elements", "Buffer elements", "count"),
    ("params_size_bytes", "Params size", "bytes"),
    ("buffers_size_bytes", "Buffers size", "bytes"),
    ("total_size_bytes", "Total size", "bytes"),
)


def _as_dict(summary):
    return summary if isinstance(summary, dict) else summary.as_dict()


def _is_checkpoint(data):
    return "checkpoint" in data


def render(summary, fmt):
    """``summary`` as text in the format ``fmt`` (one of :data:`FORMATS`), no final newline."""
    if fmt == "table":
        return str(summary)
    renderer = {"json": to_json, "csv": to_csv, "markdown": to_markdown}.get(fmt)
    if renderer is None:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return renderer(summary)


def to_json(summary):
    """The summary's ``as_dict()`` as indented JSON."""
    return json.dumps(_as_dict(summary), indent=2, ensure_ascii=False)


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value)
    return value


def csv_columns(data):
    """The CSV header of a summary dict."""
    if _is_checkpoint(data):
        return list(data["columns"])
    return [*_MODEL_ID_COLUMNS, *data["columns"], "is_recursive"]


def to_csv(summary):
    """One CSV row per displayed row (csv module, ``\\n`` line ends)."""
    data = _as_dict(summary)
    columns = csv_columns(data)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in data["rows"]:
        writer.writerow([_csv_value(row.get(column)) for column in columns])
    return buffer.getvalue().rstrip("\n")


def _md(text):
    """A Markdown table cell: pipes escaped, never empty."""
    text = str(text).replace("|", "\\|")
    return text if text.strip() else "--"


def _md_table(header, rows):
    lines = ["| " + " | ".join(_md(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_md(c) for c in cells) + " |" for cells in rows]
    return lines


def _model_cell(row, column):
    value = row.get(column)
    if row.get("is_recursive") and column == "num_params":
        return "(recursive)"
    if value is None or value == [] or (column in ("num_params", "mult_adds") and not value):
        return "--"
    if column in ("num_params", "mult_adds"):
        return format_int(value)
    if column == "params_percent":
        return f"{value:.2f}%"
    return str(value)


def _model_title(row):
    if row["depth"] == 0:
        return row["class_name"]
    return f"{row['class_name']} ({row['var_name']}): {row['depth']}-{row['depth_index']}"


def _totals_lines(totals, spec):
    lines = []
    for key, label, kind in spec:
        if key not in totals:
            continue
        if kind == "bytes":
            lines.append(format_bytes_line(label, totals[key]))
        else:
            lines.append(format_count_line(label, totals[key], scale=kind == "scaled"))
    return lines


def to_markdown(summary):
    """A pipe table of the displayed rows, then the totals as a bullet list."""
    data = _as_dict(summary)
    if _is_checkpoint(data):
        from nnx_tools._checkpoint_summary._table import (
            HEADER_CELLS,
            HEADER_FIRST,
            row_cells,
            row_title,
        )

        title = f"Checkpoint `{data['checkpoint']}`"
        header = [HEADER_FIRST, "Type", *HEADER_CELLS]
        rows = [[tree_prefix(row["depth"]) + row_title(row), row["layer_type"] or "",
                 *row_cells(row)] for row in data["rows"]]
        spec = _CHECKPOINT_TOTALS
    else:
        title = f"Model `{data['model']}`"
        header = ["Layer (type (var_name): depth-idx)",
                  *(HEADER_TITLES.get(c, c) for c in data["columns"])]
        rows = [[tree_prefix(row["depth"]) + _model_title(row),
                 *(_model_cell(row, c) for c in data["columns"])] for row in data["rows"]]
        spec = _MODEL_TOTALS
    lines = [f"**{title}**", "", *_md_table(header, rows), ""]
    lines += [f"- {line}" for line in _totals_lines(data["totals"], spec)]
    return "\n".join(lines)


__all__ = ["FORMATS", "csv_columns", "render", "to_csv", "to_json", "to_markdown"]
