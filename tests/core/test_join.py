"""cat / stack and friends: values, promotion, legacy empty inputs, gradients, messages."""


import numpy as np
import pytest
from _helpers import leaf, out_of_range, raises, rand

import nnx
from nnx.autograd import gradcheck, gradgradcheck

A23, B13, C22 = rand(2, 3, seed=1), rand(1, 3, seed=2), rand(2, 2, seed=3)


# -- cat ------------------------------------------------------------------------------------

@pytest.mark.parametrize("arrays, dim", [
    ((A23, B13), 0), ((A23, C22), 1), ((A23, C22, A23), -1), ((A23,), 0),
    ((rand(2, 1, 3), rand(2, 2, 3)), 1), ((rand(0, 3), A23), 0),
])
def test_cat_values(arrays, dim):
    tensors = [nnx.tensor(a) for a in arrays]
    expected = np.concatenate(arrays, axis=dim)
    np.testing.assert_array_equal(nnx.cat(tensors, dim).numpy(), expected)
    np.testing.assert_array_equal(nnx.cat(tuple(tensors), dim=dim).numpy(), expected)
    np.testing.assert_array_equal(nnx.concat(tensors, dim).numpy(), expected)
    np.testing.assert_array_equal(nnx.concatenate(tensors, dim).numpy(), expected)


def test_cat_makes_new_memory():
    a = nnx.tensor(A23)
    out = nnx.cat([a])
    assert not np.shares_memory(out._data, a._data)


@pytest.mark.parametrize("dtypes, expected", [
    ((nnx.float32, nnx.float64), nnx.float64), ((nnx.int32, nnx.float32), nnx.float32),
    ((nnx.int64, nnx.int32), nnx.int64), ((nnx.bool, nnx.uint8), nnx.uint8),
    ((nnx.uint8, nnx.int8), nnx.int16), ((nnx.float16, nnx.int64), nnx.float16),
])
def test_cat_stack_promote(dtypes, expected):
    tensors = [nnx.ones(2, 2, dtype=d) for d in dtypes]
    assert nnx.cat(tensors).dtype == expected
    assert nnx.stack(tensors).dtype == expected


def test_cat_skips_legacy_empty_1d():
    a = nnx.tensor(A23)
    empty = nnx.tensor([])
    out = nnx.cat([empty, a, empty], 1)
    np.testing.assert_array_equal(out.numpy(), A23)
    assert nnx.cat([empty, empty]).shape == (0,)
    assert nnx.cat([nnx.tensor([1.0]), empty]).tolist() == [1.0]
    x = leaf(A23)
    e = leaf([])
    nnx.cat([x, e]).sum().backward()
    assert e.grad.shape == (0,)
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))


def test_cat_errors():
    with raises(ValueError, "nnx.cat(): expected a non-empty list of Tensors"):
        nnx.cat([])
    with raises(RuntimeError, "Sizes of tensors must match except in dimension 1. Expected size 2 "
                "but got size 3 for tensor number 1 in the list."):
        nnx.cat([nnx.zeros(2, 3), nnx.zeros(3, 3)], 1)
    with raises(RuntimeError, "Tensors must have same number of dimensions: got 2 and 1"):
        nnx.cat([nnx.zeros(2, 3), nnx.zeros(3)])
    with raises(RuntimeError, "zero-dimensional tensor (at position 1) cannot be concatenated"):
        nnx.cat([nnx.zeros(2), nnx.tensor(1.0)])
    with out_of_range(-2, 1, 2):
        nnx.cat([nnx.zeros(2, 3)], 2)
    with raises(TypeError, "expected Tensor as element 1 in argument 0, but got int"):
        nnx.cat([nnx.zeros(2), 3])


def test_cat_grad_fn_and_partial_requires_grad():
    x = leaf(A23)
    c = nnx.tensor(B13)
    out = nnx.cat([x, c])
    assert out.grad_fn.name() == "CatBackward0"
    (out * nnx.tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(6.0).reshape(2, 3))
    assert c.grad is None


def test_cat_grad_cast_back_to_input_dtype():
    a = leaf(A23, dtype=nnx.float32)
    b = leaf(B13, dtype=nnx.float64)
    out = nnx.cat([a, b])
    assert out.dtype == nnx.float64
    out.sum().backward()
    assert a.grad.dtype == nnx.float32 and b.grad.dtype == nnx.float64


