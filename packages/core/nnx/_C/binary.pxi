# Binary arithmetic and comparisons: the hot path of every model.  Forward and backward
# sit side by side.  Per-op cost is what benchmarks/bench_overhead.py measures
# (nnx `a + b` with grad vs torch's ~2.5 us on this machine).

cdef enum:
    OP_ADD = 0
    OP_SUB = 1
    OP_MUL = 2
    OP_DIV = 3
    OP_POW = 4
    OP_FLOORDIV = 5
    OP_MOD = 6
    OP_AND = 7
    OP_OR = 8
    OP_XOR = 9
    OP_EQ = 10
    OP_NE = 11
    OP_LT = 12
    OP_LE = 13
    OP_GT = 14
    OP_GE = 15

cdef object _errstate = _np.errstate
cdef object _np_bool = _np.dtype(bool)
cdef tuple _op_names = ("add", "sub", "mul", "div", "pow", "floor_divide", "remainder",
                        "bitwise_and", "bitwise_or", "bitwise_xor", "eq", "ne", "lt", "le",
                        "gt", "ge")


cdef str _broadcast_message(tuple sa, tuple sb):
    cdef Py_ssize_t n = max(len(sa), len(sb))
    cdef Py_ssize_t i, ia, ib
    for i in range(n - 1, -1, -1):
        ia = i - (n - len(sa))
        ib = i - (n - len(sb))
        x = sa[ia] if ia >= 0 else 1
        y = sb[ib] if ib >= 0 else 1
        if x != y and x != 1 and y != 1:
            return (f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                    f"at non-singleton dimension {i}")
    return f"shapes {list(sa)} and {list(sb)} cannot be broadcast"


cdef object _compute(int op, object x, object y):
    if op == OP_ADD:
        return x + y
    if op == OP_SUB:
        return x - y
    if op == OP_MUL:
        return x * y
    if op == OP_DIV:
        with _errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _np.true_divide(x, y)
    if op == OP_POW:
        with _errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _np.power(x, y)
    if op == OP_FLOORDIV:
        with _errstate(divide="ignore", invalid="ignore"):
            return _np.floor_divide(x, y)
    if op == OP_MOD:
        with _errstate(divide="ignore", invalid="ignore"):
            return _np.remainder(x, y)
    if op == OP_AND:
        return x & y
    if op == OP_OR:
        return x | y
    if op == OP_XOR:
        return x ^ y
    if op == OP_EQ:
        return _np.equal(x, y)
    if op == OP_NE:
        return _np.not_equal(x, y)
    if op == OP_LT:
        return _np.less(x, y)
    if op == OP_LE:
        return _np.less_equal(x, y)
    if op == OP_GT:
        return _np.greater(x, y)
    return _np.greater_equal(x, y)


cdef dtype _tensor_pair_dtype(object x, object y):
    cdef dtype dx = dtype_of_array(x)
    cdef dtype dy = dtype_of_array(y)
    cdef bint zx = x.ndim == 0
    cdef bint zy = y.ndim == 0
    if zx == zy:
        return promote_types(dx, dy)
    if zx:
        return combine_categories(dy, dx)
    return combine_categories(dx, dy)


# NumPy 1.x computes a 0-d array (op) Python float in float64 (value-based casting); torch
# and NumPy 2 (NEP 50) compute in the array's dtype.  Rounding twice (float64, then the
# dtype) differs in the last bit, so on NumPy 1.x the scalar becomes the dtype's first.
cdef bint _value_based_casting = int(_np.__version__.split(".")[0]) < 2


cdef object _scalar_as(object value, dtype d):
    """A Python scalar converted the way torch converts a wrapped number to ``d``."""
    if d.category == CAT_INT and isinstance(value, int) and not isinstance(value, bool):
        return _np.array(value, dtype=_np.int64).astype(d.np_dtype)   # wraps like C
    if _value_based_casting and d.category == CAT_FLOAT:
        return d.np_dtype.type(value)
    return value


