"""Matrix products: matmul / @, mm, bmm, mv, dot, outer (torch 2.x semantics)."""

import re

import numpy as np
import pytest
from _helpers import leaf, rand, second_order

import nnx
from nnx.autograd import gradcheck

# (shape of a, shape of b, torch's grad_fn name for a @ b)
MATMUL_SHAPES = [
    ((4,), (4,), "DotBackward0"),
    ((3, 4), (4,), "MvBackward0"),
    ((4,), (4, 3), "SqueezeBackward4"),
    ((3, 4), (4, 5), "MmBackward0"),
    ((2, 3, 4), (4, 5), "UnsafeViewBackward0"),
    ((3, 4), (2, 4, 5), "CloneBackward0"),        # the matrix on the left requires grad
    ((2, 3, 4), (4,), "UnsafeViewBackward0"),
    ((4,), (2, 4, 3), "UnsafeViewBackward0"),
    ((1, 3, 4), (2, 4, 2), "UnsafeViewBackward0"),
    ((2, 1, 3, 4), (3, 4, 2), "UnsafeViewBackward0"),
    ((2, 3, 4), (2, 4, 5), "UnsafeViewBackward0"),
    ((0, 3), (3, 4), "MmBackward0"),
    ((2, 0), (0, 4), "MmBackward0"),
]
IDS = [f"{a}@{b}" for a, b, _ in MATMUL_SHAPES]


@pytest.mark.parametrize("sa,sb,name", MATMUL_SHAPES, ids=IDS)
def test_matmul_values_match_numpy(sa, sb, name):
    a, b = rand(*sa), rand(*sb, seed=1)
    for dtype in (nnx.float32, nnx.float64):
        out = nnx.tensor(a, dtype=dtype) @ nnx.tensor(b, dtype=dtype)
        expected = np.matmul(a, b)
        assert out.shape == expected.shape and out.dtype == dtype
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("sa,sb,name", MATMUL_SHAPES, ids=IDS)
def test_matmul_grad_fn_names(sa, sb, name):
    out = leaf(rand(*sa)) @ nnx.tensor(rand(*sb, seed=1))
    assert out.grad_fn.name() == name


@pytest.mark.parametrize("sa,sb,name", MATMUL_SHAPES, ids=IDS)
def test_matmul_gradcheck(sa, sb, name):
    a, b = leaf(rand(*sa)), leaf(rand(*sb, seed=1))
    assert gradcheck(lambda x, y: x @ y, (a, b))
    assert gradcheck(lambda x, y: nnx.matmul(x, y), (a, nnx.tensor(rand(*sb, seed=1))))
    assert gradcheck(lambda x, y: x.matmul(y), (nnx.tensor(rand(*sa)), b))


@pytest.mark.parametrize("sa,sb,name", MATMUL_SHAPES[:11], ids=IDS[:11])
def test_matmul_second_order(sa, sb, name):
    a, b = leaf(rand(*sa)), leaf(rand(*sb, seed=1))
    assert second_order(lambda x, y: x @ y, (a, b))


def test_matmul_backward_values():
    a, b = rand(3, 4), rand(4, 5, seed=1)
    g = rand(3, 5, seed=2)
    ta, tb = leaf(a), leaf(b)
    (ta @ tb).backward(nnx.tensor(g))
    np.testing.assert_allclose(ta.grad.numpy(), g @ b.T)
    np.testing.assert_allclose(tb.grad.numpy(), a.T @ g)


def test_batched_broadcast_gradient_is_summed():
    a, b = rand(2, 3, 4), rand(4, 5, seed=1)
    ta, tb = leaf(a), leaf(b)
    (ta @ tb).sum().backward()
    np.testing.assert_allclose(tb.grad.numpy(), np.einsum("bnk,bnm->km", a, np.ones((2, 3, 5))))
    c = leaf(rand(1, 4, 2, seed=3))
    d = leaf(rand(3, 2, 6, seed=4))
    (c @ d).sum().backward()
    assert c.grad.shape == (1, 4, 2) and d.grad.shape == (3, 2, 6)
    np.testing.assert_allclose(c.grad.numpy(),
                               (np.ones((3, 4, 6)) @ d.detach().numpy().swapaxes(-1, -2))
                               .sum(0, keepdims=True))


