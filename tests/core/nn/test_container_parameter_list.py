"""nnx.nn.ParameterList against torch 2.13's behaviour: Tensor -> Parameter conversion,
non-tensor entries, indexing, the (small) list API, repr, registration."""

import copy

import pytest
from _container_modules import LIN_REPR, Act, Lin, raises

import nnx
from nnx.nn import Parameter
from nnx.nn.modules.parameter_list import ParameterList
from nnx.nn.modules.sequential import Sequential


def sample():
    return ParameterList([nnx.zeros(2, 3), Parameter(nnx.zeros(4, dtype=nnx.float64))])


def names(module):
    return [name for name, _ in module.named_parameters()]


# -- construction and conversion ---------------------------------------------------------
def test_tensors_become_parameters():
    plain = nnx.ones(2)
    assert not plain.requires_grad
    param = Parameter(nnx.zeros(3))
    pl = ParameterList([plain, param])
    assert type(pl[0]) is Parameter and pl[0].requires_grad
    assert pl[0].tolist() == [1.0, 1.0]
    assert pl[1] is param
    assert len(pl) == 2 and names(pl) == ["0", "1"]
    assert len(ParameterList()) == 0 and len(ParameterList(None)) == 0


def test_conversion_shares_storage():
    plain = nnx.zeros(2)
    pl = ParameterList([plain])
    with nnx.no_grad():
        pl[0].add_(1.0)
    assert plain.tolist() == [1.0, 1.0]


def test_integer_tensor_cannot_become_a_parameter():
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        ParameterList([nnx.zeros(2, dtype=nnx.int64)])


def test_non_tensors_are_plain_entries():
    lin = Lin()
    pl = ParameterList([nnx.zeros(1), 3, "s", None, lin])
    assert len(pl) == 5 and list(pl) == [pl[0], 3, "s", None, lin]
    assert names(pl) == ["0", "4.weight"]  # a Module entry is registered as a submodule
    assert list(pl.state_dict()) == ["0", "4.weight"]


# -- indexing ---------------------------------------------------------------------------
def test_getitem():
    pl = sample()
    assert pl[-1] is pl[1] and pl[-2] is pl[0]
    for idx in (2, -3, 10):
        with raises(IndexError, f"index {idx} is out of range"):
            pl[idx]
    with raises(TypeError, "'str' object cannot be interpreted as an integer"):
        pl["a"]


def test_slices_are_new_lists_of_the_same_entries():
    pl = ParameterList([nnx.zeros(1), 3, nnx.ones(2), "s"])
    tail = pl[1:]
    assert type(tail) is ParameterList and list(tail) == [3, pl[2], "s"]
    assert tail[1] is pl[2]
    assert list(pl[::-2]) == ["s", 3]
    assert len(pl[10:]) == 0


def test_setitem():
    pl = sample()
    pl[0] = nnx.ones(3)
    assert type(pl[0]) is Parameter and pl[0].tolist() == [1.0, 1.0, 1.0]
    pl[-1] = None
    assert pl[1] is None and names(pl) == ["0"] and len(pl) == 2
    with raises(TypeError, "cannot assign 'int' as parameter '0' "
                           "(nnx.nn.Parameter or None expected)"):
        pl[0] = 3
    with raises(IndexError, "index 10 is out of range"):
        pl[10] = Parameter(nnx.zeros(1))


def test_plain_attributes_are_not_entries():
    pl = sample()
    pl.x = 5
    assert len(pl) == 2 and pl.x == 5


# -- list API ------------------------------------------------------------------------------
def test_append_extend_iadd():
    pl = ParameterList()
    assert pl.append(nnx.zeros(1)) is pl
    assert pl.extend([nnx.ones(1), 7]) is pl
    before = pl
    pl += (nnx.zeros(2),)
    assert pl is before and len(pl) == 4 and pl[2] == 7
    assert names(pl) == ["0", "1", "3"]


def test_extend_errors():
    pl = ParameterList()
    with raises(TypeError, "ParameterList.extend should be called with an iterable, but got int"):
        pl.extend(3)
    with raises(TypeError, "ParameterList.extend should be called with an iterable, "
                           "but got Tensor"):
        pl.extend(nnx.zeros(2))  # a Tensor is iterable but never unpacked
    with raises(TypeError, "ParameterList.extend should be called with an iterable, but got int"):
        ParameterList(5)


@pytest.mark.parametrize("name", ["insert", "pop"])
def test_no_insert_or_pop(name):
    with raises(AttributeError, f"'ParameterList' object has no attribute '{name}'"):
        getattr(ParameterList(), name)


def test_no_delete_add_or_call():
    pl = sample()
    with raises(AttributeError, "__delitem__"):
        del pl[0]
    with raises(TypeError, "unsupported operand type(s) for +: 'ParameterList' and "
                           "'ParameterList'"):
        pl + pl
    with raises(RuntimeError, "ParameterList should not be called."):
        pl(1)
    with raises(RuntimeError, "ParameterList should not be called."):
        pl()


def test_dir_drops_digit_keys():
    listing = dir(sample())
    assert "0" not in listing and "append" in listing


# -- repr --------------------------------------------------------------------------------
def test_repr():
    pl = sample()
    pl.append(3)
    assert repr(pl) == (
        "ParameterList(\n"
        "    (0): Parameter containing: [nnx.float32 of size 2x3]\n"
        "    (1): Parameter containing: [nnx.float64 of size 4]\n"
        "    (2): Object of type: int\n"
        ")"
    )
    assert repr(ParameterList()) == "ParameterList()"
    assert repr(ParameterList([nnx.tensor(1.0)])) == (
        "ParameterList(  (0): Parameter containing: [nnx.float32 of size ])"
    )


def test_repr_nested_and_with_a_module_entry():
    s = Sequential(ParameterList([nnx.zeros(2)]), Act())
    assert repr(s) == (
        "Sequential(\n"
        "  (0): ParameterList(  (0): Parameter containing: [nnx.float32 of size 2])\n"
        "  (1): Act()\n"
        ")"
    )
    assert repr(ParameterList([Lin()])) == (
        "ParameterList(\n"
        "    (0): Object of type: Lin\n"
        f"  (0): {LIN_REPR}\n"
        ")"
    )


# -- Module integration ------------------------------------------------------------------
def test_gradients_reach_entries():
    pl = ParameterList([nnx.ones(2), nnx.full((2,), 3.0)])
    (pl[0] * pl[1]).sum().backward()
    assert pl[0].grad.tolist() == [3.0, 3.0] and pl[1].grad.tolist() == [1.0, 1.0]
    pl.zero_grad()
    assert pl[0].grad is None


def test_deepcopy():
    pl = ParameterList([nnx.ones(2), 3])
    dup = copy.deepcopy(pl)
    assert type(dup) is ParameterList and len(dup) == 2 and dup[1] == 3
    assert type(dup[0]) is Parameter and dup[0] is not pl[0]
    assert dup[0].tolist() == [1.0, 1.0]
    dup.append(nnx.zeros(1))
    assert len(dup) == 3 and len(pl) == 2
