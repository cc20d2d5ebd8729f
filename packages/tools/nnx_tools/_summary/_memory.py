"""Memory lines of the footer: input bytes and what backward actually keeps.

"Forward/backward pass size" in nnx is measured, not estimated: after the summary's
forward pass (run with gradients enabled), the autograd graph is walked from the outputs
(``grad_fn``, ``next_functions``) and every array a node holds for its backward is
counted once:

- the tensors it saved (``save_for_backward``: inputs and outputs of the op), and
- the arrays it keeps in its own attributes (dropout masks, the recurrent layers' tape
  of gates and states per layer and direction, ...), searched a few levels deep.

Arrays are counted by the buffer that owns their memory (a view keeps its whole base
alive, so the base's bytes count, once however many views are saved).  Buffers of
parameters, module buffers and the inputs are left out: the "Params size" and "Input
size" lines count them.  A node whose saved tensors cannot be read (a saved tensor was
modified in place later in the forward pass) is counted by the bytes of its outputs
instead, and listed in ``ModelStatistics.memory_fallback_nodes``.  A forward pass that
records no graph (no parameter requires grad) keeps nothing for backward: 0 bytes.

torchinfo instead sums twice the output bytes of every leaf layer with parameters
(its issues #144, #149, #187: far from what a backward pass needs).
"""

import math

import numpy as np

from nnx_tools._summary import _shapes

__all__ = ["buffer_key", "saved_for_backward_bytes"]

# node attribute -> tape -> list of layers -> (input, [per direction], mask) -> tuple -> array
_SEARCH_DEPTH = 8


def _owner(array):
    """The array that owns ``array``'s memory (a view's base, followed to the end)."""
    while isinstance(getattr(array, "base", None), np.ndarray):
        array = array.base
    return array


def buffer_key(array):
    return id(_owner(array))


def _is_array(obj):
    return hasattr(obj, "nbytes") and hasattr(obj, "shape") and hasattr(obj, "dtype")


def _skip_types():
    from nnx.autograd.graph import Node
    from nnx.nn import Module

    # graph edges are walked separately; a module reachable from a node is model state
    return (str, bytes, int, float, bool, type, Node, Module)


def _arrays_in(obj, depth, found, skip, visited):
    """Collect the arrays held by ``obj`` (a node attribute value), ``depth`` levels deep;
    each container is searched once (``visited``) however many nodes refer to it."""
    data = getattr(obj, "_data", None)
    if _shapes.is_tensor(obj) and _is_array(data):
        found.append(data)
    elif _is_array(obj):
        found.append(obj)
    elif depth <= 0 or isinstance(obj, skip) or id(obj) in visited:
        return
    else:
        visited.add(id(obj))
        if isinstance(obj, dict):
            values = obj.values()
        elif isinstance(obj, (list, tuple)):
            values = obj
        elif hasattr(obj, "__dict__") and not callable(obj):
            values = vars(obj).values()
        else:
            return
        for value in values:
            _arrays_in(value, depth - 1, found, skip, visited)


def _out_meta_bytes(node):
    meta = getattr(node, "_out_meta", None) or ()
    return sum(math.prod(shape) * np.dtype(dtype).itemsize for shape, dtype in meta)


def _graph_nodes(outputs):
    """Every node reachable from the grad_fns of the tensors in ``outputs``."""
    stack = [t.grad_fn for t in _shapes.iter_tensors(outputs)
             if getattr(t, "grad_fn", None) is not None]
    seen = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        for edge in node.next_functions:
            if edge[0] is not None and id(edge[0]) not in seen:
                stack.append(edge[0])


def saved_for_backward_bytes(outputs, excluded_arrays):
    """``(bytes, fallback node names)`` the graph behind ``outputs`` keeps for backward.

    ``excluded_arrays``: arrays already counted elsewhere (parameters, buffers, inputs).
    """
    skip, visited = _skip_types(), set()
    excluded = {buffer_key(a) for a in excluded_arrays}
    counted = set()
    total = 0
    fallback = []
    for node in _graph_nodes(outputs):
        arrays = []
        if getattr(node, "_saved", None) is not None:
            try:
                saved = node.unpack_saved()
            except RuntimeError:             # modified in place since it was saved
                total += _out_meta_bytes(node)
                fallback.append(node.name())
                saved = ()
            for value in saved:
                _arrays_in(value, 0, arrays, skip, visited)
        node_vars = getattr(node, "__dict__", None)
        if node_vars:
            for value in node_vars.values():
                _arrays_in(value, _SEARCH_DEPTH, arrays, skip, visited)
        for array in arrays:
            key = buffer_key(array)
            if key in excluded or key in counted:
                continue
            counted.add(key)
            total += int(_owner(array).nbytes)
    return total, fallback
