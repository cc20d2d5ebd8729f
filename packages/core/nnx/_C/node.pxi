# Graph nodes.  A Node is one recorded op seen backwards: it receives the gradients of
# its outputs and returns one gradient per entry of ``next_functions`` (torch's edges:
# ``(node_of_that_input, output_nr)`` or ``(None, 0)`` for inputs that need no grad).
#
# Gradients travel as NumPy arrays; under ``create_graph=True`` they travel as Tensors
# and the same formulas, written with operators and the helpers in backward_helpers.pxi,
# record a graph of their own.

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")

cdef class Node:
    """An autograd graph node (torch.autograd.graph.Node)."""

    def __cinit__(self):
        self.next_functions = ()
        self._num_outputs = 1

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"

    # -- recording ---------------------------------------------------------------------
    cdef void save(self, tuple saved):
        self._saved = saved
        self._had_saved = True

    def save_for_backward(self, *tensors):
        """Save tensors (inputs or outputs of this node) for backward, with version checks."""
        self.save(tuple([None if t is None else _save_variable(<TensorBase>t, self)
                         for t in tensors]))

    @property
    def saved_tensors(self):
        return self.unpack_saved()

    cpdef tuple unpack_saved(self):
        """The saved values: arrays, or Tensors during a create_graph backward."""
        if self._saved is None:
            if self._had_saved:
                raise RuntimeError(_FREED_MESSAGE)
            return ()
        return tuple([None if s is None else (<SavedVariable>s).unpack(self) for s in self._saved])

    cdef object saved_value(self, int i):
        if self._saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        return (<SavedVariable>self._saved[i]).unpack(self)

    cpdef void _release(self):
        self._saved = None

    # -- running ----------------------------------------------------------------------
    cpdef object _apply(self, object grads):
        """Gradients of the inputs from gradients of the outputs.

        ``grads`` is one gradient for single-output nodes, else a list.  Subclasses in
        Cython override this; subclasses in Python override ``backward``.
        """
        if self._num_outputs == 1:
            result = self.backward(grads)
        else:
            result = self.backward(*grads)
        if type(result) is not tuple:
            result = (result,)
        return result

    def backward(self, *grads):
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    # -- hooks (torch.autograd.graph.Node API) ----------------------------------------
    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` after this node ran; may return new grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(hook)
        return _RemovableHook(self._post_hooks, hook)

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` before this node runs; may return new grad_outputs."""
        return self._add_pre_hook(-1, hook)

    def _add_pre_hook(self, int output_nr, hook):
        if self._pre_hooks is None:
            self._pre_hooks = {}
        hooks = self._pre_hooks.setdefault(output_nr, [])
        hooks.append(hook)
        return _RemovableHook(hooks, hook)


class _RemovableHook:
    """Handle returned by hook registrations; ``remove()`` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks = hooks
        self._hook = hook

    def remove(self):
        try:
            self._hooks.remove(self._hook)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


cdef class SavedVariable:
    """A tensor saved for backward: its array, and the version it had when saved.

    An input is kept as the tensor itself; an output is kept as its array only (keeping
    the tensor would make a cycle tensor -> grad_fn -> tensor), and is rebuilt around
    its node when a create_graph backward needs it as a Tensor.
    """

    cdef object unpack(self, Node node):
        if self.vc.version != self.version:
            raise RuntimeError(_inplace_message(self, node))
        if not _unpack_as_tensors:
            return self.data
        if self.tensor is not None:
            return self.tensor
        cdef TensorBase t = _wrap(self.data)
        t._vc = self.vc
        t._grad_fn = node
        t._output_nr = self.output_nr
        t._requires_grad = True
        return t


cdef SavedVariable _save_variable(TensorBase t, Node node):
    cdef SavedVariable s = SavedVariable.__new__(SavedVariable)
    s.data = t._data
    s.vc = t._vc
    s.version = t._vc.version
    if t._grad_fn is node:
        s.output_nr = t._output_nr
    else:
        s.tensor = t
    return s


