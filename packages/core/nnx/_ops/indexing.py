"""Indexing: ``x[index]``, ``x[index] = value``, index_select, gather, masked_fill, nonzero.

An index is split the way torch's ``applySlicing`` splits it.  The *basic* part (ints,
slices, None, Ellipsis) is applied first and makes a NumPy view; the *advanced* part
(integer and mask tensors, each sitting on one dim of that view) then gathers from it.
Gathering with NumPy's rules for "slices + arrays" on the view gives torch's layout,
which differs from NumPy's on the original index because torch treats ints as selects,
not as advanced indices (``x[1, :, idx]`` is ``(3, k)`` in torch, ``(k, 3)`` in NumPy).

Every op here is "take at ``ix``" forwards and "add into zeros at ``ix``" backwards
(``_take`` / ``_put``), each the other's derivative, so create_graph works to any order.
"""

import operator

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, TensorBase, attach, make_view, needs_grad, wrap
from nnx._ops import _grad

# -- parsing an index --------------------------------------------------------------------

_INT, _SLICE, _NONE, _ELLIPSIS, _BOOL, _ARRAY, _MASK = range(7)
_INT_KINDS = "iu"
_SEQUENCE_LIKE = (list, tuple, slice, TensorBase, np.ndarray)


class _Index:
    """A parsed index: ``basic`` (ints, slices, None, then Ellipsis) makes a view of the
    input; ``adv`` (slices and index arrays, or None) gathers from that view.  ``unique``:
    the arrays come from masks only, so no element is picked twice."""

    __slots__ = ("basic", "adv", "unique", "view_name")

    def __init__(self, basic, adv=None, unique=False, view_name="AliasBackward0"):
        self.basic = basic
        self.adv = adv
        self.unique = unique
        self.view_name = view_name

    def owned(self):
        """A copy whose index arrays cannot change under us (saved for backward)."""
        if self.adv is None:
            return self
        adv = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in self.adv)
        return _Index(self.basic, adv, self.unique, self.view_name)


def _items(index):
    if type(index) is tuple:
        return index
    # torch (2.13, deprecated) and old NumPy read a list holding sequences, slices,
    # None, Ellipsis or tensors as a tuple: x[[[0, 1], [1, 2]]] is x[[0, 1], [1, 2]].
    if isinstance(index, list) and any(
            i is None or i is Ellipsis or isinstance(i, _SEQUENCE_LIKE) for i in index):
        return tuple(index)
    return (index,)


def _classify(item):
    if item is None:
        return _NONE, None
    if item is Ellipsis:
        return _ELLIPSIS, None
    if isinstance(item, (bool, np.bool_)):
        return _BOOL, bool(item)
    if isinstance(item, (int, np.integer)):
        return _INT, int(item)
    if isinstance(item, slice):
        return _SLICE, item
    if isinstance(item, TensorBase):
        arr = item._data
    elif isinstance(item, np.ndarray):
        arr = item
    elif isinstance(item, (list, tuple)):
        arr = np.asarray(item)
        if arr.size == 0:
            arr = arr.astype(np.int64)
    else:
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         f"Variables are valid indices (got {type(item).__name__})")
    if arr.dtype == np.bool_ or arr.dtype == np.uint8:      # uint8: torch's deprecated masks
        if arr.ndim == 0:
            return _BOOL, bool(arr)
        return _MASK, arr.astype(bool, copy=False)
    if arr.dtype.kind not in _INT_KINDS:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if arr.ndim == 0:
        return _INT, int(arr)
    return _ARRAY, arr


def _check_step(s):
    if s.step is not None:
        step = operator.index(s.step)
        if step == 0:
            raise ValueError("slice step cannot be zero")
        if step < 0:
            raise ValueError("step must be greater than zero")


