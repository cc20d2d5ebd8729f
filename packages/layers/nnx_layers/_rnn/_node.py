"""One autograd node per recurrent call: the whole network (or one cell step) forward and back.

``run_rnn`` takes the Tensors of a module call (input, states, flat weights in
``_flat_weights_names`` order), moves them to the driver's packed-rows layout, runs
``_sequence.forward`` and records a single node whose backward runs ``_sequence.backward``
and maps the gradients back to each input's layout.  float16 runs in float32 and rounds.
"""

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx.nn.functional._dropout import dropout_mask
from nnx_layers._rnn import _sequence

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are "
          "freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you "
          "need to backward through the graph a second time or if you need to access saved "
          "tensors after calling backward.")


class _Layout:
    """How a call's arrays map to (N, features) packed rows and (L*D, B, F) states."""

    def __init__(self, packed, batch_first, unbatched, sorted_indices, unsorted_indices):
        self.packed = packed
        self.batch_first = batch_first and not packed and not unbatched
        self.unbatched = unbatched
        self.sorted = sorted_indices
        self.unsorted = unsorted_indices
        self.steps = None

    def rows(self, x, dtype):
        """Input (or grad of output) -> contiguous (N, F) rows; remembers (T, B)."""
        if not self.packed:
            x = x[:, None, :] if self.unbatched else x
            x = x.transpose(1, 0, 2) if self.batch_first else x
            self.steps = x.shape[:2]
            x = x.reshape(-1, x.shape[-1])
        return np.ascontiguousarray(x, dtype=dtype)

    def unrows(self, rows, dtype):
        """(N, F) rows -> the input's layout (inverse of ``rows``)."""
        x = rows
        if not self.packed:
            x = rows.reshape(self.steps + rows.shape[-1:])
            x = x.transpose(1, 0, 2) if self.batch_first else x
            x = x[:, 0, :] if self.unbatched else x
        return np.ascontiguousarray(x, dtype=dtype)

    def state_in(self, s, dtype):
        """User state (original batch order, maybe unbatched) -> (L*D, B, F), sorted order."""
        s = s[:, None, :] if self.unbatched else s
        if self.sorted is not None:
            s = np.take(s, self.sorted, axis=1)
        return np.ascontiguousarray(s, dtype=dtype)

    def state_out(self, s, dtype):
        if self.unsorted is not None:
            s = np.take(s, self.unsorted, axis=1)
        s = s[:, 0, :] if self.unbatched else s
        return np.ascontiguousarray(s, dtype=dtype)


class _CellLayout:
    """A cell step: input (B, I) or (I,) is one step of B rows; states (B, H) or (H,)."""

    packed = False

    def __init__(self, x_shape):
        self.x_shape = x_shape

    def rows(self, x, dtype):
        return np.ascontiguousarray(x.reshape(-1, x.shape[-1]), dtype=dtype)

    def unrows(self, rows, dtype):
        return np.ascontiguousarray(rows.reshape(self.x_shape), dtype=dtype)

    def state_in(self, s, dtype):
        return np.ascontiguousarray(s.reshape(1, -1, s.shape[-1]), dtype=dtype)

    def state_out(self, s, dtype):
        return np.ascontiguousarray(s.reshape(s.shape[1:] if len(self.x_shape) == 2
                                              else s.shape[2:]), dtype=dtype)


def contiguous(a, dtype):
    """``a`` itself when already C-contiguous in ``dtype`` (the usual case), else a copy."""
    if a.dtype == dtype and a.flags.c_contiguous:
        return a
    return np.ascontiguousarray(a, dtype=dtype)


def group_weights(flat, has_bias, has_proj):
    """Flat list in torch's order -> [(w_ih, w_hh, b_ih, b_hh, w_hr)] per layer/direction."""
    per = 2 + 2 * has_bias + has_proj
    groups = []
    for k in range(0, len(flat), per):
        chunk = list(flat[k:k + per])
        w_ih, w_hh = chunk[0], chunk[1]
        b_ih, b_hh = (chunk[2], chunk[3]) if has_bias else (None, None)
        w_hr = chunk[-1] if has_proj else None
        groups.append((w_ih, w_hh, b_ih, b_hh, w_hr))
    return groups


