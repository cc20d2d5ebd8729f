# The backward engine.  Two passes over the graph reachable from the roots:
#   1. count, for every node, how many edges lead into it (its dependencies);
#   2. run nodes whose dependencies are all satisfied, summing the gradients that
#      arrive for each output into the node's buffer before it runs.
# Per-pass bookkeeping lives on the nodes themselves (stamped with an epoch), so the
# loop does no dictionary look-ups; the chain benchmark in benchmarks/ measures it.

cdef long long _epoch = 0


cdef inline void _accumulate(Node node, int output_nr, object grad):
    if node._num_outputs == 1:
        if node._buffer is None:
            node._buffer = grad
        else:
            node._buffer = node._buffer + grad
        return
    if node._buffer is None:
        node._buffer = [None] * node._num_outputs
    cdef list buf = node._buffer
    buf[output_nr] = grad if buf[output_nr] is None else buf[output_nr] + grad


cdef object _run_pre_hooks(Node node, object grads):
    cdef list gl = [grads] if node._num_outputs == 1 else list(grads)
    cdef int nr
    if node._pre_hooks:
        for nr in range(node._num_outputs):
            for hook in list(node._pre_hooks.get(nr, ())):
                if gl[nr] is not None:
                    gl[nr] = _run_tensor_hook(hook, gl[nr])
        for hook in list(node._pre_hooks.get(-1, ())):
            out = hook(tuple(_as_tensor_or_none(g) for g in gl))
            if out is not None:
                gl = [_like_engine(g, ref) for g, ref in zip(out, gl)]
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None and gl[nr] is not None:
                _retain(<TensorBase>t, gl[nr])
    return gl[0] if node._num_outputs == 1 else gl


cdef void _retain(TensorBase t, object grad):
    if isinstance(grad, TensorBase):
        t._grad = grad if t._grad is None else t._grad + grad
    elif t._grad is None:
        t._grad = _wrap(_np.array(grad, copy=True))
    else:
        t._grad = _wrap(t._grad._data + grad)


cdef object _as_tensor_or_none(object g):
    if g is None or isinstance(g, TensorBase):
        return g
    return _wrap(g)


cdef object _like_engine(object g, object reference):
    """Convert a hook's returned Tensor back to what the engine carries."""
    if g is None or reference is None:
        return g
    if isinstance(reference, TensorBase):
        return g
    return (<TensorBase>g)._data if isinstance(g, TensorBase) else g


cdef object _fill_missing(Node node, object grads):
    """Multi-output nodes get zeros for outputs that received no gradient."""
    cdef list gl = grads
    cdef int i
    for i in range(node._num_outputs):
        if gl[i] is None:
            shape, np_dtype = node._out_meta[i]
            gl[i] = _np.zeros(shape, dtype=np_dtype)
            if _unpack_as_tensors:
                gl[i] = _wrap(gl[i])
    return gl


cdef object _normalise_grad(object g, bint as_tensor):
    if as_tensor:
        if g is not None and not isinstance(g, TensorBase):
            return _wrap(_np.asarray(g))
        return g
    if isinstance(g, TensorBase):
        return (<TensorBase>g)._data
    if g is not None and type(g) is not _ndarray:
        return _np.asarray(g)
    return g


