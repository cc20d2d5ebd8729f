"""Table primitives: torchinfo's text layout, reusable for any tree of rows.

The model summary (``ModelStatistics.__str__``) and the checkpoint summary of
``nnx-summary`` both render through these functions, so the two look the same::

    ==========================================================================
    Layer (type:depth-idx)                   Output Shape              Param #
    ==========================================================================
    Sequential                               [2, 4]                    --
    ├─Linear: 1-1                            [2, 8]                    40
    │    └─ReLU: 2-1                         [2, 8]                    --
    ==========================================================================
    Total params: 76
    ...
    ==========================================================================

Layout rules (torchinfo 1.8.0, ``formatting.py``):

- the first column is ``min_name_width`` (40) wide, or, when a row needs more
  (``len(title) + 5 * depth + 1``), that rounded up to a multiple of 5 (``name_width``);
- every other column is ``col_width`` (25) wide; a row is the first cell left-aligned in
  its width, a space, each cell left-aligned in ``col_width`` and a space, with trailing
  spaces stripped (``format_row``);
- the ``=`` dividers are ``first width + n_columns * col_width`` long;
- a row's first cell starts with ``tree_prefix(depth)``: ``├─`` at depth 1, ``│    `` per
  further level then ``└─`` (``ascii_only``: ``+ `` and ``|    ``);
- empty cells print ``--`` (``cell``).
"""

import math

__all__ = ["HEADER_TITLES", "cell", "tree_prefix", "name_width", "format_row", "divider",
           "render_table"]

# column key -> header, as torchinfo prints them ("groups": torchinfo HEAD)
HEADER_TITLES = {
    "input_size": "Input Shape",
    "output_size": "Output Shape",
    "num_params": "Param #",
    "params_percent": "Param %",
    "kernel_size": "Kernel Shape",
    "groups": "Groups",
    "mult_adds": "Mult-Adds",
    "trainable": "Trainable",
}

MIN_NAME_WIDTH = 40
ALIGN = 5           # the first column grows in steps of 5; one tree level indents 5


def cell(value):
    """A cell's text: ``str(value)``, or ``--`` for an empty value (None, 0, "", [])."""
    return str(value) if value else "--"


def tree_prefix(depth, ascii_only=False):
    """The tree drawing before a row's name: "" (root), "├─" (depth 1), "│    └─" (depth 2)..."""
    if depth <= 0:
        return ""
    branch, last, pipe = ("+ ", "+ ", "|    ") if ascii_only else ("├─", "└─", "│    ")
    if depth == 1:
        return branch
    return pipe * (depth - 1) + last


def name_width(titles_and_depths, minimum=MIN_NAME_WIDTH, align=ALIGN):
    """Width of the first column for rows given as ``(title, depth)`` pairs (titles without
    tree prefix): ``minimum``, or the widest ``len(title) + align * depth + 1`` rounded up
    to a multiple of ``align`` when that reaches ``minimum``."""
    longest = max((len(title) + depth * align + 1 for title, depth in titles_and_depths),
                  default=0)
    if longest >= minimum:
        return math.ceil(longest / align) * align
    return minimum


def format_row(first_cell, cells, first_width, col_width):
    """One line: ``first_cell`` padded to ``first_width``, then each cell padded to
    ``col_width``, single spaces between, trailing spaces stripped (no newline)."""
    line = f"{first_cell:<{first_width}} "
    for text in cells:
        line += f"{text:<{col_width}} "
    return line.rstrip()


def divider(first_width, n_columns, col_width, char="="):
    """The full-width rule."""
    return char * (first_width + n_columns * col_width)


def render_table(header_first, header_cells, rows, footer_sections=(), col_width=25,
                 first_width=None):
    """A whole table as one string (no trailing newline).

    Args:
        header_first: the first header cell, e.g. ``"Layer (type:depth-idx)"``.
        header_cells: the other header cells (``HEADER_TITLES[key]`` for each column).
        rows: ``(first_cell, cells)`` pairs; first cells already carry ``tree_prefix``.
        footer_sections: sequences of lines; each section is followed by a divider.
        col_width: width of every column but the first.
        first_width: width of the first column (default: ``name_width`` of the first cells
            taken as depth-0 titles; pass ``name_width(...)`` computed from titles and
            depths for torchinfo's exact rule).
    """
    if first_width is None:
        first_width = name_width((first, 0) for first, _ in rows)
    rule = divider(first_width, len(header_cells), col_width)
    lines = [rule, format_row(header_first, header_cells, first_width, col_width), rule]
    lines += [format_row(first, cells, first_width, col_width) for first, cells in rows]
    lines.append(rule)
    for section in footer_sections:
        lines += list(section)
        lines.append(rule)
    return "\n".join(lines)