def check_weight_shapes(mode, groups, input_size, state_size, num_directions):
    """Shapes the driver relies on (a reassigned parameter may have any shape)."""
    G = _sequence.NUM_GATES[mode]
    GH = groups[0][1].shape[0] if groups[0][1].ndim == 2 else -1
    H = GH // G
    for k, (w_ih, w_hh, b_ih, b_hh, w_hr) in enumerate(groups):
        layer_input = input_size if k < num_directions else num_directions * state_size
        expected = [(w_ih, (GH, layer_input)), (w_hh, (GH, state_size)), (b_ih, (GH,)),
                    (b_hh, (GH,)), (w_hr, (state_size, H))]
        for w, shape in expected:
            if w is not None and w.shape != shape:
                raise RuntimeError(f"{mode} weight of layer/direction {k} has shape "
                                   f"{list(w.shape)}, expected {list(shape)}")
    if GH % G or GH <= 0:
        raise RuntimeError(f"{mode} weight_hh has {GH} rows, not a multiple of {G}")


class _RecurrentBackward(Node):
    """Backward through time of a whole recurrent call (every layer and direction)."""

    def _release(self):
        self.tape = None
        Node._release(self)

    def backward(self, *grads):
        if self.tape is None:
            raise RuntimeError(_FREED)
        self.saved_tensors  # noqa: B018  (raises if an input was modified in place)
        lay, cdt = self.layout, self.compute_dtype
        arrays = [g._data if hasattr(g, "_data") else g for g in grads]
        if self.is_cell:                # a cell's outputs are the final states h' (, c')
            arrays = [None] + arrays
            d_out = np.zeros(self.out_rows_shape, dtype=cdt)
        else:
            d_out = lay.rows(arrays[0], cdt)
        d_hn = lay.state_in(arrays[1], cdt)
        d_cn = lay.state_in(arrays[2], cdt) if self.has_cell else None
        dx, dh0, dc0, grads_w = _sequence.backward(self.tape, d_out, d_hn, d_cn,
                                                   self.need[0], self.need_weights)
        out = [lay.unrows(dx, self.dtype) if self.need[0] else None,
               lay.state_out(dh0, self.dtype) if self.need[1] else None,
               lay.state_out(dc0, self.dtype) if self.need[2] and dc0 is not None else None]
        for group, present in zip(grads_w, self.present):
            for g, exists in zip(group, present):
                if exists:
                    out.append(None if g is None else g.astype(self.dtype, copy=False))
        return tuple(out)


class RnnTanhBackward0(_RecurrentBackward):
    pass


class RnnTanhCellBackward0(_RecurrentBackward):
    pass


class RnnReluCellBackward0(_RecurrentBackward):
    pass


class LstmCellBackward0(_RecurrentBackward):
    pass


class GruCellBackward0(_RecurrentBackward):
    pass


class RnnReluBackward0(_RecurrentBackward):
    pass


class LstmBackward0(_RecurrentBackward):
    pass


class GruBackward0(_RecurrentBackward):
    pass


_NODES = {"RNN_TANH": RnnTanhBackward0, "RNN_RELU": RnnReluBackward0, "LSTM": LstmBackward0,
          "GRU": GruBackward0}
_CELL_NODES = {"RNN_TANH": RnnTanhCellBackward0, "RNN_RELU": RnnReluCellBackward0,
               "LSTM": LstmCellBackward0, "GRU": GruCellBackward0}


def _record(node, lay, tape, cdt, dtype, inputs, outputs, is_cell, out_rows_shape=None):
    node.tape, node.layout, node.compute_dtype, node.dtype = tape, lay, cdt, dtype
    node.need = (needs_grad(inputs[0]), needs_grad(inputs[1]), needs_grad(inputs[2]))
    # which of (w_ih, w_hh, b_ih, b_hh, w_hr) each layer/direction has, and which need grad
    flags = iter([needs_grad(w) for w in inputs[3:]])
    node.present = [(g[0] is not None, g[1] is not None, g[2] is not None, g[3] is not None,
                     g[4] is not None) for g in tape.weights]
    node.need_weights = [tuple([next(flags) if exists else False for exists in present])
                         for present in node.present]
    node.is_cell, node.out_rows_shape = is_cell, out_rows_shape
    node.has_cell = len(outputs) == (2 if is_cell else 3)
    attach(node, inputs, outputs if len(outputs) > 1 else outputs[0])
    node.save_for_backward(*inputs)


