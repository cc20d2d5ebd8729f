"""LayerInfo: one row of a model summary (one module call, or one module of the tree).

Parameter counts per row (torchinfo's definitions, with its "leftover" bugs fixed):

- ``num_params`` / ``trainable_params``: every parameter of the module's subtree (each
  parameter once within that subtree), as torchinfo's ``LayerInfo.num_params``;
- ``own_params``: the parameters the module holds directly (``recurse=False``).  A
  container row that is not folded shows these, so a parameter owned by a container
  (a learned scale, a positional embedding...) appears on its owner's row, whatever its
  children do (torchinfo shows ``num_params - sum(children)``, wrong when a child is
  shared, never called or owns a tied parameter; torchinfo issues #137, #243).
"""

from nnx_tools._summary import _shapes

__all__ = ["LayerInfo", "count_params"]


def _kernel_size(module):
    """torchinfo's Kernel Shape: the module's ``kernel_size`` as a list (or an int)."""
    k = getattr(module, "kernel_size", None)
    if k is None:
        return None
    if isinstance(k, int):
        return k
    try:
        return [int(v) for v in k]
    except (TypeError, ValueError):
        return None


def count_params(params):
    """``(numel, trainable numel, bytes)`` of ``params`` (each as given: pass each once)."""
    total = trainable = nbytes = 0
    for p in params:
        n = p.numel()
        total += n
        nbytes += n * p.element_size()
        if p.requires_grad:
            trainable += n
    return total, trainable, nbytes


class LayerInfo:
    """One summary row.

    Attributes:
        module: the module.  ``class_name``, ``var_name`` (attribute name in its parent;
            the root's is its class name), ``path`` (dotted path from the root, "" for it).
        depth (int): tree depth (root 0); ``depth_index`` (int): running number among the
            rows of that depth (torchinfo's ``1-3``).
        input_size, output_size (list): torchinfo's shape of the first input / the main
            output ([] when not run).  ``output_shapes``: every tensor of the output in
            its structure (see ``_shapes.structure``).
        num_params, trainable_params, param_bytes: the subtree's parameters.
        own_params, own_trainable_params: the parameters the module holds directly.
        kernel_size, groups: the module's attributes of these names, or None.
        mult_adds (int): multiply-accumulates of this call that belong to this row (its
            formula, or the functional ops observed while it was the innermost module).
        is_recursive (bool): the module already appeared above (shared module).
        is_leaf_layer (bool): the module has no children.
        executed (bool): its forward ran during the summary.
    """

    def __init__(self, module, var_name, depth, path, parent=None):
        self.module = module
        self.layer_id = id(module)
        self.class_name = type(module).__name__
        self.var_name = var_name
        self.depth = depth
        self.path = path
        self.parent = parent
        self.depth_index = None
        self.children = []            # every deeper row below this one (set at the end)
        self.is_leaf_layer = not any(True for _ in module.children())
        self.is_recursive = False
        self.executed = False
        self.input_size = []
        self.output_size = []
        self.output_shapes = None
        self.kernel_size = _kernel_size(module)
        groups = getattr(module, "groups", None)
        self.groups = groups if isinstance(groups, int) else None
        self.mult_adds = 0
        self.num_params, self.trainable_params, self.param_bytes = count_params(
            module.parameters())
        self.own_params, self.own_trainable_params, _ = count_params(
            module.parameters(recurse=False))

    def __repr__(self):
        return f"{self.class_name}: {self.depth}"

    @property
    def trainable(self):
        """"True", "False", "Partial", or "--" for a row without parameters (torchinfo)."""
        if self.num_params == 0:
            return "--"
        if self.trainable_params == 0:
            return "False"
        return "True" if self.trainable_params == self.num_params else "Partial"

    def layer_name(self, show_var_name, show_depth):
        """``Conv2d``, ``Conv2d (conv1)``, ``Conv2d: 1-1``, ``Conv2d (conv1): 1-1``."""
        name = self.class_name
        if show_var_name and self.var_name:
            name += f" ({self.var_name})"
        if show_depth and self.depth > 0:
            name += f": {self.depth}"
            if self.depth_index is not None:
                name += f"-{self.depth_index}"
        return name

    def describe(self):
        """How an error message names this row: ``Linear (fc2: 1-3) at 'fc2'``."""
        where = f" at {self.path!r}" if self.path else " (the model itself)"
        return f"{self.class_name}{where}"

    def set_sizes(self, inputs, outputs):
        """Record the shapes of one call's positional inputs and output."""
        self.input_size = _shapes.primary_size(inputs)
        self.output_size = _shapes.primary_size(outputs)
        self.output_shapes = _shapes.structure(outputs)

    # -- what the table shows ------------------------------------------------------------
    def shown_params(self, folded):
        """The parameter count of this row's Param # cell: the subtree's at a leaf or a
        folded row, else the parameters the module owns directly."""
        if self.is_leaf_layer or folded:
            return self.num_params, self.trainable_params
        return self.own_params, self.own_trainable_params

    def shown_mult_adds(self, folded):
        """This row's mult-adds, plus every deeper row's when the row is folded."""
        if folded:
            return self.mult_adds + sum(child.mult_adds for child in self.children)
        return self.mult_adds
