# Helpers for backward formulas.  A formula receives NumPy arrays, or Tensors during a
# create_graph backward; these helpers do the same thing on either, so each formula is
# written once (operators already work on both).

cdef inline bint _is_tensor(object x):
    return isinstance(x, TensorBase)


cdef object _sum_to(object g, object shape):
    """Sum a broadcast gradient back down to ``shape`` (torch's sum_to)."""
    cdef tuple gshape = tuple(g.shape)
    cdef tuple target = tuple(shape)
    if gshape == target:
        return g
    cdef Py_ssize_t lead = len(gshape) - len(target)
    cdef list axes = list(range(lead))
    for i in range(len(target)):
        if target[i] == 1 and gshape[lead + i] != 1:
            axes.append(lead + i)
    if _is_tensor(g):
        if axes:
            g = g.sum(dim=tuple(axes), keepdim=True)
        return g.reshape(target)
    if axes:
        g = g.sum(axis=tuple(axes), keepdims=True)
    return g.reshape(target)


cdef object _cast_grad(object g, object np_dtype):
    if _is_tensor(g):
        return g.to(dtype_of_array(_np.empty(0, np_dtype)))
    return g.astype(np_dtype, copy=False)


cdef object _reduce_grad(object g, object shape, object np_dtype):
    if shape is not None:
        g = _sum_to(g, shape)
    if np_dtype is not None:
        g = _cast_grad(g, np_dtype)
    return g


cdef object _math(str name, object x):
    """An elementwise math function (exp, log, sign, sin, cos ...) on an array or a Tensor."""
    if _is_tensor(x):
        return getattr(x, name)()
    return getattr(_np, name)(x)


cdef object _where(object cond, object a, object b):
    if _is_tensor(cond) or _is_tensor(a) or _is_tensor(b):
        return _tensor_type._where(cond, a, b)
    return _np.where(cond, a, b)


# Python entries (nnx/_ops/_grad.py): one implementation for the Cython and the Python ops.
def grad_sum_to(g, shape):
    return _sum_to(g, shape)


def grad_cast(g, np_dtype):
    return _cast_grad(g, np_dtype)


def grad_math(str name, x):
    return _math(name, x)


def grad_where(cond, a, b):
    return _where(cond, a, b)
