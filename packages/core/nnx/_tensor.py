"""``nnx.Tensor``: the Python face of the engine's TensorBase.

The C base class holds the data, the autograd metadata and the hot arithmetic; this
class binds the rest of torch.Tensor's API to the op modules in ``nnx._ops`` (each op
is one function, usable as ``nnx.sum(x)`` and as the method ``x.sum()``).
"""

import numpy as np

from nnx import _backend
from nnx._C import _C
from nnx._ops import (
    _fused,
    _random_fill,
    convert,
    indexing,
    inplace,
    linalg,
    pointwise,
    reduction,
    shape,
)
from nnx._size_device import Size


class Tensor(_C.TensorBase):
    __module__ = "nnx"  # its public home, as torch.Tensor's: type(t) prints <class 'nnx.Tensor'>

    # NumPy must hand binary ops with a Tensor back to us (ndarray + Tensor -> Tensor).
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __new__(cls, *args, **kwargs):
        """Legacy constructor: ``Tensor(2, 3)`` (uninitialised float), ``Tensor([1, 2])``."""
        from nnx import _creation

        return _creation.legacy_tensor(cls, *args, **kwargs)

    # -- printing, conversion -------------------------------------------------------
    def __repr__(self, *, tensor_contents=None):
        from nnx import _tensor_str

        grad_fn = self._grad_fn
        return _tensor_str.format_tensor(
            self._data,
            dtype_name=self.dtype.name,
            default_dtype_names=(_C.get_default_dtype().name, "int64", "bool"),
            requires_grad=self._requires_grad,
            grad_fn_name=None if grad_fn is None else grad_fn.name(),
        )

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def numpy(self, *, force=False):
        """The data as an ndarray sharing memory (torch.Tensor.numpy)."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def tolist(self):
        return self._data.tolist()

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(shape.unbind(self, 0))

    def __reduce_ex__(self, protocol):
        from nnx import _creation

        return (_creation._rebuild, (np.array(self._data), self._requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) "
                "support the deepcopy protocol at the moment.  If you were "
                "attempting to deepcopy a module, this may be because of a "
                "torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001"
            )
        if id(self) in memo:
            return memo[id(self)]
        new = _C.TensorBase.__new__(type(self))      # no constructor: the copy is exact
        new._data = np.array(self._data, copy=True)
        new.requires_grad_(self._requires_grad)
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        new.__dict__.update(self.__dict__)
        memo[id(self)] = new
        return new

    # -- metadata -----------------------------------------------------------------
    @property
    def device(self):
        return _backend.for_array(self._data).device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_sparse(self):
        return False

    @property
    def layout(self):
        return "strided"

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[shape.wrap_dim(dim, self._data.ndim)]

    def stride(self, dim=None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[shape.wrap_dim(dim, self._data.ndim)]

    def storage_offset(self):
        base = self._data
        while isinstance(base.base, np.ndarray):
            base = base.base
        return (
            self._data.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        ) // self._data.itemsize

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def is_contiguous(self, memory_format=None):
        return (
            self._data.ndim < 2
            and all(
                s == self._data.itemsize
                for s, n in zip(self._data.strides, self._data.shape)
                if n > 1
            )
            or self._data.flags.c_contiguous
        )

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return False

    def get_device(self):
        return -1

    @property
    def T(self):
        return shape.permute(self, *range(self._data.ndim - 1, -1, -1))

    @property
    def mT(self):
        return shape.transpose(self, -2, -1)

    # -- autograd entry points ----------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaves) into the leaves' ``.grad`` (torch.Tensor.backward)."""
        from nnx.autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def softmax(self, dim, dtype=None):
        from nnx.nn import functional as F

        return F.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        from nnx.nn import functional as F

        return F.log_softmax(self, dim, dtype=dtype)

    @staticmethod
    def _where(cond, a, b):
        return pointwise.where(cond, a, b)

    # -- casts and copies -----------------------------------------------------------
    to = convert.to
    type = convert.type
    type_as = convert.type_as
    float = convert.float
    double = convert.double
    half = convert.half
    int = convert.int
    long = convert.long
    short = convert.short
    char = convert.char
    byte = convert.byte
    bool = convert.bool
    cpu = convert.cpu
    cuda = convert.cuda
    clone = convert.clone
    new_tensor = convert.new_tensor
    new_zeros = convert.new_zeros
    new_ones = convert.new_ones
    new_empty = convert.new_empty
    new_full = convert.new_full

    # -- pointwise ------------------------------------------------------------------
    add = pointwise.add
    sub = pointwise.sub
    subtract = pointwise.sub
    mul = pointwise.mul
    multiply = pointwise.mul
    div = pointwise.div
    divide = pointwise.div
    true_divide = pointwise.true_divide
    floor_divide = pointwise.floor_divide
    remainder = pointwise.remainder
    fmod = pointwise.fmod
    pow = pointwise.pow
    log2 = pointwise.log2
    log10 = pointwise.log10
    log1p = pointwise.log1p
    expm1 = pointwise.expm1
    exp2 = pointwise.exp2
    sign = pointwise.sign
    floor = pointwise.floor
    ceil = pointwise.ceil
    round = pointwise.round
    trunc = pointwise.trunc
    frac = pointwise.frac
    reciprocal = pointwise.reciprocal
    square = pointwise.square
    tan = pointwise.tan
    asin = pointwise.asin
    acos = pointwise.acos
    atan = pointwise.atan
    sinh = pointwise.sinh
    cosh = pointwise.cosh
    erf = pointwise.erf
    clamp = pointwise.clamp
    clip = pointwise.clamp
    clamp_min = pointwise.clamp_min
    clamp_max = pointwise.clamp_max
    where = pointwise.where_method
    maximum = pointwise.maximum
    minimum = pointwise.minimum
    lerp = pointwise.lerp
    addcmul = _fused.addcmul
    addcdiv = _fused.addcdiv
    eq = pointwise.eq
    ne = pointwise.ne
    lt = pointwise.lt
    le = pointwise.le
    gt = pointwise.gt
    ge = pointwise.ge
    greater = pointwise.gt
    greater_equal = pointwise.ge
    less = pointwise.lt
    less_equal = pointwise.le
    not_equal = pointwise.ne
    equal = pointwise.equal
    allclose = pointwise.allclose
    isclose = pointwise.isclose
    logical_not = pointwise.logical_not
    logical_and = pointwise.logical_and
    logical_or = pointwise.logical_or
    logical_xor = pointwise.logical_xor
    isnan = pointwise.isnan
    isinf = pointwise.isinf
    isfinite = pointwise.isfinite
    nan_to_num = pointwise.nan_to_num

    # -- reductions -----------------------------------------------------------------
    sum = reduction.sum
    mean = reduction.mean
    max = reduction.max
    min = reduction.min
    amax = reduction.amax
    amin = reduction.amin
    argmax = reduction.argmax
    argmin = reduction.argmin
    var = reduction.var
    std = reduction.std
    norm = reduction.norm
    prod = reduction.prod
    logsumexp = reduction.logsumexp
    all = reduction.all
    any = reduction.any
    cumsum = reduction.cumsum

    # -- shapes ---------------------------------------------------------------------
    view = shape.view
    view_as = shape.view_as
    reshape = shape.reshape
    reshape_as = shape.reshape_as
    permute = shape.permute
    transpose = shape.transpose
    swapaxes = shape.transpose
    swapdims = shape.transpose
    t = shape.t
    flatten = shape.flatten
    unflatten = shape.unflatten
    squeeze = shape.squeeze
    unsqueeze = shape.unsqueeze
    expand = shape.expand
    expand_as = shape.expand_as
    contiguous = shape.contiguous
    chunk = shape.chunk
    split = shape.split
    unbind = shape.unbind
    narrow = shape.narrow
    select = shape.select
    movedim = shape.movedim
    repeat = shape.repeat
    flip = shape.flip

    # -- indexing -------------------------------------------------------------------
    __getitem__ = indexing.getitem
    __setitem__ = indexing.setitem
    index_select = indexing.index_select
    gather = indexing.gather
    masked_fill = indexing.masked_fill
    nonzero = indexing.nonzero

    # -- linear algebra -------------------------------------------------------------
    matmul = linalg.matmul
    mm = linalg.mm
    bmm = linalg.bmm
    mv = linalg.mv
    dot = linalg.dot
    outer = linalg.outer

    def __matmul__(self, other):
        if not isinstance(other, _C.TensorBase):
            return NotImplemented
        return linalg.matmul(self, other)

    def __rmatmul__(self, other):
        if not isinstance(other, _C.TensorBase):
            return NotImplemented
        return linalg.matmul(other, self)

    # -- in place -------------------------------------------------------------------
    add_ = inplace.add_
    sub_ = inplace.sub_
    mul_ = inplace.mul_
    div_ = inplace.div_
    pow_ = inplace.pow_
    neg_ = inplace.neg_
    exp_ = inplace.exp_
    log_ = inplace.log_
    sqrt_ = inplace.sqrt_
    abs_ = inplace.abs_
    tanh_ = inplace.tanh_
    sigmoid_ = inplace.sigmoid_
    relu_ = inplace.relu_
    clamp_ = inplace.clamp_
    addcmul_ = inplace.addcmul_
    addcdiv_ = inplace.addcdiv_
    lerp_ = inplace.lerp_
    clip_ = inplace.clamp_
    zero_ = inplace.zero_
    fill_ = inplace.fill_
    copy_ = inplace.copy_
    masked_fill_ = inplace.masked_fill_
    uniform_ = _random_fill.uniform_
    normal_ = _random_fill.normal_
    bernoulli_ = _random_fill.bernoulli_
    __iadd__ = inplace.add_
    __isub__ = inplace.sub_
    __imul__ = inplace.mul_
    __itruediv__ = inplace.div_


_C._register_types(Tensor, Size)