def check_batch_sizes(batch_sizes, rows):
    """The driver trusts batch sizes: refuse any that would read or write out of bounds."""
    sizes = np.asarray(batch_sizes).astype(np.int64, copy=False)
    if sizes.ndim != 1 or sizes.size == 0:
        raise RuntimeError(f"batch_sizes must be a non-empty 1-D tensor, got shape "
                           f"{list(sizes.shape)}")
    if sizes.min() < 0 or np.any(np.diff(sizes) > 0):
        raise RuntimeError(f"batch_sizes must be non-negative and non-increasing, got "
                           f"{sizes.tolist()}")
    ends = np.cumsum(sizes)
    if ends[-1] > rows:
        t = int(np.argmax(ends > rows))
        raise RuntimeError(f"start ({int(ends[t] - sizes[t])}) + length ({int(sizes[t])}) "
                           f"exceeds dimension size ({rows}).")


def run_rnn(mode, input, hx, cx, flat_weights, *, has_bias, has_proj, num_directions,
            dropout=0.0, training=False, batch_first=False, unbatched=False,
            batch_sizes=None, sorted_indices=None, unsorted_indices=None):
    """Run a recurrent network; returns (output, h_n, c_n) Tensors (c_n None unless LSTM).

    ``input`` is the padded input Tensor, or a PackedSequence's data with ``batch_sizes``
    (int array) and its permutations.  ``hx``/``cx`` are Tensors in the user's layout
    (original batch order), or None for zeros of shape ``zero_shapes``.  Arguments are
    assumed validated (the module checks them with torch's messages).
    """
    x = input._data
    dtype = x.dtype
    cdt = np.float32 if dtype == np.float16 else dtype
    packed = batch_sizes is not None
    if packed:
        check_batch_sizes(batch_sizes, x.shape[0])
    lay = _Layout(packed, batch_first, unbatched, sorted_indices, unsorted_indices)
    rows = lay.rows(x, cdt)
    offsets = None
    if not packed:
        batch_sizes, offsets = _sequence.uniform_steps(lay.steps[0], lay.steps[1])
    weights = group_weights([contiguous(w._data, cdt) for w in flat_weights], has_bias,
                            has_proj)
    h0 = lay.state_in(hx._data, cdt)
    c0 = lay.state_in(cx._data, cdt) if cx is not None else None
    check_weight_shapes(mode, weights, rows.shape[1], h0.shape[2], num_directions)
    if c0 is not None and c0.shape[2] != weights[0][1].shape[0] // 4:
        raise RuntimeError(f"LSTM cell state has {c0.shape[2]} features, expected "
                           f"{weights[0][1].shape[0] // 4}")
    record = needs_grad(input, hx, cx, *flat_weights)
    out, h_n, c_n, tape = _sequence.forward(mode, rows, batch_sizes, h0, c0, weights,
                                            num_directions, dropout, training, dropout_mask,
                                            keep=record, offsets=offsets)
    output = wrap(lay.unrows(out, dtype))
    h_t = wrap(lay.state_out(h_n, dtype))
    c_t = wrap(lay.state_out(c_n, dtype)) if c_n is not None else None
    if record:
        outputs = (output, h_t) if c_t is None else (output, h_t, c_t)
        _record(_NODES[mode](), lay, tape, cdt, dtype, (input, hx, cx, *flat_weights),
                outputs, False)
    return output, h_t, c_t


def run_cell(mode, input, hx, cx, weights):
    """One step of a cell: input (B, I) or (I,), hx/cx Tensors shaped like the output;
    weights (w_ih, w_hh, b_ih, b_hh) with biases None when absent.  Returns (h', c' or None).
    """
    x = input._data
    dtype = x.dtype
    cdt = np.float32 if dtype == np.float16 else dtype
    lay = _CellLayout(x.shape)
    rows = lay.rows(x, cdt)
    flat = [w for w in weights if w is not None]
    arrays = group_weights([contiguous(w._data, cdt) for w in flat], weights[2] is not None,
                           False)
    h0 = lay.state_in(hx._data, cdt)
    c0 = lay.state_in(cx._data, cdt) if cx is not None else None
    check_weight_shapes(mode, arrays, rows.shape[1], h0.shape[2], 1)
    record = needs_grad(input, hx, cx, *flat)
    sizes, offsets = _sequence.uniform_steps(1, rows.shape[0])
    out, h_n, c_n, tape = _sequence.forward(mode, rows, sizes, h0, c0, arrays, 1,
                                            keep=record, offsets=offsets)
    h_t = wrap(lay.state_out(h_n, dtype))
    c_t = wrap(lay.state_out(c_n, dtype)) if c_n is not None else None
    if record:
        outputs = (h_t,) if c_t is None else (h_t, c_t)
        _record(_CELL_NODES[mode](), lay, tape, cdt, dtype, (input, hx, cx, *flat), outputs,
                True, out.shape)
    return h_t, c_t
