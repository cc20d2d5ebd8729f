"""Ops whose gradient is a linear map of the output gradient, written once.

Pooling, unpooling, interpolation and pixel shuffling all have a backward that is a fixed
linear map ``adjoint`` of the incoming gradient (given what the forward recorded: argmax
indices, windows, interpolation taps).  The backward of that backward is then the forward
map ``forward`` again, and so on.  ``LinearMapNode`` holds the pair: its backward applies
``adjoint`` to the gradient, and when that gradient is a Tensor (``create_graph=True``)
records the application as a node of the swapped pair, so double backward is exact at
no extra cost.  Both maps take and return ndarrays.
"""

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad


class LinearMapNode(Node):
    """backward(g) = adjoint(g); differentiable again through ``forward``."""

    def backward(self, grad):
        return (apply_map(grad, self.adjoint, self.forward, self.grad_name),)


class _AdjointNode(LinearMapNode):
    """The node a create_graph backward records: the swapped pair."""

    def name(self):
        return self.own_name


def apply_map(value, fn, adjoint, name):
    """``fn(value)`` for an ndarray; for a Tensor, the result recorded with the adjoint
    ``adjoint`` as its gradient map (node named ``name``)."""
    if not _grad.is_tensor(value):
        return fn(value)
    out = wrap(fn(value._data))
    if needs_grad(value):
        node = _AdjointNode()
        node.own_name = name
        node.forward, node.adjoint = fn, adjoint
        node.grad_name = name.replace("BackwardBackward", "Backward")
        attach(node, (value,), out)
    return out


def record(node_type, input, out, forward, adjoint):
    """Make ``node_type`` (a LinearMapNode subclass named as torch's grad_fn) the history
    of ``out`` with ``adjoint`` as the map from output to input gradient, ``forward`` as
    the map back (used by double backward)."""
    node = node_type()
    node.forward, node.adjoint = forward, adjoint
    node.grad_name = node_type.__name__.replace("Backward", "BackwardBackward", 1)
    attach(node, (input,), out)
    return out