cdef object _binary(int op, TensorBase a, object other, bint reflected):
    cdef TensorBase b = None
    cdef object x = a._data
    cdef object y
    cdef dtype common = None
    cdef object res
    if isinstance(other, TensorBase):
        b = <TensorBase>other
        y = b._data
        if x.dtype is not y.dtype:
            common = _tensor_pair_dtype(x, y)
    elif isinstance(other, (float, int)):
        if op == OP_DIV and reflected:
            # torch: scalar / x is reciprocal(x) * scalar (two nodes, its rounding)
            return _binary(OP_MUL, <TensorBase>_unary(UOP_RECIPROCAL, a), other, False)
        y = other
        common = combine_categories(dtype_of_array(x), scalar_dtype(other))
        if common.np_dtype is x.dtype and not (
                isinstance(other, int) and common.category == CAT_INT):
            common = None
            if _value_based_casting and x.ndim == 0:
                y = _scalar_as(other, dtype_of_array(x))
        else:
            y = _scalar_as(other, common)
    elif isinstance(other, (_ndarray, _np.generic)):
        b = wrap(other)
        y = b._data
        if x.dtype is not y.dtype:
            common = _tensor_pair_dtype(x, y)
    else:
        return NotImplemented
    if common is not None:
        if x.dtype is not common.np_dtype:
            x = x.astype(common.np_dtype)
        if b is not None and y.dtype is not common.np_dtype:
            y = y.astype(common.np_dtype)
    elif op == OP_DIV or op == OP_POW or op >= OP_EQ:
        common = dtype_of_array(x)
    if op == OP_DIV and common.category != CAT_FLOAT:
        common = _default_float
        x = x.astype(common.np_dtype)
    if op == OP_SUB and (common is bool_ if common is not None else x.dtype is _np_bool):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if op == OP_POW and common.category == CAT_INT and _has_negative(y if not reflected else x):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if op >= OP_FLOORDIV and op <= OP_XOR or op >= OP_EQ:
        if op >= OP_AND and op <= OP_XOR and dtype_of_array(x).category == CAT_FLOAT:
            raise RuntimeError(f"\"{_op_names[op]}_cpu\" not implemented for 'Float'")
        return _no_grad_binary(op, x, y, reflected)
    try:
        res = _compute(op, y, x) if reflected else _compute(op, x, y)
    except ValueError:
        if b is None:
            raise
        if reflected:
            raise RuntimeError(_broadcast_message(tuple(y.shape), tuple(x.shape))) from None
        raise RuntimeError(_broadcast_message(tuple(x.shape), tuple(y.shape))) from None
    if type(res) is not _ndarray:
        res = _np.asarray(res)
    if (common is not None or b is None) and res.dtype is not x.dtype:
        res = res.astype(x.dtype)      # NumPy 1.x value-based casting of 0-d / scalar operands
    cdef TensorBase out = _wrap(res)
    if _grad_enabled and (a._requires_grad or (b is not None and b._requires_grad)):
        if reflected:
            _record_binary(op, b, a, other if b is None else None, True, out)
        else:
            _record_binary(op, a, b, other if b is None else None, False, out)
    return out


cdef bint _has_negative(object v):
    if isinstance(v, _ndarray):
        return v.dtype.kind == "i" and v.size > 0 and bool((v < 0).any())
    return isinstance(v, int) and v < 0


cdef object _no_grad_binary(int op, object x, object y, bint reflected):
    try:
        res = _compute(op, y, x) if reflected else _compute(op, x, y)
    except ValueError:
        if isinstance(y, _ndarray):
            sa, sb = tuple(x.shape), tuple(y.shape)
            if reflected:
                sa, sb = sb, sa
            raise RuntimeError(_broadcast_message(sa, sb)) from None
        raise
    if type(res) is not _ndarray:
        res = _np.asarray(res)
    if op < OP_EQ and res.dtype is not x.dtype:
        res = res.astype(x.dtype)
    return _wrap(res)


cdef class _BinaryBackward(Node):
    """Shared backward of the differentiable binary ops: grads for (left, right).

    One of the operands may be a Python scalar (then only the tensor has an edge).
    ``*_shape`` / ``*_dtype`` are set only when the operand's shape or dtype differs
    from the output's, so the common case skips the broadcast reduction and the cast.
    """
    cpdef object _apply(self, object g):
        cdef int op = self.op
        cdef object gl = None, gr = None, lhs, rhs
        if op == OP_ADD:
            gl = g if self.need_left else None
            gr = g if self.need_right else None
        elif op == OP_SUB:
            gl = g if self.need_left else None
            gr = -g if self.need_right else None
        elif op == OP_MUL:
            lhs, rhs = self._operands()
            gl = g * rhs if self.need_left else None
            gr = g * lhs if self.need_right else None
        elif op == OP_DIV:
            lhs, rhs = self._operands()
            gl = g / rhs if self.need_left else None
            gr = -g * lhs / (rhs * rhs) if self.need_right else None
        else:
            gl, gr = self._pow_grads(g)
        if gl is not None:
            gl = _reduce_grad(gl, self.left_shape, self.left_dtype)
        if gr is not None:
            gr = _reduce_grad(gr, self.right_shape, self.right_dtype)
        if self.scalar is None:
            return (gl, gr)
        if _scalar_has_edge(op, self.scalar_left):
            return (gr if self.scalar_left else gl, None)
        return (gr,) if self.scalar_left else (gl,)

    cdef tuple _operands(self):
        """(left, right) values; saved slots are (left, right[, output])."""
        cdef object lhs, rhs
        if self._saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        if self.scalar is not None and self.scalar_left:
            lhs = self.scalar
        else:
            lhs = self.saved_value(0) if self._saved[0] is not None else None
        if self.scalar is not None and not self.scalar_left:
            rhs = self.scalar
        else:
            rhs = self.saved_value(1) if self._saved[1] is not None else None
        return lhs, rhs

    cdef tuple _pow_grads(self, object g):
        base, exponent = self._operands()
        gl = gr = None
        if self.need_left:
            if self.scalar is not None and not self.scalar_left and exponent == 0:
                gl = g * 0
            else:
                gl = g * exponent * base ** (exponent - 1)
        if self.need_right:
            out = self.saved_value(2)
            log_base = (_np.log(float(base)) if isinstance(base, (int, float))
                        else _math("log", base))
            # torch masks base == 0 with exponent >= 0, where log(0) would give nan
            gr = _where((base == 0) & (exponent >= 0), 0.0, g * out * log_base)
        return gl, gr


