"""In-place ops (``add_``, ``zero_``, ``copy_`` ...): write into a tensor and rebase its history.

An in-place op is computed like its out-of-place twin (so its graph is recorded the
usual way), then written into the tensor's memory.  The tensor's version counter is
bumped (so a backward that saved the old value fails loudly), and its ``grad_fn``
becomes the new node.  When the tensor is a view, the write also rebases the history
of the tensor it views (torch's CopySlices).

Known difference from torch: other views of the same base keep the history they had;
torch regenerates their grad_fn lazily.
"""

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, snapshot, wrap
from nnx._ops import _fused, pointwise
from nnx._ops import _grad as G
from nnx._ops._names import SCALAR_NAMES
from nnx._ops.convert import _cast

TensorBase = _C.TensorBase

_LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_OF_LEAF_MESSAGE = (
    "a view of a leaf Variable that requires grad is being used in an in-place operation."
)
_OVERLAP_MESSAGE = (
    "unsupported operation: more than one element of the written-to tensor refers "
    "to a single memory location. Please clone() the tensor before performing the "
    "operation."
)


def _recorded(self, *others):
    """The operand of an in-place op whose backward reads self's old value: a snapshot
    when the op is recorded (torch's ``original_self``).  Ops whose backward does not read
    self (add_, exp_ ...) compute from self directly and copy nothing."""
    return snapshot(self) if needs_grad(self, *others) else self


def _takes_general_path(self, *others):
    """Whether an in-place op must go through commit(): it is recorded, or self is a view
    (whose base's history a recorded write would rebase).  Otherwise it writes directly."""
    return _C.is_grad_enabled() and (needs_grad(self, *others) or self._base is not None)


def check_inplace(self):
    """Refuse in-place writes to leaves that require grad (and views of them)."""
    if not _C.is_grad_enabled():
        return
    if self._requires_grad and self._grad_fn is None:
        raise RuntimeError(_LEAF_MESSAGE)
    base = self._base
    if base is not None and base._requires_grad and base._grad_fn is None:
        raise RuntimeError(_VIEW_OF_LEAF_MESSAGE)


def _check_cast(src_dtype, dst_dtype):
    src, dst = _C.to_dtype(src_dtype), _C.to_dtype(dst_dtype)
    if (
        src.is_floating_point
        and not dst.is_floating_point
        or (src.name != "bool" and dst.name == "bool")
    ):
        raise RuntimeError(
            f"result type {SCALAR_NAMES[src.name]} can't be cast to the "
            f"desired output type {SCALAR_NAMES[dst.name]}"
        )


def _write(self, values):
    """Copy ``values`` (an array broadcastable to self) into self's memory."""
    data = self._data
    if values.shape != data.shape:
        try:
            target = np.broadcast_shapes(values.shape, data.shape)
        except ValueError:
            target = None
        if target != data.shape:
            raise RuntimeError(
                f"output with shape {list(data.shape)} doesn't match the broadcast "
                f"shape {list(target) if target is not None else list(values.shape)}"
            )
    try:
        np.copyto(data, values, casting="unsafe")
    except ValueError:
        raise RuntimeError(_OVERLAP_MESSAGE) from None
    self._vc.version += 1


class FillBackward0(Node):
    """The overwritten value does not depend on the old one: zero gradient to it."""

    def backward(self, grad):
        return (grad * 0,)


def commit(self, result):
    """Make ``self`` hold ``result`` (computed out of place), history included."""
    if result._data.dtype != self._data.dtype:
        _check_cast(result._data.dtype, self._data.dtype)
        result = _cast(result, self.dtype)
    _write(self, result._data)
    if not _C.is_grad_enabled():
        return self
    tracked = result._requires_grad or self._requires_grad
    if not tracked:
        return self
    if self._base is not None and (self._base._requires_grad or result._requires_grad):
        _rebase_view(self, result)
        return self
    if result._requires_grad:
        self._grad_fn = result._grad_fn
        self._output_nr = result._output_nr
        self._requires_grad = True
    else:
        attach(FillBackward0(), (self,), self)
    return self


# -- writes through views ----------------------------------------------------------------


