"""nnx.nn.ModuleDict against torch 2.13's behaviour: dict API, insertion order, update's
accepted inputs and messages, the name checks of add_module."""

import copy
from collections import OrderedDict

import pytest
from _container_modules import LIN_REPR, Act, Lin, keys, raises, raises_key

import nnx
from nnx.nn.modules.module_dict import ModuleDict


def test_construction_keeps_insertion_order():
    b, a = Act(), Lin()
    md = ModuleDict({"b": b, "a": a})  # a plain dict is not sorted (ParameterDict sorts)
    assert list(md) == ["b", "a"] and md["b"] is b and md.a is a
    pairs = ModuleDict([["lrelu", Act()], ("p", Lin())])
    assert list(pairs) == ["lrelu", "p"]
    assert list(ModuleDict(OrderedDict([("z", Act()), ("y", Act())]))) == ["z", "y"]
    assert len(ModuleDict()) == 0 and len(ModuleDict(None)) == 0


def test_getitem_setitem_delitem():
    md = ModuleDict({"a": Act()})
    with raises_key("x"):
        md["x"]
    new = Lin()
    md["x"] = new
    assert md["x"] is new and list(md) == ["a", "x"]
    md["a"] = None
    assert md["a"] is None and list(md) == ["a", "x"]
    del md["a"]
    assert list(md) == ["x"]
    with raises_key("zz"):
        del md["zz"]


def test_setitem_errors():
    md = ModuleDict()
    with raises(TypeError, "int is not a Module subclass"):
        md["x"] = 3
    with raises(TypeError, "module name should be a string. Got int"):
        md[1] = Act()
    with raises_key("module name can't contain \".\", got: a.b"):
        md["a.b"] = Act()
    with raises_key("module name can't be empty string \"\""):
        md[""] = Act()
    with raises_key("attribute 'training' already exists"):
        md["training"] = Act()
    with raises_key("attribute 'update' already exists"):
        md["update"] = Act()
    assert len(md) == 0


def test_dict_methods():
    a, b, c = Act(), Lin(), Act()
    md = ModuleDict({"a": a, "b": b, "c": c})
    assert list(md.keys()) == ["a", "b", "c"]
    assert list(md.values()) == [a, b, c]
    assert list(md.items()) == [("a", a), ("b", b), ("c", c)]
    assert "a" in md and "z" not in md and 3 not in md
    assert len(md) == 3 and list(iter(md)) == ["a", "b", "c"]
    assert md.pop("b") is b and list(md) == ["a", "c"]
    with raises_key("zz"):
        md.pop("zz")
    md.clear()
    assert len(md) == 0 and list(md.children()) == []


def test_update_inputs():
    a, b = Act(), Lin()
    md = ModuleDict({"a": Act()})
    md.update({"a": a, "n": b})
    assert list(md) == ["a", "n"] and md["a"] is a
    md.update(ModuleDict({"m": Act()}))
    md.update([("k", Act())])
    md.update([["j", Act()]])
    assert list(md) == ["a", "n", "m", "k", "j"]
    assert md.update({}) is None


def test_update_errors():
    md = ModuleDict()
    with raises(TypeError, "ModuleDict.update should be called with an iterable of key/value "
                           "pairs, but got int"):
        md.update(3)
    with raises(TypeError, "ModuleDict update sequence element #0 should be Iterable; isint"):
        md.update([3])
    with raises(ValueError, "ModuleDict update sequence element #1 has length 3; 2 is "
                            "required"):
        md.update([("a", Act()), (1, 2, 3)])
    assert list(md) == ["a"]  # the pairs before the bad one are applied
    with raises(ValueError, "ModuleDict update sequence element #0 has length 1; 2 is required"):
        md.update("ab")
    with raises(TypeError, "str is not a Module subclass"):
        md.update(["ab"])  # 'ab' is the pair ('a', 'b')
    with raises(TypeError, "int is not a Module subclass"):
        md.update({"x": 3})


@pytest.mark.parametrize("name", ["get", "setdefault", "popitem", "copy"])
def test_no_extra_dict_methods(name):
    with raises(AttributeError, f"'ModuleDict' object has no attribute '{name}'"):
        getattr(ModuleDict(), name)


def test_no_or_and_no_forward():
    md = ModuleDict({"a": Act()})
    with raises(TypeError, "unsupported operand type(s) for |: 'ModuleDict' and 'ModuleDict'"):
        md | md
    with raises(NotImplementedError, 'Module [ModuleDict] is missing the required "forward" '
                                     "function"):
        md(nnx.zeros(1))


def test_repr():
    md = ModuleDict({"b": Lin(), "a": Act(), "c": Act()})
    assert repr(md) == (
        "ModuleDict(\n"
        f"  (b): {LIN_REPR}\n"
        "  (a): Act()\n"
        "  (c): Act()\n"
        ")"
    )
    assert repr(ModuleDict()) == "ModuleDict()"


def test_module_integration():
    md = ModuleDict({"left": Lin(), "act": Act(), "right": Lin()})
    assert list(md.state_dict()) == ["left.weight", "right.weight"]
    assert [n for n, _ in md.named_children()] == ["left", "act", "right"]
    md.eval()
    assert not md["left"].training
    dup = copy.deepcopy(md)
    assert keys(dup) == ["left", "act", "right"] and dup["left"] is not md["left"]
    assert dup["left"].weight.tolist() == md["left"].weight.tolist()