def test_only_needed_grads_and_saved_operands():
    a, b = leaf(rand(3, 4)), nnx.tensor(rand(4, 5, seed=1))
    out = a @ b
    saved_a, saved_b = out.grad_fn.saved_tensors
    assert saved_a is None                          # a is only needed for b's gradient
    assert np.shares_memory(saved_b, b._data)       # saved without a copy
    out.sum().backward()
    assert b.grad is None and a.grad.shape == (3, 4)
    assert out.grad_fn.next_functions[1] == (None, 0)


def test_integer_matmul():
    a = nnx.tensor(np.arange(6).reshape(2, 3))
    b = nnx.tensor(np.arange(6).reshape(3, 2))
    out = a @ b
    assert out.dtype == nnx.int64
    expected = np.arange(6).reshape(2, 3) @ np.arange(6).reshape(3, 2)
    np.testing.assert_array_equal(out.numpy(), expected)
    v = nnx.tensor([1, 2, 3])
    assert (v @ v).item() == 14 and (v @ v).dtype == nnx.int64
    assert (v @ b).numpy().tolist() == [16, 22]


def test_non_contiguous_operands():
    base, other = rand(5, 8), rand(5, 4, seed=1)
    a = nnx.tensor(base)[:, ::2]                # strided view
    b = nnx.tensor(other).t()                   # transposed view
    np.testing.assert_allclose((b @ a).numpy(), other.T @ base[:, ::2])
    e = nnx.tensor(rand(4)).expand(3, 4)        # broadcast (0 strides)
    np.testing.assert_allclose((e @ nnx.tensor(rand(4, 2, seed=2))).numpy(),
                               np.broadcast_to(rand(4), (3, 4)) @ rand(4, 2, seed=2))
    x = leaf(rand(3, 4))
    (x @ nnx.tensor(rand(4, 2, seed=3))).sum().backward()     # a broadcast gradient
    np.testing.assert_allclose(x.grad.numpy(), np.ones((3, 2)) @ rand(4, 2, seed=3).T)


def test_create_graph_second_derivative():
    a = leaf(rand(3, 4))
    b = leaf(rand(4, 2, seed=1))
    (ga,) = nnx.autograd.grad((a @ b).sum(), [a], create_graph=True)
    assert ga.requires_grad
    (ga * ga).sum().backward()
    # ga[i, k] = sum_j b[k, j]; d/db of sum_ik ga^2 = 2 * 3 * (sum_j b[k, j]) for every j
    rows = b.detach().numpy().sum(1, keepdims=True)
    np.testing.assert_allclose(b.grad.numpy(), np.broadcast_to(6 * rows, (4, 2)))


# -- errors -----------------------------------------------------------------------------------

def t(*shape, dtype=nnx.float32, requires_grad=False):
    return nnx.zeros(*shape, dtype=dtype, requires_grad=requires_grad)


