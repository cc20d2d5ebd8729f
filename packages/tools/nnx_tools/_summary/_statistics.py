"""ModelStatistics: what ``summary()`` returns, printed as torchinfo's table.

Totals (differences from torchinfo 1.8.0 on purpose, each fixing one of its issues):

- ``total_params`` / ``trainable_params`` / ``total_param_bytes``: the root's parameters,
  each parameter object once (tied weights and shared modules count once; torchinfo
  sums rows and counts a tied ``lm_head`` twice: issues #322, #377, #358, #327);
- ``total_mult_adds``: every row's ``mult_adds`` (each call of a module counts, as it
  runs each time; see ``_mult_adds`` for the per-row definition);
- ``total_input``: bytes of the tensors passed to forward;
- ``total_output_bytes``: bytes the autograd graph keeps for backward (see ``_memory``).

The footer scales its units (torchinfo HEAD; 1.8.0 prints MB always): see ``_units``.
"""

from nnx_tools._summary import _table, _units
from nnx_tools._summary._layer_info import count_params

__all__ = ["ModelStatistics"]


class _Formatting:
    def __init__(self, col_names, col_width, depth, verbose, row_settings):
        self.col_names = tuple(col_names)
        self.col_width = col_width
        self.max_depth = depth
        self.verbose = verbose
        self.ascii_only = "ascii_only" in row_settings
        self.show_var_name = "var_names" in row_settings
        self.show_depth = "depth" in row_settings
        self.hide_recursive = "hide_recursive_layers" in row_settings


def _inner_rows(row, fmt):
    """verbose=2: one row per parameter, under its layer (torchinfo's inner layers)."""
    entries = []
    for name, param in row.module.named_parameters():
        if row.depth == 0 and "." in name:
            continue                    # the root lists only the parameters it owns
        shape = list(param.shape)
        if name == "weight" and len(shape) > 1:
            shape[0], shape[1] = shape[1], shape[0]
        entries.append((name, shape, param.numel()))
    lines = []
    for i, (name, shape, n) in enumerate(entries):
        branch = "└─" if i == len(entries) - 1 else "├─"
        values = {"kernel_size": str(shape), "num_params": f"{branch}{n:,}"}
        cells = [values.get(col, "") for col in fmt.col_names]
        lines.append((_table.tree_prefix(row.depth + 1, fmt.ascii_only) + name, cells))
    return lines


