"""Indexing: x[i], x[i] = v, index_select, gather, masked_fill, nonzero (torch 2.x semantics)."""

import re

import numpy as np
import pytest
from _helpers import leaf, rand, second_order

import nnx
from nnx.autograd import gradcheck

X34 = np.arange(12.0).reshape(3, 4)
X234 = np.arange(24.0).reshape(2, 3, 4)


def idx(values, dtype=nnx.int64):
    return nnx.tensor(values, dtype=dtype)


# -- getitem: values --------------------------------------------------------------------

# (index built from nnx tensors, the same index for NumPy) where NumPy agrees with torch
SAME_AS_NUMPY = [
    (1, 1),
    (-1, -1),
    ((0, 2), (0, 2)),
    ((slice(None), slice(1, 3)), (slice(None), slice(1, 3))),
    ((slice(1, None), slice(None, None, 2)), (slice(1, None), slice(None, None, 2))),
    ((slice(-10, 2),), (slice(-10, 2),)),
    ((slice(3, 10),), (slice(3, 10),)),
    (None, None),
    ((Ellipsis, None), (Ellipsis, None)),
    ((None, 1, None), (None, 1, None)),
    ((1, Ellipsis), (1, Ellipsis)),
    ((), ()),
    (Ellipsis, Ellipsis),
    (True, True),
    (False, False),
    ([0, 2], [0, 2]),
    ([2, 0, 2], [2, 0, 2]),
    ([], np.array([], dtype=np.int64)),
    ([True, False, True], np.array([True, False, True])),
    (([0, 2], [1, 1]), ([0, 2], [1, 1])),
    ([[0, 2], [1, 1]], ([0, 2], [1, 1])),                     # legacy: list of lists = tuple
    ((slice(None), [3, 1]), (slice(None), [3, 1])),
    (([2, 0], slice(1, 3)), ([2, 0], slice(1, 3))),
    (([[0, 1], [2, 0]],), ([[0, 1], [2, 0]],)),
    (([[0], [2]], [1, 3, 1]), ([[0], [2]], [1, 3, 1])),      # broadcast index pair
    (([-1, -3],), ([-1, -3],)),
    ((np.array([0, 2]),), (np.array([0, 2]),)),
    ((np.int64(1),), (np.int64(1),)),
]


@pytest.mark.parametrize("index,np_index", SAME_AS_NUMPY, ids=[str(c[0]) for c in SAME_AS_NUMPY])
def test_getitem_matches_numpy_2d(index, np_index):
    x = nnx.tensor(X34)
    out = x[index]
    expected = X34[np_index]
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)


def test_getitem_index_tensors():
    x = nnx.tensor(X34)
    np.testing.assert_array_equal(x[idx([2, 0, 2])].numpy(), X34[[2, 0, 2]])
    np.testing.assert_array_equal(x[idx([2, 0], nnx.int32)].numpy(), X34[[2, 0]])
    np.testing.assert_array_equal(x[:, idx([[3], [1]])].numpy(), X34[:, [[3], [1]]])
    i, j = idx([[0], [2]]), idx([1, 3, 1])
    np.testing.assert_array_equal(x[i, j].numpy(), X34[[[0], [2]], [1, 3, 1]])
    assert x[idx([], nnx.int64)].shape == (0, 4)


def test_getitem_masks():
    x = nnx.tensor(X34)
    np.testing.assert_array_equal(x[x > 4].numpy(), X34[X34 > 4])
    m = nnx.tensor([True, False, True])
    np.testing.assert_array_equal(x[m].numpy(), X34[[0, 2]])
    np.testing.assert_array_equal(x[m, 1:3].numpy(), X34[[0, 2], 1:3])
    y = nnx.tensor(X234)
    m34 = nnx.tensor(X234[0] % 3 == 0)
    np.testing.assert_array_equal(y[:, m34].numpy(), X234[:, X234[0] % 3 == 0])
    np.testing.assert_array_equal(y[..., m34].numpy(), X234[:, X234[0] % 3 == 0])
    m23 = nnx.tensor(np.ones((2, 3), bool))
    assert y[m23].shape == (6, 4)
    # uint8 tensors are (deprecated) masks in torch
    np.testing.assert_array_equal(x[nnx.tensor([1, 0, 1], dtype=nnx.uint8)].numpy(), X34[[0, 2]])


