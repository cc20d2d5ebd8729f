# Unary math (neg, exp, log, sqrt, rsqrt, abs, sin, cos, tanh, sigmoid, relu,
# reciprocal): forward and backward side by side, like binary.pxi.  The Python entry
# points for both files close this one.

cdef enum:
    UOP_NEG = 0
    UOP_EXP = 1
    UOP_LOG = 2
    UOP_SQRT = 3
    UOP_RSQRT = 4
    UOP_ABS = 5
    UOP_SIN = 6
    UOP_COS = 7
    UOP_TANH = 8
    UOP_SIGMOID = 9
    UOP_RELU = 10
    UOP_RECIPROCAL = 11

# which unary ops promote integer input to the default float dtype
cdef tuple _uop_float_only = (False, True, True, True, True, False, True, True, True, True, False,
                              True)
# which value the backward formula needs: 0 none, 1 the input, 2 the output
cdef tuple _uop_saves = (0, 2, 1, 2, 2, 1, 1, 1, 2, 2, 2, 2)


cdef object _unary_forward(int op, object x):
    if op == UOP_NEG:
        return _np.negative(x)
    if op == UOP_EXP:
        with _errstate(over="ignore"):
            return _np.exp(x)
    if op == UOP_LOG:
        with _errstate(divide="ignore", invalid="ignore"):
            return _np.log(x)
    if op == UOP_SQRT:
        with _errstate(invalid="ignore"):
            return _np.sqrt(x)
    if op == UOP_RSQRT:
        with _errstate(divide="ignore", invalid="ignore"):
            return 1 / _np.sqrt(x)
    if op == UOP_ABS:
        return _np.abs(x)
    if op == UOP_SIN:
        return _np.sin(x)
    if op == UOP_COS:
        return _np.cos(x)
    if op == UOP_TANH:
        return _np.tanh(x)
    if op == UOP_SIGMOID:
        # 1/(1+e^-x): exp overflows to inf for very negative x and the result is the right
        # limit, 0.  (exp(-logaddexp(0, -x)) avoids the overflow but is ~20x slower.)
        with _errstate(over="ignore"):
            if x.dtype.itemsize == 2:  # float16 overflows at |x| ~ 11: compute in float32
                return (1 / (1 + _np.exp(-x.astype(_np.float32)))).astype(x.dtype)
            return 1 / (1 + _np.exp(-x))
    if op == UOP_RECIPROCAL:
        with _errstate(divide="ignore", invalid="ignore"):
            return _np.reciprocal(x)
    return _np.maximum(x, 0)


cdef class _UnaryBackward(Node):
    cpdef object _apply(self, object g):
        cdef int op = self.op
        if op == UOP_NEG:
            return (-g,)
        v = self.saved_value(0)
        if op == UOP_EXP:
            return (g * v,)
        if op == UOP_LOG:
            return (g / v,)
        if op == UOP_SQRT:
            return (g / (2 * v),)
        if op == UOP_RSQRT:
            return (-0.5 * g * v * v * v,)
        if op == UOP_ABS:
            return (g * _math("sign", v),)
        if op == UOP_SIN:
            return (g * _math("cos", v),)
        if op == UOP_COS:
            return (-g * _math("sin", v),)
        if op == UOP_TANH:
            return (g * (1 - v * v),)
        if op == UOP_SIGMOID:
            return (g * (1 - v) * v,)
        if op == UOP_RECIPROCAL:
            return (-g * (v * v),)
        return (g * (v > 0),)


cdef class NegBackward0(_UnaryBackward):
    pass


cdef class ExpBackward0(_UnaryBackward):
    pass


cdef class LogBackward0(_UnaryBackward):
    pass


cdef class SqrtBackward0(_UnaryBackward):
    pass


cdef class RsqrtBackward0(_UnaryBackward):
    pass


cdef class AbsBackward0(_UnaryBackward):
    pass


cdef class SinBackward0(_UnaryBackward):
    pass


cdef class CosBackward0(_UnaryBackward):
    pass


cdef class TanhBackward0(_UnaryBackward):
    pass


cdef class SigmoidBackward0(_UnaryBackward):
    pass


cdef class ReluBackward0(_UnaryBackward):
    pass


cdef class ReciprocalBackward0(_UnaryBackward):
    pass


cdef _UnaryBackward _new_unary_node(int op):
    # explicit constructors: Cython calls each type's tp_new directly
    if op == UOP_TANH:
        return TanhBackward0.__new__(TanhBackward0)
    if op == UOP_SIGMOID:
        return SigmoidBackward0.__new__(SigmoidBackward0)
    if op == UOP_RELU:
        return ReluBackward0.__new__(ReluBackward0)
    if op == UOP_EXP:
        return ExpBackward0.__new__(ExpBackward0)
    if op == UOP_LOG:
        return LogBackward0.__new__(LogBackward0)
    if op == UOP_NEG:
        return NegBackward0.__new__(NegBackward0)
    if op == UOP_SQRT:
        return SqrtBackward0.__new__(SqrtBackward0)
    if op == UOP_RSQRT:
        return RsqrtBackward0.__new__(RsqrtBackward0)
    if op == UOP_ABS:
        return AbsBackward0.__new__(AbsBackward0)
    if op == UOP_SIN:
        return SinBackward0.__new__(SinBackward0)
    if op == UOP_RECIPROCAL:
        return ReciprocalBackward0.__new__(ReciprocalBackward0)
    return CosBackward0.__new__(CosBackward0)


cdef object _unary(int op, TensorBase a):
    cdef object x = a._data
    if x.dtype.kind != "f":
        if x.dtype is _np_bool and op == UOP_NEG:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                               "you are trying to invert a mask, use the `~` or `logical_not()` "
                               "operator instead.")
        dtype_of_array(x)
        if _uop_float_only[op]:
            x = x.astype(_default_float.np_dtype)
    cdef object res = _unary_forward(op, x)
    if type(res) is not _ndarray:
        res = _np.asarray(res)
    cdef TensorBase out = _wrap(res)
    cdef _UnaryBackward node
    if _grad_enabled and a._requires_grad:
        node = _new_unary_node(op)
        node.op = op
        node.next_functions = (_edge(a),)
        _set_history(out, node)
        saves = _uop_saves[op]
        if saves == 1:
            node.save((_save_variable(a, node),))
        elif saves == 2:
            node.save((_save_variable(out, node),))
    return out


def unary_array(str name, x):
    """The forward kernel alone, on an ndarray (functionals reuse it in their formulas)."""
    return _unary_forward(_unary_by_name[name], x)


def unary_op(str name, TensorBase a):
    """Python entry to the Cython unary ops, by name (used by nnx.Tensor / nnx.functional)."""
    return _unary(_unary_by_name[name], a)


def binary_op(str name, TensorBase a, other, bint reflected=False):
    """Python entry to the Cython binary ops, by name."""
    return _binary(_binary_by_name[name], a, other, reflected)


cdef dict _unary_by_name = {"neg": UOP_NEG, "exp": UOP_EXP, "log": UOP_LOG, "sqrt": UOP_SQRT,
                            "rsqrt": UOP_RSQRT, "abs": UOP_ABS, "sin": UOP_SIN, "cos": UOP_COS,
                            "tanh": UOP_TANH, "sigmoid": UOP_SIGMOID, "relu": UOP_RELU,
                            "reciprocal": UOP_RECIPROCAL}
cdef dict _binary_by_name = {name: i for i, name in enumerate(_op_names)}