def parse_index(arr, index):
    """Split ``index`` into an :class:`_Index` for ``arr``, with torch's checks and messages."""
    items = [_classify(i) for i in _items(index)]
    shape, ndim = arr.shape, arr.ndim
    used = 0
    for kind, p in items:
        if kind == _INT or kind == _SLICE or kind == _ARRAY:
            used += 1
        elif kind == _MASK:
            used += p.ndim
    if used > ndim:
        kinds = [k for k, _ in items]
        if ndim == 0 and _INT in kinds:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        if ndim == 0 and _SLICE in kinds:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")

    basic, adv, masks = [], {}, []
    src = dim = 0                       # position in the input / in the view being built
    seen_ellipsis = False
    name = "AliasBackward0"             # torch names a basic index after its last step
    lone_slice = type(index) is slice
    for kind, p in items:
        if kind == _INT:
            n = shape[src]
            if p < -n or p >= n:
                raise IndexError(f"index {p} is out of bounds for dimension {dim} with size {n}")
            basic.append(p)
            src += 1
            name = "SelectBackward0"
        elif kind == _SLICE:
            _check_step(p)
            if lone_slice or p.indices(shape[src]) != (0, shape[src], 1):
                name = "SliceBackward0"
            basic.append(p)
            src += 1
            dim += 1
        elif kind == _NONE:
            basic.append(None)
            dim += 1
            name = "UnsqueezeBackward0"
        elif kind == _ELLIPSIS:
            if not seen_ellipsis:       # torch lets further ellipses stand for no dims
                k = ndim - used
                basic.extend([slice(None)] * k)
                src += k
                dim += k
                seen_ellipsis = True
        elif kind == _BOOL:             # a new size-1 dim, picked (True) or emptied (False)
            basic.append(None)
            adv[dim] = np.zeros(1 if p else 0, np.intp)
            dim += 1
            name = "UnsqueezeBackward0"
        elif kind == _ARRAY:
            basic.append(slice(None))
            adv[dim] = p
            src += 1
            dim += 1
        else:
            masks.append((dim, p))
            basic.extend([slice(None)] * p.ndim)
            src += p.ndim
            dim += p.ndim
    basic.append(Ellipsis)              # keeps results arrays (views), never NumPy scalars
    basic = tuple(basic)
    if not adv and not masks:
        return _Index(basic, None, False, name)
    # picks from masks and bools never repeat an element; integer arrays may
    unique = all(kind != _ARRAY for kind, _ in items)
    if masks:
        _expand_masks(arr[basic].shape, adv, masks)
    dims = sorted(adv)
    if len(dims) > 1:
        try:
            np.broadcast_shapes(*[adv[d].shape for d in dims])
        except ValueError:
            shapes = ", ".join(str(list(adv[d].shape)) for d in dims)
            raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                             f"with shapes {shapes}") from None
    # bounds are left to NumPy (negative indices too); _bounds_error words its IndexError
    full = tuple([adv.get(d, slice(None)) for d in range(dims[-1] + 1)])
    return _Index(basic, full, unique, name)


def _expand_masks(view_shape, adv, masks):
    """Check each mask against the dims it covers and replace it by its nonzero indices."""
    for d, m in masks:
        for j, s in enumerate(m.shape):
            if s != view_shape[d + j]:
                raise IndexError(
                    f"The shape of the mask {list(m.shape)} at index {j} does not match the shape "
                    f"of the indexed tensor {list(view_shape)} at index {d + j}")
        for j, nz in enumerate(np.nonzero(m)):
            adv[d + j] = nz


def _bounds_error(view_shape, ix):
    """torch's IndexError for the first out-of-range entry of ``ix``'s index arrays."""
    arrays = [(d, a) for d, a in enumerate(ix.adv) if isinstance(a, np.ndarray)]
    for ordinal, (d, a) in enumerate(arrays):
        n = view_shape[d]
        bad = np.flatnonzero((a < -n) | (a >= n))
        if bad.size:
            # torch numbers the dimension by the index tensor's position among them
            return IndexError(f"index {a.flat[bad[0]]} is out of bounds for dimension {ordinal} "
                              f"with size {n}")
    return IndexError("index out of range")


# -- take / put: the pair every op here reduces to ----------------------------------------

class _TakeBackward(Node):
    """Backward of taking ``ix`` from a tensor: the gradient added into zeros at ``ix``."""

    def backward(self, grad):
        return (_put(grad, self.input_shape, self.ix),)


class AliasBackward0(_TakeBackward):
    pass


class SelectBackward0(_TakeBackward):
    pass


class SliceBackward0(_TakeBackward):
    pass


class UnsqueezeBackward0(_TakeBackward):
    pass


class IndexBackward0(_TakeBackward):
    pass


class IndexSelectBackward0(_TakeBackward):
    pass