class ModelStatistics:
    """The result of :func:`nnx_tools.summary`.

    Attributes:
        summary_list (list[LayerInfo]): every row, displayed or not (deeper than ``depth``).
        total_params, trainable_params (int): the model's parameters, each once.
        total_mult_adds (int): multiply-accumulates of the forward pass.
        total_input (int): bytes of the inputs.
        total_output_bytes (int): bytes kept for backward by the recorded graph.
        total_param_bytes (int): bytes of the parameters, each once.
        input_size: the input shapes (None without input).
        memory_fallback_nodes (list[str]): graph nodes counted by output bytes.

    ``str(stats)`` is the table; ``as_dict()`` a JSON-safe form of the displayed rows.
    """

    def __init__(self, model, rows, formatting, input_size, total_input, total_output_bytes,
                 memory_fallback_nodes=()):
        self.model_name = type(model).__name__
        self.summary_list = rows
        self.formatting = formatting
        self.input_size = input_size
        self.total_input = total_input
        self.total_output_bytes = total_output_bytes
        self.memory_fallback_nodes = list(memory_fallback_nodes)
        # model.parameters() yields each parameter object once: tied weights count once
        self.total_params, self.trainable_params, self.total_param_bytes = count_params(
            model.parameters())
        self.total_mult_adds = sum(row.mult_adds for row in rows)

    # -- the rows shown ------------------------------------------------------------------
    def displayed_rows(self):
        """``(row, folded)`` for each row the table shows."""
        fmt = self.formatting
        return [(row, row.depth == fmt.max_depth) for row in self.summary_list
                if row.depth <= fmt.max_depth and not (fmt.hide_recursive and row.is_recursive)]

    def _params_cell(self, row, folded):
        if row.num_params == 0:
            return "--"
        if row.is_recursive:
            return "(recursive)"
        shown, trainable = row.shown_params(folded)
        if row.is_leaf_layer or folded:
            return f"{shown:,}" if trainable else f"({shown:,})"
        return f"{shown:,}" if shown > 0 else "--"

    def _percent(self, row, folded):
        if self.total_params == 0:
            return None
        if row.is_recursive:
            return "(recursive)"
        shown, _ = row.shown_params(folded)
        return shown / self.total_params if shown else None

    def _percent_cell(self, row, folded):
        value = self._percent(row, folded)
        if value is None:
            return f"{' ' * 5}--"
        return value if isinstance(value, str) else f"{value:>7.2%}"

    def _cells(self, row, folded):
        macs = row.shown_mult_adds(folded)
        values = {
            "input_size": _table.cell(row.input_size),
            "output_size": _table.cell(row.output_size),
            "num_params": self._params_cell(row, folded),
            "params_percent": self._percent_cell(row, folded),
            "kernel_size": _table.cell(row.kernel_size),
            "groups": _table.cell(row.groups),
            "mult_adds": f"{macs:,}" if macs > 0 else "--",
            "trainable": row.trainable,
        }
        return [values[col] for col in self.formatting.col_names]

    # -- text ----------------------------------------------------------------------------
    def _header_first(self):
        fmt = self.formatting
        return ("Layer (type" + (" (var_name)" if fmt.show_var_name else "")
                + (":depth-idx" if fmt.show_depth else "") + ")")

    def footer_sections(self):
        """The footer's lines, in sections separated by dividers."""
        params = [
            _units.format_count_line("Total params", self.total_params, scale=False),
            _units.format_count_line("Trainable params", self.trainable_params, scale=False),
            _units.format_count_line("Non-trainable params",
                                     self.total_params - self.trainable_params, scale=False),
        ]
        if not self.input_size:
            return [params]
        params.append(_units.format_count_line("Total mult-adds", self.total_mult_adds))
        sizes = [
            _units.format_bytes_line("Input size", self.total_input),
            _units.format_bytes_line("Forward/backward pass size", self.total_output_bytes),
            _units.format_bytes_line("Params size", self.total_param_bytes),
            _units.format_bytes_line("Estimated Total Size", self.estimated_total_bytes),
        ]
        return [params, sizes]

    @property
    def estimated_total_bytes(self):
        return self.total_input + self.total_output_bytes + self.total_param_bytes

    def __str__(self):
        fmt = self.formatting
        lines = []
        for row, folded in self.displayed_rows():
            name = row.layer_name(fmt.show_var_name, fmt.show_depth)
            lines.append((_table.tree_prefix(row.depth, fmt.ascii_only) + name,
                          self._cells(row, folded)))
            if fmt.verbose >= 2:
                lines += _inner_rows(row, fmt)
        width = _table.name_width(
            (row.layer_name(fmt.show_var_name, fmt.show_depth), row.depth)
            for row in self.summary_list)
        headers = [_table.HEADER_TITLES[col] for col in fmt.col_names]
        return _table.render_table(self._header_first(), headers, lines,
                                   self.footer_sections(), fmt.col_width, width)

    __repr__ = __str__

    # -- data ----------------------------------------------------------------------------
    def _row_dict(self, row, folded):
        shown, _ = row.shown_params(folded)
        percent = self._percent(row, folded)
        macs = row.shown_mult_adds(folded)
        return {
            "class_name": row.class_name,
            "var_name": row.var_name,
            "depth": row.depth,
            "depth_index": row.depth_index,
            "input_size": row.input_size or None,
            "output_size": row.output_size or None,
            "num_params": 0 if row.is_recursive else shown,
            "params_percent": None if isinstance(percent, str) or percent is None
            else round(percent * 100, 6),
            "kernel_size": row.kernel_size,
            "mult_adds": macs if macs > 0 else None,
            "trainable": None if row.trainable == "--" else row.trainable,
            "is_recursive": row.is_recursive,
            "path": row.path,
            "groups": row.groups,
            "output_shapes": row.output_shapes,
        }

    def as_dict(self):
        """A JSON-safe dict: model name, columns, the displayed rows, totals."""
        return {
            "model": self.model_name,
            "columns": list(self.formatting.col_names),
            "rows": [self._row_dict(row, folded) for row, folded in self.displayed_rows()],
            "totals": {
                "total_params": self.total_params,
                "trainable_params": self.trainable_params,
                "non_trainable_params": self.total_params - self.trainable_params,
                "total_mult_adds": self.total_mult_adds,
                "input_size_bytes": self.total_input,
                "forward_backward_size_bytes": self.total_output_bytes,
                "params_size_bytes": self.total_param_bytes,
                "estimated_total_size_bytes": self.estimated_total_bytes,
            },
            "input_size": self.input_size,
        }
