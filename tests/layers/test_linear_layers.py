"""Identity, Linear, Bilinear, Flatten and Unflatten: torch 2.13's reprs, state, init,
argument checks and errors (messages printed by torch 2.13.0), and float64 gradcheck /
gradgradcheck of F.bilinear.  Values against torch: cases_linear.py and the bilinear
cases of tests/golden/cases_act_dist.py."""

import math
import re

import numpy as np
import pytest

import nnx
from nnx import nn
from nnx.autograd import gradcheck, gradgradcheck

F = nn.functional


def raises(exc, message):
    return pytest.raises(exc, match="^" + re.escape(message) + "$")


REPRS = [
    ("nn.Identity(54, unused=1)", "Identity()"),
    ("nn.Linear(3, 4)", "Linear(in_features=3, out_features=4, bias=True)"),
    ("nn.Linear(3, 4, bias=False)", "Linear(in_features=3, out_features=4, bias=False)"),
    ("nn.Bilinear(2, 3, 4)", "Bilinear(in1_features=2, in2_features=3, out_features=4, "
                             "bias=True)"),
    ("nn.Bilinear(2, 3, 4, False)", "Bilinear(in1_features=2, in2_features=3, out_features=4, "
                                    "bias=False)"),
    ("nn.Flatten()", "Flatten(start_dim=1, end_dim=-1)"),
    ("nn.Flatten(0, 2)", "Flatten(start_dim=0, end_dim=2)"),
    ("nn.Unflatten(1, (2, 3))", "Unflatten(dim=1, unflattened_size=(2, 3))"),
    ("nn.Unflatten(-1, [2, -1])", "Unflatten(dim=-1, unflattened_size=[2, -1])"),
]


@pytest.mark.parametrize("ctor, expected", REPRS, ids=[r[0] for r in REPRS])
def test_repr_matches_torch(ctor, expected):
    assert repr(eval(ctor)) == expected


def test_identity():
    layer = nn.Identity(3, "anything", key=object())
    x = nnx.randn(2, 3)
    assert layer(x) is x and list(layer.state_dict()) == []


def test_linear_state_and_dtype():
    layer = nn.Linear(3, 4, dtype=nnx.float64)
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert layer.weight.shape == (4, 3) and layer.bias.shape == (4,)
    assert layer.weight.dtype == nnx.float64 and layer.bias.dtype == nnx.float64
    no_bias = nn.Linear(3, 4, bias=False)
    assert list(no_bias.state_dict()) == ["weight"] and no_bias.bias is None


def test_linear_init_bounds():
    # kaiming_uniform_(a=sqrt(5)) and the bias both draw from U(-1/sqrt(in), 1/sqrt(in))
    nnx.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert values.min() >= -bound and values.max() <= bound
        assert values.max() > 0.95 * bound and values.min() < -0.95 * bound
    assert abs(layer.weight.detach().numpy().std() - bound / math.sqrt(3)) < 0.002
    nnx.manual_seed(0)
    np.testing.assert_array_equal(nn.Linear(400, 300).weight.detach().numpy(),
                                  layer.weight.detach().numpy())


def test_linear_zero_in_features():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        layer = nn.Linear(0, 4)
    assert layer.bias.detach().tolist() == [0.0] * 4          # bound 0, as in torch


def test_linear_shape_error():
    with raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x5 and 3x4)"):
        nn.Linear(3, 4)(nnx.randn(2, 5))


def test_bilinear_state_and_init():
    nnx.manual_seed(0)
    layer = nn.Bilinear(16, 3, 40, dtype=nnx.float64)
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert layer.weight.shape == (40, 16, 3) and layer.bias.shape == (40,)
    bound = 1 / math.sqrt(16)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert values.min() >= -bound and values.max() <= bound and values.std() > 0.1
    assert list(nn.Bilinear(2, 3, 4, bias=False).state_dict()) == ["weight"]
    with raises(ValueError, "in1_features must be > 0, but got (in1_features=0)"):
        nn.Bilinear(0, 2, 3)