def test_zero_dim_tensor_index_acts_like_int():
    x = nnx.tensor(X34)
    out = x[idx(1)]
    assert out.shape == (4,)
    assert np.shares_memory(out._data, x._data)
    assert x[nnx.tensor(True)].shape == (1, 3, 4)
    assert x[nnx.tensor(False)].shape == (0, 3, 4)


def test_ints_are_selects_not_advanced_indices():
    # torch applies ints first: x[1, :, idx] is (3, k); NumPy would give (k, 3)
    x = nnx.tensor(X234)
    out = x[1, :, idx([1, 2])]
    assert out.shape == (3, 2)
    np.testing.assert_array_equal(out.numpy(), X234[1][:, [1, 2]])
    assert x[:, 1, idx([1, 2])].shape == (2, 2)
    assert x[idx([1]), 1, idx([1])].shape == (1,)


def test_separated_advanced_indices_go_first():
    x = nnx.tensor(X234)
    out = x[idx([[1]]), :, idx([1])]
    assert out.shape == (1, 1, 3)
    np.testing.assert_array_equal(out.numpy(), X234[[[1]], :, [1]])
    assert x[:, idx([[1]]), :].shape == (2, 1, 1, 4)
    assert x[idx([0, 1]), None].shape == (2, 1, 3, 4)
    assert x[None, idx([0, 1]), None, 0].shape == (1, 2, 1, 4)
    assert nnx.tensor(X34)[None, idx([0, 1]), None, 0].shape == (1, 2, 1)


def test_extra_ellipses_stand_for_no_dims():
    x = nnx.tensor(X234)
    assert x[..., 1, ...].shape == (2, 3)
    assert x[..., ...].shape == (2, 3, 4)


def test_zero_dim_tensor_indexing():
    s = nnx.tensor(5.0)
    assert s[...].shape == ()
    assert s[None].shape == (1,)
    assert s[True].shape == (1,)
    assert s[()].item() == 5.0


# -- views and copies -------------------------------------------------------------------

@pytest.mark.parametrize("index", [1, (slice(None), 1), (slice(0, 2),), (None, 1),
                                   (Ellipsis, slice(None, None, 2)), (0, 2), Ellipsis],
                         ids=str)
def test_basic_index_is_a_view(index):
    x = nnx.tensor(X34.copy())
    out = x[index]
    assert np.shares_memory(out._data, x._data)
    before = out._version
    x.add_(1)
    assert out._version == x._version == before + 1
    np.testing.assert_array_equal(out.numpy(), (X34 + 1)[index])


@pytest.mark.parametrize("index", [[0, 2], (slice(None), [1]), True],
                         ids=str)
def test_advanced_index_is_a_copy(index):
    x = nnx.tensor(X34.copy())
    out = x[index]
    assert not np.shares_memory(out._data, x._data)


def test_mask_index_is_a_copy():
    x = nnx.tensor(X34.copy())
    assert not np.shares_memory(x[x > 3]._data, x._data)


def test_integer_element_is_a_zero_dim_view():
    x = nnx.tensor(X34.copy())
    out = x[1, 2]
    assert out.shape == ()
    assert np.shares_memory(out._data, x._data)


@pytest.mark.parametrize("expr,name", [
    ("x[1]", "SelectBackward0"), ("x[1, :]", "SelectBackward0"), ("x[1, 0:2]", "SliceBackward0"),
    ("x[0:2, 1]", "SelectBackward0"), ("x[:]", "SliceBackward0"), ("x[None]", "UnsqueezeBackward0"),
    ("x[..., None]", "UnsqueezeBackward0"), ("x[...]", "AliasBackward0"),
    ("x[idx(1)]", "SelectBackward0"), ("x[[0, 1]]", "IndexBackward0"),
    ("x[x > 0]", "IndexBackward0"), ("x[True]", "IndexBackward0"),
])
def test_grad_fn_names(expr, name):
    x = leaf(X234)  # noqa: F841
    assert eval(expr).grad_fn.name() == name


