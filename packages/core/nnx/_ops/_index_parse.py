"""Parsing a torch-style index into an :class:`_Index` plan, with torch's checks and messages.

An index is split the way torch's ``applySlicing`` splits it.  The *basic* part (ints,
slices, None, Ellipsis) is applied first and makes a NumPy view; the *advanced* part
(integer and mask tensors, each sitting on one dim of that view) then gathers from it.
Gathering with NumPy's rules for "slices + arrays" on the view gives torch's layout,
which differs from NumPy's on the original index because torch treats ints as selects,
not as advanced indices (``x[1, :, idx]`` is ``(3, k)`` in torch, ``(k, 3)`` in NumPy).
"""

import operator

import numpy as np

from nnx._C._C import TensorBase

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


def parse_basic(arr, index):
    """The fast path of ``parse_index`` for an int, a slice, or a tuple of ints and slices
    (positive steps, ints in range, no more than ``arr.ndim``); None for any other index."""
    shape = arr.shape
    tp = type(index)
    if tp is int:
        if shape and -shape[0] <= index < shape[0]:
            return _Index((index, Ellipsis), None, False, "SelectBackward0")
        return None
    if tp is slice:
        if shape and _plain_step(index.step):
            return _Index((index, Ellipsis), None, False, "SliceBackward0")
        return None
    if tp is not tuple or len(index) > len(shape):
        return None
    name = "AliasBackward0"
    for item, n in zip(index, shape):
        tp = type(item)
        if tp is int:
            if not -n <= item < n:
                return None
            name = "SelectBackward0"
        elif tp is not slice:
            return None
        elif item.start is None and item.stop is None and item.step is None:
            continue                    # ':' keeps the name
        elif _plain_slice(item):        # int bounds: indices() cannot raise
            if item.indices(n) != (0, n, 1):
                name = "SliceBackward0"
        else:
            return None
    return _Index(index + (Ellipsis,), None, False, name)


def _plain_step(step):
    return step is None or type(step) is int and step > 0


def _plain_slice(s):
    start, stop = s.start, s.stop
    return ((start is None or type(start) is int) and (stop is None or type(stop) is int)
            and _plain_step(s.step))


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