class GatherBackward0(_TakeBackward):
    pass


_VIEW_NODES = {c.__name__: c for c in (AliasBackward0, SelectBackward0, SliceBackward0,
                                       UnsqueezeBackward0)}


def _take(x, ix, node_type=None):
    """``x`` at ``ix``: a view for basic indices, a copy for advanced ones."""
    view = x._data[ix.basic]
    if ix.adv is None:
        out = make_view(view, x)
        node_type = _VIEW_NODES[ix.view_name]
    else:
        try:
            out = wrap(view[ix.adv])
        except IndexError:
            raise _bounds_error(view.shape, ix) from None
    if needs_grad(x):
        node = (node_type or IndexBackward0)()
        node.input_shape = x._data.shape
        node.ix = ix.owned()
        attach(node, (x,), out)
    return out


def _take_any(g, ix):
    """``g`` at ``ix``; ``g`` an array or (under create_graph) a Tensor."""
    if _grad.is_tensor(g):
        return _take(g, ix)
    view = g[ix.basic]
    return view if ix.adv is None else view[ix.adv]


class IndexBackwardBackward0(Node):
    """Backward of ``_put``: taking ``ix`` again (double backward of indexing)."""

    def backward(self, grad):
        return (_take_any(grad, self.ix),)


def _put(g, shape, ix):
    """Zeros of ``shape`` with ``g`` added at ``ix``; recorded when ``g`` is a Tensor."""
    if _grad.is_tensor(g):
        out = wrap(_put(g._data, shape, ix))
        if needs_grad(g):
            node = IndexBackwardBackward0()
            node.ix = ix
            attach(node, (g,), out)
        return out
    out = np.zeros(shape, dtype=g.dtype)
    view = out[ix.basic]
    if ix.adv is None:
        view[...] = g
    elif ix.unique:
        view[ix.adv] = g
    else:
        np.add.at(view, ix.adv, g)      # duplicates accumulate
    return out


# -- x[index] -------------------------------------------------------------------------

def getitem(self, index):
    """``self[index]`` with torch's rules: basic indices give views, tensors give copies."""
    return _take(self, parse_index(self._data, index))


# -- x[index] = value -----------------------------------------------------------------

class _SetitemBackward(Node):
    """``self[ix] = value``: the old self gets ``grad`` with ``ix`` zeroed, value ``grad[ix]``."""

    def backward(self, grad):
        ix = self.ix
        g_self = g_value = None
        if self.next_functions[0][0] is not None:
            if _grad.is_tensor(grad):
                keep = np.ones(grad.shape, dtype=grad._data.dtype)
                _region_fill(keep, ix, 0)
                g_self = grad * wrap(keep)
            else:
                g_self = np.array(grad, copy=True)
                _region_fill(g_self, ix, 0)
        if self.next_functions[1][0] is not None:
            g_value = _fit(_take_any(grad, ix), self.value_shape)
            if _grad.data(g_value).dtype != self.value_dtype:
                g_value = _grad.cast(g_value, self.value_dtype)
        return g_self, g_value


class CopySlices(_SetitemBackward):
    pass


class IndexPutBackward0(_SetitemBackward):
    pass


def _region_fill(arr, ix, value):
    view = arr[ix.basic]
    if ix.adv is None:
        view[...] = value
    else:
        view[ix.adv] = value


def _fit(g, shape):
    """Sum ``g`` (shaped like the indexed region) down to the broadcast value's ``shape``."""
    if tuple(g.shape) == shape:
        return g
    extra = len(shape) - len(g.shape)
    if extra > 0:                       # leading size-1 dims of the value
        g = _grad.reshape(g, (1,) * extra + tuple(g.shape))
    return _grad.sum_to(g, shape)


def _value_array(self, value):
    if isinstance(value, TensorBase):
        return value._data
    if isinstance(value, (bool, int, float, np.generic, np.ndarray, list, tuple)):
        return np.asarray(value)
    raise TypeError(f"can't assign a {type(value).__name__} to a "
                    f"{_C.legacy_type_name(self._data)}")


