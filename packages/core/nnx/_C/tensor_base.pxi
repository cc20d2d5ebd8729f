# TensorBase: the C part of nnx.Tensor.  It holds the data (a backend array: a NumPy
# ndarray on the CPU; a GPU backend supplies another array type behind the same
# fields) and the autograd metadata.  The wide, slower API lives in the Python
# subclass nnx.Tensor (nnx/_tensor.py); the hot paths (construction, arithmetic,
# autograd bookkeeping) live here.

import traceback as _traceback
import warnings as _warnings

cdef class TensorBase:
    def __cinit__(self):
        # Every tensor has a version counter from birth; views replace it by their base's.
        self._vc = VersionCounter.__new__(VersionCounter)

    # -- autograd metadata ------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self._set_requires_grad(bool(value))

    cdef object _set_requires_grad(self, bint value):
        if self._grad_fn is not None:
            if value:
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if value and dtype_of_array(self._data).category != CAT_FLOAT:
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        self._set_requires_grad(bool(requires_grad))
        return self

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def grad(self):
        if self._grad_fn is not None and self._grad is None and not self.retains_grad:
            _warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
                "mistake, make sure you access the leaf Tensor instead.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, TensorBase):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if (<TensorBase>value)._data.dtype != self._data.dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if (<TensorBase>value)._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        if self._grad_fn is None or self._grad_fn._retained is None:
            return False
        ref = self._grad_fn._retained.get(self._output_nr)
        return ref is not None and ref() is self

    def retain_grad(self):
        """Populate ``.grad`` of this non-leaf tensor during backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None:
            return
        if self._grad_fn._retained is None:
            self._grad_fn._retained = {}
        self._grad_fn._retained[self._output_nr] = _weakref.ref(self)

    def register_hook(self, hook):
        """``hook(grad) -> Tensor or None``, run when the gradient of this tensor is computed."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return self._grad_fn._add_pre_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHook(self._hooks, hook)

    def detach(self):
        """A new tensor sharing data (and version counter) with this one, outside the graph."""
        cdef TensorBase t = _wrap(self._data)
        t._vc = self._vc
        return t

    def detach_(self):
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._requires_grad = False
        self._output_nr = 0
        return self

    @property
    def data(self):
        # torch: shares storage, but a new version counter and no autograd history.
        return _wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, TensorBase):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = (<TensorBase>value)._data

    @property
    def _version(self):
        return self._vc.version

    # -- metadata ---------------------------------------------------------------------
    @property
    def shape(self):
        return _size_type(self._data.shape)

    @property
    def dtype(self):
        return dtype_of_array(self._data)

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def nelement(self):
        return self._data.size

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __hash__(self):
        return id(self)

    # -- arithmetic (hot: see binary.pxi) ----------------------------------------------
    def __add__(self, other):
        return _binary(OP_ADD, self, other, False)

    def __radd__(self, other):
        return _binary(OP_ADD, self, other, True)

    def __sub__(self, other):
        return _binary(OP_SUB, self, other, False)

    def __rsub__(self, other):
        return _binary(OP_SUB, self, other, True)

    def __mul__(self, other):
        return _binary(OP_MUL, self, other, False)

    def __rmul__(self, other):
        return _binary(OP_MUL, self, other, True)

    def __truediv__(self, other):
        return _binary(OP_DIV, self, other, False)

    def __rtruediv__(self, other):
        return _binary(OP_DIV, self, other, True)

    def __pow__(self, other, modulo):
        return _binary(OP_POW, self, other, False)

    def __rpow__(self, other, modulo):
        return _binary(OP_POW, self, other, True)

    def __floordiv__(self, other):
        return _binary(OP_FLOORDIV, self, other, False)

    def __rfloordiv__(self, other):
        return _binary(OP_FLOORDIV, self, other, True)

    def __mod__(self, other):
        return _binary(OP_MOD, self, other, False)

    def __rmod__(self, other):
        return _binary(OP_MOD, self, other, True)

    def __and__(self, other):
        return _binary(OP_AND, self, other, False)

    def __rand__(self, other):
        return _binary(OP_AND, self, other, True)

    def __or__(self, other):
        return _binary(OP_OR, self, other, False)

    def __ror__(self, other):
        return _binary(OP_OR, self, other, True)

    def __xor__(self, other):
        return _binary(OP_XOR, self, other, False)

    def __rxor__(self, other):
        return _binary(OP_XOR, self, other, True)

    def __eq__(self, other):
        return _binary(OP_EQ, self, other, False)

    def __ne__(self, other):
        return _binary(OP_NE, self, other, False)

    def __lt__(self, other):
        return _binary(OP_LT, self, other, False)

    def __le__(self, other):
        return _binary(OP_LE, self, other, False)

    def __gt__(self, other):
        return _binary(OP_GT, self, other, False)

    def __ge__(self, other):
        return _binary(OP_GE, self, other, False)

    def __neg__(self):
        return _unary(UOP_NEG, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _unary(UOP_ABS, self)

    def __invert__(self):
        cdef dtype d = dtype_of_array(self._data)
        if d.category == CAT_FLOAT:
            raise TypeError("bitwise_not_cpu not implemented for 'Float'")
        return _wrap(_np.asarray(~self._data))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self):
        return float(self._number())

    def __int__(self):
        return int(self._number())

    cdef object _number(self):
        # float()/int() say it as torch's Python binding does (item() has the C++ message)
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._item()

    def __index__(self):
        if dtype_of_array(self._data).category == CAT_FLOAT or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._item())

    cdef object _item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(-1)[0].item()

    def item(self):
        return self._item()

    def exp(self):
        return _unary(UOP_EXP, self)

    def log(self):
        return _unary(UOP_LOG, self)

    def tanh(self):
        return _unary(UOP_TANH, self)

    def sigmoid(self):
        return _unary(UOP_SIGMOID, self)

    def relu(self):
        return _unary(UOP_RELU, self)

    def sqrt(self):
        return _unary(UOP_SQRT, self)

    def rsqrt(self):
        return _unary(UOP_RSQRT, self)

    def abs(self):
        return _unary(UOP_ABS, self)

    def neg(self):
        return _unary(UOP_NEG, self)

    def sin(self):
        return _unary(UOP_SIN, self)

    def cos(self):
        return _unary(UOP_COS, self)


cdef inline TensorBase _wrap(object arr):
    """A new nnx.Tensor around ``arr`` (an ndarray of a supported dtype)."""
    cdef TensorBase t = TensorBase.__new__(_tensor_type)
    t._data = arr
    return t


cdef inline void _set_history(TensorBase out, Node node, int output_nr=0):
    out._grad_fn = node
    out._output_nr = output_nr
    out._requires_grad = True
    if _anomaly_enabled and node.metadata is None:
        node.metadata = {"traceback_": _traceback.format_stack()}


cdef dict _legacy_names = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
    "uint8": "ByteTensor", "bool": "BoolTensor",
}


cdef str _legacy_type_name(object arr):
    return "nnx." + _legacy_names[dtype_of_array(arr).name]


def legacy_type_name(arr):
    return _legacy_type_name(arr)