cdef class AddBackward0(_BinaryBackward):
    pass


cdef class SubBackward0(_BinaryBackward):
    pass


cdef class RsubBackward1(_BinaryBackward):
    pass


cdef class MulBackward0(_BinaryBackward):
    pass


cdef class DivBackward0(_BinaryBackward):
    pass


cdef class PowBackward0(_BinaryBackward):
    pass


cdef class PowBackward1(_BinaryBackward):
    pass


cdef class PowBackward2(_BinaryBackward):
    pass


cdef inline bint _scalar_has_edge(int op, bint scalar_left):
    """torch wraps a scalar operand as a tensor with edge (None, 0) -- except for rsub and pow.

    ``x + 1``, ``1 + x``, ``x * 2``, ``x - 1`` and ``x / 2`` record (x's edge, (None, 0)), the
    tensor first; ``1 - x``, ``x ** 2`` and ``2 ** x`` record x's edge alone.
    """
    if op == OP_ADD or op == OP_MUL:
        return True
    return (op == OP_SUB or op == OP_DIV) and not scalar_left


cdef _BinaryBackward _new_binary_node(int op, bint with_scalar, bint scalar_left):
    # torch 2.13's grad_fn names; explicit constructors so Cython calls tp_new directly
    if op == OP_ADD:
        return AddBackward0.__new__(AddBackward0)
    if op == OP_SUB:
        if with_scalar and scalar_left:
            return RsubBackward1.__new__(RsubBackward1)
        return SubBackward0.__new__(SubBackward0)
    if op == OP_MUL:
        return MulBackward0.__new__(MulBackward0)
    if op == OP_DIV:
        return DivBackward0.__new__(DivBackward0)
    if not with_scalar:
        return PowBackward1.__new__(PowBackward1)
    if scalar_left:
        return PowBackward2.__new__(PowBackward2)
    return PowBackward0.__new__(PowBackward0)


cdef void _record_binary(int op, TensorBase left, TensorBase right, object scalar,
                         bint scalar_left, TensorBase out):
    """Attach the backward node of ``out = left (op) right`` (one side may be a scalar)."""
    cdef bint with_scalar = scalar is not None
    cdef _BinaryBackward node = _new_binary_node(op, with_scalar, scalar_left)
    node.op = op
    node.scalar = scalar
    node.scalar_left = scalar_left
    cdef object out_data = out._data
    cdef object out_dtype = out_data.dtype
    cdef object left_shape = left._data.shape if left is not None else None
    cdef object right_shape = right._data.shape if right is not None else None
    cdef object out_shape
    if left_shape is None or right_shape is None or left_shape != right_shape:
        out_shape = out_data.shape     # broadcasting may have happened: compare with the output
        if left_shape is not None and left_shape != out_shape:
            node.left_shape = left_shape
        if right_shape is not None and right_shape != out_shape:
            node.right_shape = right_shape
    if left is not None:
        node.need_left = left._requires_grad
        if left._requires_grad and left._data.dtype is not out_dtype:
            node.left_dtype = left._data.dtype
    if right is not None:
        node.need_right = right._requires_grad
        if right._requires_grad and right._data.dtype is not out_dtype:
            node.right_dtype = right._data.dtype
    cdef TensorBase tensor = left if left is not None else right
    if left is not None and right is not None:
        node.next_functions = (_edge(left), _edge(right))
    elif _scalar_has_edge(op, scalar_left):
        node.next_functions = (_edge(tensor), _NO_EDGE)
    else:
        node.next_functions = (_edge(tensor),)
    _set_history(out, node)
    if op == OP_MUL or op == OP_DIV or op == OP_POW:
        # save what the formulas read: the other operand (mul), the divisor (div), ...
        save_l = left is not None and (op == OP_POW or (op == OP_MUL and node.need_right)
                                       or (op == OP_DIV and node.need_right))
        save_r = right is not None and (op == OP_POW or op == OP_DIV
                                        or (op == OP_MUL and node.need_left))
        node.save((_save_variable(left, node) if save_l else None,
                   _save_variable(right, node) if save_r else None,
                   _save_variable(out, node) if op == OP_POW and node.need_right else None))