# -- getitem: errors ----------------------------------------------------------------------

@pytest.mark.parametrize("expr,exc,message", [
    ("x[5]", IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    ("x[-4]", IndexError, "index -4 is out of bounds for dimension 0 with size 3"),
    ("x[:, 7]", IndexError, "index 7 is out of bounds for dimension 1 with size 4"),
    ("x[None, 7]", IndexError, "index 7 is out of bounds for dimension 1 with size 3"),
    ("x[0, 0, 0]", IndexError, "too many indices for tensor of dimension 2"),
    ("x[::-1]", ValueError, "step must be greater than zero"),
    ("x[0:2:0]", ValueError, "slice step cannot be zero"),
    ("x[nnx.tensor([1.0])]", IndexError,
     "tensors used as indices must be long, int, byte or bool tensors"),
    ("x[nnx.tensor(1.5)]", IndexError,
     "tensors used as indices must be long, int, byte or bool tensors"),
    ("x[idx([5])]", IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    ("x[idx([-4])]", IndexError, "index -4 is out of bounds for dimension 0 with size 3"),
    # torch numbers the dim by the index tensor's position among the index tensors
    ("x[:, idx([4])]", IndexError, "index 4 is out of bounds for dimension 0 with size 4"),
    ("x[idx([0]), idx([9])]", IndexError, "index 9 is out of bounds for dimension 1 with size 4"),
    ("x[nnx.tensor([True, False])]", IndexError,
     "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor "
     "[3, 4] at index 0"),
    ("x[[0, 1], [0, 1, 2]]", IndexError,
     "shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]"),
    ("x[1.5]", IndexError, "only integers, slices (`:`), ellipsis (`...`), None and long or "
                           "byte Variables are valid indices (got float)"),
    ("s[0]", IndexError, "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"),
    ("s[0:1]", IndexError, "slice() cannot be applied to a 0-dim tensor."),
    ("s[idx([0])]", IndexError, "too many indices for tensor of dimension 0"),
])
def test_getitem_errors(expr, exc, message):
    x = nnx.tensor(X34)  # noqa: F841
    s = nnx.tensor(5.0)  # noqa: F841
    with pytest.raises(exc, match=re.escape(message)):
        eval(expr)


def test_mask_error_names_the_view_dim():
    y = nnx.tensor(X234)
    with pytest.raises(IndexError, match=re.escape(
            "The shape of the mask [3, 5] at index 1 does not match the shape of the indexed "
            "tensor [2, 3, 4] at index 2")):
        y[:, nnx.tensor(np.ones((3, 5), bool))]


# -- getitem: gradients -----------------------------------------------------------------

def test_duplicate_indices_accumulate_gradient():
    x = leaf(X34)
    x[idx([2, 0, 2, 2])].sum().backward()
    expected = np.zeros((3, 4))
    expected[0] = 1
    expected[2] = 3
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_duplicate_pairs_accumulate_gradient():
    x = leaf(X34)
    w = nnx.tensor([1.0, 2.0, 4.0], dtype=nnx.float64)
    (x[[1, 1, 0], [3, 3, 0]] * w).sum().backward()
    expected = np.zeros((3, 4))
    expected[1, 3] = 3.0
    expected[0, 0] = 4.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_basic_index_gradient_scatters():
    x = leaf(X234)
    (x[1, :, 1:3] * 2).sum().backward()
    expected = np.zeros((2, 3, 4))
    expected[1, :, 1:3] = 2
    np.testing.assert_array_equal(x.grad.numpy(), expected)


GETITEM_GRADCHECK = [
    lambda x: x[1],
    lambda x: x[:, 1:3],
    lambda x: x[1:, ::2],
    lambda x: x[None, ..., 1],
    lambda x: x[1, 2],
    lambda x: x[..., None, ::2],
    lambda x: x[[2, 0, 2]],
    lambda x: x[:, [3, 3, 1]],
    lambda x: x[[[0], [2]], [1, 3, 1]],
    lambda x: x[[0, 2], 1:3],
    lambda x: x[x > 0],
    lambda x: x[nnx.tensor([True, False, True])],
    lambda x: x[True],
    lambda x: x[False],
    lambda x: x[idx(2)],
]


@pytest.mark.parametrize("fn", GETITEM_GRADCHECK, ids=range(len(GETITEM_GRADCHECK)))
def test_getitem_gradcheck(fn):
    x = leaf(rand(3, 4))
    assert gradcheck(fn, (x,))
    assert second_order(fn, (x,))


def test_getitem_3d_gradcheck():
    x = leaf(rand(2, 3, 4))
    assert gradcheck(lambda t: t[idx([[1]]), :, idx([1, 0])], (x,))
    assert gradcheck(lambda t: t[1, :, idx([1, 2, 1])], (x,))
    assert second_order(lambda t: t[idx([[1]]), :, idx([1, 0])], (x,))


def test_create_graph_through_index():
    x = leaf([1.0, 2.0, 3.0])
    y = (x[[0, 0, 2]] ** 2).sum()
    (g,) = nnx.autograd.grad(y, [x], create_graph=True)
    assert g.requires_grad
    np.testing.assert_allclose(g.detach().numpy(), [4.0, 0.0, 6.0])
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 0.0, 2.0])