def _view_positions(view, base):
    """Flat positions in ``base`` (C-contiguous) of each element of ``view``, shaped like it."""
    if not base.flags.c_contiguous:
        raise RuntimeError(
            "nnx supports in-place writes with autograd through views of "
            "contiguous tensors only; call .contiguous() or .clone() first"
        )
    item = base.itemsize
    offset = (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // item
    positions = np.arange(base.size).reshape(-1)[offset:]
    strides = tuple(s // item * positions.itemsize for s in view.strides)
    return np.array(np.lib.stride_tricks.as_strided(positions, view.shape, strides), copy=True)


class CopySlices(Node):
    """History of a base after a write into one of its views: (old base, written values).

    The old base gets the gradient outside the view; the written values get the part
    inside it.  Both are gathers/masks with constant positions, so they stay
    differentiable under create_graph.
    """

    def name(self):
        return "nnx::autograd::CopySlices"          # torch: torch::autograd::CopySlices

    def backward(self, grad):
        if G.is_tensor(grad):
            keep = np.ones(self.base_shape, dtype=grad._data.dtype)
            keep.reshape(-1)[self.positions] = 0
            return (grad * wrap(keep), grad.reshape(-1)[wrap(self.positions)])
        outside = np.array(grad, copy=True)
        outside.reshape(-1)[self.positions] = 0
        return (outside, grad.reshape(-1)[self.positions])


class AsStridedBackward0(Node):
    """History of a view after its base was rebased: scatter the view's grad into the base."""

    def backward(self, grad):
        size = int(np.prod(self.base_shape))
        if G.is_tensor(grad):
            full = wrap(np.zeros(size, dtype=grad._data.dtype))
            full[wrap(self.positions)] = grad
            return (full.reshape(self.base_shape),)
        full = np.zeros(size, dtype=grad.dtype)
        full[self.positions] = grad
        return (full.reshape(self.base_shape),)


def _rebase_view(view, result):
    base = view._base
    positions = _view_positions(view._data, base._data)
    copy_node = CopySlices()
    copy_node.positions = positions
    copy_node.base_shape = base._data.shape
    attach(copy_node, (base, result), base)
    view_node = AsStridedBackward0()
    view_node.positions = positions
    view_node.base_shape = base._data.shape
    attach(view_node, (base,), view)


def commit_view_write(self, values):
    """Entry for ops (setitem) that computed the written values of a view themselves."""
    return commit(self, values)


# -- the in-place ops --------------------------------------------------------------------


def _opmath(data, operand):
    """The dtype an in-place op on ``data`` computes in: torch computes float16 in float32
    (its opmath type) and rounds once; NumPy alone would pick float16 for a scalar or 0-d
    operand (always on NumPy 1.x).  None: NumPy's own choice."""
    if data.dtype != np.float16:
        return None
    if isinstance(operand, np.ndarray) and operand.ndim and operand.dtype == np.float64:
        return np.float64
    return np.float32


def _arith_inplace(name, fast, reads_self):
    def op(self, other, *, alpha=1, **kwargs):
        check_inplace(self)
        if not _takes_general_path(self, other) and not kwargs:
            operand = other._data if isinstance(other, TensorBase) else other
            compute = _opmath(self._data, operand)
            if alpha != 1:
                operand = np.multiply(operand, alpha, dtype=compute)  # no Tensor for alpha*b
            try:
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    fast(self._data, operand, out=self._data, dtype=compute,
                         casting="same_kind")
            except TypeError:
                _check_cast(_C.result_type(self, other).np_dtype, self._data.dtype)
                raise
            except ValueError:
                if isinstance(other, TensorBase):
                    raise RuntimeError(
                        f"output with shape {list(self._data.shape)} doesn't match "
                        f"the broadcast shape "
                        f"{list(np.broadcast_shapes(self._data.shape, other._data.shape))}"
                    ) from None
                raise RuntimeError(_OVERLAP_MESSAGE) from None
            self._vc.version += 1
            return self
        if alpha != 1:
            other = other * alpha
        operand = _recorded(self, other) if reads_self else self
        return commit(self, getattr(pointwise, name)(operand, other, **kwargs))

    op.__name__ = op.__qualname__ = name + "_"
    op.__doc__ = f"In-place {name} (torch.Tensor.{name}_)."
    return op


add_ = _arith_inplace("add", np.add, reads_self=False)
sub_ = _arith_inplace("sub", np.subtract, reads_self=False)
mul_ = _arith_inplace("mul", np.multiply, reads_self=True)
div_ = _arith_inplace("div", np.true_divide, reads_self=True)


def _fused_inplace(name, combine):
    """addcmul_ / addcdiv_: straight into memory when nothing is recorded (optimizer steps)."""
    fused = getattr(_fused, name)

    def op(self, tensor1, tensor2, *, value=1):
        check_inplace(self)
        if _takes_general_path(self, tensor1, tensor2):
            return commit(self, fused(self, tensor1, tensor2, value=value))  # self only added
        _fused.check_arguments(name, value, self, tensor1, tensor2)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            update = combine(tensor1._data, tensor2._data)
            if value != 1:
                update *= value
            _add_into(self, update)
        return self

    op.__name__ = op.__qualname__ = name + "_"
    op.__doc__ = f"In-place {name} (torch.Tensor.{name}_)."
    return op


addcmul_ = _fused_inplace("addcmul", np.multiply)
addcdiv_ = _fused_inplace("addcdiv", np.true_divide)


def lerp_(self, end, weight):
    """In-place ``self + weight * (end - self)`` (torch.Tensor.lerp_)."""
    check_inplace(self)
    if _takes_general_path(self, end, weight):
        # self enters as (end - self) and + self: its old value is never saved
        return commit(self, pointwise.lerp(self, end, weight))
    w = weight._data if isinstance(weight, TensorBase) else weight
    if isinstance(w, np.ndarray) and w.ndim or end._data.shape != self._data.shape:
        _write(self, self._data + w * (end._data - self._data))
        return self
    # torch's two formulas (exact at weight 0 and 1 alike), the update added in place
    diff = end._data - self._data
    if abs(float(w)) < 0.5:
        diff *= w
        _add_into(self, diff)
    else:
        diff *= w - 1
        _add_into(self, diff, base=end._data)
    return self


def _add_into(self, update, base=None):
    """self <- (base or self) + update, in self's memory (an optimizer step's last write)."""
    if update.shape != self._data.shape or (base is not None and base.shape != update.shape):
        return _write(self, (self._data if base is None else base) + update)
    np.add(self._data if base is None else base, update, out=self._data, casting="unsafe")
    self._vc.version += 1


def pow_(self, exponent):
    check_inplace(self)
    return commit(self, pointwise.pow(_recorded(self, exponent), exponent))


def _unary_inplace(name, reads_self):
    def op(self):
        check_inplace(self)
        return commit(self, getattr(pointwise, name)(_recorded(self) if reads_self else self))

    op.__name__ = op.__qualname__ = name + "_"
    op.__doc__ = f"In-place {name} (torch.Tensor.{name}_)."
    return op


neg_ = _unary_inplace("neg", reads_self=False)
exp_ = _unary_inplace("exp", reads_self=False)
log_ = _unary_inplace("log", reads_self=True)
sqrt_ = _unary_inplace("sqrt", reads_self=False)
abs_ = _unary_inplace("abs", reads_self=True)
tanh_ = _unary_inplace("tanh", reads_self=False)
sigmoid_ = _unary_inplace("sigmoid", reads_self=False)
relu_ = _unary_inplace("relu", reads_self=False)


def clamp_(self, min=None, max=None):
    check_inplace(self)
    return commit(self, pointwise.clamp(_recorded(self), min, max))


def zero_(self):
    return fill_(self, 0)


def fill_(self, value):
    check_inplace(self)
    if isinstance(value, TensorBase):
        if value._data.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value._data.ndim} dimensions."
            )
        if needs_grad(value):
            return copy_(self, value)
        value = value.item()
    if not _takes_general_path(self):
        try:
            self._data.fill(value)  # zero_grad / init: straight into memory
        except ValueError:  # a read-only (expanded) array
            raise RuntimeError(_OVERLAP_MESSAGE) from None
        self._vc.version += 1
        return self
    return commit(self, wrap(np.full(self._data.shape, value, dtype=self._data.dtype)))


class CopyBackwards(Node):
    def backward(self, grad):
        g_src = G.sum_to(grad, self.src_shape)
        if G.data(g_src).dtype != self.src_dtype:
            g_src = G.cast(g_src, self.src_dtype)
        return (grad * 0, g_src)


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast to self's dtype) into self; differentiable in ``src``."""
    check_inplace(self)
    src_data = src._data if isinstance(src, TensorBase) else np.asarray(src)
    if not (_C.is_grad_enabled() and (self._requires_grad or needs_grad(src))):
        _write(self, src_data)
        return self
    _write(self, src_data)
    if self._base is not None and (self._base._requires_grad or needs_grad(src)):
        values = src if src._data.shape == self._data.shape else src.expand(*self._data.shape)
        _rebase_view(
            self, _cast(values, self.dtype) if src._data.dtype != self._data.dtype else values
        )
        return self
    node = CopyBackwards()
    node.src_shape = src_data.shape
    node.src_dtype = src_data.dtype
    attach(node, (self, src), self)
    return self


def masked_fill_(self, mask, value):
    check_inplace(self)
    from nnx._ops.indexing import masked_fill

    return commit(self, masked_fill(self, mask, value))      # backward never reads self
