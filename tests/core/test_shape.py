"""Shape ops: views and copies, their gradients and torch 2.x's messages."""

import re

import numpy as np
import pytest

import nnx
from nnx._ops import shape as shape_ops
from nnx.autograd import gradcheck, gradgradcheck

X34 = np.arange(12.0).reshape(3, 4)
X234 = np.arange(24.0).reshape(2, 3, 4)


def leaf(values, dtype=nnx.float64):
    return nnx.tensor(values, dtype=dtype, requires_grad=True)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def shares(a, b):
    return np.shares_memory(a._data, b._data)


def raises(exc, message):
    return pytest.raises(exc, match=re.escape(message))


def out_of_range(low, high, dim):
    return raises(IndexError, "Dimension out of range (expected to be in range of "
                              f"[{low}, {high}], but got {dim})")


# -- wrap_dim ----------------------------------------------------------------------------

@pytest.mark.parametrize("dim, ndim, expected", [
    (0, 2, 0), (1, 2, 1), (-1, 2, 1), (-2, 2, 0), (0, 0, 0), (-1, 0, 0), (2, 3, 2), (-3, 3, 0),
])
def test_wrap_dim(dim, ndim, expected):
    assert shape_ops.wrap_dim(dim, ndim) == expected


@pytest.mark.parametrize("dim, ndim, message", [
    (2, 2, "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (-3, 2, "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    (1, 0, "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
])
def test_wrap_dim_out_of_range(dim, ndim, message):
    with raises(IndexError, message):
        shape_ops.wrap_dim(dim, ndim)


# -- view, reshape -----------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    ((12,), (12,)), ((-1,), (12,)), ((2, 6), (2, 6)), (((4, 3),), (4, 3)), (([2, -1],), (2, 6)),
    ((nnx.Size([6, 2]),), (6, 2)), ((3, 2, 2), (3, 2, 2)), ((1, -1, 1), (1, 12, 1)),
])
def test_view_shapes(args, expected):
    x = nnx.tensor(X34)
    y = x.view(*args)
    assert y.shape == expected
    np.testing.assert_array_equal(y.numpy(), X34.reshape(expected))
    assert shares(x, y)


def test_view_shares_memory_and_version_counter():
    x = nnx.tensor(X34.copy())
    y = x.view(12)
    y.add_(1)
    np.testing.assert_array_equal(x.numpy(), X34 + 1)
    assert x._version == y._version == 1
    x.mul_(2)
    np.testing.assert_array_equal(y.numpy(), (X34.reshape(12) + 1) * 2)
    assert y._version == 2


def test_view_of_view_and_0d():
    x = nnx.tensor(5.0)
    y = x.view(1, 1).view(-1).view(())
    assert y.shape == () and shares(x, y)
    assert x.view(1).shape == (1,)


def test_view_incompatible_strides():
    x = nnx.tensor(X34).t()
    with raises(RuntimeError, "view size is not compatible with input tensor's size and stride (at "
                "least one dimension spans across two contiguous subspaces). Use .reshape(...) "
                "instead."):
        x.view(12)
    # merging dims that stay contiguous is fine even on a non-contiguous tensor
    z = nnx.tensor(X234).transpose(0, 2)
    assert z.view(4, 3, 2).shape == (4, 3, 2)
    w = nnx.tensor(X234).select(2, 1)      # strides (12, 4): dims 0 and 1 still merge
    np.testing.assert_array_equal(w.view(6).numpy(), X234[:, :, 1].reshape(6))


@pytest.mark.parametrize("shape, message", [
    ((2, 5), "shape '[2, 5]' is invalid for input of size 12"),
    ((-1, 5), "shape '[-1, 5]' is invalid for input of size 12"),
    ((-1, -1), "only one dimension can be inferred"),
    ((-2, 6), "invalid shape dimension -2"),
])
def test_view_invalid_shape(shape, message):
    with raises(RuntimeError, message):
        nnx.tensor(X34).view(*shape)
    with raises(RuntimeError, message):
        nnx.tensor(X34).reshape(shape)


def test_view_ambiguous_empty():
    x = nnx.zeros(0, 3)
    assert x.view(0, 5).shape == (0, 5)
    with raises(RuntimeError, "cannot reshape tensor of 0 elements into shape [-1, 0] because the "
                "unspecified dimension size -1 can be any value and is ambiguous"):
        x.view(-1, 0)