# -- setitem ------------------------------------------------------------------------------

@pytest.mark.parametrize("index,value", [
    (1, 7.0), ((slice(None), 1), 7.0), ((0, 2), -1.0), ([0, 2], 5.0), ((slice(None), [3, 1]), 2.0),
    ((Ellipsis, 0), 9.0), (True, 3.0), ((slice(1, None), slice(None, None, 2)), 4.0),
], ids=str)
def test_setitem_scalar_values(index, value):
    x = nnx.tensor(X34.copy())
    expected = X34.copy()
    expected[index] = value
    x[index] = value
    np.testing.assert_array_equal(x.numpy(), expected)


def test_setitem_mask_and_tensor_values():
    x = nnx.tensor(X34.copy())
    x[x > 6] = 0.0
    np.testing.assert_array_equal(x.numpy(), np.where(X34 > 6, 0.0, X34))
    x = nnx.tensor(X34.copy())
    x[0] = nnx.tensor([1.0, 2.0, 3.0, 4.0])
    x[1:] = nnx.tensor([[-1.0], [-2.0]])                       # broadcast
    x[2, 1] = nnx.tensor(9.0)
    np.testing.assert_array_equal(x.numpy(), [[1, 2, 3, 4], [-1, -1, -1, -1], [-2, 9, -2, -2]])
    x[0] = nnx.ones(1, 4)                                     # leading 1-dims are dropped
    np.testing.assert_array_equal(x.numpy()[0], [1, 1, 1, 1])


def test_setitem_array_like_values():
    x = nnx.tensor(X34.copy())
    x[0] = [4.0, 3.0, 2.0, 1.0]
    x[1] = np.array([1, 1, 1, 1])
    np.testing.assert_array_equal(x.numpy()[:2], [[4, 3, 2, 1], [1, 1, 1, 1]])


def test_setitem_casts_to_self_dtype():
    x = nnx.zeros(3, dtype=nnx.int64)
    x[0] = 1.7
    x[1] = nnx.tensor(2.9)
    assert x.dtype == nnx.int64
    np.testing.assert_array_equal(x.numpy(), [1, 2, 0])
    f = nnx.zeros(3)
    f[0] = nnx.tensor(True)
    assert f.dtype == nnx.float32 and f[0].item() == 1.0


