"""nnx.nn.ParameterDict against torch 2.13's behaviour: Tensor -> Parameter conversion,
ordering (sorted for plain mappings), the dict API with torch's errors, |, repr."""

import copy
from collections import OrderedDict

import pytest
from _container_modules import Lin, raises, raises_key

import nnx
from nnx.nn import Parameter
from nnx.nn.modules.parameter_dict import ParameterDict

NOT_A_STRING = (
    "Index given to ParameterDict cannot be used as a key as it is not a string (type is "
    "'int'). Open an issue on github if you need non-string keys."
)


def names(module):
    return [name for name, _ in module.named_parameters()]


# -- construction, ordering, conversion ----------------------------------------------------
def test_plain_mapping_is_sorted_ordered_input_is_not():
    assert list(ParameterDict({"b": nnx.zeros(1), "a": 3})) == ["a", "b"]
    ordered = OrderedDict([("z", nnx.zeros(1)), ("y", nnx.zeros(1))])
    assert list(ParameterDict(ordered)) == ["z", "y"]
    assert list(ParameterDict([("z", 1), ("y", 2)])) == ["z", "y"]
    assert list(ParameterDict(ParameterDict(ordered))) == ["z", "y"]
    assert len(ParameterDict()) == 0


def test_tensors_become_parameters():
    plain = nnx.ones(2)
    param = Parameter(nnx.zeros(1))
    pd = ParameterDict({"t": plain, "p": param, "n": 3})
    assert type(pd["t"]) is Parameter and pd["t"].requires_grad
    assert pd["p"] is param and pd["n"] == 3
    assert names(pd) == ["p", "t"] and list(pd.state_dict()) == ["p", "t"]
    pd["t"] = nnx.zeros(5)
    assert type(pd["t"]) is Parameter and pd["t"].shape == (5,)


# -- item access ---------------------------------------------------------------------------
def test_missing_key_is_an_attribute_error():
    pd = ParameterDict({"a": nnx.zeros(1)})
    with raises(AttributeError, "'ParameterDict' object has no attribute 'x'"):
        pd["x"]
    with raises(AttributeError, "'ParameterDict' object has no attribute 'x'"):
        pd.pop("x")
    with raises_key("x"):
        del pd["x"]


def test_non_string_keys():
    pd = ParameterDict()
    with raises(TypeError, NOT_A_STRING):
        pd[1]
    with raises(TypeError, NOT_A_STRING):
        pd[1] = nnx.zeros(1)
    assert list(pd) == []  # torch keeps a ghost key 1 here, which breaks its repr


def test_dotted_key_is_rejected_without_a_ghost_entry():
    pd = ParameterDict()
    with raises_key('parameter name can\'t contain "."'):
        pd["a.b"] = nnx.zeros(1)
    assert list(pd) == [] and len(pd) == 0


def test_delitem_and_plain_attributes():
    pd = ParameterDict({"a": nnx.zeros(1), "b": 2})
    del pd["a"]
    assert list(pd) == ["b"] and not hasattr(pd, "a") and names(pd) == []
    pd.x = 3
    assert "x" not in pd and len(pd) == 1


# -- dict API ------------------------------------------------------------------------------
def test_views_and_iteration():
    pd = ParameterDict(OrderedDict([("w", nnx.zeros(1)), ("n", 4), ("v", None)]))
    assert list(pd.keys()) == ["w", "n", "v"]
    assert list(pd.values()) == [pd["w"], 4, None]
    assert list(pd.items()) == [("w", pd["w"]), ("n", 4), ("v", None)]
    assert list(reversed(pd)) == ["v", "n", "w"]
    assert "w" in pd and "q" not in pd and 3 not in pd
    assert len(pd) == 3


def test_get_setdefault_pop_popitem_clear():
    w = Parameter(nnx.zeros(1))
    pd = ParameterDict(OrderedDict([("w", w), ("n", 4)]))
    assert pd.get("w") is w and pd.get("zz") is None and pd.get("zz", 4) == 4
    assert pd.setdefault("w", 7) is w
    added = pd.setdefault("s", nnx.ones(1))
    assert type(added) is Parameter and pd["s"] is added
    assert pd.setdefault("none") is None and list(pd) == ["w", "n", "s", "none"]
    assert pd.pop("n") == 4 and list(pd) == ["w", "s", "none"]
    assert pd.popitem() == ("none", None)
    key, value = pd.popitem()
    assert key == "s" and value is added and list(pd) == ["w"]
    pd.clear()
    assert len(pd) == 0 and names(pd) == []
    with raises_key("popitem(): dictionary is empty"):
        pd.popitem()


