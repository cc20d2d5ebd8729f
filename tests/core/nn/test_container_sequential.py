"""nnx.nn.Sequential against torch 2.13's behaviour: construction, list-like indexing (by
position whatever the keys), renumbering after deletion, +, *, insert, forward chaining,
repr, dir and state_dict."""

import copy
from collections import OrderedDict

import pytest
from _container_modules import LIN_REPR, Act, Lin, keys, raises

import nnx
from nnx.nn.modules.module import Module
from nnx.nn.modules.sequential import Sequential


def named():
    return Sequential(OrderedDict([("a", Act()), ("b", Lin()), ("c", Act())]))


# -- construction ----------------------------------------------------------------------
def test_positional_modules_are_numbered():
    a, b = Act(), Lin()
    s = Sequential(a, b)
    assert keys(s) == ["0", "1"]
    assert s[0] is a and s[1] is b
    assert isinstance(s, Module) and len(s) == 2


def test_ordered_dict_keeps_names():
    s = named()
    assert keys(s) == ["a", "b", "c"]
    assert s.b is s[1]


def test_constructor_errors():
    with raises(TypeError, "int is not a Module subclass"):
        Sequential(3)
    with raises(TypeError, "collections.OrderedDict is not a Module subclass"):
        Sequential(OrderedDict(), Act())  # an OrderedDict counts only as the sole argument
    with raises(TypeError, "dict is not a Module subclass"):
        Sequential({"a": Act()})
    with raises(TypeError, "Sequential.__init__() got an unexpected keyword argument 'a'"):
        Sequential(a=Act())


def test_none_is_a_valid_entry():
    s = Sequential(None)
    assert s._modules == {"0": None}


# -- indexing ---------------------------------------------------------------------------
def test_getitem_by_position_and_negative():
    s = named()
    assert s[0] is s.a and s[-1] is s.c and s[-3] is s.a


@pytest.mark.parametrize("idx", [3, 5, -4, -5])
def test_getitem_out_of_range(idx):
    with raises(IndexError, f"index {idx} is out of range"):
        named()[idx]


def test_getitem_non_integer():
    s = named()
    with raises(TypeError, "'str' object cannot be interpreted as an integer"):
        s["a"]
    with raises(TypeError, "'float' object cannot be interpreted as an integer"):
        s[1.0]


def test_slice_keeps_original_keys_and_children():
    s = Sequential(Act(), Lin(), Act())
    tail = s[1:]
    assert type(tail) is Sequential and keys(tail) == ["1", "2"]
    assert tail[0] is s[1] and tail[1] is s[2]
    sub = named()[1:]
    assert keys(sub) == ["b", "c"]
    assert keys(named()[::-1]) == ["c", "b", "a"]
    assert len(named()[5:]) == 0


def test_setitem_replaces_under_the_same_key():
    s = named()
    new = Lin()
    s[0] = new
    assert keys(s) == ["a", "b", "c"] and s.a is new
    s[-1] = None
    assert s._modules["c"] is None


def test_setitem_errors():
    s = Sequential(Act(), Act())
    with raises(TypeError, "cannot assign 'int' as child module '1' "
                           "(nnx.nn.Module or None expected)"):
        s[1] = 3
    with raises(IndexError, "index 2 is out of range"):
        s[2] = Act()


# -- deletion and pop renumber --------------------------------------------------------
def test_del_renumbers_even_named_keys():
    s = named()
    b, c = s.b, s.c
    del s[0]
    assert keys(s) == ["0", "1"] and s[0] is b and s[1] is c


def test_del_slice():
    mods = [Act() for _ in range(4)]
    s = Sequential(*mods)
    del s[1:3]
    assert keys(s) == ["0", "1"] and list(s) == [mods[0], mods[3]]
    del s[:]
    assert len(s) == 0