def test_setitem_bumps_version_and_writes_through_views():
    x = nnx.tensor(X34.copy())
    row = x[1]
    v0 = x._version
    x[1, 2] = 100.0
    assert x._version == row._version == v0 + 1
    assert row[2].item() == 100.0
    row[0] = -5.0                       # writing into a view changes the base
    assert x[1, 0].item() == -5.0
    assert x._version == v0 + 2
    x[[0, 0]] = 1.0                     # advanced setitem bumps too
    assert x._version == v0 + 3


def test_setitem_duplicate_indices_last_write_wins():
    x = nnx.zeros(3)
    x[idx([0, 0])] = nnx.tensor([1.0, 2.0])
    assert x[0].item() == 2.0


@pytest.mark.parametrize("stmt,message", [
    ("x[0] = nnx.ones(2)",
     "The expanded size of the tensor (4) must match the existing size (2) at non-singleton "
     "dimension 0.  Target sizes: [4].  Tensor sizes: [2]"),
    ("x[0:2] = nnx.ones(3, 4)",
     "The expanded size of the tensor (2) must match the existing size (3) at non-singleton "
     "dimension 0.  Target sizes: [2, 4].  Tensor sizes: [3, 4]"),
    ("x[0] = nnx.ones(2, 1, 4)",
     "expand(nnx.FloatTensor{[2, 1, 4]}, size=[4]): the number of sizes provided (1) must be "
     "greater or equal to the number of dimensions in the tensor (3)"),
    ("x[[0, 1]] = nnx.ones(3, 4)",
     "shape mismatch: value tensor of shape [3, 4] cannot be broadcast to indexing result of "
     "shape [2, 4]"),
])
def test_setitem_shape_errors(stmt, message):
    x = nnx.zeros(3, 4)
    before = x._version
    with pytest.raises(RuntimeError, match=re.escape(message)):
        exec(stmt)
    assert x._version == before
    assert not x.numpy().any()


def test_setitem_index_errors():
    x = nnx.zeros(3, 4)
    with pytest.raises(IndexError, match=re.escape(
            "index 5 is out of bounds for dimension 0 with size 3")):
        x[5] = 1.0
    with pytest.raises(TypeError, match=re.escape("can't assign a str to a nnx.FloatTensor")):
        x[0] = "a"


def test_setitem_on_leaf_requiring_grad_raises():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=re.escape(
            "a leaf Variable that requires grad is being used in an in-place operation.")):
        x[0] = 1.0
    with pytest.raises(RuntimeError, match=re.escape(
            "a leaf Variable that requires grad is being used in an in-place operation.")):
        x[[0]] = 1.0
    with pytest.raises(RuntimeError, match=re.escape(
            "a view of a leaf Variable that requires grad is being used in an in-place "
            "operation.")):
        x[0:2][0] = 1.0
    with nnx.no_grad():
        x[0] = 10.0
    assert x[0].item() == 10.0


@pytest.mark.parametrize("index", [1, (slice(None), slice(1, 3)), [2, 0], (slice(None), [3, 1])],
                         ids=str)
def test_setitem_autograd_reaches_old_value_and_new_value(index):
    x = leaf(rand(3, 4))
    target = np.zeros((3, 4))[index]
    v = leaf(rand(*target.shape, seed=1))
    w = rand(3, 4, seed=2)
    y = x * 2
    y[index] = v
    (y * nnx.tensor(w)).sum().backward()
    expected_x = 2 * w
    expected_x[index] = 0
    np.testing.assert_allclose(x.grad.numpy(), expected_x)
    np.testing.assert_allclose(v.grad.numpy(), w[index])