def test_reshape_views_when_possible_else_copies():
    x = leaf(X34)
    v = x.reshape(2, -1)
    assert shares(x, v) and v.grad_fn.name() == "ViewBackward0"
    c = x.t().reshape(-1)
    assert not shares(x, c) and c.grad_fn.name() == "UnsafeViewBackward0"
    np.testing.assert_array_equal(c.detach().numpy(), X34.T.reshape(-1))
    assert nnx.reshape(x, (4, 3)).shape == (4, 3)
    assert nnx.reshape(x, shape=(12,)).shape == (12,)


def test_view_as_reshape_as():
    x = nnx.tensor(X34)
    other = nnx.zeros(6, 2)
    assert x.view_as(other).shape == (6, 2)
    assert x.t().reshape_as(other).shape == (6, 2)
    np.testing.assert_array_equal(x.t().reshape_as(other).numpy(), X34.T.reshape(6, 2))


def test_view_grad_fn_and_grad():
    x = leaf(X34)
    y = x.view(2, 6)
    assert y.grad_fn.name() == "ViewBackward0"
    (y * nnx.tensor(np.arange(12.0).reshape(2, 6))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(12.0).reshape(3, 4))


# -- flatten, unflatten ------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    ((), (24,)), ((1,), (2, 12)), ((0, 1), (6, 4)), ((-2, -1), (2, 12)), ((1, 1), (2, 3, 4)),
])
def test_flatten(args, expected):
    x = nnx.tensor(X234)
    y = x.flatten(*args)
    assert y.shape == expected
    np.testing.assert_array_equal(y.numpy(), X234.reshape(expected))
    assert nnx.flatten(x, start_dim=1, end_dim=2).shape == (2, 12)


def test_flatten_special_cases():
    x = nnx.tensor(X234)
    assert x.flatten(1, 1) is x
    assert nnx.tensor(3.0).flatten().shape == (1,)
    m = nnx.tensor(X34).t()
    np.testing.assert_array_equal(m.flatten().numpy(), X34.T.reshape(-1))
    with raises(RuntimeError, "flatten() has invalid args: start_dim cannot come after end_dim"):
        x.flatten(2, 1)


def test_unflatten():
    x = nnx.tensor(X234)
    assert x.unflatten(2, (2, 2)).shape == (2, 3, 2, 2)
    assert x.unflatten(-1, (-1, 2)).shape == (2, 3, 2, 2)
    assert nnx.unflatten(x, 0, (1, 2)).shape == (1, 2, 3, 4)
    assert shares(x, x.unflatten(1, (3, 1)))
    with raises(RuntimeError, "unflatten: Provided sizes [2, 3] don't multiply up to the size of "
                "dim 2 (4) in the input tensor"):
        x.unflatten(-1, (2, 3))
    with raises(RuntimeError, "unflatten: sizes must be non-empty"):
        x.unflatten(0, ())


# -- squeeze, unsqueeze -----------------------------------------------------------------

@pytest.mark.parametrize("dim, expected, node", [
    (None, (3, 4), "SqueezeBackward0"), (1, (3, 4, 1), "SqueezeBackward1"),
    (0, (3, 1, 4, 1), "SqueezeBackward1"), (-1, (3, 1, 4), "SqueezeBackward1"),
    ((1, 3), (3, 4), "SqueezeBackward2"), ((0, 1), (3, 4, 1), "SqueezeBackward2"),
])
def test_squeeze(dim, expected, node):
    x = leaf(rand(3, 1, 4, 1))
    y = x.squeeze() if dim is None else x.squeeze(dim)
    assert y.shape == expected
    assert y.grad_fn.name() == node
    assert shares(x, y)
    assert gradcheck(lambda t: t.squeeze() if dim is None else t.squeeze(dim), (x,))


def test_squeeze_0d_and_errors():
    assert nnx.tensor(1.0).squeeze(0).shape == ()
    assert nnx.squeeze(nnx.zeros(1, 1), dim=0).shape == (1,)
    with out_of_range(-2, 1, 2):
        nnx.zeros(1, 2).squeeze(2)


@pytest.mark.parametrize("dim, expected", [(0, (1, 3, 4)), (1, (3, 1, 4)), (2, (3, 4, 1)),
                                           (-1, (3, 4, 1)), (-3, (1, 3, 4))])
def test_unsqueeze(dim, expected):
    x = leaf(X34)
    y = x.unsqueeze(dim)
    assert y.shape == expected and shares(x, y)
    assert y.grad_fn.name() == "UnsqueezeBackward0"
    np.testing.assert_array_equal(y.detach().numpy(), np.expand_dims(X34, dim))


