"""Activation layers: torch 2.13's reprs, constructor checks and warnings, PReLU's
parameter, RReLU's random training mode, and that each layer forwards to its functional
(values themselves are checked by cases_activation.py through test_layer_cases.py).
Expected strings were printed by torch 2.13.0."""

import warnings

import numpy as np
import pytest

import nnx
from nnx import nn

F = nn.functional

# (constructor, torch's repr)
REPRS = [
    ("nn.ReLU()", "ReLU()"),
    ("nn.ReLU(True)", "ReLU(inplace=True)"),
    ("nn.ReLU6()", "ReLU6()"),
    ("nn.ReLU6(inplace=True)", "ReLU6(inplace=True)"),
    ("nn.LeakyReLU()", "LeakyReLU(negative_slope=0.01)"),
    ("nn.LeakyReLU(0.2, True)", "LeakyReLU(negative_slope=0.2, inplace=True)"),
    ("nn.PReLU()", "PReLU(num_parameters=1)"),
    ("nn.PReLU(3, 0.1)", "PReLU(num_parameters=3)"),
    ("nn.RReLU()", "RReLU(lower=0.125, upper=0.3333333333333333)"),
    ("nn.RReLU(0.1, 0.3, True)", "RReLU(lower=0.1, upper=0.3, inplace=True)"),
    ("nn.ELU()", "ELU(alpha=1.0)"),
    ("nn.ELU(0.5, True)", "ELU(alpha=0.5, inplace=True)"),
    ("nn.SELU()", "SELU()"),
    ("nn.SELU(True)", "SELU(inplace=True)"),
    ("nn.CELU()", "CELU(alpha=1.0)"),
    ("nn.CELU(2.0, inplace=True)", "CELU(alpha=2.0, inplace=True)"),
    ("nn.GELU()", "GELU(approximate='none')"),
    ("nn.GELU('tanh')", "GELU(approximate='tanh')"),
    ("nn.SiLU()", "SiLU()"),
    ("nn.SiLU(True)", "SiLU(inplace=True)"),
    ("nn.Mish(True)", "Mish(inplace=True)"),
    ("nn.Tanh()", "Tanh()"),
    ("nn.Sigmoid()", "Sigmoid()"),
    ("nn.Hardtanh()", "Hardtanh(min_val=-1.0, max_val=1.0)"),
    ("nn.Hardtanh(-2, 3, True)", "Hardtanh(min_val=-2, max_val=3, inplace=True)"),
    ("nn.Hardsigmoid(True)", "Hardsigmoid()"),
    ("nn.Hardswish(True)", "Hardswish()"),
    ("nn.Softplus()", "Softplus(beta=1.0, threshold=20.0)"),
    ("nn.Softplus(2, 5)", "Softplus(beta=2, threshold=5)"),
    ("nn.Softsign()", "Softsign()"),
    ("nn.Softmax()", "Softmax(dim=None)"),
    ("nn.Softmax(1)", "Softmax(dim=1)"),
    ("nn.LogSoftmax(dim=-1)", "LogSoftmax(dim=-1)"),
    ("nn.Softmin(0)", "Softmin(dim=0)"),
    ("nn.Softmax2d()", "Softmax2d()"),
    ("nn.Threshold(0.1, 20)", "Threshold(threshold=0.1, value=20)"),
    ("nn.Threshold(0.1, 20.0, True)", "Threshold(threshold=0.1, value=20.0, inplace=True)"),
    ("nn.GLU()", "GLU(dim=-1)"),
    ("nn.GLU(1)", "GLU(dim=1)"),
    ("nn.LogSigmoid()", "LogSigmoid()"),
    ("nn.Hardshrink()", "Hardshrink(0.5)"),
    ("nn.Hardshrink(1)", "Hardshrink(1)"),
    ("nn.Softshrink(0.3)", "Softshrink(0.3)"),
    ("nn.Tanhshrink()", "Tanhshrink()"),
]


@pytest.mark.parametrize("ctor, expected", REPRS, ids=[r[0] for r in REPRS])
def test_repr_matches_torch(ctor, expected):
    assert repr(eval(ctor)) == expected


def test_every_activation_name_resolves():
    import nnx_layers
    for name in nnx_layers._LAYERS_BY_MODULE["activation"]:
        cls = getattr(nn, name)
        assert issubclass(cls, nn.Module) and cls.__name__ == name


def test_hardtanh_checks_and_deprecated_keywords():
    with pytest.raises(AssertionError, match=r"^max_val \(1\) must be greater than min_val \(1\)$"):
        nn.Hardtanh(1, 1)
    with pytest.warns(FutureWarning,
                      match="keyword argument `min_value` is deprecated and renamed to `min_val`"):
        layer = nn.Hardtanh(min_value=-2)
    assert repr(layer) == "Hardtanh(min_val=-2, max_val=1.0)"
    with pytest.warns(FutureWarning,
                      match="keyword argument `max_value` is deprecated and renamed to `max_val`"):
        layer = nn.Hardtanh(max_value=2)
    assert (layer.min_val, layer.max_val) == (-1.0, 2)


def test_softmax2d_rank_check():
    with pytest.raises(ValueError, match=r"^Softmax2d: expected input to be 3D or 4D, got 2D "
                                         r"instead$"):
        nn.Softmax2d()(nnx.randn(2, 3))


