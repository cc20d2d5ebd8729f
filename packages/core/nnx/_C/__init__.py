"""The compiled engine: ``from nnx._C._C import TensorBase, Node, ...``."""