def test_unsqueeze_out_of_range():
    with out_of_range(-3, 2, 3):
        nnx.zeros(3, 4).unsqueeze(3)
    assert nnx.tensor(2.0).unsqueeze(-1).shape == (1,)


# -- permute, transpose, t, movedim -----------------------------------------------------

def test_permute():
    x = leaf(X234)
    y = x.permute(2, 0, 1)
    np.testing.assert_array_equal(y.detach().numpy(), X234.transpose(2, 0, 1))
    assert shares(x, y) and y.grad_fn.name() == "PermuteBackward0"
    assert x.permute((1, 0, 2)).shape == (3, 2, 4)
    assert x.permute([-1, -2, -3]).shape == (4, 3, 2)
    assert nnx.permute(x, (0, 2, 1)).shape == (2, 4, 3)
    assert nnx.permute(x, dims=(0, 2, 1)).shape == (2, 4, 3)
    assert nnx.tensor(1.0).permute().shape == ()


def test_permute_errors():
    x = nnx.zeros(2, 3)
    with raises(RuntimeError, "permute(sparse_coo): number of dimensions in the tensor input does "
                "not match the length of the desired ordering of dimensions i.e. input.dim() = 2 "
                "is not equal to len(dims) = 3"):
        x.permute(0, 1, 2)
    with raises(RuntimeError, "permute(): duplicate dims are not allowed."):
        x.permute(1, -1)


def test_transpose_and_t():
    x = leaf(X234)
    y = x.transpose(-1, -3)
    np.testing.assert_array_equal(y.detach().numpy(), np.swapaxes(X234, 0, 2))
    assert shares(x, y) and y.grad_fn.name() == "TransposeBackward0"
    assert nnx.transpose(x, 0, 1).shape == (3, 2, 4)
    assert x.swapaxes(1, 2).shape == (2, 4, 3)
    assert nnx.tensor(1.0).transpose(0, -1).shape == ()
    m = leaf(X34)
    assert m.t().shape == (4, 3) and m.t().grad_fn.name() == "TBackward0"
    assert shares(m, m.t())
    v = nnx.tensor([1.0, 2.0])
    assert v.t().shape == (2,) and shares(v, v.t())
    assert nnx.t(nnx.tensor(3.0)).shape == ()
    with raises(RuntimeError, "t() expects a tensor with <= 2 dimensions, but self is 3D"):
        x.t()
    with out_of_range(-3, 2, 3):
        x.transpose(0, 3)


@pytest.mark.parametrize("source, destination", [
    (0, 2), (-1, 0), ((0, 1), (2, 0)), ([2], [0]), ((0, 1, 2), (2, 1, 0)), (1, 1),
])
def test_movedim(source, destination):
    x = nnx.tensor(X234)
    y = x.movedim(source, destination)
    np.testing.assert_array_equal(y.numpy(), np.moveaxis(X234, source, destination))
    assert shares(x, y)
    assert nnx.movedim(x, source, destination).shape == y.shape


def test_movedim_errors():
    x = nnx.zeros(2, 3, 4)
    with raises(RuntimeError, "movedim: Invalid source or destination dims: source ([0, 1] dims) "
                "should contain the same number of dims as destination ([0] dims)"):
        x.movedim((0, 1), (0,))
    with raises(RuntimeError, "movedim: repeated dim in `source` ([0, 0])"):
        x.movedim((0, 0), (1, 2))
    with raises(RuntimeError, "movedim: repeated dim in `destination` ([1, 1])"):
        x.movedim((0, 2), (1, 1))


# -- expand ------------------------------------------------------------------------------

@pytest.mark.parametrize("src, args, expected", [
    ((1, 4), (3, 4), (3, 4)), ((3, 4), (2, -1, -1), (2, 3, 4)), ((3, 1), ((3, 5),), (3, 5)),
    ((), (2, 2), (2, 2)), ((3, 4), (3, 4), (3, 4)), ((1,), (0,), (0,)),
])
def test_expand(src, args, expected):
    base = rand(*src)
    x = nnx.tensor(base)
    y = x.expand(*args)
    assert y.shape == expected
    np.testing.assert_array_equal(y.numpy(), np.broadcast_to(base, expected))
    assert shares(x, y) or base.size == 0 or y.numel() == 0


