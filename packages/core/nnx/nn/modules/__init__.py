"""Module, the containers and hooks (torch.nn.modules)."""

from nnx.nn.modules.module import Module