def test_copy_and_fromkeys():
    pd = ParameterDict(OrderedDict([("b", nnx.zeros(1)), ("a", 3)]))
    dup = pd.copy()
    assert type(dup) is ParameterDict and list(dup) == ["b", "a"] and dup["b"] is pd["b"]
    shared = Parameter(nnx.zeros(1))
    fresh = pd.fromkeys(["x", "y"], shared)
    assert list(fresh) == ["x", "y"] and fresh["x"] is shared and fresh["y"] is shared
    assert names(fresh) == ["x"]  # the shared Parameter is listed once
    converted = pd.fromkeys(["x", "y"], nnx.zeros(1))
    assert converted["x"] is not converted["y"] and names(converted) == ["x", "y"]
    assert list(ParameterDict().fromkeys("ab")) == ["a", "b"]
    with raises(TypeError, "ParameterDict.fromkeys() missing 1 required positional argument: "
                           "'keys'"):
        ParameterDict.fromkeys(["x"])


def test_update():
    pd = ParameterDict()
    pd.update({"z": 1, "a": 2})
    pd.update(OrderedDict([("z2", 1), ("a2", 2)]))
    pd.update([("k", nnx.zeros(1))])
    pd.update(["ab"])  # the pair ('a', 'b')
    assert list(pd) == ["a", "z", "z2", "a2", "k"] and pd["a"] == "b"
    assert type(pd["k"]) is Parameter


def test_update_errors():
    pd = ParameterDict()
    with raises(TypeError, "ParametersDict.update should be called with an iterable of "
                           "key/value pairs, but got int"):
        pd.update(3)
    with raises(TypeError, "ParameterDict update sequence element #0 should be Iterable; "
                           "isint"):
        pd.update([3])
    with raises(ValueError, "ParameterDict update sequence element #0 has length 3; 2 is "
                            "required"):
        pd.update([(1, 2, 3)])
    with raises(ValueError, "ParameterDict update sequence element #0 has length 1; 2 is "
                            "required"):
        pd.update("ab")


def test_or_operators():
    pd = ParameterDict({"a": nnx.zeros(1)})
    merged = pd | {"z": nnx.ones(1)}
    assert type(merged) is ParameterDict and list(merged) == ["a", "z"] and list(pd) == ["a"]
    assert merged["a"] is pd["a"] and type(merged["z"]) is Parameter
    right = {"z": 1} | pd  # dict.__or__ declines, so ParameterDict.__ror__ builds a dict
    assert type(right) is dict and list(right) == ["z", "a"] and right["a"] is pd["a"]
    both = pd | ParameterDict({"b": 2})
    assert list(both) == ["a", "b"]
    before = pd
    pd |= {"q": 1}
    assert pd is before and list(pd) == ["a", "q"]
    with raises(TypeError, "ParametersDict.update should be called with an iterable of "
                           "key/value pairs, but got int"):
        pd | 3
    with raises(AttributeError, "'int' object has no attribute 'copy'"):
        3 | pd


def test_not_callable():
    pd = ParameterDict()
    with raises(RuntimeError, "ParameterDict should not be called."):
        pd(1)
    with raises(TypeError, "missing 1 required positional argument: 'input'"):
        pd()


# -- repr --------------------------------------------------------------------------------
def test_repr_uses_the_legacy_tensor_type():
    pd = ParameterDict(
        {"a": Parameter(nnx.zeros(2, 3)), "b": nnx.zeros(4, dtype=nnx.float64), "c": 3}
    )
    pd.setdefault("d")
    assert repr(pd) == (
        "ParameterDict(\n"
        "    (a): Parameter containing: [nnx.FloatTensor of size 2x3]\n"
        "    (b): Parameter containing: [nnx.DoubleTensor of size 4]\n"
        "    (c): Object of type: int\n"
        "    (d): Object of type: NoneType\n"
        ")"
    )
    assert repr(ParameterDict()) == "ParameterDict()"
    assert repr(ParameterDict([("k", nnx.zeros(1))])) == (
        "ParameterDict(  (k): Parameter containing: [nnx.FloatTensor of size 1])"
    )
    assert repr(ParameterDict({"m": Lin()})) == (
        "ParameterDict(\n"
        "    (m): Object of type: Lin\n"
        "  (m): Lin(in_features=1, out_features=1, bias=True)\n"
        ")"
    )


# -- Module integration ------------------------------------------------------------------
def test_gradients_and_deepcopy():
    pd = ParameterDict({"left": nnx.full((2,), 2.0), "right": nnx.ones(2), "n": 1})
    (pd["left"] * pd["right"]).sum().backward()
    assert pd["right"].grad.tolist() == [2.0, 2.0]
    dup = copy.deepcopy(pd)
    assert type(dup) is ParameterDict and list(dup) == ["left", "n", "right"]
    assert dup["left"] is not pd["left"] and dup["left"].tolist() == [2.0, 2.0]
    del dup["n"]
    assert list(dup) == ["left", "right"] and list(pd) == ["left", "n", "right"]


@pytest.mark.parametrize("name", ["left", "right"])
def test_named_parameters_use_the_keys(name):
    pd = ParameterDict({"left": nnx.zeros(1), "right": nnx.zeros(1)})
    assert pd.get_parameter(name) is pd[name]