def test_pop():
    s = named()
    b = s.b
    assert s.pop(1) is b
    assert keys(s) == ["0", "1"]
    mods = [Act() for _ in range(4)]
    s = Sequential(*mods)
    popped = s.pop(slice(0, 2))
    assert list(popped) == mods[:2] and list(s) == mods[2:] and keys(s) == ["0", "1"]
    with raises(TypeError, "Sequential.pop() missing 1 required positional argument: 'key'"):
        s.pop()


# -- len / iter / reversed / dir ---------------------------------------------------------
def test_len_iter_reversed():
    mods = [Act(), Lin(), Act()]
    s = Sequential(*mods)
    assert len(s) == 3 and list(s) == mods
    assert list(reversed(s)) == mods[::-1]
    assert len(Sequential()) == 0 and list(reversed(Sequential())) == []


def test_dir_drops_digit_keys_but_keeps_names():
    listing = dir(Sequential(Act(), Act()))
    assert "0" not in listing and "1" not in listing
    assert "forward" in listing and "append" in listing
    assert "b" in dir(named())


# -- append / extend / insert ----------------------------------------------------------
def test_append_and_extend_return_self():
    s = Sequential(Act())
    lin = Lin()
    assert s.append(lin) is s and keys(s) == ["0", "1"] and s[1] is lin
    more = [Act(), Act()]
    assert s.extend(more) is s and list(s)[2:] == more
    assert s.extend(Sequential(Lin())) is s and len(s) == 5
    with raises(TypeError, "int is not a Module subclass"):
        s.append(3)
    with raises(TypeError, "int is not a Module subclass"):
        s.extend([3])
    with raises(TypeError, "'int' object is not iterable"):
        s.extend(3)


@pytest.mark.parametrize("index, position", [(0, 0), (1, 1), (2, 2), (-1, 1), (-2, 0)])
def test_insert(index, position):
    a, b = Act(), Act()
    s = Sequential(a, b)
    new = Lin()
    assert s.insert(index, new) is s
    expected = [a, b]
    expected.insert(position, new)
    assert list(s) == expected and keys(s) == ["0", "1", "2"]
    assert new in list(s.children())


def test_insert_into_named_sequential_renumbers():
    # torch 2.13 raises KeyError '2' here (it shifts digit keys that do not exist)
    s = named()
    a, b, c = list(s)
    new = Lin()
    s.insert(1, new)
    assert keys(s) == ["0", "1", "2", "3"] and list(s) == [a, new, b, c]


def test_insert_errors():
    s = Sequential(Act(), Act())
    with raises(IndexError, "Index out of range: 3"):
        s.insert(3, Lin())
    with raises(IndexError, "Index out of range: -3"):
        s.insert(-3, Lin())
    with raises(AssertionError, f"module should be of type: {Module}"):
        s.insert(1, 3)
    assert len(s) == 2


# -- + and * -------------------------------------------------------------------------------
def test_add():
    left, right = named(), Sequential(Lin())
    combined = left + right
    assert type(combined) is Sequential and keys(combined) == ["0", "1", "2", "3"]
    assert list(combined) == list(left) + list(right)
    assert keys(left) == ["a", "b", "c"]  # operands untouched
    with raises(ValueError, "add operator supports only objects of Sequential class, "
                            "but <class 'list'> is given."):
        left + [Act()]


def test_iadd():
    s = Sequential(Act(), Act())
    other = Sequential(Lin())
    before = s
    s += other
    assert s is before and keys(s) == ["0", "1", "2"] and s[2] is other[0]
    with raises(ValueError, "add operator supports only objects of Sequential class, "
                            "but <class 'list'> is given."):
        s += [Act()]


def test_mul_repeats_the_same_objects():
    a, b = Act(), Lin()
    s = Sequential(a, b)
    for twice in (s * 2, 2 * s):
        assert keys(twice) == ["0", "1", "2", "3"] and list(twice) == [a, b, a, b]
    assert keys(named() * 1) == ["0", "1", "2"]
    # shared children: their parameters count once
    assert len(list((s * 3).parameters())) == 1


