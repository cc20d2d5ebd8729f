"""The module tree of a checkpoint, built from its dotted tensor names, with totals."""

from collections import OrderedDict
from dataclasses import dataclass, field

from nnx_tools._checkpoint_summary._layers import recognise

# Row fields of CheckpointSummary.as_dict(), in order (also the CSV header).
ROW_FIELDS = ("name", "var_name", "row_type", "depth", "layer_type", "description", "note",
              "shape", "dtype", "num_params", "num_buffer_elements", "bytes", "tied_to")


@dataclass
class ModuleNode:
    """A module prefix (``encoder.layers.0``): its own tensors and its submodules."""

    name: str                                   # full dotted prefix ('' for the root)
    var_name: str                               # last component
    depth: int                                  # root 0
    tensors: list = field(default_factory=list)         # [TensorEntry] held directly
    children: OrderedDict = field(default_factory=OrderedDict)
    layer: object = None                        # _layers.Layer or None

    def walk_tensors(self):
        """Every tensor in this subtree, file order within each node."""
        yield from self.tensors
        for child in self.children.values():
            yield from child.walk_tensors()

    def counts(self):
        """(parameters, buffer elements, bytes) of the subtree; tied tensors count once."""
        params = buffers = nbytes = 0
        for tensor in self.walk_tensors():
            if tensor.tied_to:
                continue
            nbytes += tensor.nbytes
            if tensor.is_parameter:
                params += tensor.numel
            else:
                buffers += tensor.numel
        return params, buffers, nbytes

    def dtypes(self):
        """The subtree's dtypes, first-seen order, joined with ','."""
        return ",".join(dict.fromkeys(t.dtype for t in self.walk_tensors()))


def build_tree(tensors):
    """The root :class:`ModuleNode` of ``tensors`` (``[TensorEntry]``), each node's layer
    type recognised from its own tensors."""
    root = ModuleNode("", "", 0)
    for tensor in tensors:
        *modules, _ = tensor.name.split(".")
        node = root
        for part in modules:
            if part not in node.children:
                prefix = f"{node.name}.{part}" if node.name else part
                node.children[part] = ModuleNode(prefix, part, node.depth + 1)
            node = node.children[part]
        node.tensors.append(tensor)
    _recognise_all(root)
    return root


def _recognise_all(node):
    shapes = {t.name.rsplit(".", 1)[-1]: t.shape for t in node.tensors}
    node.layer = recognise(shapes, tuple(node.children))
    for child in node.children.values():
        _recognise_all(child)


def module_row(node, folded):
    """The as_dict row of a module (``folded``: its deeper modules are not shown)."""
    params, buffers, nbytes = node.counts()
    return {
        "name": node.name, "var_name": node.var_name, "row_type": "module",
        "depth": node.depth, "layer_type": node.layer.kind if node.layer else None,
        "description": node.layer.description or None if node.layer else None,
        "note": node.layer.note or None if node.layer else None,
        "shape": None, "dtype": node.dtypes() or None, "num_params": params,
        "num_buffer_elements": buffers, "bytes": nbytes, "tied_to": None,
        "folded": folded,
    }


def tensor_row(tensor, depth):
    """The as_dict row of one tensor: ``row_type`` ``'parameter'`` or ``'buffer'``;
    ``num_params`` / ``num_buffer_elements`` / ``bytes`` are 0 for a tied copy."""
    counted = not tensor.tied_to
    return {
        "name": tensor.name, "var_name": tensor.name.rsplit(".", 1)[-1],
        "row_type": "parameter" if tensor.is_parameter else "buffer", "depth": depth,
        "layer_type": None, "description": None, "note": None,
        "shape": list(tensor.shape), "dtype": tensor.dtype,
        "num_params": tensor.numel if counted and tensor.is_parameter else 0,
        "num_buffer_elements": tensor.numel if counted and not tensor.is_parameter else 0,
        "bytes": tensor.nbytes if counted else 0, "tied_to": tensor.tied_to,
        "folded": False,
    }


def rows(root, depth, show_tensors=True):
    """Display rows, table order: a module, then its own tensors, then its submodules.

    Modules deeper than ``depth`` are folded into their ancestor at ``depth`` (which shows
    the subtree's totals and no tensor rows); tensors of the modules above are listed
    when ``show_tensors``. The root is a row only when it holds tensors itself, or alone
    (folded) when ``depth`` is 0.
    """
    if depth <= 0:
        return [module_row(root, folded=True)]
    out = []

    def visit(node):
        folded = node.depth >= depth
        if node.depth > 0 or node.tensors:
            out.append(module_row(node, folded and bool(node.children or node.tensors)))
        if folded:
            return
        if show_tensors:
            out.extend(tensor_row(t, node.depth + 1) for t in node.tensors)
        for child in node.children.values():
            visit(child)

    visit(root)
    return out