def test_softmax_without_dim_warns_like_torch():
    x = nnx.randn(2, 3)
    for layer, name in ((nn.Softmax(), "softmax"), (nn.LogSoftmax(), "log_softmax"),
                        (nn.Softmin(), "softmin")):
        with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has been "
                                             "deprecated"):
            out = layer(x)
        expected = {"softmax": F.softmax, "log_softmax": F.log_softmax,
                    "softmin": F.softmin}[name](x, 1)
        np.testing.assert_allclose(out.numpy(), expected.numpy())


def test_prelu_parameter():
    layer = nn.PReLU(3, init=0.1, dtype=nnx.float64)
    assert list(layer.state_dict()) == ["weight"]
    assert layer.weight.shape == (3,) and layer.weight.dtype == nnx.float64
    np.testing.assert_array_equal(layer.weight.detach().numpy(), [0.1] * 3)
    assert layer.init == 0.1 and layer.num_parameters == 3
    np.testing.assert_array_equal(nn.PReLU().weight.detach().numpy(), [0.25])
    layer.weight.data.fill_(0.5)
    layer.reset_parameters()
    np.testing.assert_array_equal(layer.weight.detach().numpy(), [0.1] * 3)


def test_prelu_learns_its_slope():
    layer = nn.PReLU(2, dtype=nnx.float64)
    x = nnx.tensor([[-1.0, -2.0], [3.0, -4.0]], dtype=nnx.float64)
    layer(x).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy(), [-1.0, -6.0])


def test_rrelu_training_draws_slopes_in_range():
    layer = nn.RReLU(0.1, 0.3)
    x = -nnx.rand(2000, dtype=nnx.float64) - 0.5
    nnx.manual_seed(3)
    slopes = (layer(x) / x).numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.01 and slopes.std() > 0.05     # U(0.1, 0.3): std 0.058
    nnx.manual_seed(3)
    np.testing.assert_array_equal((layer(x) / x).numpy(), slopes)        # repeatable
    positive = nnx.rand(10) + 0.1
    np.testing.assert_array_equal(layer(positive).numpy(), positive.numpy())
    layer.eval()
    np.testing.assert_allclose((layer(x) / x).numpy(), 0.2)


def test_rrelu_training_gradient_is_the_drawn_slope():
    x = (-nnx.rand(50, dtype=nnx.float64) - 0.5).requires_grad_()
    y = F.rrelu(x, 0.1, 0.3, training=True)
    assert type(y.grad_fn).__name__ == "RreluWithNoiseBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (y / x).detach().numpy())


@pytest.mark.parametrize("cls, args", [(nn.ReLU, ()), (nn.ELU, ()), (nn.SELU, ()),
                                       (nn.CELU, ()), (nn.Hardtanh, ()), (nn.ReLU6, ()),
                                       (nn.LeakyReLU, ()), (nn.SiLU, ()), (nn.Mish, ()),
                                       (nn.Hardsigmoid, ()), (nn.Hardswish, ()),
                                       (nn.Threshold, (0.1, 2.0)), (nn.RReLU, ())])
def test_inplace_layers_write_into_their_input(cls, args):
    x = nnx.randn(3, 4, dtype=nnx.float64)
    expected = cls(*args).eval()(x.clone()).numpy()
    layer = cls(*args, inplace=True).eval()
    out = layer(x)
    assert out is x
    np.testing.assert_allclose(x.numpy(), expected)


def test_layers_keep_no_state():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for ctor, _ in REPRS:
            assert list(eval(ctor).state_dict()) == (["weight"] if "PReLU" in ctor else [])


@pytest.mark.parametrize("value", [0.0, 2.0])
def test_inplace_threshold_gradient_masks_by_the_input(value):
    # torch 2.13: in-place threshold's gradient passes where the *input* was above the
    # threshold, also where the replacement value lies above it (printed by torch:
    # grad [[0, 1, 1, 0]] for value 0.0 and 2.0 alike)
    x = nnx.tensor([[-1.0, -0.3, 0.2, -0.6]], dtype=nnx.float64, requires_grad=True)
    y = nn.Threshold(-0.5, value, inplace=True)(x * 1)
    y.backward(nnx.ones(1, 4, dtype=nnx.float64))
    assert x.grad.tolist() == [[0.0, 1.0, 1.0, 0.0]]
    assert y.tolist() == [[value, -0.3, 0.2, value]]


@pytest.mark.parametrize(("layer", "exc", "message"), [
    (nn.ReLU(), RuntimeError, "Boolean inputs not supported for relu"),
    (nn.ReLU(inplace=True), RuntimeError, "Boolean inputs not supported for relu"),
    (nn.ReLU6(), RuntimeError, "Bool inputs not supported for hardtanh"),
    (nn.Hardtanh(), RuntimeError, "Bool inputs not supported for hardtanh"),
    (nn.Softsign(), NotImplementedError, "\"abs_cpu\" not implemented for 'Bool'"),
    (nn.Tanhshrink(), RuntimeError, "Subtraction, the `-` operator, with a bool tensor is not "
     "supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator "
     "instead."),
    (nn.Threshold(0.5, 0.0), NotImplementedError, "\"threshold_cpu\" not implemented for 'Bool'"),
])
def test_bool_inputs_are_refused_like_torch(layer, exc, message):
    # messages printed by torch 2.13.0 for a bool input
    with pytest.raises(exc) as info:
        layer(nnx.tensor([True, False]))
    assert str(info.value) == message
