"""nnx.nn.ModuleList against torch 2.13's behaviour: construction from iterables, indexing,
renumbering, insert (list-like, where torch is buggy), +, the compressed repr."""

import copy

import pytest
from _container_modules import LIN_REPR, Act, Lin, keys, raises

import nnx
from nnx.nn.modules.module import Module
from nnx.nn.modules.module_list import ModuleList
from nnx.nn.modules.sequential import Sequential


class Owner(Module):
    def __init__(self, n):
        super().__init__()
        self.layers = ModuleList(Lin() for _ in range(n))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


# -- construction ----------------------------------------------------------------------
def test_construction():
    mods = [Act(), Lin()]
    ml = ModuleList(mods)
    assert keys(ml) == ["0", "1"] and list(ml) == mods
    assert len(ModuleList()) == 0 and len(ModuleList(None)) == 0
    assert len(ModuleList(Act() for _ in range(3))) == 3  # generators are fine
    assert len(ModuleList(ModuleList([Act()]))) == 1


def test_construction_errors():
    with raises(TypeError, "ModuleList.extend should be called with an iterable, but got Act"):
        ModuleList(Act())
    with raises(TypeError, "int is not a Module subclass"):
        ModuleList([Act(), 3])


# -- indexing ---------------------------------------------------------------------------
def test_getitem():
    mods = [Act(), Lin(), Act()]
    ml = ModuleList(mods)
    assert ml[0] is mods[0] and ml[-1] is mods[2] and ml[-3] is mods[0]
    for idx in (3, 5, -4, -5):
        with raises(IndexError, f"index {idx} is out of range"):
            ml[idx]
    with raises(TypeError, "'str' object cannot be interpreted as an integer"):
        ml["a"]
    with raises(TypeError, "'float' object cannot be interpreted as an integer"):
        ml[1.5]


def test_slice_is_renumbered_from_zero():
    mods = [Act(), Lin(), Act()]
    ml = ModuleList(mods)
    tail = ml[1:]
    assert type(tail) is ModuleList and keys(tail) == ["0", "1"] and list(tail) == mods[1:]
    assert list(ml[::-1]) == mods[::-1] and keys(ml[::2]) == ["0", "1"]


def test_setitem():
    ml = ModuleList([Act(), Act()])
    new = Lin()
    ml[-1] = new
    assert ml[1] is new and keys(ml) == ["0", "1"]
    ml[0] = None
    assert list(ml) == [None, new]
    with raises(TypeError, "cannot assign 'int' as child module '1' "
                           "(nnx.nn.Module or None expected)"):
        ml[1] = 3
    with raises(IndexError, "index 10 is out of range"):
        ml[10] = Act()


def test_contains_is_by_identity():
    a = Act()
    ml = ModuleList([a])
    assert a in ml and Act() not in ml and "0" not in ml


# -- deletion, pop -------------------------------------------------------------------------
def test_del_renumbers():
    mods = [Act() for _ in range(5)]
    ml = ModuleList(mods)
    del ml[1]
    assert keys(ml) == ["0", "1", "2", "3"] and list(ml) == [mods[0]] + mods[2:]
    del ml[0:4:2]
    assert keys(ml) == ["0", "1"] and list(ml) == [mods[2], mods[4]]
    with raises(IndexError, "index 2 is out of range"):
        del ml[2]


def test_pop():
    mods = [Act() for _ in range(3)]
    ml = ModuleList(mods)
    assert ml.pop(-1) is mods[2] and keys(ml) == ["0", "1"]
    assert list(ml.pop(slice(0, 1))) == [mods[0]] and list(ml) == [mods[1]]
    with raises(TypeError, "ModuleList.pop() missing 1 required positional argument: 'key'"):
        ml.pop()


# -- append / extend / insert -----------------------------------------------------------
def test_append_extend():
    ml = ModuleList()
    a = Act()
    assert ml.append(a) is ml and ml[0] is a
    assert ml.extend([Lin(), Lin()]) is ml and keys(ml) == ["0", "1", "2"]
    ml.extend(ModuleList([Act()]))
    assert len(ml) == 4
    with raises(TypeError, "int is not a Module subclass"):
        ml.append(3)
    with raises(TypeError, "ModuleList.extend should be called with an iterable, but got int"):
        ml.extend(3)
    with raises(TypeError, "str is not a Module subclass"):
        ml.extend({"a": Act()})  # a mapping iterates over its keys
    with raises(TypeError, "nnx.FloatTensor is not a Module subclass"):
        ml.extend(nnx.zeros(2))


