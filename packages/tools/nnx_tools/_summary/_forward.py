"""Building the rows: the module tree, and one forward pass observed through hooks.

Rows follow torchinfo 1.8.0 (``apply_hooks`` / ``forward_pass``): with an input, one row
per module call in call order (a module called twice gives two rows, the second marked
recursive), then each container that was never called itself but has called
descendants inserted above them; without an input, one row per module of the tree in
depth-first order.  A row's depth, name and parent come from the module's position in
the tree (its last position, for a module that appears twice).

The forward pass runs with gradients enabled (the memory line walks the graph it
records), in the requested train/eval mode.  A summary looks and leaves no trace: in a
``finally``, whether the forward pass returned or raised, every hook is removed, every
module's own ``training`` flag is restored (a model that mixes modes keeps its mix), and
so are the buffers a training-mode pass updates (BatchNorm's running statistics and
``num_batches_tracked``) and the global RNG state that dropout draws from.

Each module gets a pre-hook that opens its row, a forward hook that records the call,
and an ``always_call`` hook that closes the row even when forward raised: a caller that
catches a layer's exception goes on with its own row open, so later ops and errors are
attributed to the module really running.
"""

import contextlib
import sys
import threading

import numpy as np

import nnx
from nnx_tools._summary import _functional_ops, _mult_adds
from nnx_tools._summary._layer_info import LayerInfo

__all__ = ["tree_positions", "tree_rows", "run_forward", "finish_rows"]


def tree_positions(model):
    """Depth-first walk of the module tree (every appearance of a shared module):
    a list of ``(module, var_name, depth, path, parent_position)``, root first."""
    positions = []
    stack = [(model, type(model).__name__, 0, "", None)]
    while stack:
        module, var_name, depth, path, parent = stack.pop()
        position = (module, var_name, depth, path, parent)
        positions.append(position)
        children = [(name, child) for name, child in module._modules.items()
                    if child is not None]
        for name, child in reversed(children):
            child_path = f"{path}.{name}" if path else name
            stack.append((child, name, depth + 1, child_path, position))
    return positions


def _row_at(position, parent_row=None):
    module, var_name, depth, path, _ = position
    return LayerInfo(module, var_name, depth, path, parent_row)


def tree_rows(model):
    """Rows without a forward pass: every module of the tree, depth first."""
    rows, seen, row_of = [], set(), {}
    for position in tree_positions(model):
        parent = row_of.get(id(position[4])) if position[4] is not None else None
        row = _row_at(position, parent)
        row.is_recursive = id(position[0]) in seen
        seen.add(id(position[0]))
        row_of[id(position)] = row
        rows.append(row)
    return rows


class _Recorder:
    """The hooks' shared state: rows in call order and the stack of running rows.

    Only calls made by the summarising thread are recorded: another thread using the
    same modules meanwhile (a server answering requests) does not add rows.
    """

    def __init__(self, model):
        self.thread = threading.get_ident()
        self.rows = []
        self.stack = []
        self.seen = set()
        # last tree position of each module wins (torchinfo re-registers on each)
        self.position = {id(p[0]): p for p in tree_positions(model)}
        self.functional_macs = {}
        self.failures = []              # (exception, row it escaped first), innermost first

    def pre_hook(self, module, args):
        if threading.get_ident() != self.thread:
            return
        row = _row_at(self.position[id(module)])
        row.is_recursive = id(module) in self.seen
        self.seen.add(id(module))
        self.rows.append(row)
        self.stack.append(row)
        self.functional_macs[id(row)] = 0

    def hook(self, module, args, output):
        if threading.get_ident() != self.thread:
            return
        row = self.stack[-1]            # inner calls have closed their rows
        row.set_sizes(args, output)
        row.executed = True
        macs = _mult_adds.formula_mult_adds(module, args, output)
        if macs is None:
            macs = self.functional_macs[id(row)]
            if not macs and row.is_leaf_layer and row.num_params:
                macs = _mult_adds.fallback_mult_adds(module, row.class_name, row.output_size)
        row.mult_adds = macs

    def close(self, module, args, output):
        """Called after every call, also one that raised (then inside its ``except``)."""
        if threading.get_ident() != self.thread:
            return
        if not self.stack or self.stack[-1].module is not module:
            return                      # an earlier pre-hook raised: no row was opened
        row = self.stack.pop()
        error = sys.exc_info()[1]
        if not row.executed and error is not None:
            if not any(seen is error for seen, _ in self.failures):
                self.failures.append((error, row))

    def failing_row(self, error):
        """The innermost row ``error`` (or an exception it was raised from) escaped."""
        chain = []
        while error is not None and not any(error is e for e in chain):
            chain.append(error)
            error = error.__cause__ or error.__context__
        for link in chain:
            for seen, row in self.failures:
                if seen is link:
                    return row
        return None

    def report(self, macs):
        """A functional op ran: its MACs go to the innermost module running."""
        if self.stack and not _mult_adds.has_formula(self.stack[-1].module):
            self.functional_macs[id(self.stack[-1])] += macs


