# Declarations of nnx._C's extension types (the .pxi files hold their bodies).
#
# Names carry meaning: ``_data`` is the backend array, ``_vc`` the version counter
# shared with views, ``next_functions`` the graph edges as torch names them.

cdef enum Category:
    CAT_BOOL = 0
    CAT_INT = 1
    CAT_FLOAT = 2


cdef class dtype:
    cdef readonly str name
    cdef readonly object np_dtype
    cdef readonly int itemsize
    cdef readonly bint is_floating_point
    cdef readonly bint is_signed
    cdef int category


cdef class VersionCounter:
    cdef public long long version


cdef class Node:
    cdef public tuple next_functions
    cdef public tuple _saved          # SavedVariable entries; None once released
    cdef public bint _had_saved
    cdef public int _num_outputs
    cdef public list _out_meta        # per output (shape, np dtype), to zero-fill missing grads
    cdef public dict _pre_hooks       # output_nr -> [hook(grad)]; -1 -> [hook(grad_outputs)]
    cdef public list _post_hooks      # [hook(grad_inputs, grad_outputs)]
    cdef public dict _retained        # output_nr -> weakref of a tensor with retain_grad()
    cdef public object metadata
    # engine scratch, valid during one backward pass (engine.pxi)
    cdef long long _epoch
    cdef int _deps
    cdef object _buffer
    cdef object __weakref__

    cdef void save(self, tuple saved)
    cdef object saved_value(self, int i)
    cpdef tuple unpack_saved(self)
    cpdef void _release(self)
    cpdef object _apply(self, object grads)


cdef class TensorBase:
    cdef public object _data          # backend array (numpy.ndarray on the CPU)
    cdef public bint _requires_grad
    cdef public object _grad
    cdef public Node _grad_fn
    cdef public int _output_nr
    cdef public VersionCounter _vc
    cdef public object _base          # the tensor this one is a view of, or None
    cdef public tuple _acc_edge       # (AccumulateGrad, 0): this leaf's graph edge
    cdef public list _hooks           # hooks of a leaf tensor
    cdef object __weakref__
    cdef dict __dict__

    cdef object _set_requires_grad(self, bint value)
    cdef object _item(self)
    cdef object _number(self)


cdef class SavedVariable:
    cdef object data
    cdef TensorBase tensor            # set for saved inputs; outputs keep only data
    cdef VersionCounter vc
    cdef long long version
    cdef int output_nr

    cdef object unpack(self, Node node)


cdef class AccumulateGrad(Node):
    cdef object _variable_ref         # weakref: the leaf owns its accumulator, not the reverse
    cdef bint _may_steal              # set by the engine: it held the only reference to the grad


cdef class _BinaryBackward(Node):
    cdef int op
    cdef object scalar                # the Python scalar operand, if any
    cdef bint scalar_left             # the scalar is the left operand
    cdef bint need_left, need_right   # which tensor operands want a gradient
    cdef object left_shape, right_shape, left_dtype, right_dtype

    cdef tuple _operands(self)
    cdef tuple _pow_grads(self, object g)


cdef class _UnaryBackward(Node):
    cdef int op