def test_setitem_node_names():
    y = leaf(rand(3, 4)) * 1
    y[0] = 1.0
    assert y.grad_fn.name() == "nnx::autograd::CopySlices"
    y[[0, 1]] = 1.0
    assert y.grad_fn.name() == "IndexPutBackward0"
    y[y > 0] = 1.0
    assert y.grad_fn.name() == "IndexPutBackward0"
    y[:, [0, 1]] = 1.0
    assert y.grad_fn.name() == "IndexPutBackward0"
    y[1, [0, 3]] = 1.0                  # torch: index_put_ into a view of y, so CopySlices
    assert y.grad_fn.name() == "nnx::autograd::CopySlices"
    y[True] = 2.0
    assert y.grad_fn.name() == "nnx::autograd::CopySlices"


def test_setitem_broadcast_value_gradient_is_summed():
    y = nnx.zeros(3, 4, dtype=nnx.float64)
    v = leaf([[1.0], [2.0]])
    y[1:] = v
    assert not y.is_leaf and y.requires_grad
    (y * nnx.tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [[4 + 5 + 6 + 7], [8 + 9 + 10 + 11]])


def test_setitem_value_gradient_keeps_value_dtype():
    y = nnx.zeros(4, dtype=nnx.float64)
    v = leaf([1.0, 2.0], dtype=nnx.float32)
    y[[0, 3]] = v
    y.sum().backward()
    assert v.grad.dtype == nnx.float32
    np.testing.assert_array_equal(v.grad.numpy(), [1.0, 1.0])


def test_setitem_gradcheck():
    def fn(x, v):
        y = x * 1
        y[1:, [0, 2]] = v
        return y * y

    def fn_basic(x, v):
        y = x * 1
        y[0, 1:3] = v
        return y.exp()

    x, v = leaf(rand(3, 4)), leaf(rand(2, 2, seed=1))
    assert gradcheck(fn, (x, v))
    assert second_order(fn, (x, v))
    v2 = leaf(rand(2, seed=3))
    assert gradcheck(fn_basic, (x, v2))
    assert second_order(fn_basic, (x, v2))


def test_setitem_through_view_with_autograd():
    x = leaf(rand(3, 4))
    v = leaf([5.0, 6.0])
    y = x * 1
    row = y[1]
    row[1:3] = v
    np.testing.assert_array_equal(y.detach().numpy()[1, 1:3], [5.0, 6.0])
    w = rand(3, 4, seed=4)
    (y * nnx.tensor(w)).sum().backward()
    expected = w.copy()
    expected[1, 1:3] = 0
    np.testing.assert_allclose(x.grad.numpy(), expected)
    np.testing.assert_allclose(v.grad.numpy(), w[1, 1:3])


def test_modified_saved_tensor_raises_on_backward():
    x = leaf(rand(3, 4))
    w = leaf(rand(4, 2, seed=1))
    a = x * 2
    b = a @ w
    a[0] = 1.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


# -- index_select ------------------------------------------------------------------------

def test_index_select_values():
    x = nnx.tensor(X234)
    for dim in range(-3, 3):
        i = idx([1, 0, 1]) if x.shape[dim] > 1 else idx([0, 0])
        np.testing.assert_array_equal(x.index_select(dim, i).numpy(),
                                      np.take(X234, i.numpy(), axis=dim))
    np.testing.assert_array_equal(nnx.index_select(x, 1, idx(2)).numpy(), X234[:, [2]])
    np.testing.assert_array_equal(x.index_select(0, idx([1], nnx.int32)).numpy(), X234[[1]])
    s = nnx.tensor(5.0).index_select(0, idx([0]))
    assert s.shape == () and s.item() == 5.0


@pytest.mark.parametrize("stmt,exc,message", [
    ("x.index_select(0, idx([0, 5]))", IndexError, "index out of range in self"),
    ("x.index_select(0, idx([-1]))", IndexError, "index out of range in self"),
    ("x.index_select(0, idx([[0]]))", IndexError,
     "index_select(): Index is supposed to be a vector"),
    ("x.index_select(2, idx([0]))", IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("x.index_select(0, nnx.tensor([0.0]))", RuntimeError,
     "index_select(): Expected dtype int32 or int64 for index"),
])
def test_index_select_errors(stmt, exc, message):
    x = nnx.tensor(X34)  # noqa: F841
    with pytest.raises(exc, match=re.escape(message)):
        eval(stmt)


def test_index_select_grad():
    x = leaf(rand(3, 4))
    out = x.index_select(1, idx([0, 0, 3]))
    assert out.grad_fn.name() == "IndexSelectBackward0"
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0], [2, 0, 0, 1])
    assert gradcheck(lambda t: t.index_select(0, idx([2, 0, 2])), (x,))
    assert gradcheck(lambda t: t.index_select(-1, idx([1, 3, 1])), (x,))
    assert second_order(lambda t: t.index_select(1, idx([1, 1])), (x,))