cdef str _inplace_message(SavedVariable s, Node node):
    what = f"[{_legacy_type_name(s.data)} {list(s.data.shape)}]"
    if s.tensor is None:
        what += f", which is output {s.output_nr} of {node.name()},"
    elif s.tensor._grad_fn is not None:
        what += f", which is output {s.tensor._output_nr} of {s.tensor._grad_fn.name()},"
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {what} is at version {s.vc.version}; expected version "
            f"{s.version} instead. Hint: enable anomaly detection to find the operation that "
            "failed to compute its gradient, with "
            "nnx.autograd.set_detect_anomaly(True, check_nan=False).")


cdef class AccumulateGrad(Node):
    """The sink of a leaf tensor: adds the incoming gradient into ``variable.grad``.

    The leaf holds its accumulator (and so its graph edge) strongly and the accumulator
    holds the leaf weakly: no reference cycle, and a leaf nobody holds any more simply
    receives no gradient.
    """

    @property
    def variable(self):
        return self._variable_ref()

    def name(self):
        return "nnx::autograd::AccumulateGrad"      # torch: torch::autograd::AccumulateGrad

    cpdef object _apply(self, object grad):
        cdef TensorBase var = self._variable_ref()
        cdef TensorBase current
        if var is None:
            return ()
        if var._hooks:
            for hook in list(var._hooks):
                grad = _run_tensor_hook(hook, grad)
        if isinstance(grad, TensorBase):            # create_graph: keep the graph of the grad
            if grad.shape != var.shape:
                raise RuntimeError(_grad_shape_message(grad._data, var._data))
            if var._grad is None:
                var._grad = grad.detach() if not (<TensorBase>grad)._requires_grad else grad
            else:
                var._grad = var._grad + grad
            return ()
        if grad.shape != var._data.shape:
            raise RuntimeError(_grad_shape_message(grad, var._data))
        current = var._grad
        cdef bint may_steal = self._may_steal
        self._may_steal = False
        if current is None:
            if (may_steal and type(grad) is _ndarray and grad.base is None
                    and grad.dtype is var._data.dtype and grad.flags.writeable):
                var._grad = _wrap(grad)       # the engine held the only reference: adopt it
            else:
                # Copy: the array may be shared with another leaf's gradient or with the
                # user's ``gradient=`` argument, and later accumulations write in place.
                var._grad = _wrap(_np.array(grad, dtype=var._data.dtype, copy=True))
        elif current._requires_grad:                # a grad with history: stay out of place
            var._grad = _wrap(current._data + grad)
        else:
            current._data += grad
            current._vc.version += 1
        return ()


cdef str _grad_shape_message(object grad, object data):
    return (f"Function AccumulateGrad returned an invalid gradient at index 0 - got "
            f"{list(grad.shape)} but expected shape compatible with {list(data.shape)}")


cdef object _run_tensor_hook(object hook, object grad):
    """Tensor hooks see and return Tensors, whatever the engine carries."""
    cdef bint as_array = not isinstance(grad, TensorBase)
    result = hook(_wrap(grad) if as_array else grad)
    if result is None:
        return grad
    if not isinstance(result, TensorBase):
        raise TypeError(f"a tensor hook must return a Tensor or None, got {type(result).__name__}")
    return (<TensorBase>result)._data if as_array else result


cdef tuple _leaf_edge(TensorBase t):
    """The leaf's (AccumulateGrad, 0) edge, made once and kept on the leaf."""
    cdef AccumulateGrad acc
    if t._acc_edge is None:
        acc = AccumulateGrad.__new__(AccumulateGrad)
        acc._variable_ref = _weakref.ref(t)
        t._acc_edge = (acc, 0)
    return t._acc_edge


cdef inline tuple _edge(TensorBase t):
    if not t._requires_grad:
        return _NO_EDGE
    if t._grad_fn is not None:
        return (t._grad_fn, t._output_nr)
    return _leaf_edge(t)


cdef tuple _NO_EDGE = (None, 0)
