# The contract for ops written in Python (reductions, shapes, indexing, functional):
#
#     out = wrap(np.sum(x._data, axis=1))
#     if needs_grad(x):
#         node = SumBackward1()                      # a Node subclass with backward(grad)
#         node.shape = x.shape                       # whatever backward needs ...
#         node.save_for_backward(x)                  # ... tensors go through save_for_backward
#         attach(node, (x,), out)
#     return out
#
# ``backward(self, grad)`` gets an array (a Tensor under create_graph) per output and
# returns one gradient (or None) per input given to ``attach``.


def needs_grad(*tensors):
    """Whether an op on these tensors must be recorded (grad mode on, some input requires grad)."""
    if not _grad_enabled:
        return False
    for t in tensors:
        if isinstance(t, TensorBase) and (<TensorBase>t)._requires_grad:
            return True
    return False


def attach(Node node, inputs, outputs):
    """Connect ``node`` to the inputs' graph and make it the grad_fn of ``outputs``.

    ``inputs`` is a sequence whose entries are tensors or None (None: no gradient).
    ``outputs`` is a tensor, or a sequence of tensors for a multi-output node (entries
    may be None for outputs that are not differentiable).  Returns ``outputs``.
    """
    node.next_functions = tuple([_edge(<TensorBase>t) if isinstance(t, TensorBase) else _NO_EDGE
                                 for t in inputs])
    if isinstance(outputs, TensorBase):
        _set_history(<TensorBase>outputs, node, 0)
        return outputs
    node._num_outputs = len(outputs)
    node._out_meta = []
    for i, o in enumerate(outputs):
        if o is None:
            node._out_meta.append(((), _np.float32))
            continue
        node._out_meta.append(((<TensorBase>o)._data.shape, (<TensorBase>o)._data.dtype))
        _set_history(<TensorBase>o, node, i)
    return outputs


def wrap(arr):
    """A new tensor around an ndarray (no copy); NumPy scalars become 0-d arrays."""
    if type(arr) is not _ndarray:
        arr = _np.asarray(arr)
    dtype_of_array(arr)
    return _wrap(arr)


def make_view(arr, TensorBase base):
    """A tensor around ``arr``, a view of ``base``'s data: shares its version counter."""
    if type(arr) is not _ndarray:
        arr = _np.asarray(arr)
    cdef TensorBase t = _wrap(arr)
    t._vc = base._vc
    t._base = base._base if base._base is not None else base
    return t


def run_backward(tuple roots, tuple root_grads, bint keep_graph, bint create_graph,
                 tuple capture=None, bint accumulate=True):
    return _run_backward(roots, root_grads, keep_graph, create_graph, capture, accumulate)


def grad_edge(TensorBase t):
    """The ``(node, output_nr)`` edge through which gradient reaches ``t``."""
    if not t._requires_grad:
        return None
    return _edge(t)


def result_type(*operands):
    """torch.result_type over any number of tensors and Python scalars."""
    cdef dtype dim_t = None, zero_t = None, scalar_t = None, d
    for op in operands:
        if isinstance(op, TensorBase):
            d = dtype_of_array((<TensorBase>op)._data)
            if (<TensorBase>op)._data.ndim == 0:
                zero_t = d if zero_t is None else promote_types(zero_t, d)
            else:
                dim_t = d if dim_t is None else promote_types(dim_t, d)
        else:
            d = scalar_dtype(op)
            if d is None:
                d = dtype_of_array(_np.asarray(op))
            scalar_t = d if scalar_t is None else promote_types(scalar_t, d)
    return combine_categories(dim_t, combine_categories(zero_t, scalar_t))


def broadcast_message(sa, sb):
    return _broadcast_message(tuple(sa), tuple(sb))


def snapshot(TensorBase t):
    """A copy of ``t``'s data that carries ``t``'s place in the graph.

    In-place ops compute their result from a snapshot, so the value their backward
    saves is the one from before the write (torch saves ``original_self`` likewise).
    """
    cdef TensorBase s = _wrap(_np.array(t._data, copy=True))
    s._requires_grad = t._requires_grad
    s._grad_fn = t._grad_fn
    s._output_nr = t._output_nr
    s._acc_edge = t._acc_edge
    return s