@pytest.mark.parametrize("expr,exc,message", [
    ("t(2, 3) @ t(4, 5)", RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    ("t(3) @ t(4)", RuntimeError,
     "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of "
     "elements, but got 3 and 4 elements respectively"),
    ("t(2, 3) @ t(4)", RuntimeError, "size mismatch, got input (2), mat (2x3), vec (4)"),
    ("t(3) @ t(4, 5)", RuntimeError, "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)"),
    ("t(2, 2, 3) @ t(4, 5)", RuntimeError,
     "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)"),
    ("t(2, 2, 3) @ t(4)", RuntimeError, "size mismatch, got input (4), mat (4x3), vec (4)"),
    ("t(2, 2, 3) @ t(2, 4, 5)", RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4]."),
    ("t(4) @ t(2, 3, 5)", RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 3]."),
    ("t(5, 2, 3) @ t(1, 4, 4)", RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: [5, 3] but got: [5, 4]."),
    ("t(2, 2, 3) @ t(3, 3, 5)", RuntimeError,
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"),
    ("nnx.matmul(t(), t(2, 2))", RuntimeError,
     "both arguments to matmul need to be at least 1D, but they are 0D and 2D"),
    ("nnx.matmul(t(2), t())", RuntimeError,
     "both arguments to matmul need to be at least 1D, but they are 1D and 0D"),
    ("t(2, 3) @ t(3, 4, dtype=nnx.float64)", RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    ("t(2, 3, dtype=nnx.float64) @ t(3, 4)", RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: double != float"),
    ("t(2, 3) @ t(3, 4, dtype=nnx.int64)", RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != long int"),
    ("t(3) @ t(3, dtype=nnx.float64)", RuntimeError,
     "dot : expected both vectors to have same dtype, but found Float and Double"),
    ("t(3) @ t(4, dtype=nnx.float64)", RuntimeError,
     "dot : expected both vectors to have same dtype, but found Float and Double"),
    ("t(2, 3) @ t(3, dtype=nnx.float64)", RuntimeError,
     "addmv input tensors must have the same dtype, but got Double, Float, and Double"),
    ("t(2, 2, 3) @ t(2, 3, 4, dtype=nnx.float64)", RuntimeError,
     "expected scalar type Float but found Double"),
    ("t(2, 3, dtype=nnx.bool) @ t(3, 2, dtype=nnx.bool)", NotImplementedError,
     "\"addmm_impl_cpu_\" not implemented for 'Bool'"),
    ("nnx.matmul(t(2, 3), 3)", TypeError,
     "matmul(): argument 'other' (position 2) must be Tensor, not int"),
    ("nnx.mm(t(3), t(3, 5))", RuntimeError, "self must be a matrix"),
    ("nnx.mm(t(2, 3), t(3))", RuntimeError, "mat2 must be a matrix"),
    ("nnx.mm(t(2, 3), t(4, 5))", RuntimeError,
     "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    ("t(2, 3).mm(t(3, 4, dtype=nnx.float64))", RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    ("nnx.bmm(t(2, 3), t(4, 5))", RuntimeError, "batch1 must be a 3D tensor"),
    ("nnx.bmm(t(2, 2, 3), t(2, 3))", RuntimeError, "batch2 must be a 3D tensor"),
    ("nnx.bmm(t(2, 2, 3), t(3, 3, 4))", RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3]."),
    ("t(2, 2, 3).bmm(t(2, 3, 4, dtype=nnx.float64))", RuntimeError,
     "expected scalar type Float but found Double"),
    ("nnx.mv(t(2, 3), t(4))", RuntimeError, "size mismatch, got input (2), mat (2x3), vec (4)"),
    ("nnx.mv(t(3), t(3))", RuntimeError, "vector + matrix @ vector expected, got 1, 1, 1"),
    ("nnx.mv(t(2, 3, dtype=nnx.float64), t(3))", RuntimeError,
     "addmv input tensors must have the same dtype, but got Float, Double, and Float"),
    ("nnx.dot(t(3), t(4))", RuntimeError,
     "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of "
     "elements, but got 3 and 4 elements respectively"),
    ("nnx.dot(t(3, 1), t(3))", RuntimeError, "1D tensors expected, but got 2D and 1D tensors"),
    ("t(3).dot(t(3, dtype=nnx.int64))", RuntimeError,
     "dot : expected both vectors to have same dtype, but found Float and Long"),
    ("nnx.outer(t(3, 1), t(4))", RuntimeError, "outer: Expected 1-D argument self, but got 2-D"),
    ("nnx.outer(t(3), t(4, 1))", RuntimeError, "outer: Expected 1-D argument vec2, but got 2-D"),
])
def test_errors(expr, exc, message):
    with pytest.raises(exc, match=re.escape(message)):
        eval(expr)


def test_batched_errors_follow_torchs_folding():
    # matrix @ batch: torch folds the transposed batch when the matrix requires grad
    a = nnx.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(
            "mat1 and mat2 shapes cannot be multiplied (10x4 and 3x2)")):
        a @ t(2, 4, 5)
    with pytest.raises(RuntimeError, match=re.escape(
            "expected m1 and m2 to have the same dtype, but got: double != float")):
        a @ t(2, 3, 4, dtype=nnx.float64)
    with pytest.raises(RuntimeError, match=re.escape(
            "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: "
            "[2, 4].")):
        a.detach() @ t(2, 4, 5)
    # batch @ matrix with a batch that cannot be folded for free: bmm
    batch = t(3, 2, 4).transpose(0, 1)
    with pytest.raises(RuntimeError, match=re.escape(
            "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: "
            "[2, 5].")):
        batch @ t(5, 6)
    with pytest.raises(RuntimeError, match=re.escape(
            "mat1 and mat2 shapes cannot be multiplied (6x4 and 5x6)")):
        batch @ t(5, 6, requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(
            "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: "
            "[2, 5].")):
        batch @ t(5)


# -- mm, bmm, mv, dot, outer ----------------------------------------------------------------

def test_mm_bmm_mv_dot_values_and_names():
    a, b = rand(3, 4), rand(4, 5, seed=1)
    out = nnx.mm(leaf(a), nnx.tensor(b))
    np.testing.assert_allclose(out.detach().numpy(), a @ b)
    assert out.grad_fn.name() == "MmBackward0"
    p, q = rand(2, 3, 4), rand(2, 4, 5, seed=1)
    out = leaf(p).bmm(nnx.tensor(q))
    np.testing.assert_allclose(out.detach().numpy(), p @ q)
    assert out.grad_fn.name() == "BmmBackward0"
    v = rand(4, seed=2)
    out = nnx.mv(leaf(a), nnx.tensor(v))
    np.testing.assert_allclose(out.detach().numpy(), a @ v)
    assert out.grad_fn.name() == "MvBackward0"
    out = leaf(v).dot(nnx.tensor(v))
    assert out.shape == () and out.grad_fn.name() == "DotBackward0"
    np.testing.assert_allclose(out.item(), v @ v)
    assert nnx.dot(nnx.zeros(0), nnx.zeros(0)).item() == 0.0


def test_outer_values_promotion_and_name():
    u, w = rand(3), rand(4, seed=1)
    out = nnx.outer(leaf(u), nnx.tensor(w))
    np.testing.assert_allclose(out.detach().numpy(), np.outer(u, w))
    assert out.grad_fn.name() == "MulBackward0"
    mixed = nnx.outer(nnx.tensor([1, 2, 3]), nnx.tensor([0.5, 1.0], dtype=nnx.float32))
    assert mixed.dtype == nnx.float32
    np.testing.assert_array_equal(mixed.numpy(), [[0.5, 1.0], [1.0, 2.0], [1.5, 3.0]])
    assert nnx.tensor([1, 2]).outer(nnx.tensor([3])).dtype == nnx.int64


@pytest.mark.parametrize("fn,shapes", [
    (lambda x, y: nnx.mm(x, y), [(3, 4), (4, 2)]),
    (lambda x, y: x.mm(y.t()), [(3, 4), (2, 4)]),
    (lambda x, y: nnx.bmm(x, y), [(2, 3, 4), (2, 4, 2)]),
    (lambda x, y: x.mv(y), [(3, 4), (4,)]),
    (lambda x, y: nnx.dot(x, y), [(4,), (4,)]),
    (lambda x, y: x.outer(y), [(3,), (4,)]),
    (lambda x, y: x.t() @ y, [(4, 3), (4, 2)]),
    (lambda x, y: (x @ y).tanh() @ y.t(), [(3, 4), (4, 4)]),
], ids=["mm", "mm_t", "bmm", "mv", "dot", "outer", "transposed", "chain"])
def test_products_gradcheck(fn, shapes):
    inputs = tuple(leaf(rand(*s, seed=i)) for i, s in enumerate(shapes))
    assert gradcheck(fn, inputs)
    assert second_order(fn, inputs)


def test_gradcheck_one_side_only():
    a = leaf(rand(2, 3, 4))
    b = nnx.tensor(rand(4, seed=1), dtype=nnx.float64)
    assert gradcheck(lambda x: x @ b, (a,))
    c = leaf(rand(4, 2, seed=2))
    assert gradcheck(lambda y: nnx.tensor(rand(2, 3, 4)) @ y, (c,))
