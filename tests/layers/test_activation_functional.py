"""The activation functionals added for nnx-layers: torch's errors and messages, grad_fn
names, in-place semantics, and float64 gradcheck (gradgradcheck where the backward is
differentiable).  Values against torch: test_activation_functional_golden.py.  Every
expected message here was printed by torch 2.13.0."""

import numpy as np
import pytest

import nnx
from nnx.autograd import gradcheck, gradgradcheck

F = nnx.nn.functional


def sample(shape=(3, 4), low=-4.0, high=4.0, seed=0):
    values = np.random.default_rng(seed).uniform(low, high, size=shape)
    return nnx.tensor(values, dtype=nnx.float64, requires_grad=True)


# (name, function of one tensor, torch's grad_fn name)
UNARY = [
    ("relu6", lambda t: F.relu6(t * 2), "HardtanhBackward0"),
    ("hardtanh", lambda t: F.hardtanh(t, -2.0, 1.5), "HardtanhBackward0"),
    ("threshold", lambda t: F.threshold(t, 0.3, -2.0), "ThresholdBackward0"),
    ("hardsigmoid", F.hardsigmoid, "HardsigmoidBackward0"),
    ("hardswish", F.hardswish, "HardswishBackward0"),
    ("hardshrink", lambda t: F.hardshrink(t, 1.0), "HardshrinkBackward0"),
    ("softshrink", lambda t: F.softshrink(t, 1.0), "SoftshrinkBackward0"),
    ("rrelu", F.rrelu, "RreluWithNoiseBackward0"),
    ("selu", F.selu, "EluBackward0"),
    ("celu", lambda t: F.celu(t, 0.7), "CeluBackward0"),
    ("mish", F.mish, "MishBackward0"),
    ("softsign", F.softsign, "DivBackward0"),
    ("logsigmoid", F.logsigmoid, "LogSigmoidBackward0"),
    ("tanhshrink", F.tanhshrink, "SubBackward0"),
    ("glu", F.glu, "GluBackward0"),
    ("glu_dim0", lambda t: F.glu(t[:2], 0), "GluBackward0"),
    ("softmin", lambda t: F.softmin(t, 1), "SoftmaxBackward0"),
    ("prelu", lambda t: F.prelu(t, nnx.tensor([0.3], dtype=nnx.float64)),
     "PreluKernelBackward0"),
]
@pytest.mark.parametrize("name, fn, grad_fn", UNARY, ids=[u[0] for u in UNARY])
def test_gradcheck_and_grad_fn(name, fn, grad_fn):
    x = sample()
    assert type(fn(x).grad_fn).__name__ == grad_fn
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))          # the backward formulas are differentiable


def test_prelu_gradcheck_weight_per_channel():
    x = sample((2, 3, 2))
    weight = nnx.tensor([0.1, 0.5, -0.2], dtype=nnx.float64, requires_grad=True)
    assert gradcheck(F.prelu, (x, weight))
    assert gradgradcheck(F.prelu, (x, weight))
    assert gradcheck(F.prelu, (sample((4,)), nnx.tensor(0.3, dtype=nnx.float64,
                                                         requires_grad=True)))


# (name, out-of-place call, in-place call, torch's grad_fn of the in-place result)
INPLACE = [
    ("relu_", lambda t: F.relu(t), F.relu_, "ReluBackward0"),
    ("elu_", lambda t: F.elu(t, 0.5), lambda t: F.elu_(t, 0.5), "EluBackward1"),
    ("leaky_relu_", lambda t: F.leaky_relu(t, 0.2), lambda t: F.leaky_relu_(t, 0.2),
     "LeakyReluBackward1"),
    ("hardtanh_", lambda t: F.hardtanh(t, -1.5, 2.0), lambda t: F.hardtanh_(t, -1.5, 2.0),
     "HardtanhBackward0"),
    ("threshold_", lambda t: F.threshold(t, 0.5, -1.0), lambda t: F.threshold_(t, 0.5, -1.0),
     "ThresholdBackward1"),
    ("celu_", lambda t: F.celu(t, 2.0), lambda t: F.celu_(t, 2.0), "CeluBackward1"),
    ("selu_", F.selu, F.selu_, "EluBackward1"),
    ("rrelu_", F.rrelu, F.rrelu_, "RreluWithNoiseBackward1"),
    ("relu6_inplace", F.relu6, lambda t: F.relu6(t, inplace=True), "HardtanhBackward0"),
    ("hardsigmoid_inplace", F.hardsigmoid, lambda t: F.hardsigmoid(t, True),
     "HardsigmoidBackward0"),
    ("hardswish_inplace", F.hardswish, lambda t: F.hardswish(t, True), "HardswishBackward0"),
    ("mish_inplace", F.mish, lambda t: F.mish(t, True), "MishBackward0"),
    ("selu_inplace", F.selu, lambda t: F.selu(t, True), "EluBackward1"),
    ("celu_inplace", F.celu, lambda t: F.celu(t, inplace=True), "CeluBackward1"),
    ("rrelu_inplace", F.rrelu, lambda t: F.rrelu(t, inplace=True), "RreluWithNoiseBackward1"),
]


