"""index_select, gather, masked_fill and nonzero, each beside its backward.

index_select and gather are takes (see ``_take_put``) of an :class:`_Index` built here.
"""

import numpy as np

from nnx._C._C import Node, TensorBase, attach, broadcast_message, needs_grad, wrap
from nnx._ops import _grad
from nnx._ops._index_parse import _Index
from nnx._ops._names import CPP_NAMES as _CPP_NAMES
from nnx._ops._shape_base import wrap_dim
from nnx._ops._take_put import _take, _TakeBackward

# -- index_select, gather ------------------------------------------------------------

class IndexSelectBackward0(_TakeBackward):
    pass


class GatherBackward0(_TakeBackward):
    pass


def _index_array(index, what):
    arr = index._data if isinstance(index, TensorBase) else np.asarray(index)
    if arr.dtype != np.int64 and arr.dtype != np.int32:
        raise RuntimeError(what)
    return arr


def index_select(input, dim, index):
    """The entries of ``input`` at positions ``index`` (1-D) along ``dim``."""
    x = input._data
    dim = wrap_dim(dim, x.ndim)
    idx = _index_array(index, "index_select(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    n = x.shape[dim] if x.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if x.ndim == 0:                     # a 0-d input acts as size 1, result stays 0-d
        if idx.size != 1:
            raise IndexError("index_select(): Index to scalar can have only 1 value, got "
                             f"{idx.size} value(s)")
        ix = _Index((None, Ellipsis), (idx.reshape(()).astype(np.intp),))
    else:
        ix = _Index((Ellipsis,), (slice(None),) * dim + (idx.reshape(-1),))
    return _take(input, ix, IndexSelectBackward0)


def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j][k] = input[index[i][j][k]][j][k]`` (for ``dim == 0``), torch.gather."""
    x = input._data
    dim = wrap_dim(dim, x.ndim)
    idx = _index_array(index, "gather(): Expected dtype int32/int64 for index")
    if max(idx.ndim, 1) != max(x.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    xshape = x.shape if x.ndim else (1,)
    ishape = idx.shape if idx.ndim else (1,)
    for d in range(len(xshape)):
        if d != dim and ishape[d] > xshape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(idx.shape)} to be no "
                f"larger than self {list(x.shape)} apart from dimension {dim}")
    n = xshape[dim]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.flat[np.flatnonzero((idx < 0) | (idx >= n))[0]]
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {n}")
    basic = (None, Ellipsis) if x.ndim == 0 else (Ellipsis,)
    if idx.ndim <= 1:
        adv = (idx,)
    else:                               # open grid: idx along dim, aranges elsewhere
        adv = tuple(idx if d == dim else
                    np.arange(s).reshape((-1,) + (1,) * (idx.ndim - d - 1))
                    for d, s in enumerate(idx.shape))
    return _take(input, _Index(basic, adv), GatherBackward0)




class MaskedFillBackward0(Node):
    """grad for input: ``grad`` where the mask is off (summed to the input's shape);
    grad for a tensor value: the sum of ``grad`` where it is on."""

    def backward(self, grad):
        mask = self.mask
        g_input = g_value = None
        if self.next_functions[0][0] is not None:
            g_input = _grad.sum_to(_where_mask(~mask, grad), self.input_shape)
        if len(self.next_functions) > 1 and self.next_functions[1][0] is not None:
            g_value = _grad.reduce_sum(_where_mask(mask, grad), range(grad.ndim))
            g_value = _grad.cast(g_value, self.value_dtype)
        return (g_input,) if len(self.next_functions) == 1 else (g_input, g_value)


class MaskedFillBackward1(MaskedFillBackward0):
    pass


def _where_mask(keep, g):
    if _grad.is_tensor(g):
        return g * wrap(np.broadcast_to(keep, g.shape).astype(g._data.dtype))
    return np.where(keep, g, np.zeros((), g.dtype))


def masked_fill(input, mask, value):
    """``input`` with ``value`` where ``mask`` (bool, broadcastable) is True."""
    m = mask._data if isinstance(mask, TensorBase) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_CPP_NAMES.get(m.dtype.name, m.dtype.name)}")
    x = input._data
    vt = None
    if isinstance(value, TensorBase):
        if value._data.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        vt = value
        fill = value._data.astype(x.dtype)
    else:
        fill = np.asarray(value).astype(x.dtype)
    try:
        out = np.where(m, fill, x)
    except ValueError:
        raise RuntimeError(broadcast_message(m.shape, x.shape)) from None
    out = wrap(out)
    if needs_grad(input, vt):
        node = MaskedFillBackward1() if vt is not None else MaskedFillBackward0()
        node.mask = m.copy()
        node.input_shape = x.shape
        if vt is not None:
            node.value_dtype = vt._data.dtype
        attach(node, (input,) if vt is None else (input, vt), out)
    return out


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero entries: ``(n, ndim)`` int64, or one 1-D tensor per dim."""
    x = input._data
    if as_tuple:
        parts = np.nonzero(x.reshape(-1) if x.ndim == 0 else x)
        return tuple(wrap(i.astype(np.int64, copy=False)) for i in parts)
    return wrap(np.argwhere(x).astype(np.int64, copy=False))
