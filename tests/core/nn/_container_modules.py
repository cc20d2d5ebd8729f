"""Small modules for the container tests (nnx-core has no layers of its own)."""

from _nn_helpers import raises  # noqa: F401  (the container tests import it from here)

import nnx
from nnx.nn.modules.module import Module

LIN_REPR = "Lin(in_features=1, out_features=1, bias=True)"


def raises_key(message):
    """A KeyError whose argument is ``message`` (its str() quotes and escapes it)."""
    return raises(KeyError, message)


class Lin(Module):
    """A scaling 'layer' with one Parameter and a Linear-like repr."""

    def __init__(self, in_features=1, out_features=1, scale=2.0):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nnx.nn.Parameter(nnx.full((out_features, in_features), scale))

    def forward(self, x):
        return x * self.weight.sum()

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias=True"


class Act(Module):
    """A parameterless pointwise module (relu)."""

    def forward(self, x):
        return nnx.nn.functional.relu(x)


def keys(module):
    return list(module._modules)