def _check_leaf(self, ix):
    leaf_msg = "a leaf Variable that requires grad is being used in an in-place operation."
    view_msg = "a view of " + leaf_msg
    base = self._base
    if self._grad_fn is None and self._requires_grad:
        # basic setitem writes through a view of self (torch: view + copy_)
        raise RuntimeError(view_msg if ix.adv is None or base is not None else leaf_msg)
    if base is not None and base._grad_fn is None and base._requires_grad:
        raise RuntimeError(view_msg)


def _shape_message(self, ix, v):
    target = self._data[ix.basic]
    if ix.adv is not None:
        return (f"shape mismatch: value tensor of shape {list(v.shape)} cannot be broadcast to "
                f"indexing result of shape {list(target[ix.adv].shape)}")
    vshape = list(v.shape)
    while vshape and vshape[0] == 1:
        vshape.pop(0)
    tshape = list(target.shape)
    if len(vshape) > len(tshape):
        return (f"expand({_C.legacy_type_name(v)}{{{vshape}}}, size={tshape}): the number of sizes "
                f"provided ({len(tshape)}) must be greater or equal to the number of dimensions in "
                f"the tensor ({len(vshape)})")
    lead = len(tshape) - len(vshape)
    for i, s in enumerate(vshape):
        if s != 1 and s != tshape[lead + i]:
            return (f"The expanded size of the tensor ({tshape[lead + i]}) must match the existing "
                    f"size ({s}) at non-singleton dimension {lead + i}.  Target sizes: {tshape}.  "
                    f"Tensor sizes: {vshape}")
    return f"cannot assign a value of shape {list(v.shape)} to a region of shape {tshape}"


def setitem(self, index, value):
    """``self[index] = value`` in place (value broadcast and cast to self's dtype).

    With autograd, self's history becomes a node whose inputs are self's old history
    and the value.  Through a view, the new values are computed out of place and handed
    to ``inplace.commit_view_write``, which writes them and rebases the view's base.
    """
    ix = parse_index(self._data, index)
    v = _value_array(self, value)
    vt = value if isinstance(value, TensorBase) else None
    track = needs_grad(self, vt)
    if track:
        _check_leaf(self, ix)
    if not self._data.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation.")
    through_view = track and self._base is not None
    target = np.array(self._data, copy=True) if through_view else self._data
    try:
        _region_fill(target, ix, v)
    except ValueError:
        raise RuntimeError(_shape_message(self, ix, v)) from None
    except IndexError:
        raise _bounds_error(target[ix.basic].shape, ix) from None
    if not through_view:
        self._vc.version += 1
    if not track:
        return
    # torch: index_put_ straight on self, or (any basic step) a copy into a view of self
    direct = ix.adv is not None and ix.view_name == "AliasBackward0"
    node = IndexPutBackward0() if direct else CopySlices()
    node.ix = ix.owned()
    if vt is not None:
        node.value_shape = tuple(v.shape)
        node.value_dtype = v.dtype
    if through_view:
        from nnx._ops import inplace
        new = wrap(target)
        attach(node, (self, vt), new)
        inplace.commit_view_write(self, new)
    else:
        attach(node, (self, vt), self)  # edges from self's old history, then self -> node


# -- index_select, gather ------------------------------------------------------------

def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def _index_array(index, what):
    arr = index._data if isinstance(index, TensorBase) else np.asarray(index)
    if arr.dtype != np.int64 and arr.dtype != np.int32:
        raise RuntimeError(what)
    return arr


def index_select(input, dim, index):
    """The entries of ``input`` at positions ``index`` (1-D) along ``dim``."""
    x = input._data
    dim = _wrap_dim(dim, x.ndim)
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
    dim = _wrap_dim(dim, x.ndim)
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


# -- masked_fill, nonzero --------------------------------------------------------------

_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "int64": "long int", "int32": "int", "int16": "short int",
              "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


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


def _broadcast_message(sa, sb):
    n = max(len(sa), len(sb))
    for i in range(n - 1, -1, -1):
        a = sa[i - n + len(sa)] if i - n + len(sa) >= 0 else 1
        b = sb[i - n + len(sb)] if i - n + len(sb) >= 0 else 1
        if a != b and a != 1 and b != 1:
            return (f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                    f"non-singleton dimension {i}")
    return f"shapes {list(sa)} and {list(sb)} cannot be broadcast"


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
        raise RuntimeError(_broadcast_message(m.shape, x.shape)) from None
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