# -- stack ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2, -3])
def test_stack_values(dim):
    arrays = [rand(2, 3, seed=s) for s in range(3)]
    out = nnx.stack([nnx.tensor(a) for a in arrays], dim)
    np.testing.assert_array_equal(out.numpy(), np.stack(arrays, axis=dim))
    assert nnx.stack(tuple(nnx.tensor(a) for a in arrays), dim=dim).shape == out.shape


def test_stack_0d_and_errors():
    assert nnx.stack([nnx.tensor(1.0), nnx.tensor(2.0)]).tolist() == [1.0, 2.0]
    with raises(RuntimeError, "stack expects each tensor to be equal size, but got [2, 3] at "
                "entry 0 and [2, 4] at entry 1"):
        nnx.stack([nnx.zeros(2, 3), nnx.zeros(2, 4)])
    with raises(RuntimeError, "stack expects a non-empty TensorList"):
        nnx.stack([])
    with out_of_range(-3, 2, 3):
        nnx.stack([nnx.zeros(2, 3)], 3)


def test_stack_grad():
    a, b = leaf(A23), leaf(A23 * 2)
    out = nnx.stack([a, b], 1)
    assert out.grad_fn.name() == "StackBackward0"
    w = np.arange(12.0).reshape(2, 2, 3)
    (out * nnx.tensor(w)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), w[:, 0])
    np.testing.assert_array_equal(b.grad.numpy(), w[:, 1])


# -- hstack, vstack, dstack ---------------------------------------------------------------------

@pytest.mark.parametrize("arrays", [
    (np.arange(3.0), np.arange(2.0)),
    (A23, C22),
    (np.float64(1.0), np.arange(2.0)),
])
def test_hstack(arrays):
    out = nnx.hstack([nnx.tensor(a) for a in arrays])
    np.testing.assert_array_equal(out.numpy(), np.hstack(arrays))


@pytest.mark.parametrize("arrays", [
    (np.arange(3.0), np.arange(3.0, 6.0)),
    (A23, np.arange(3.0)),
    (np.float64(1.0), np.float64(2.0)),
])
def test_vstack(arrays):
    out = nnx.vstack([nnx.tensor(a) for a in arrays])
    np.testing.assert_array_equal(out.numpy(), np.vstack(arrays))


@pytest.mark.parametrize("arrays", [
    (np.arange(3.0), np.arange(3.0, 6.0)),
    (A23, A23),
    (rand(2, 3, 1), rand(2, 3, 2)),
    (np.float64(1.0), np.float64(2.0)),
])
def test_dstack(arrays):
    from nnx._ops.join import dstack
    out = dstack([nnx.tensor(a) for a in arrays])
    np.testing.assert_array_equal(out.numpy(), np.dstack(arrays))


def test_stacks_need_tensors():
    with raises(RuntimeError, "hstack expects a non-empty TensorList"):
        nnx.hstack([])
    with raises(RuntimeError, "vstack expects a non-empty TensorList"):
        nnx.vstack([])


# -- gradients ----------------------------------------------------------------------------------

GRAD_CASES = {
    "cat0": (lambda a, b: nnx.cat([a, b, a]), ((2, 3), (1, 3))),
    "cat1": (lambda a, b: nnx.cat((a, b), dim=-1), ((2, 3), (2, 2))),
    "stack0": (lambda a, b: nnx.stack([a, b]), ((2, 3), (2, 3))),
    "stack_neg": (lambda a, b: nnx.stack([a, b, a], -1), ((2, 3), (2, 3))),
    "hstack": (lambda a, b: nnx.hstack([a, b]), ((2, 3), (2, 1))),
    "vstack": (lambda a, b: nnx.vstack([a, b]), ((3,), (2, 3))),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradcheck(name):
    fn, shapes = GRAD_CASES[name]
    inputs = tuple(leaf(rand(*s, seed=i)) for i, s in enumerate(shapes))
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("name", ["cat0", "cat1", "stack_neg", "vstack"])
def test_gradgradcheck(name):
    fn, shapes = GRAD_CASES[name]
    inputs = tuple(leaf(rand(*s, seed=i)) for i, s in enumerate(shapes))
    assert gradgradcheck(lambda a, b: fn(a, b) ** 2, inputs)
