"""Take / put: the pair every indexing op reduces to.

Every indexing op is "take at ``ix``" forwards and "add into zeros at ``ix``" backwards
(``_take`` / ``_put``), each the other's derivative, so create_graph works to any order.
``ix`` is an :class:`~nnx._ops._index_parse._Index`.
"""

import numpy as np

from nnx._C._C import Node, attach, make_view, needs_grad, wrap
from nnx._ops import _grad
from nnx._ops._index_parse import _bounds_error


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


_VIEW_NODES = {c.__name__: c for c in (AliasBackward0, SelectBackward0, SliceBackward0,
                                       UnsqueezeBackward0)}


def _take(x, ix, node_type=None):
    """``x`` at ``ix``: a view for basic indices, a copy for advanced ones."""
    arr = x._data
    view = arr[ix.basic]
    if ix.adv is None:
        out = make_view(view, x)
        if needs_grad(x):
            node = _VIEW_NODES[ix.view_name]()
            node.input_shape = arr.shape
            node.ix = ix                    # no index arrays: nothing to copy (``owned``)
            attach(node, (x,), out)
        return out
    try:
        out = wrap(view[ix.adv])
    except IndexError:
        raise _bounds_error(view.shape, ix) from None
    if needs_grad(x):
        node = (node_type or IndexBackward0)()
        node.input_shape = arr.shape
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