# -- gather --------------------------------------------------------------------------------

def test_gather_values():
    x = nnx.tensor(X34)
    i = idx([[0, 1, 2, 2], [2, 0, 0, 1]])
    np.testing.assert_array_equal(x.gather(0, i).numpy(), np.take_along_axis(X34, i.numpy(), 0))
    j = idx([[3, 0], [1, 1], [2, 0]])
    np.testing.assert_array_equal(nnx.gather(x, 1, j).numpy(),
                                  np.take_along_axis(X34, j.numpy(), 1))
    small = idx([[0, 1], [1, 2]])              # smaller than input in the other dims
    assert x.gather(1, small).numpy().tolist() == [[0.0, 1.0], [5.0, 6.0]]
    assert x.gather(1, nnx.empty(0, 5, dtype=nnx.int64)).shape == (0, 5)
    assert nnx.tensor(5.0).gather(0, idx(0)).shape == ()
    assert nnx.tensor(5.0).gather(0, idx([0])).shape == (1,)


@pytest.mark.parametrize("stmt,exc,message", [
    ("x.gather(0, idx([0]))", RuntimeError,
     "Index tensor must have the same number of dimensions as input tensor"),
    ("x.gather(0, idx([[5]]))", RuntimeError,
     "index 5 is out of bounds for dimension 0 with size 3"),
    ("x.gather(1, idx([[0, -1]]))", RuntimeError,
     "index -1 is out of bounds for dimension 1 with size 4"),
    ("x.gather(0, idx([[0, 1, 2, 2, 1]]))", RuntimeError,
     "Size does not match at dimension 1 expected index [1, 5] to be no larger than self [3, 4] "
     "apart from dimension 0"),
    ("x.gather(0, nnx.tensor([[0.0]]))", RuntimeError,
     "gather(): Expected dtype int32/int64 for index"),
    ("x.gather(2, idx([[0]]))", IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
])
def test_gather_errors(stmt, exc, message):
    x = nnx.tensor(X34)  # noqa: F841
    with pytest.raises(exc, match=re.escape(message)):
        eval(stmt)


def test_gather_grad():
    x = leaf(rand(3, 4))
    i = idx([[0, 0], [2, 0], [1, 1]])
    out = x.gather(1, i)
    assert out.grad_fn.name() == "GatherBackward0"
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 0, 0, 0], [1, 0, 1, 0], [0, 2, 0, 0]])
    assert gradcheck(lambda t: t.gather(1, i), (x,))
    assert gradcheck(lambda t: t.gather(0, idx([[2, 0, 1, 2]])), (x,))
    assert second_order(lambda t: t.gather(1, i), (x,))
    y = leaf(rand(2, 3, 4))
    assert gradcheck(lambda t: t.gather(2, idx(np.zeros((2, 2, 3), np.int64))), (y,))


# -- masked_fill ----------------------------------------------------------------------------

def test_masked_fill_values():
    x = nnx.tensor(X34)
    m = nnx.tensor([True, False, True, False])
    np.testing.assert_array_equal(x.masked_fill(m, -1.0).numpy(), np.where([1, 0, 1, 0], -1.0, X34))
    np.testing.assert_array_equal(nnx.masked_fill(x, x > 5, nnx.tensor(0.5)).numpy(),
                                  np.where(X34 > 5, 0.5, X34))
    out = x.masked_fill(nnx.tensor(np.ones((2, 3, 4), bool)), 2)   # the mask broadcasts x
    assert out.shape == (2, 3, 4) and out.dtype == nnx.float64
    ints = nnx.ones(2, 3, dtype=nnx.int64).masked_fill(nnx.tensor([True, False, True]), 2.7)
    assert ints.dtype == nnx.int64 and ints.numpy().tolist() == [[2, 1, 2], [2, 1, 2]]