def test_expand_is_a_view_and_expand_as():
    x = nnx.tensor([[1.0], [2.0]])
    y = x.expand(2, 3)
    x.add_(10)
    np.testing.assert_array_equal(y.numpy(), [[11.0] * 3, [12.0] * 3])
    assert x.expand_as(nnx.zeros(4, 2, 5)).shape == (4, 2, 5)
    assert x.expand(size=(2, 2)).shape == (2, 2)


def test_expand_refuses_writes_to_repeated_elements():
    y = nnx.ones(3).expand(2, 3)
    with pytest.raises(RuntimeError):
        y.add_(1)
    z = nnx.ones(3).expand(1, 3)        # nothing repeats: writable, like torch
    z.add_(1)


def test_expand_errors():
    with raises(RuntimeError, "The expanded size of the tensor (4) must match the existing size "
                "(3) at non-singleton dimension 1.  Target sizes: [2, 4].  Tensor sizes: [2, 3]"):
        nnx.zeros(2, 3).expand(2, 4)
    with raises(RuntimeError, "expand(nnx.FloatTensor{[2, 3]}, size=[3]): the number of sizes "
                "provided (1) must be greater or equal to the number of dimensions in the "
                "tensor (2)"):
        nnx.zeros(2, 3).expand(3)
    with raises(RuntimeError, "The expanded size of the tensor (-1) isn't allowed in a leading, "
                "non-existing dimension 0"):
        nnx.zeros(2, 3).expand(-1, 2, 3)


def test_expand_grad_sums_back():
    x = leaf([[1.0, 2.0, 3.0]])
    y = x.expand(4, 2, 3)
    assert y.grad_fn.name() == "ExpandBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[8.0, 8.0, 8.0]])


# -- contiguous ------------------------------------------------------------------------

def test_contiguous():
    x = leaf(X34)
    assert x.contiguous() is x
    y = x.t()
    assert not y.is_contiguous()
    c = y.contiguous()
    assert c.is_contiguous() and not shares(c, x)
    assert c.grad_fn.name() == "CloneBackward0"
    np.testing.assert_array_equal(c.detach().numpy(), X34.T)
    assert c.view(-1).shape == (12,)


# -- split, chunk, unbind ---------------------------------------------------------------

@pytest.mark.parametrize("n, chunks, sizes", [
    (6, 3, [2, 2, 2]), (5, 2, [3, 2]), (5, 4, [2, 2, 1]), (6, 4, [2, 2, 2]), (2, 5, [1, 1]),
    (1, 1, [1]), (0, 3, [0, 0, 0]),
])
def test_chunk_sizes(n, chunks, sizes):
    x = nnx.tensor(np.arange(float(n * 2)).reshape(n, 2))
    pieces = x.chunk(chunks)
    assert [p.shape[0] for p in pieces] == sizes
    assert all(shares(x, p) for p in pieces if p.numel())
    np.testing.assert_array_equal(np.concatenate([p.numpy() for p in pieces]), x.numpy())