def test_mul_errors():
    s = Sequential(Act())
    with raises(ValueError, f"Non-positive multiplication factor 0 for {Sequential}"):
        s * 0
    with raises(TypeError, f"unsupported operand type(s) for *: {Sequential} and {float}"):
        s * 1.5


def test_imul():
    # torch 2.13 raises KeyError '0' when the keys are names; here the copies are appended
    a, b = Act(), Lin()
    s = Sequential(OrderedDict([("x", a), ("y", b)]))
    before = s
    s *= 3
    assert s is before and list(s) == [a, b] * 3
    assert keys(s) == ["x", "y", "2", "3", "4", "5"]
    with raises(ValueError, f"Non-positive multiplication factor -1 for {Sequential}"):
        s *= -1


# -- forward -----------------------------------------------------------------------------
def test_forward_chains_children():
    s = Sequential(Lin(scale=2.0), Act(), Lin(scale=-3.0))
    out = s(nnx.tensor([-1.0, 2.0]))
    assert out.tolist() == [0.0, -12.0]
    s2 = Sequential(Lin(scale=-3.0), Act())
    assert s2(nnx.tensor([-1.0, 2.0])).tolist() == [3.0, 0.0]


def test_forward_empty_and_arity():
    x = nnx.tensor([1.0])
    assert Sequential()(x) is x
    with raises(TypeError, "Sequential.forward() takes 2 positional arguments but 3 were given"):
        Sequential(Act())(x, x)


def test_forward_backward_reaches_parameters():
    s = Sequential(Lin(scale=2.0), Lin(scale=3.0))
    s(nnx.tensor([1.0, 2.0])).sum().backward()
    assert s[0].weight.grad.tolist() == [[9.0]] and s[1].weight.grad.tolist() == [[6.0]]


# -- repr ----------------------------------------------------------------------------------
def test_repr_lists_every_child():
    # torch 2.13 compresses repeated children only in ModuleList, not in Sequential
    s = Sequential(Lin(), Lin(), Act())
    assert repr(s) == (
        "Sequential(\n"
        f"  (0): {LIN_REPR}\n"
        f"  (1): {LIN_REPR}\n"
        "  (2): Act()\n"
        ")"
    )
    assert repr(Sequential()) == "Sequential()"


def test_repr_named_and_nested():
    s = Sequential(OrderedDict([("conv1", Lin()), ("inner", Sequential(Act(), Act()))]))
    assert repr(s) == (
        "Sequential(\n"
        f"  (conv1): {LIN_REPR}\n"
        "  (inner): Sequential(\n"
        "    (0): Act()\n"
        "    (1): Act()\n"
        "  )\n"
        ")"
    )


# -- Module integration ----------------------------------------------------------------
def test_state_dict_and_named_parameters():
    s = Sequential(Lin(), Act(), Lin())
    assert list(s.state_dict()) == ["0.weight", "2.weight"]
    assert [n for n, _ in s.named_parameters()] == ["0.weight", "2.weight"]
    assert list(named().state_dict()) == ["b.weight"]


def test_train_eval_reach_children():
    s = Sequential(Act(), Sequential(Lin()))
    s.eval()
    assert not s[0].training and not s[1][0].training
    s.train()
    assert s[1][0].training


def test_deepcopy():
    s = named() * 2
    dup = copy.deepcopy(s)
    assert type(dup) is Sequential and keys(dup) == keys(s)
    assert dup[0] is not s[0] and dup[1] is dup[4]  # sharing is preserved
    assert dup[1].weight is not s[1].weight
    assert dup[1].weight.tolist() == s[1].weight.tolist()


def test_subclass_slicing_keeps_class():
    class Stack(Sequential):
        pass

    s = Stack(Act(), Act())
    assert type(s[1:]) is Stack
