"""Indexing: ``x[index]``, ``x[index] = value``, index_select, gather, masked_fill, nonzero.

This module is the façade: getitem and setitem (with setitem's backward) live here,
the rest in

* ``_index_parse`` -- ``parse_index``: a torch-style index as an :class:`_Index` plan
  (a basic part that makes a NumPy view, an advanced part that gathers from it), with
  torch's checks and error messages;
* ``_take_put``    -- ``_take`` / ``_put``, the pair every op here reduces to, and the
  backward nodes of ``x[index]``;
* ``_gather``      -- index_select, gather, masked_fill and nonzero.

Every op here is "take at ``ix``" forwards and "add into zeros at ``ix``" backwards
(``_take`` / ``_put``), each the other's derivative, so create_graph works to any order.
"""

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, TensorBase, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx._ops._gather import (
    GatherBackward0,
    IndexSelectBackward0,
    MaskedFillBackward0,
    MaskedFillBackward1,
    gather,
    index_select,
    masked_fill,
    nonzero,
)
from nnx._ops._index_parse import _bounds_error, parse_basic, parse_index
from nnx._ops._take_put import (
    AliasBackward0,
    IndexBackward0,
    IndexBackwardBackward0,
    SelectBackward0,
    SliceBackward0,
    UnsqueezeBackward0,
    _take,
    _take_any,
)

__all__ = [
    "AliasBackward0",
    "CopySlices",
    "GatherBackward0",
    "IndexBackward0",
    "IndexBackwardBackward0",
    "IndexPutBackward0",
    "IndexSelectBackward0",
    "MaskedFillBackward0",
    "MaskedFillBackward1",
    "SelectBackward0",
    "SliceBackward0",
    "UnsqueezeBackward0",
    "gather",
    "getitem",
    "index_select",
    "masked_fill",
    "nonzero",
    "parse_index",
    "setitem",
]


# -- x[index] -------------------------------------------------------------------------

def getitem(self, index):
    """``self[index]`` with torch's rules: basic indices give views, tensors give copies."""
    ix = parse_basic(self._data, index)     # ints and slices: skip the general parser
    return _take(self, parse_index(self._data, index) if ix is None else ix)


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
    def name(self):
        return "nnx::autograd::CopySlices"          # torch: torch::autograd::CopySlices


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