@pytest.mark.parametrize("stmt,message", [
    ("x.masked_fill(nnx.ones(3, 4), 1.0)",
     "masked_fill_ only supports boolean masks, but got mask with dtype float"),
    ("x.masked_fill(nnx.ones(3, 4, dtype=nnx.uint8), 1.0)",
     "masked_fill_ only supports boolean masks, but got mask with dtype unsigned char"),
    ("x.masked_fill(nnx.ones(3, 4, dtype=nnx.int64), 1.0)",
     "masked_fill_ only supports boolean masks, but got mask with dtype long int"),
    ("x.masked_fill(nnx.ones(3, 4, dtype=nnx.bool), nnx.tensor([1.0, 2.0]))",
     "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 "
     "dimension(s)."),
    ("x.masked_fill(nnx.ones(2, 4, dtype=nnx.bool), 1.0)",
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"),
])
def test_masked_fill_errors(stmt, message):
    x = nnx.tensor(X34)  # noqa: F841
    with pytest.raises(RuntimeError, match=re.escape(message)):
        eval(stmt)


def test_masked_fill_grad():
    x = leaf(rand(3, 4))
    m = nnx.tensor(rand(3, 4, seed=5) > 0)
    out = x.masked_fill(m, 0.0)
    assert out.grad_fn.name() == "MaskedFillBackward0"
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), ~m.numpy())
    v = leaf(1.5)
    out = x.masked_fill(m, v)
    assert out.grad_fn.name() == "MaskedFillBackward1"
    out.sum().backward()
    assert v.grad.item() == m.numpy().sum()
    assert gradcheck(lambda t: t.masked_fill(m, 2.0), (x,))
    assert gradcheck(lambda t, val: t.masked_fill(m, val), (x, v))
    row = nnx.tensor([True, False, False, True])
    assert gradcheck(lambda t, val: t.masked_fill(row, val), (x, v))
    wide = nnx.tensor(rand(2, 3, 4, seed=6) > 0)               # x broadcast up to the mask
    assert gradcheck(lambda t, val: t.masked_fill(wide, val), (x, v))
    assert second_order(lambda t, val: t.masked_fill(row, val) ** 2, (x, v))


def test_masked_fill_value_gradient_keeps_its_dtype():
    x = leaf(rand(2, 3), dtype=nnx.float32)
    v = leaf(2.0, dtype=nnx.float64)
    out = x.masked_fill(nnx.tensor([True, False, True]), v)
    assert out.dtype == nnx.float32
    out.sum().backward()
    assert v.grad.dtype == nnx.float64 and v.grad.item() == 4.0


# -- nonzero ---------------------------------------------------------------------------------

def test_nonzero():
    a = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]])
    x = nnx.tensor(a)
    out = x.nonzero()
    assert out.dtype == nnx.int64 and out.shape == (3, 2)
    np.testing.assert_array_equal(out.numpy(), np.argwhere(a))
    rows, cols = nnx.nonzero(x, as_tuple=True)
    assert rows.dtype == nnx.int64
    np.testing.assert_array_equal(rows.numpy(), [0, 1, 1])
    np.testing.assert_array_equal(cols.numpy(), [1, 0, 2])
    assert nnx.tensor(3.0).nonzero().shape == (1, 0)
    assert nnx.tensor(0.0).nonzero().shape == (0, 0)
    (only,) = nnx.tensor(0.0).nonzero(as_tuple=True)
    assert only.shape == (0,)
    assert nnx.zeros(2, 3).nonzero().shape == (0, 2)