def test_chunk_dim_and_errors():
    x = nnx.tensor(rand(3, 6))
    assert [p.shape for p in nnx.chunk(x, 3, dim=1)] == [(3, 2)] * 3
    assert [p.shape for p in x.chunk(2, -1)] == [(3, 3)] * 2
    with raises(RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0"):
        x.chunk(0)
    with raises(RuntimeError, "chunk expects at least a 1-dimensional tensor"):
        nnx.tensor(1.0).chunk(1)


@pytest.mark.parametrize("arg, dim, sizes", [
    (2, 0, [2, 2, 1]), (5, 0, [5]), (7, 0, [5]), (3, 1, [3, 1]), ([1, 4], 0, [1, 4]),
    ([0, 2, 2], 1, [0, 2, 2]), ((4,), -1, [4]),
])
def test_split(arg, dim, sizes):
    base = rand(5, 4)
    x = nnx.tensor(base)
    pieces = x.split(arg, dim)
    assert [p.shape[dim] for p in pieces] == sizes
    np.testing.assert_array_equal(np.concatenate([p.numpy() for p in pieces], axis=dim), base)
    assert isinstance(pieces, tuple)
    assert [p.shape for p in nnx.split(x, arg, dim=dim)] == [p.shape for p in pieces]


def test_split_names_and_views():
    x = leaf(rand(5, 4))
    assert x.split(2)[0].grad_fn.name() == "SplitBackward0"
    assert x.split([2, 3])[1].grad_fn.name() == "SplitWithSizesBackward0"
    assert x.chunk(2)[0].grad_fn.name() == "SplitBackward0"
    assert nnx.split(x, split_size_or_sections=2)[2].shape == (1, 4)
    assert x.split(split_size=4)[1].shape == (1, 4)
    y = nnx.tensor(np.zeros((4, 2)))
    a, b = y.split(2)
    b.add_(1)
    np.testing.assert_array_equal(y.numpy(), [[0, 0], [0, 0], [1, 1], [1, 1]])


def test_split_errors():
    x = nnx.zeros(3, 6)
    with raises(RuntimeError, "split_with_sizes expects split_sizes to sum exactly to 6 (input "
                "tensor's size at dimension 1), but got split_sizes=[1, 2]"):
        x.split([1, 2], 1)
    with raises(RuntimeError, "split_with_sizes expects split_sizes have only non-negative "
                "entries, but got split_sizes=[-1, 4]"):
        x.split([-1, 4], 0)
    with raises(RuntimeError, "split expects split_size be non-negative, but got split_size=-1"):
        x.split(-1)
    with raises(RuntimeError, "split_size can only be 0 if dimension size is 0, but got dimension "
                "size of 3"):
        x.split(0)


def test_split_grad_with_unused_pieces():
    x = leaf(rand(6, 2))
    pieces = x.chunk(3)
    (pieces[1] * 2).sum().backward()
    expected = np.zeros((6, 2))
    expected[2:4] = 2
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_unbind():
    x = leaf(X234)
    parts = x.unbind(1)
    assert len(parts) == 3 and parts[0].shape == (2, 4)
    assert parts[0].grad_fn.name() == "UnbindBackward0"
    for i, p in enumerate(parts):
        np.testing.assert_array_equal(p.detach().numpy(), X234[:, i])
        assert shares(x, p)
    (parts[2] * 3).sum().backward()
    expected = np.zeros_like(X234)
    expected[:, 2] = 3
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    assert [p.shape for p in nnx.unbind(nnx.tensor(X34), dim=-1)] == [(3,)] * 4
    assert [p.item() for p in nnx.tensor([1.0, 2.0])] == [1.0, 2.0]
    with raises(IndexError, "Dimension specified as 0 but tensor has no dimensions"):
        nnx.tensor(1.0).unbind()


# -- narrow, select -----------------------------------------------------------------------

def test_narrow():
    x = leaf(X34)
    y = x.narrow(1, 1, 2)
    np.testing.assert_array_equal(y.detach().numpy(), X34[:, 1:3])
    assert shares(x, y) and y.grad_fn.name() == "SliceBackward0"
    np.testing.assert_array_equal(nnx.narrow(x, -1, -2, 2).detach().numpy(), X34[:, 2:])
    np.testing.assert_array_equal(x.narrow(0, 3, 0).detach().numpy(), X34[3:3])
    with raises(RuntimeError, "start (2) + length (3) exceeds dimension size (4)."):
        x.narrow(1, 2, 3)
    with raises(IndexError, "start out of range (expected to be in range of [-4, 4], but got 5)"):
        x.narrow(1, 5, 0)
    with raises(RuntimeError, "narrow(): cannot be applied to a 0-dim tensor."):
        nnx.tensor(1.0).narrow(0, 0, 1)


def test_select():
    x = leaf(X34)
    y = x.select(1, -1)
    np.testing.assert_array_equal(y.detach().numpy(), X34[:, -1])
    assert shares(x, y) and y.grad_fn.name() == "SelectBackward0"
    v = nnx.tensor([1.0, 2.0, 3.0])
    s = v.select(0, 1)
    assert s.shape == () and shares(v, s)
    v.mul_(2)
    assert s.item() == 4.0
    with raises(IndexError, "select(): index 5 out of range for tensor of size [3, 4] at "
                "dimension 0"):
        x.select(0, 5)
    with raises(IndexError, "select() cannot be applied to a 0-dim tensor."):
        nnx.tensor(1.0).select(0, 0)


# -- repeat, flip -------------------------------------------------------------------------

@pytest.mark.parametrize("src, reps", [
    ((3,), (2,)), ((2, 3), (2, 2)), ((2, 3), (3, 1, 2)), ((), (2, 3)), ((2, 3), (1, 1)),
    ((2, 1), (0, 3)),
])
def test_repeat(src, reps):
    base = rand(*src)
    x = nnx.tensor(base)
    y = x.repeat(*reps)
    np.testing.assert_array_equal(y.numpy(), np.tile(base, reps))
    assert not shares(x, y) or y.numel() == 0
    assert x.repeat(reps).shape == y.shape


def test_repeat_errors():
    with raises(RuntimeError, "Number of dimensions of repeat dims can not be smaller than number "
                "of dimensions of tensor"):
        nnx.zeros(2, 3).repeat(2)


@pytest.mark.parametrize("dims", [(0,), (1,), (0, 1), (-1,), ()])
def test_flip(dims):
    x = leaf(X34)
    y = x.flip(dims)
    np.testing.assert_array_equal(y.detach().numpy(), np.flip(X34, dims))
    assert not shares(x, y)
    assert y.grad_fn.name() == "FlipBackward0"
    np.testing.assert_array_equal(nnx.flip(x, dims).detach().numpy(), np.flip(X34, dims))
    if dims:
        np.testing.assert_array_equal(x.flip(*dims).detach().numpy(), np.flip(X34, dims))


def test_flip_duplicate_dims():
    with raises(RuntimeError, "dim 0 appears multiple times in the list of dims"):
        nnx.zeros(2, 3).flip(0, -2)


# -- gradients ----------------------------------------------------------------------------

GRAD_CASES = {
    "view": (lambda x: x.view(4, 6), (2, 3, 4)),
    "view_infer": (lambda x: x.view(-1), (3, 4)),
    "reshape_copy": (lambda x: x.transpose(0, 1).reshape(3, -1), (2, 3, 4)),
    "view_as": (lambda x: x.view_as(x.reshape(4, 3)), (3, 4)),
    "reshape_as": (lambda x: x.t().reshape_as(x), (3, 4)),
    "flatten": (lambda x: x.flatten(1), (2, 3, 4)),
    "unflatten": (lambda x: x.unflatten(1, (3, 1)), (2, 3, 4)),
    "squeeze": (lambda x: x.squeeze(), (3, 1, 4, 1)),
    "squeeze_dims": (lambda x: x.squeeze((1, 3)), (3, 1, 4, 1)),
    "unsqueeze": (lambda x: x.unsqueeze(-1), (3, 4)),
    "permute": (lambda x: x.permute(2, 0, 1), (2, 3, 4)),
    "transpose": (lambda x: x.transpose(0, -1), (2, 3, 4)),
    "t": (lambda x: x.t(), (3, 4)),
    "movedim": (lambda x: x.movedim((0, 1), (2, 0)), (2, 3, 4)),
    "expand": (lambda x: x.expand(2, 3, 4), (3, 1)),
    "expand_as": (lambda x: x.expand_as(nnx.zeros(2, 3, 4)), (4,)),
    "contiguous": (lambda x: x.t().contiguous(), (3, 4)),
    "chunk": (lambda x: x.chunk(2, 1), (3, 5)),
    "split": (lambda x: x.split([1, 3], 1)[1], (3, 4)),
    "split_int": (lambda x: x.split(2), (5, 2)),
    "unbind": (lambda x: x.unbind(0), (3, 4)),
    "narrow": (lambda x: x.narrow(1, 1, 2), (3, 4)),
    "select": (lambda x: x.select(0, 1), (3, 4)),
    "select_1d": (lambda x: x.select(0, -1), (4,)),
    "repeat": (lambda x: x.repeat(2, 1, 3), (3, 2)),
    "flip": (lambda x: x.flip(0, 1), (3, 4)),
    "view_chain": (lambda x: x.t().contiguous().view(-1).narrow(0, 2, 5), (3, 4)),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradcheck(name):
    fn, shape = GRAD_CASES[name]
    assert gradcheck(fn, (leaf(rand(*shape, seed=1)),))


@pytest.mark.parametrize("name", ["view", "reshape_copy", "permute", "expand", "chunk",
                                  "unbind", "narrow", "select", "repeat", "flip"])
def test_gradgradcheck(name):
    fn, shape = GRAD_CASES[name]

    def squared(x):                      # nonlinear, so second derivatives are not all zero
        out = fn(x)
        return tuple(o * o for o in out) if isinstance(out, tuple) else out * out

    assert gradgradcheck(squared, (leaf(rand(*shape, seed=2)),))


def test_no_grad_views_have_no_history():
    x = leaf(X34)
    with nnx.no_grad():
        y = x.view(12)
        parts = x.split(2)
    assert not y.requires_grad and y.grad_fn is None
    assert all(p.grad_fn is None for p in parts)
    assert shares(x, y)