@pytest.mark.parametrize(
    "index, position",
    [(0, 0), (1, 1), (3, 3), (-1, 2), (-3, 0), (-100, 0), (100, 3)],
)
def test_insert_follows_list_insert(index, position):
    # torch 2.13: insert(-1, m) raises KeyError '-1' and insert(100, m) leaves key '100'
    mods = [Act(), Act(), Act()]
    ml = ModuleList(mods)
    new = Lin()
    assert ml.insert(index, new) is None
    expected = list(mods)
    expected.insert(index, new)
    assert expected.index(new) == position
    assert list(ml) == expected and keys(ml) == ["0", "1", "2", "3"]
    assert [m for _, m in ml.named_children()] == expected


def test_insert_checks_its_arguments():
    ml = ModuleList([Act()])
    with raises(TypeError, "int is not a Module subclass"):  # torch stores the int
        ml.insert(0, 3)
    with raises(TypeError, "'str' object cannot be interpreted as an integer"):
        ml.insert("a", Act())
    assert len(ml) == 1 and keys(ml) == ["0"]


# -- operators ---------------------------------------------------------------------------
def test_add_and_iadd():
    a, b, c = Act(), Lin(), Act()
    ml = ModuleList([a])
    for other in ([b, c], (b, c), ModuleList([b, c]), Sequential(b, c)):
        combined = ml + other
        assert type(combined) is ModuleList and list(combined) == [a, b, c]
        assert keys(combined) == ["0", "1", "2"]
    assert list(ml) == [a]
    before = ml
    ml += [b]
    assert ml is before and list(ml) == [a, b]
    with raises(TypeError, "ModuleList.extend should be called with an iterable, but got int"):
        ml += 4
    with raises(TypeError, 'can only concatenate list (not "ModuleList") to list'):
        [a] + ml
    with raises(TypeError, "int is not a Module subclass"):
        ml + [1]


def test_no_mul():
    with raises(TypeError, "unsupported operand type(s) for *: 'ModuleList' and 'int'"):
        ModuleList([Act()]) * 2


def test_dir_drops_digit_keys():
    listing = dir(ModuleList([Act(), Act()]))
    assert "0" not in listing and "append" in listing


def test_no_forward():
    with raises(NotImplementedError, 'Module [ModuleList] is missing the required "forward" '
                                     "function"):
        ModuleList([Act()])(nnx.zeros(1))


# -- repr -----------------------------------------------------------------------------------
def test_repr_compresses_runs():
    ml = ModuleList([Lin(), Act(), Act(), Lin(), Lin()])
    assert repr(ml) == (
        "ModuleList(\n"
        f"  (0): {LIN_REPR}\n"
        "  (1-2): 2 x Act()\n"
        f"  (3-4): 2 x {LIN_REPR}\n"
        ")"
    )
    assert repr(ModuleList([Lin(), Lin(), Lin()])) == (
        f"ModuleList(\n  (0-2): 3 x {LIN_REPR}\n)"
    )
    assert repr(ModuleList()) == "ModuleList()"


def test_repr_compares_reprs_not_identity():
    ml = ModuleList([Lin(), Lin(2, 3), Lin()])
    assert repr(ml) == (
        "ModuleList(\n"
        f"  (0): {LIN_REPR}\n"
        "  (1): Lin(in_features=2, out_features=3, bias=True)\n"
        f"  (2): {LIN_REPR}\n"
        ")"
    )
    assert repr(ModuleList([None, None, Act()])) == (
        "ModuleList(\n  (0-1): 2 x None\n  (2): Act()\n)"
    )


def test_repr_nested_block_is_indented():
    ml = ModuleList([Sequential(Act(), Act()), Sequential(Act(), Act())])
    assert repr(ml) == (
        "ModuleList(\n"
        "  (0-1): 2 x Sequential(\n"
        "    (0): Act()\n"
        "    (1): Act()\n"
        "  )\n"
        ")"
    )
    owner = Owner(2)
    assert repr(owner) == (
        "Owner(\n"
        "  (layers): ModuleList(\n"
        f"    (0-1): 2 x {LIN_REPR}\n"
        "  )\n"
        ")"
    )


# -- Module integration ----------------------------------------------------------------
def test_registration_in_owner():
    owner = Owner(3)
    assert list(owner.state_dict()) == [f"layers.{i}.weight" for i in range(3)]
    assert list(ModuleList([Lin()]).state_dict()) == ["0.weight"]
    assert len(list(owner.parameters())) == 3
    out = owner(nnx.tensor([1.0]))
    out.sum().backward()
    assert owner.layers[0].weight.grad.tolist() == [[4.0]]


def test_deepcopy():
    lin = Lin()
    ml = ModuleList([lin, Act(), lin])
    dup = copy.deepcopy(ml)
    assert type(dup) is ModuleList and keys(dup) == ["0", "1", "2"]
    assert dup[0] is not lin and dup[0] is dup[2]
    assert dup[0].weight.tolist() == lin.weight.tolist()
