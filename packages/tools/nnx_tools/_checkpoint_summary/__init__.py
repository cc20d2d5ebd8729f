"""Summaries of checkpoint files without any model code: ``summarize_checkpoint(path)``.

    >>> from nnx_tools import summarize_checkpoint
    >>> info = summarize_checkpoint("model.pt")          # or .safetensors / .npz
    >>> info.total_params, info.buffer_elements, info.total_bytes
    >>> print(info)                                       # the module tree as a table
    >>> info.as_dict()                                    # JSON-safe rows and totals

The dotted tensor names become a tree of module prefixes; each module's own tensors say what
layer it probably is (``LSTM(300, 512, num_layers=2, bidirectional=True)``, ``Linear``,
``Conv2d``, ``BatchNorm``...; see ``_layers``). Parameters and buffers (running statistics,
``num_batches_tracked``, any non-floating tensor) are counted apart; a tensor a PyTorch file
stores twice under two names (tied weights) counts once.
"""

from nnx_tools._checkpoint_summary._read import (
    CheckpointTensors,
    TensorEntry,
    format_name,
    read_entries,
)
from nnx_tools._checkpoint_summary._tree import ROW_FIELDS, ModuleNode, build_tree, rows


class CheckpointSummary:
    """The module tree and totals of one checkpoint file (from :func:`summarize_checkpoint`).

    Attributes: ``path``, ``format`` (``'torch'``, ``'safetensors'``, ``'npz'``), ``entry``
    (the entry of a training-checkpoint dict that was read, or None), ``stripped_prefix``,
    ``other_entries`` (entries that were not read), ``tensors`` (``[TensorEntry]``), ``root``
    (a :class:`ModuleNode`), ``depth``, and the totals ``total_params``,
    ``buffer_elements``, ``param_bytes``, ``buffer_bytes``, ``total_bytes``,
    ``num_tensors``, ``num_tied``.
    """

    def __init__(self, found: CheckpointTensors, depth=3, show_tensors=True,
                 ascii_only=False, col_width=20):
        self.path, self.format = found.path, found.format
        self.entry, self.stripped_prefix = found.entry, found.stripped_prefix
        self.other_entries = tuple(found.other_entries)
        self.tensors = found.tensors
        self.root = build_tree(found.tensors)
        self.depth, self.show_tensors = depth, show_tensors
        self.ascii_only, self.col_width = ascii_only, col_width
        counted = [t for t in self.tensors if not t.tied_to]
        params = [t for t in counted if t.is_parameter]
        buffers = [t for t in counted if not t.is_parameter]
        self.num_tensors = len(self.tensors)
        self.num_tied = len(self.tensors) - len(counted)
        self.num_parameter_tensors, self.num_buffer_tensors = len(params), len(buffers)
        self.total_params = sum(t.numel for t in params)
        self.buffer_elements = sum(t.numel for t in buffers)
        self.param_bytes = sum(t.nbytes for t in params)
        self.buffer_bytes = sum(t.nbytes for t in buffers)
        self.total_bytes = self.param_bytes + self.buffer_bytes

    @property
    def format_name(self):
        """'PyTorch', 'safetensors' or 'NumPy .npz'."""
        return format_name(self.format)

    def rows(self):
        """The displayed rows (see ``as_dict``), table order."""
        return rows(self.root, self.depth, self.show_tensors)

    def totals(self):
        """The totals as a dict of ints."""
        return {
            "tensors": self.num_tensors, "parameter_tensors": self.num_parameter_tensors,
            "buffer_tensors": self.num_buffer_tensors, "tied_tensors": self.num_tied,
            "total_params": self.total_params, "buffer_elements": self.buffer_elements,
            "params_size_bytes": self.param_bytes, "buffers_size_bytes": self.buffer_bytes,
            "total_size_bytes": self.total_bytes,
        }

    def as_dict(self):
        """JSON-safe ``{"checkpoint", "format", "entry", "stripped_prefix",
        "other_entries", "columns", "rows", "totals"}``; ``rows`` are the displayed rows,
        each with the keys in ``columns`` plus ``folded``."""
        return {
            "checkpoint": self.path, "format": self.format, "entry": self.entry,
            "stripped_prefix": self.stripped_prefix,
            "other_entries": list(self.other_entries), "columns": list(ROW_FIELDS),
            "rows": self.rows(), "totals": self.totals(),
        }

    def header_line(self):
        """``Checkpoint: model.pt (PyTorch; entry 'state_dict'; ...)``."""
        notes = [self.format_name]
        if self.entry:
            notes.append(f"entry {self.entry!r}")
        if self.stripped_prefix:
            notes.append(f"prefix {self.stripped_prefix!r} stripped")
        if self.other_entries:
            shown = ", ".join(self.other_entries[:8])
            more = f" and {len(self.other_entries) - 8} more" if len(self.other_entries) > 8 \
                else ""
            notes.append(f"not read: {shown}{more}")
        return f"Checkpoint: {self.path} ({'; '.join(notes)})"

    def __str__(self):
        from nnx_tools._checkpoint_summary._table import render

        return render(self)

    def __repr__(self):
        return (f"CheckpointSummary({self.path!r}, tensors={self.num_tensors}, "
                f"total_params={self.total_params})")


def summarize_checkpoint(path, *, key=None, depth=3, show_tensors=True, ascii_only=False,
                         col_width=20):
    """Summarise the checkpoint at ``path`` (``.pt``/``.pth``/``.bin``, ``.safetensors``,
    ``.npz``) from its tensor names and shapes alone, without any model code.

    Args:
        path: the file; its extension names the format. PyTorch files are read with
            :func:`nnx.load` (nothing in the file is executed); safetensors and ``.npz``
            from their headers only.
        key: an entry of a PyTorch checkpoint dict to read (``'state_dict'``; nested as
            ``outer.inner``). Default: the dict itself when it holds only tensors, else
            its ``state_dict`` / ``model_state_dict`` / ``model``... entry.
        depth: modules deeper than this are folded into their ancestor in the rows.
        show_tensors: list each tensor under its module.
        ascii_only, col_width: the table's look (``str(summary)``).

    Returns a :class:`CheckpointSummary`. Raises ``FileNotFoundError``,
    ``nnx_tools.convert.ConvertError`` (unknown extension, unreadable safetensors/npz, bad
    ``key``) or ``nnx.serialization.CheckpointError`` (a malformed or hostile PyTorch file).
    """
    return CheckpointSummary(read_entries(path, key), depth=depth, show_tensors=show_tensors,
                             ascii_only=ascii_only, col_width=col_width)


__all__ = ["CheckpointSummary", "ModuleNode", "TensorEntry", "summarize_checkpoint"]
