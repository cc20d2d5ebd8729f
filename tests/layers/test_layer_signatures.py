"""Every layer's ``__init__`` and ``forward``, and every ``nnx.nn.functional`` function,
take torch 2.13.0's parameters: names, order, kinds and defaults (annotations aside).

The reference is ``tests/golden/torch_nn_api.json``, written by
``tests/golden/generate_api.py`` from torch itself.
"""

from __future__ import annotations

import inspect
import json
import os

import pytest

import nnx.nn as nn
import nnx.nn.functional as F
import nnx_layers

API = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden",
                   "torch_nn_api.json")
with open(API, encoding="utf-8") as _f:
    TORCH = json.load(_f)

REQUIRED = "<required>"


def _default_repr(value):
    if value is inspect.Parameter.empty:
        return REQUIRED
    if inspect.isroutine(value):
        return f"<function {value.__qualname__}>"
    return repr(value)


def _parameters(fn):
    return [[p.name, p.kind.name, _default_repr(p.default)]
            for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", nnx_layers.__all__)
def test_layer_signatures_match_torch(name):
    expected = TORCH["layers"][name]
    cls = getattr(nn, name)
    assert _parameters(cls.__init__) == expected["init"], f"{name}.__init__"
    assert _parameters(cls.forward) == expected["forward"], f"{name}.forward"


FUNCTIONAL = sorted(n for n in F.__all__ if TORCH["functional"].get(n) is not None)


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_functional_signatures_match_torch(name):
    assert _parameters(getattr(F, name)) == TORCH["functional"][name]


def test_functional_names_are_torch_names():
    missing = sorted(set(F.__all__) - set(TORCH["functional"]))
    assert not missing, f"nnx.nn.functional names that torch.nn.functional lacks: {missing}"
