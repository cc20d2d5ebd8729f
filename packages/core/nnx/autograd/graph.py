"""nnx.autograd.graph: the Node type of the recorded graph (torch.autograd.graph.Node)."""

from nnx._C._C import Node

__all__ = ["Node"]