cdef object _run_backward(tuple roots, tuple root_grads, bint keep_graph, bint create_graph,
                          tuple capture=None, bint accumulate=True):
    """Run backward from ``roots`` (``(node, output_nr)`` pairs) seeded with ``root_grads``.

    ``capture`` lists ``(node, output_nr)`` edges whose incoming gradients are returned
    (autograd.grad); with ``accumulate=False`` no leaf ``.grad`` is touched.
    """
    global _epoch, _grad_enabled, _unpack_as_tensors
    _epoch += 1
    cdef long long epoch = _epoch
    cdef Node node, nxt
    cdef list stack = []
    cdef list ready = []
    cdef tuple edge, results
    cdef Py_ssize_t i, n_edges

    for edge in roots:
        node = edge[0]
        if node._epoch != epoch:
            node._epoch = epoch
            node._deps = 0
            node._buffer = None
            stack.append(node)
    while stack:
        node = stack.pop()
        for edge in node.next_functions:
            nxt = edge[0]
            if nxt is None:
                continue
            if nxt._epoch != epoch:
                nxt._epoch = epoch
                nxt._deps = 0
                nxt._buffer = None
                stack.append(nxt)
            nxt._deps += 1

    for i in range(len(roots)):
        node = roots[i][0]
        _accumulate(node, roots[i][1], _normalise_grad(root_grads[i], create_graph))
    for edge in roots:
        node = edge[0]
        if node._deps == 0 and node not in ready:
            ready.append(node)

    cdef dict capture_at = None
    cdef list captured = None
    if capture is not None:
        captured = [None] * len(capture)
        capture_at = {}
        for i in range(len(capture)):
            capture_at.setdefault(capture[i][0], []).append((i, capture[i][1]))

    cdef bint previous_mode = _grad_enabled
    cdef bint previous_unpack = _unpack_as_tensors
    _grad_enabled = create_graph
    _unpack_as_tensors = create_graph
    # Backward formulas meet 0/0 and inf*0 at kinks (sqrt at 0 ...); torch stays quiet.
    quiet = _np.errstate(all="ignore")
    quiet.__enter__()
    try:
        while ready:
            node = ready.pop()
            grads = node._buffer
            node._buffer = None
            if grads is not None and (node._pre_hooks or node._retained):
                grads = _run_pre_hooks(node, grads)
            if capture_at is not None and node in capture_at:
                for i, nr in capture_at[node]:
                    captured[i] = grads if node._num_outputs == 1 else (
                        None if grads is None else grads[nr])
            if grads is None or (not accumulate and type(node) is AccumulateGrad):
                results = None
            else:
                if node._num_outputs != 1:
                    grads = _fill_missing(node, grads)
                elif type(node) is AccumulateGrad:
                    # Only this local refers to the array: the leaf may adopt it uncopied.
                    (<AccumulateGrad>node)._may_steal = Py_REFCNT(grads) == 1
                if _anomaly_enabled:
                    results = _apply_with_anomaly_checks(node, grads)
                else:
                    results = node._apply(grads)
                if node._post_hooks:
                    results = _run_post_hooks(node, results, grads)
                if len(results) != len(node.next_functions):
                    raise RuntimeError(
                        f"function {node.name()} returned an incorrect number of gradients "
                        f"(expected {len(node.next_functions)}, got {len(results)})")
            if not keep_graph:
                node._release()
            n_edges = len(node.next_functions)
            for i in range(n_edges):
                edge = node.next_functions[i]
                nxt = edge[0]
                if nxt is None:
                    continue
                if results is not None:
                    g = results[i]
                    if g is not None:
                        _accumulate(nxt, edge[1], _normalise_grad(g, create_graph))
                nxt._deps -= 1
                if nxt._deps == 0:
                    ready.append(nxt)
            results = None
            grads = None
            g = None
    finally:
        quiet.__exit__(None, None, None)
        _grad_enabled = previous_mode
        _unpack_as_tensors = previous_unpack
    return captured


cdef tuple _run_post_hooks(Node node, tuple results, object grads):
    grad_outputs = (grads,) if node._num_outputs == 1 else tuple(grads)
    for hook in list(node._post_hooks):
        out = hook(tuple(_as_tensor_or_none(g) for g in results),
                   tuple(_as_tensor_or_none(g) for g in grad_outputs))
        if out is not None:
            if type(out) is not tuple:
                out = (out,)
            results = tuple(_like_engine(g, ref if ref is not None else grad_outputs[0])
                            for g, ref in zip(out, results))
    return results


cdef tuple _apply_with_anomaly_checks(Node node, object grads):
    """Run a node, naming the forward call that created it if it fails or yields NaN."""
    try:
        results = node._apply(grads)
        if _anomaly_check_nan:
            for i, g in enumerate(results):
                data = (<TensorBase>g)._data if isinstance(g, TensorBase) else g
                if data is not None and _np.isnan(data).any():
                    raise RuntimeError(f"Function '{node.name()}' returned nan values in its "
                                       f"{i}th output.")
    except Exception:
        trace = "".join((node.metadata or {}).get("traceback_", ["(not recorded)\n"]))
        _warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused "
                       f"the error:\n{trace}", UserWarning, stacklevel=2)
        raise
    return results
