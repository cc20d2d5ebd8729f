"""Distances: torch 2.13's errors, the layers' attributes, float64 gradcheck of
pairwise_distance / cosine_similarity / pdist / normalize for every kind of p, and the
refusal of double backward.  Values against torch: test_activation_functional_golden.py
(cases in tests/golden/cases_act_dist.py).  Messages were printed by torch 2.13.0."""

import re

import numpy as np
import pytest

import nnx
from nnx import nn
from nnx.autograd import gradcheck

F = nn.functional
INF = float("inf")


def sample(*shape, seed=0):
    values = np.random.default_rng(seed).uniform(-2, 2, size=shape)
    return nnx.tensor(values, dtype=nnx.float64, requires_grad=True)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, 1.5, INF, -INF, 0.0, -1.0])
def test_pairwise_distance_gradcheck(p):
    assert gradcheck(lambda a, b: F.pairwise_distance(a, b, p=p), (sample(3, 4), sample(3, 4,
                                                                                        seed=1)))


def test_pairwise_distance_broadcast_keepdim_gradcheck():
    fn = lambda a, b: F.pairwise_distance(a, b, keepdim=True)        # noqa: E731
    assert gradcheck(fn, (sample(2, 3, 4), sample(4, seed=1)))
    assert F.pairwise_distance(sample(2, 3), sample(2, 3), keepdim=True).shape == (2, 1)
    assert F.pairwise_distance(sample(3), sample(3)).shape == ()


@pytest.mark.parametrize("dim", [1, 0, -1])
def test_cosine_similarity_gradcheck(dim):
    assert gradcheck(lambda a, b: F.cosine_similarity(a, b, dim), (sample(3, 4),
                                                                   sample(3, 4, seed=1)))


def test_cosine_similarity_broadcast_gradcheck():
    assert gradcheck(lambda a, b: F.cosine_similarity(a, b, -1),
                     (sample(2, 3, 4), sample(3, 1, seed=1)))


def test_cosine_similarity_clamped_norm_gradient_is_torchs():
    # Below eps torch clamps the norm under no_grad, so its gradient is not the derivative
    # of the clamped function (gradcheck would fail, in torch too): the norm's share uses
    # the unclamped norm.  Numbers printed by torch 2.13.0 (grad of the sum).
    a = nnx.tensor([[1e-9, 2e-9, 0.0]], dtype=nnx.float64, requires_grad=True)
    b = nnx.tensor([[3.0, -1.0, 2.0]], dtype=nnx.float64)
    F.cosine_similarity(a, b, eps=1e-8).sum().backward()
    np.testing.assert_allclose(
        a.grad.numpy(), [[78983143.96439293, -29116581.409911226, 53452248.382484876]],
        rtol=1e-10)


def test_cosine_similarity_formula():
    # torch 2.x normalises each vector by max(|x|, eps) before the dot product
    a = nnx.tensor([[3.0, 4.0], [1e-9, 0.0]], dtype=nnx.float64)
    b = nnx.tensor([[4.0, 3.0], [1.0, 0.0]], dtype=nnx.float64)
    np.testing.assert_allclose(F.cosine_similarity(a, b, eps=1e-8).numpy(), [0.96, 0.1])


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, INF, 0.0])
def test_pdist_gradcheck(p):
    assert gradcheck(lambda x: F.pdist(x, p), (sample(4, 3),))


def test_pdist_shapes():
    assert F.pdist(nnx.randn(5, 2)).shape == (10,)
    assert F.pdist(nnx.randn(1, 2)).shape == (0,)
    assert F.pdist(nnx.randn(3, 0)).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("p, dim", [(2.0, 1), (1.0, 0), (3.0, -1), (INF, 1), (0.5, 1),
                                    (1.5, 0)])
def test_normalize_gradcheck(p, dim):
    assert gradcheck(lambda x: F.normalize(x, p, dim), (sample(3, 4),))


def test_normalize_tiny_norm_and_out():
    tiny = nnx.tensor([[1e-5, 2e-5], [1.0, 2.0]], dtype=nnx.float64, requires_grad=True)
    assert gradcheck(lambda x: F.normalize(x, eps=1e-3), (tiny,))
    out = nnx.empty(2, 2, dtype=nnx.float64)
    result = F.normalize(tiny.detach(), out=out)
    assert result is out
    np.testing.assert_allclose(out.numpy(), F.normalize(tiny).detach().numpy())
    with pytest.raises(RuntimeError, match=re.escape(
            "div(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad.")):
        F.normalize(tiny, out=out)


