"""nnx.nn.Module and the containers against live torch==2.13.0 (run by ``nox -s parity``).

Each scenario runs once with ``torch`` and once with ``nnx`` as ``lib``; both must raise the
same exception type with the same message (torch's type names spelled the nnx way), or
return equal results (key lists, reprs, orders).
"""

import re
from collections import OrderedDict

import pytest
import torch

import nnx

pytestmark = pytest.mark.parity


def lin(lib, n_in=2, n_out=3):
    """torch.nn.Linear, or its nnx stand-in made from a Module with torch's layout."""
    if lib is torch:
        return torch.nn.Linear(n_in, n_out)

    class Linear(nnx.nn.Module):
        def __init__(self):
            super().__init__()
            self.in_features, self.out_features = n_in, n_out
            self.weight = nnx.nn.Parameter(nnx.zeros(n_out, n_in))
            self.bias = nnx.nn.Parameter(nnx.zeros(n_out))

        def forward(self, x):
            return nnx.nn.functional.linear(x, self.weight, self.bias)

        def extra_repr(self):
            return f"in_features={n_in}, out_features={n_out}, bias=True"

    return Linear()


def relu(lib):
    if lib is torch:
        return torch.nn.ReLU()

    class ReLU(nnx.nn.Module):
        def forward(self, x):
            return nnx.relu(x)

    return ReLU()


def _normalise(text):
    text = re.sub(r"torch\.nn\.modules\.linear\.Linear", "LINEAR", text)
    text = re.sub(r"test_live_module\.lin\.<locals>\.Linear", "LINEAR", text)
    return text.replace("torch", "nnx")


def outcome(scenario, lib):
    try:
        return "ok", scenario(lib)
    except Exception as exc:  # the comparison is the point
        return type(exc).__name__, _normalise(str(exc.args[0]) if exc.args else "")


def registered(lib):
    m = lib.nn.Module()
    m.conv1 = lin(lib)
    m.par = lib.nn.Parameter(lib.zeros(1))
    m.register_buffer("buffer", lib.zeros(2))
    m.conv2 = lin(lib, 3, 1)
    m.register_buffer("np", lib.zeros(1), persistent=False)
    return m


SCENARIOS = {
    "state_dict order": lambda lib: list(registered(lib).state_dict()),
    "metadata": lambda lib: list(registered(lib).state_dict()._metadata.items()),
    "named_buffers": lambda lib: [n for n, _ in registered(lib).named_buffers()],
    "tensor over parameter": lambda lib: setattr(lin(lib), "weight", lib.ones(2)),
    "module over parameter": lambda lib: _assign_module_over_param(lib),
    "int over buffer": lambda lib: setattr(registered(lib), "buffer", 3),
    "register_buffer int": lambda lib: lib.nn.Module().register_buffer("b", 3),
    "register_buffer dotted": lambda lib: lib.nn.Module().register_buffer("a.b", lib.ones(1)),
    "register_parameter tensor": lambda lib: lib.nn.Module().register_parameter(
        "p", lib.ones(1)),
    "add_module int": lambda lib: lib.nn.Module().add_module("a", 3),
    "add_module dotted": lambda lib: lib.nn.Module().add_module("a.b", relu(lib)),
    "train int": lambda lib: lib.nn.Module().train(3),
    "to int dtype": lambda lib: lin(lib).to(lib.int32),
    "missing forward": lambda lib: lib.nn.Module()(lib.ones(1)),
    "get_submodule": lambda lib: lib.nn.Sequential(lin(lib)).get_submodule("0.weight"),
    "get_parameter of buffer": lambda lib: registered(lib).get_parameter("buffer"),
    "load missing+unexpected": lambda lib: registered(lib).load_state_dict(
        {"extra": lib.ones(1)}),
    "load non-strict": lambda lib: repr(registered(lib).load_state_dict(
        {"extra": lib.ones(1), "conv1.weight": lib.ones(3, 2)}, strict=False)),
    "load size mismatch": lambda lib: lin(lib).load_state_dict(
        {"weight": lib.ones(4, 2), "bias": lib.ones(3)}),
    "load not tensor": lambda lib: lin(lib).load_state_dict({"weight": 3, "bias": lib.ones(3)}),
    "load list": lambda lib: lin(lib).load_state_dict([]),
    "sequential repr": lambda lib: repr(lib.nn.Sequential(OrderedDict(
        [("fc", lin(lib)), ("act", relu(lib))]))),
    "modulelist repr": lambda lib: repr(lib.nn.ModuleList(
        [lin(lib), relu(lib), relu(lib), lin(lib), lin(lib)])),
    "sequential slice keys": lambda lib: list(lib.nn.Sequential(
        relu(lib), relu(lib), relu(lib))[1:]._modules),
    "sequential + list": lambda lib: lib.nn.Sequential() + [],
    "modulelist extend int": lambda lib: lib.nn.ModuleList().extend(3),
    "modulelist index": lambda lib: lib.nn.ModuleList([relu(lib)])[5],
    "parameterlist repr": lambda lib: repr(lib.nn.ParameterList(
        [lib.zeros(2, 3), lib.zeros(4, dtype=lib.float64)])),
    "apply order": lambda lib: _apply_order(lib),
}


def _assign_module_over_param(lib):
    m = lib.nn.Module()
    m.p = lib.nn.Parameter(lib.ones(1))
    m.p = lin(lib)


def _apply_order(lib):
    seen = []
    lib.nn.Sequential(lib.nn.Sequential(relu(lib)), lin(lib)).apply(
        lambda m: seen.append(type(m).__name__))
    return seen


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_module_behaviour_matches_torch(name):
    expected = outcome(SCENARIOS[name], torch)
    got = outcome(SCENARIOS[name], nnx)
    if isinstance(expected[1], str):
        expected = (expected[0], _normalise(expected[1]))
    assert got == expected
