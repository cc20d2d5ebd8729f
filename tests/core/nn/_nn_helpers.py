"""Shared pieces of the nnx.nn tests: exact-message matching and small test modules.

nnx-core has no concrete layers (they live in nnx-layers), so the Module tests build
their own from Parameters and functionals, shaped like torch's Linear and ReLU.
"""

import contextlib

import pytest

import nnx
from nnx import nn


@contextlib.contextmanager
def raises(exc, message):
    """``exc`` whose message (``args[0]``: KeyError's str() adds quotes) contains ``message``
    verbatim."""
    with pytest.raises(exc) as info:
        yield info
    assert message in str(info.value.args[0]), info.value.args[0]


class Lin(nn.Module):
    """torch.nn.Linear's parameters, forward and repr."""

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1 / in_features**0.5
        self.weight = nn.Parameter(nnx.rand(out_features, in_features, dtype=dtype) * 2 * bound
                                   - bound)
        if bias:
            self.bias = nn.Parameter(nnx.rand(out_features, dtype=dtype) * 2 * bound - bound)
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        return nn.functional.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class ReLU(nn.Module):
    """torch.nn.ReLU: parameterless, pointwise."""

    def forward(self, x):
        return nn.functional.relu(x)