@pytest.mark.parametrize("fn", [
    lambda x: F.pairwise_distance(x, x * 2),
    lambda x: F.cosine_similarity(x, x * x),
    lambda x: F.pdist(x),
    lambda x: F.normalize(x),
])
def test_double_backward_is_refused(fn):
    x = sample(3, 4)
    (grad,) = nnx.autograd.grad(fn(x).sum(), x)          # first order works
    assert grad.shape == (3, 4)
    with pytest.raises(RuntimeError, match="nnx does not implement double backward"):
        nnx.autograd.grad(fn(x).sum(), x, create_graph=True)


def raises(exc, message):
    return pytest.raises(exc, match="^" + re.escape(message) + "$")


@pytest.mark.parametrize("call, exc, message", [
    (lambda: F.pairwise_distance(nnx.randn(2, 3), nnx.randn(2, 4)), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"),
    (lambda: F.pairwise_distance(2.0, nnx.randn(2, 3)), TypeError,
     "pairwise_distance(): argument 'x1' (position 1) must be Tensor, not float"),
    (lambda: F.cosine_similarity(nnx.randn(2, 3), nnx.randn(2, 4)), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"),
    (lambda: F.cosine_similarity(nnx.randn(3), nnx.randn(3)), IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    (lambda: F.cosine_similarity(nnx.tensor([[1, 2]]), nnx.tensor([[2, 3]])), RuntimeError,
     "expected common dtype to be floating point, yet common dtype is Long"),
    (lambda: F.pdist(nnx.randn(3)), RuntimeError, "pdist only supports 2D tensors, got: 1D"),
    (lambda: F.pdist(nnx.randn(3, 2, 2)), RuntimeError, "pdist only supports 2D tensors, got: 3D"),
    (lambda: F.pdist(nnx.randn(3, 2), p=-1), RuntimeError,
     "pdist only supports non-negative p values"),
    (lambda: F.pdist(nnx.tensor([[1, 2], [3, 4]])), RuntimeError,
     "pdist only supports floating-point dtypes"),
    (lambda: F.normalize(nnx.randn(3)), IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    (lambda: F.normalize(nnx.tensor([[1, 2]])), RuntimeError,
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
])
def test_errors_match_torch(call, exc, message):
    with raises(exc, message):
        call()


def test_dtypes_like_torch():
    ints = nnx.tensor([[1, 2], [3, 5]])
    assert F.pairwise_distance(ints, ints * 2).dtype == nnx.float32      # + eps promotes
    mixed = F.cosine_similarity(nnx.randn(2, 3), nnx.randn(2, 3, dtype=nnx.float64))
    assert mixed.dtype == nnx.float64
    a = nnx.randn(2, 3, requires_grad=True)
    F.pairwise_distance(a, nnx.randn(2, 3, dtype=nnx.float64)).sum().backward()
    assert a.grad.dtype == nnx.float32


def test_layers():
    layer = nn.PairwiseDistance(1.0, 0.1, True)
    assert (layer.norm, layer.eps, layer.keepdim) == (1.0, 0.1, True)
    assert repr(layer) == "PairwiseDistance()" and list(layer.state_dict()) == []
    a, b = nnx.randn(3, 4), nnx.randn(3, 4)
    np.testing.assert_array_equal(layer(a, b).numpy(),
                                  F.pairwise_distance(a, b, 1.0, 0.1, True).numpy())
    cos = nn.CosineSimilarity(0, 1e-3)
    assert (cos.dim, cos.eps) == (0, 1e-3) and repr(cos) == "CosineSimilarity()"
    np.testing.assert_array_equal(cos(a, b).numpy(), F.cosine_similarity(a, b, 0, 1e-3).numpy())


def test_pairwise_distance_p0_leaves_gradients_undefined():
    # torch 2.13: the p = 0 norm's backward is undefined, so after backward x1.grad and
    # x2.grad stay None (the output still requires grad)
    a, b = sample(3, 4), sample(3, 4, seed=1)
    out = F.pairwise_distance(a, b, p=0.0)
    assert out.requires_grad
    out.sum().backward()
    assert a.grad is None and b.grad is None
