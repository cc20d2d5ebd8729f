"""The checkpoint tree as text, in the model summary's look (``nnx_tools._summary._table``).

    Checkpoint: lstm.pt (PyTorch)
    ====================================================================================...
    Layer (name: type)                       Shape               Dtype               Param #  ...
    ====================================================================================...
    ├─encoder: LSTM(300, 512, num_layers=2, bidirectional=True)  --  float32  ...
    │    └─weight_ih_l0                      [2048, 300]         float32             614,400 ...
"""

import os

from nnx_tools._summary._table import name_width, render_table, tree_prefix
from nnx_tools._summary._units import format_bytes_line, format_count_line, format_int

HEADER_FIRST = "Layer (name: type)"
HEADER_CELLS = ("Shape", "Dtype", "Param #", "Bytes")


def row_title(row):
    """The first cell of a row, without its tree prefix."""
    if row["row_type"] != "module":
        return row["var_name"]
    name = row["var_name"] or "(root)"
    if row["description"]:
        return f"{name}: {row['description']}"
    if row["layer_type"]:
        return f"{name} ({row['layer_type']})"
    return name


def _count(n):
    return format_int(n) if n else "--"


def row_cells(row):
    """The Shape, Dtype, Param # and Bytes cells of a row."""
    if row["row_type"] == "module":
        params = _count(row["num_params"])
        if row["num_buffer_elements"]:
            params += f" +{format_int(row['num_buffer_elements'])} buf"
        shape = "--"
    else:
        if row["tied_to"]:
            params = f"(tied: {row['tied_to']})"
        elif row["row_type"] == "buffer":
            params = f"{format_int(row['num_buffer_elements'])} (buffer)"
        else:
            params = _count(row["num_params"])
        shape = str(row["shape"])
    return (shape, row["dtype"] or "--", params, _count(row["bytes"]))


def fit_dtypes(text, width):
    """A module's dtype list cut to fit a column of ``width``: ``'float32,int64,+7'``
    (a cell that fills its column would run into the next one)."""
    if len(text) < width or "," not in text:
        return text
    dtypes, shown = text.split(","), []
    for dtype in dtypes:
        if len(",".join([*shown, dtype, f"+{len(dtypes)}"])) >= width:
            break
        shown.append(dtype)
    return ",".join([*shown, f"+{len(dtypes) - len(shown)}"])


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def footer(summary):
    """The totals: counts, then sizes (decimal units, as the model summary)."""
    tied = summary.num_tied
    counts = [
        f"Tensors: {summary.num_tensors} ({_plural(summary.num_parameter_tensors, 'parameter')}"
        f", {_plural(summary.num_buffer_tensors, 'buffer')}"
        + (f", {tied} tied cop{'y' if tied == 1 else 'ies'} counted once)" if tied else ")"),
        format_count_line("Total params", summary.total_params, scale=False),
        format_count_line("Buffer elements", summary.buffer_elements, scale=False),
    ]
    sizes = [
        format_bytes_line("Params size", summary.param_bytes),
        format_bytes_line("Buffers size", summary.buffer_bytes),
        format_bytes_line("Total size", summary.total_bytes),
    ]
    try:
        sizes.append(format_bytes_line("File size", os.path.getsize(summary.path)))
    except OSError:
        pass
    return counts, sizes


def render(summary):
    """``str(CheckpointSummary)``: a header line, then the table."""
    rows = summary.rows()
    titled = [(row_title(row), row["depth"]) for row in rows]
    first_width = name_width(titled)
    table_rows = []
    for (title, depth), row in zip(titled, rows):
        shape, dtypes, params, nbytes = row_cells(row)
        table_rows.append((tree_prefix(depth, summary.ascii_only) + title,
                           (shape, fit_dtypes(dtypes, summary.col_width), params, nbytes)))
    table = render_table(HEADER_FIRST, HEADER_CELLS, table_rows, footer(summary),
                         col_width=summary.col_width, first_width=first_width)
    return f"{summary.header_line()}\n{table}"