@pytest.mark.parametrize("name, fn, fn_, grad_fn", INPLACE, ids=[i[0] for i in INPLACE])
def test_inplace_forms(name, fn, fn_, grad_fn):
    leaf = sample()
    expected = fn(leaf)
    (expected * expected).sum().backward()
    expected_grad = leaf.grad.numpy().copy()
    leaf.grad = None

    work = leaf * 1
    out = fn_(work)
    assert out is work and type(out.grad_fn).__name__ == grad_fn
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    (out * out).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), expected_grad, rtol=1e-12, atol=1e-15)

    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                           "in an in-place operation."):
        fn_(sample())


def raises(exc, message):
    return pytest.raises(exc, match="^" + __import__("re").escape(message) + "$")


X = nnx.randn(2, 3)
XI = nnx.tensor([1, 2, 3])


@pytest.mark.parametrize("call, exc, message", [
    (lambda: F.glu(nnx.randn(2, 3)), RuntimeError,
     "Halving dimension must be even, but dimension 1 is size 3"),
    (lambda: F.glu(nnx.randn(2, 4), dim=2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda: F.glu(nnx.tensor(1.0)), RuntimeError,
     "glu does not support scalars because halving size must be even"),
    (lambda: F.glu(nnx.tensor([[1, 2]])), NotImplementedError,
     "\"glu_cpu\" not implemented for 'Long'"),
    (lambda: F.glu(3.0), AttributeError, "'float' object has no attribute 'dim'"),
    (lambda: F.prelu(X, nnx.ones(2)), RuntimeError,
     "Mismatch of parameter numbers and input channel size. Found parameter numbers = 2 and "
     "channel size = 3."),
    (lambda: F.prelu(nnx.randn(3), nnx.ones(3)), RuntimeError,
     "Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 and "
     "channel size = 1."),
    (lambda: F.prelu(nnx.tensor(2.0), nnx.ones(2)), RuntimeError,
     "Not allow zero-dim input tensor."),
    (lambda: F.prelu(X, nnx.ones(1, 3)), RuntimeError,
     "prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2"),
    (lambda: F.prelu(XI, nnx.ones(1)), RuntimeError,
     "prelu: Type promoting not supported. Got Long and Float"),
    (lambda: F.prelu(X, nnx.ones(1, dtype=nnx.float64)), RuntimeError,
     "prelu: Type promoting not supported. Got Float and Double"),
    (lambda: F.prelu(3.0, X), TypeError,
     "prelu(): argument 'input' (position 1) must be Tensor, not float"),
    (lambda: F.hardtanh(X, 2.0, 1.0), ValueError, "min_val cannot be greater than max_val"),
    (lambda: F.rrelu(X, 0.5, 0.1), RuntimeError,
     "Lower bound should be less than or equal to the upper bound"),
    (lambda: F.rrelu(X, 0.5, 0.1, training=True), RuntimeError,
     "Lower bound should be less than or equal to the upper bound"),
    (lambda: F.rrelu(XI), NotImplementedError, "\"leaky_relu_cpu\" not implemented for 'Long'"),
    (lambda: F.softshrink(X, -1.0), RuntimeError,
     "lambda must be in range [0, 3.40282e+38] for input dtype Float, but found -1"),
    (lambda: F.softshrink(XI), NotImplementedError,
     "\"softshrink_check\" not implemented for 'Long'"),
    (lambda: F.hardshrink(XI), NotImplementedError,
     "\"hardshrink_cpu\" not implemented for 'Long'"),
    (lambda: F.selu(XI), NotImplementedError, "\"elu_cpu\" not implemented for 'Long'"),
    (lambda: F.celu(XI), NotImplementedError, "\"elu_cpu\" not implemented for 'Long'"),
    (lambda: F.celu(X, 0.0), RuntimeError, "ZeroDivisionError: alpha cannot be 0 for CELU"),
    (lambda: F.mish(XI), NotImplementedError, "\"mish_cpu\" not implemented for 'Long'"),
    (lambda: F.hardsigmoid(XI), NotImplementedError,
     "\"hardsigmoid_cpu\" not implemented for 'Long'"),
    (lambda: F.hardswish(XI), NotImplementedError, "\"hardswish_cpu\" not implemented for 'Long'"),
    (lambda: F.logsigmoid(XI), NotImplementedError,
     "\"log_sigmoid_cpu\" not implemented for 'Long'"),
    (lambda: F.softmin(XI, 0), NotImplementedError,
     "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    (lambda: F.relu6(3.0), TypeError,
     "relu6(): argument 'input' (position 1) must be Tensor, not float"),
    (lambda: F.logsigmoid(3.0), TypeError,
     "log_sigmoid(): argument 'input' (position 1) must be Tensor, not float"),
    (lambda: F.threshold(3.0, 1, 2), TypeError,
     "threshold(): argument 'input' (position 1) must be Tensor, not float"),
    (lambda: F.hardtanh(3.0), TypeError,
     "hardtanh(): argument 'input' (position 1) must be Tensor, not float"),
    (lambda: F.softsign(3.0), AttributeError, "'float' object has no attribute 'abs'"),
    (lambda: F.tanhshrink(3.0), AttributeError, "'float' object has no attribute 'tanh'"),
])
def test_errors_match_torch(call, exc, message):
    with raises(exc, message):
        call()


def test_integer_inputs_like_torch():
    # torch 2.13: hardtanh / relu6 / threshold keep integer dtypes; softsign and tanhshrink
    # (Python compositions in torch) return the default float dtype
    ints = nnx.tensor([-3, -1, 0, 2, 7])
    assert F.hardtanh(ints).tolist() == [-1, -1, 0, 1, 1] and F.hardtanh(ints).dtype == nnx.int64
    assert F.relu6(ints).tolist() == [0, 0, 0, 2, 6]
    assert F.threshold(ints, 1, 20).tolist() == [20, 20, 20, 2, 7]
    assert F.softsign(ints).dtype == nnx.float32
    assert F.tanhshrink(ints).dtype == nnx.float32
    # hardtanh_ skips the min/max check, as torch's does
    assert F.hardtanh_(nnx.tensor([0.5]), 2.0, 1.0).tolist() == [1.0]


def test_rrelu_eval_is_leaky_relu_with_the_mean_slope():
    x = sample()
    np.testing.assert_allclose(F.rrelu(x, 0.1, 0.5).detach().numpy(),
                               F.leaky_relu(x, 0.3).detach().numpy())


def test_softmin_dtype_and_implicit_dim():
    x = nnx.randn(2, 3)
    out = F.softmin(x, 1, dtype=nnx.float64)
    assert out.dtype == nnx.float64
    with pytest.warns(UserWarning, match=r"^Implicit dimension choice for softmin has been "
                                         r"deprecated. Change the call to include dim=X as an "
                                         r"argument.$"):
        implicit = F.softmin(x)
    np.testing.assert_allclose(implicit.numpy(), F.softmin(x, 1).numpy())


def test_glu_halves():
    x = nnx.tensor([[1.0, 2.0, 0.0, 100.0]])
    np.testing.assert_allclose(F.glu(x).numpy(), [[0.5, 2.0]])


ELU_NEGATIVE = ("In-place elu backward calculation is triggered with a negative slope which is "
                "not supported. This is caused by calling in-place forward function with a "
                "negative slope, please call out-of-place version instead.")
LEAKY_NEGATIVE = ("In-place leakyReLu backward calculation is triggered with a negative slope "
                  "which is not supported. This is caused by calling in-place forward function "
                  "with a negative slope, please call out-of-place version instead. File an "
                  "issue at https://github.com/pytorch/pytorch if you do require supporting "
                  "in-place leakRelu backward calculation with negative slope")


@pytest.mark.parametrize("fn, message", [
    (lambda t: F.elu_(t, -0.5), ELU_NEGATIVE),
    (lambda t: F.celu_(t, -0.5), ELU_NEGATIVE),
    (lambda t: F.leaky_relu_(t, -0.5), LEAKY_NEGATIVE),
    (lambda t: F.rrelu_(t, -0.5, -0.1), LEAKY_NEGATIVE),
])
def test_inplace_backward_refuses_negative_slopes(fn, message):
    x = sample()
    out = fn(x * 1)
    with raises(RuntimeError, message):
        out.sum().backward()