def test_bilinear_forward_is_the_bilinear_form():
    layer = nn.Bilinear(2, 3, 4, dtype=nnx.float64)
    x1, x2 = nnx.randn(5, 2, dtype=nnx.float64), nnx.randn(5, 3, dtype=nnx.float64)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    expected = np.einsum("ni,oij,nj->no", x1.numpy(), w, x2.numpy()) + b
    np.testing.assert_allclose(layer(x1, x2).detach().numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("shapes", [((4, 3), (4, 2)), ((3,), (2,)), ((2, 2, 3), (2, 2, 2))])
@pytest.mark.parametrize("with_bias", [True, False])
def test_bilinear_gradcheck(shapes, with_bias):
    rng = np.random.default_rng(0)

    def t(*shape):
        return nnx.tensor(rng.standard_normal(shape), requires_grad=True)
    args = (t(*shapes[0]), t(*shapes[1]), t(2, 3, 2)) + ((t(2),) if with_bias else ())
    assert gradcheck(F.bilinear, args)
    assert gradgradcheck(F.bilinear, args)
    grad_fn = type(F.bilinear(*args).grad_fn).__name__
    assert grad_fn == ("AddBackward0" if with_bias else "ViewBackward0")


W = nnx.randn(4, 3, 5)


@pytest.mark.parametrize("call, exc, message", [
    (lambda: F.bilinear(nnx.randn(2, 3), nnx.randn(2, 2, 5), W), RuntimeError,
     "bilinear(): input dimensions do not match: got 2 and 3"),
    (lambda: F.bilinear(nnx.randn(2, 3), nnx.randn(3, 5), W), RuntimeError,
     "bilinear(): input batch dimensions do not match at dim 0: got 2 and 3"),
    (lambda: F.bilinear(nnx.randn(2, 4), nnx.randn(2, 5), W), RuntimeError,
     "bilinear(): input1 size does not match weight size: got 4 but expected 3"),
    (lambda: F.bilinear(nnx.randn(2, 3), nnx.randn(2, 4), W), RuntimeError,
     "bilinear(): input2 size does not match weight size: got 4 but expected 5"),
    (lambda: F.bilinear(nnx.randn(2, 3), nnx.randn(2, 5), W, nnx.randn(3)), RuntimeError,
     "bilinear(): bias size does not match weight size: got 3 but expected 4"),
    (lambda: F.bilinear(nnx.randn(2, 5), nnx.randn(2, 5), nnx.randn(3, 5)), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda: F.bilinear(nnx.randn(2, 3), nnx.randn(2, 5), W, nnx.tensor(1.0)), IndexError,
     "Dimension specified as 0 but tensor has no dimensions"),
    (lambda: F.bilinear(nnx.randn(2, 3), nnx.randn(2, 5), W, nnx.randn(4, 1)), RuntimeError,
     "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0"),
    (lambda: F.bilinear(nnx.randn(2, 3, dtype=nnx.float64), nnx.randn(2, 5), W), RuntimeError,
     "All tensors must have the same dtype, got input1: double, input2: float, weight: float"),
    (lambda: F.bilinear(nnx.randn(2, 3), nnx.randn(2, 5), W, nnx.randn(4, dtype=nnx.float64)),
     RuntimeError, "All tensors must have the same dtype, got input1: float, input2: float, "
                   "weight: float, bias: double"),
    (lambda: F.bilinear(nnx.tensor(1.0), nnx.tensor(2.0), W), IndexError,
     "Dimension specified as -1 but tensor has no dimensions"),
    (lambda: F.bilinear(2.0, nnx.randn(2, 5), W), TypeError,
     "bilinear(): argument 'input1' (position 1) must be Tensor, not float"),
])
def test_bilinear_errors_match_torch(call, exc, message):
    with raises(exc, message):
        call()


def test_bilinear_empty_batch_and_integers():
    assert F.bilinear(nnx.randn(0, 3), nnx.randn(0, 5), W).shape == (0, 4)
    ints = F.bilinear(nnx.tensor([[1, 2]]), nnx.tensor([[3]]), nnx.tensor([[[1], [2]]]))
    assert ints.tolist() == [[15]] and ints.dtype == nnx.int64


def test_flatten():
    x = nnx.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Flatten(-3, -2)(x).shape == (2, 12, 5)
    with raises(IndexError, "Dimension out of range (expected to be in range of [-1, 0], but "
                            "got 1)"):
        nn.Flatten()(nnx.tensor(1.0))
    assert nn.Flatten(0)(nnx.tensor(1.0)).shape == (1,)
    with raises(RuntimeError, "flatten() has invalid args: start_dim cannot come after end_dim"):
        nn.Flatten(2, 1)(nnx.randn(2, 6, 3))
    with raises(IndexError, "Dimension out of range (expected to be in range of [-3, 2], but "
                            "got 5)"):
        nn.Flatten(0, 5)(nnx.randn(2, 6, 3))
    with raises(IndexError, "Dimension out of range (expected to be in range of [-1, 0], but "
                            "got 1)"):
        nn.Flatten()(nnx.randn(3))


def test_unflatten():
    x = nnx.randn(2, 6)
    assert nn.Unflatten(1, (2, 3))(x).shape == (2, 2, 3)
    assert nn.Unflatten(-1, [3, -1])(x).shape == (2, 3, 2)
    for size, message in [((2, 2), "unflatten: Provided sizes [2, 2] don't multiply up to the "
                                   "size of dim 1 (6) in the input tensor"),
                          ((), "unflatten: sizes must be non-empty"),
                          ((4, -1), "unflatten: Provided sizes [4, -1] don't multiply up to "
                                    "the size of dim 1 (6) in the input tensor")]:
        with raises(RuntimeError, message):
            nn.Unflatten(1, size)(x)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        nn.Unflatten(1, (-1, -1))(x)
    with raises(IndexError, "Dimension out of range (expected to be in range of [-2, 1], but "
                            "got 3)"):
        nn.Unflatten(3, (2, 3))(x)


@pytest.mark.parametrize("size, message", [
    (3, "unflattened_size must be a tuple of ints, but found type int"),
    ((2, 3.0), "unflattened_size must be tuple of ints, but found element of type float at "
               "pos 1"),
    ("ab", "unflattened_size must be a tuple of ints, but found type str"),
])
def test_unflatten_size_checks(size, message):
    with raises(TypeError, message):
        nn.Unflatten(1, size)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
@pytest.mark.parametrize(("n_in", "n_out", "batch"), [(0, 3, (2,)), (4, 0, (2, 3)), (0, 0, (0,))])
def test_linear_with_zero_sizes(n_in, n_out, batch):
    # torch 2.13 allows in_features or out_features of 0: y = bias broadcast (K = 0),
    # an empty output (N = 0); the gradients are zeros of the parameters' shapes
    layer = nn.Linear(n_in, n_out).double()
    x = nnx.zeros(*batch, n_in, dtype=nnx.float64, requires_grad=True)
    y = layer(x)
    assert tuple(y.shape) == batch + (n_out,)
    np.testing.assert_array_equal(y.detach().numpy(),
                                  np.broadcast_to(layer.bias.detach().numpy(), y.shape))
    y.sum().backward()
    assert x.grad.shape == x.shape and layer.weight.grad.shape == (n_out, n_in)
    np.testing.assert_array_equal(layer.bias.grad.numpy(), np.full(n_out, float(np.prod(batch))))