class _SavedState:
    """What a forward pass may change, to be put back: each module's ``training`` flag,
    the values of its buffers, and the global RNG state."""

    def __init__(self, model):
        self.modes = [(module, module.training) for module in model.modules()]
        self.buffers = [(module, name, buffer, np.array(buffer._data, copy=True))
                        for module in model.modules()
                        for name, buffer in module._buffers.items() if buffer is not None]
        self.rng = nnx.get_rng_state()

    def restore(self):
        for module, training in self.modes:
            module.training = training
        with nnx.no_grad():
            for module, name, buffer, values in self.buffers:
                module._buffers[name] = buffer
                current = buffer._data
                # unchanged buffers are not written: the graph may have saved them, and a
                # write would make its saved tensors unreadable to the memory count
                if not np.array_equal(current, values, equal_nan=current.dtype.kind in "fc"):
                    buffer.copy_(nnx.from_numpy(values))
        nnx.set_rng_state(self.rng)


def _set_mode(model, mode):
    if mode == "train":
        model.train()
    elif mode == "eval":
        model.eval()


def run_forward(model, args, kwargs, mode):
    """Run ``model(*args, **kwargs)`` observed; return ``(rows, output)``.

    A failure raises RuntimeError naming the innermost module that was running, chained
    to the original exception; the model is left as it was either way.
    """
    recorder = _Recorder(model)
    saved = _SavedState(model)
    handles = []
    try:
        for module in {id(p[0]): p[0] for p in tree_positions(model)}.values():
            handles.append(module.register_forward_pre_hook(recorder.pre_hook))
            handles.append(module.register_forward_hook(recorder.hook))
            handles.append(module.register_forward_hook(recorder.close, always_call=True))
        _set_mode(model, mode)
        with contextlib.ExitStack() as scope:
            scope.enter_context(nnx.enable_grad())
            scope.enter_context(_functional_ops.observe_functional_ops(recorder.report))
            output = model(*args, **kwargs)
    except Exception as error:
        failing = recorder.failing_row(error)
        where = failing.describe() if failing is not None else type(model).__name__
        raise RuntimeError(
            f"summary: the forward pass of {type(model).__name__} failed in {where}: "
            f"{type(error).__name__}: {error}") from error
    finally:
        for handle in handles:
            handle.remove()
        saved.restore()
    return recorder.rows, output


def _ancestors(row, position_of):
    """Tree positions of ``row``'s ancestors below the root, by depth."""
    chain = {}
    parent = position_of[id(row.module)][4]
    while parent is not None and parent[2] > 0:
        chain[parent[2]] = parent
        parent = parent[4]
    return chain


def insert_missing_containers(rows, model):
    """Insert each container that was not called itself above its called descendants
    (torchinfo's ``add_missing_container_layers``)."""
    position_of = {id(p[0]): p for p in tree_positions(model)}
    seen = {row.layer_id for row in rows}
    current = {}                       # depth -> module of the row open at that depth
    result = []
    for row in rows:
        chain = _ancestors(row, position_of)
        for depth in range(1, row.depth):
            ancestor = chain.get(depth)
            if ancestor is None:
                continue
            open_here = current.get(depth)
            if open_here is not ancestor[0] and not (result and result[-1].module is ancestor[0]):
                inserted = _row_at(ancestor)
                inserted.is_recursive = id(ancestor[0]) in seen
                seen.add(id(ancestor[0]))
                result.append(inserted)
                current[depth] = ancestor[0]
        current[row.depth] = row.module
        for deeper in [d for d in current if d > row.depth]:
            del current[deeper]
        result.append(row)
    return result


def finish_rows(rows):
    """Number the rows of each depth (``1-1``, ``1-2``...) and give each its subtree."""
    counters = {}
    for i, row in enumerate(rows):
        counters[row.depth] = counters.get(row.depth, 0) + 1
        row.depth_index = counters[row.depth]
        end = i + 1
        while end < len(rows) and rows[end].depth > row.depth:
            end += 1
        row.children = rows[i + 1:end]
    return rows
