"""nnx.nn.functional activations and softmax: values against NumPy references, torch's
errors and warnings, in-place semantics, and float64 gradcheck / gradgradcheck."""

import math
import warnings

import numpy as np
import pytest

import nnx
from nnx.autograd import gradcheck, gradgradcheck

F = nnx.nn.functional
TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-14)}


def T(a, dtype="float64", requires_grad=False):
    return nnx.tensor(np.asarray(a, dtype=dtype), requires_grad=requires_grad)


def npy(t):
    return t.detach().numpy()


def sample(shape=(3, 4), low=-4.0, high=4.0, seed=0, dtype="float64"):
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype)


# -- NumPy references (written directly from the definitions) ---------------------------

_erf = np.vectorize(math.erf)


def ref_gelu(x):
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def ref_gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def ref_softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(np.minimum(x * beta, 700))) / beta)


def ref_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ACTIVATIONS = [
    ("relu", lambda t: F.relu(t), lambda x: np.maximum(x, 0)),
    ("leaky_relu", lambda t: F.leaky_relu(t), lambda x: np.where(x > 0, x, 0.01 * x)),
    ("leaky_relu_0.2", lambda t: F.leaky_relu(t, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (
        "leaky_relu_neg",
        lambda t: F.leaky_relu(t, negative_slope=-0.5),
        lambda x: np.where(x > 0, x, -0.5 * x),
    ),
    ("elu", lambda t: F.elu(t), lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    (
        "elu_alpha",
        lambda t: F.elu(t, alpha=0.5),
        lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1)),
    ),
    ("gelu", lambda t: F.gelu(t), ref_gelu),
    ("gelu_none", lambda t: F.gelu(t, approximate="none"), ref_gelu),
    ("gelu_tanh", lambda t: F.gelu(t, approximate="tanh"), ref_gelu_tanh),
    ("silu", lambda t: F.silu(t), lambda x: x / (1 + np.exp(-x))),
    ("softplus", lambda t: F.softplus(t), ref_softplus),
    ("softplus_beta", lambda t: F.softplus(t, beta=2), lambda x: ref_softplus(x, 2)),
    ("softplus_threshold", lambda t: F.softplus(t, 2, 1), lambda x: ref_softplus(x, 2, 1)),
    ("tanh", lambda t: F.tanh(t), np.tanh),
    ("sigmoid", lambda t: F.sigmoid(t), lambda x: 1 / (1 + np.exp(-x))),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,fn,ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_values(name, fn, ref, dtype):
    x = sample(dtype=dtype)
    out = fn(T(x, dtype))
    assert out.dtype == getattr(nnx, dtype)
    assert out.shape == x.shape
    np.testing.assert_allclose(npy(out), ref(x.astype(np.float64)), **TOL[dtype])


def test_activations_extreme_inputs_are_finite():
    x = T([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    for fn in (F.elu, F.gelu, F.silu, F.softplus, F.sigmoid, F.tanh):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert np.isfinite(npy(fn(x))).all(), fn
    np.testing.assert_array_equal(npy(F.softplus(T([30.0, 1000.0]))), [30.0, 1000.0])
    np.testing.assert_allclose(npy(F.gelu(T([-40.0, 40.0]))), [0.0, 40.0])


@pytest.mark.parametrize("name,fn,ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_gradcheck(name, fn, ref):
    # keep away from the kinks of relu / leaky_relu / elu, where the derivative jumps
    x = sample((2, 5), seed=1)
    x[np.abs(x) < 0.05] = 0.3
    t = T(x, requires_grad=True)
    assert gradcheck(fn, (t,))
    assert gradgradcheck(fn, (t,))


@pytest.mark.parametrize("name,fn,ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_grad_dtype_float32(name, fn, ref):
    t = T(sample(dtype="float32"), "float32", requires_grad=True)
    fn(t).sum().backward()
    assert t.grad.dtype == nnx.float32 and t.grad.shape == t.shape


def test_grad_fn_names():
    x = T(sample(), requires_grad=True)
    names = {
        "relu": F.relu(x),
        "leaky": F.leaky_relu(x),
        "elu": F.elu(x),
        "gelu": F.gelu(x),
        "silu": F.silu(x),
        "softplus": F.softplus(x),
        "softmax": F.softmax(x, 1),
        "log_softmax": F.log_softmax(x, 1),
    }
    got = {k: type(v.grad_fn).__name__ for k, v in names.items()}
    assert got == {
        "relu": "ReluBackward0",
        "leaky": "LeakyReluBackward0",
        "elu": "EluBackward0",
        "gelu": "GeluBackward0",
        "silu": "SiluBackward0",
        "softplus": "SoftplusBackward0",
        "softmax": "SoftmaxBackward0",
        "log_softmax": "LogSoftmaxBackward0",
    }


def test_no_graph_without_requires_grad():
    out = F.gelu(T(sample()))
    assert not out.requires_grad and out.grad_fn is None
    with nnx.no_grad():
        out = F.elu(T(sample(), requires_grad=True))
    assert not out.requires_grad


# -- errors ----------------------------------------------------------------------------


def test_gelu_errors():
    with pytest.raises(RuntimeError, match=r"^approximate argument must be either none or tanh\.$"):
        F.gelu(T([1.0]), approximate="foo")
    with pytest.raises(TypeError):
        F.gelu(T([1.0]), "tanh")  # approximate is keyword-only, as in torch


@pytest.mark.parametrize(
    "fn,kernel",
    [
        (F.leaky_relu, "leaky_relu_cpu"),
        (F.elu, "elu_cpu"),
        (F.gelu, "GeluKernelImpl"),
        (F.silu, "silu_cpu"),
        (F.softplus, "softplus_cpu"),
    ],
)
def test_integer_input_not_implemented(fn, kernel):
    with pytest.raises(NotImplementedError) as info:
        fn(nnx.tensor([1, 2, 3]))
    assert str(info.value) == f"\"{kernel}\" not implemented for 'Long'"


def test_relu_integer_input():
    out = F.relu(nnx.tensor([-2, 0, 3]))
    assert out.dtype == nnx.int64 and out.tolist() == [0, 0, 3]


def test_non_tensor_input():
    with pytest.raises(TypeError, match=r"'input' \(position 1\) must be Tensor, not list$"):
        F.relu([1.0, 2.0])


# -- in place --------------------------------------------------------------------------

INPLACE = [
    ("relu", lambda t: F.relu(t, inplace=True), lambda t: F.relu(t), "ReluBackward0"),
    (
        "leaky_relu",
        lambda t: F.leaky_relu(t, 0.2, inplace=True),
        lambda t: F.leaky_relu(t, 0.2),
        "LeakyReluBackward1",
    ),
    ("elu", lambda t: F.elu(t, 0.7, inplace=True), lambda t: F.elu(t, 0.7), "EluBackward1"),
    ("silu", lambda t: F.silu(t, inplace=True), lambda t: F.silu(t), "SiluBackward0"),
]


@pytest.mark.parametrize("name,inplace,outplace,node", INPLACE, ids=[a[0] for a in INPLACE])
def test_inplace_writes_input(name, inplace, outplace, node):
    x = sample()
    t = T(x)
    out = inplace(t)
    assert out is t and t._version == 1
    np.testing.assert_allclose(npy(t), npy(outplace(T(x))), rtol=1e-15)


@pytest.mark.parametrize("name,inplace,outplace,node", INPLACE, ids=[a[0] for a in INPLACE])
def test_inplace_autograd(name, inplace, outplace, node):
    x = sample((2, 5), seed=3)
    x[np.abs(x) < 0.05] = 0.3
    leaf = T(x, requires_grad=True)
    out = inplace(leaf * 1)
    assert type(out.grad_fn).__name__ == node
    with pytest.raises(
        RuntimeError,
        match=r"^a leaf Variable that requires grad is being used "
        r"in an in-place operation\.$",
    ):
        inplace(leaf)

    def fn(a):
        return inplace(a * 1)

    assert gradcheck(fn, (leaf,))
    assert gradgradcheck(fn, (leaf,))


def test_inplace_into_a_view():
    leaf = T(sample((2, 4), seed=4), requires_grad=True)

    def fn(a):
        b = a * 1
        F.elu(b[:, 1:3], inplace=True)
        return b

    assert gradcheck(fn, (leaf,))


def test_inplace_on_leaf_under_no_grad():
    leaf = T([-1.0, 2.0], requires_grad=True)
    with nnx.no_grad():
        assert F.leaky_relu(leaf, 0.5, inplace=True) is leaf
    assert leaf.tolist() == [-0.5, 2.0] and leaf.is_leaf


@pytest.mark.parametrize(
    "fn,message",
    [
        (
            lambda t: F.leaky_relu(t, -0.5, inplace=True),
            "In-place leakyReLu backward calculation is triggered with a negative slope which "
            "is not supported. This is caused by calling in-place forward function with a "
            "negative slope, "
            "please call out-of-place version instead. File an issue at "
            "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
            "backward calculation with negative slope",
        ),
        (
            lambda t: F.elu(t, -0.5, inplace=True),
            "In-place elu backward calculation is triggered with a negative slope which is not "
            "supported. This is caused by calling in-place forward function with a negative slope, "
            "please call out-of-place version instead.",
        ),
    ],
)
def test_inplace_negative_slope_backward_error(fn, message):
    leaf = T([-1.0, 2.0], requires_grad=True)
    out = fn(leaf * 1)
    with pytest.raises(RuntimeError) as info:
        out.sum().backward()
    assert str(info.value) == message


# -- softmax / log_softmax -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "shape,dim",
    [((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1), ((2, 3, 4), 1), ((5,), 0), ((2, 3, 4), -3)],
)
def test_softmax_values(shape, dim, dtype):
    x = sample(shape, dtype=dtype)
    ref = ref_softmax(x.astype(np.float64), dim)
    out = F.softmax(T(x, dtype), dim)
    assert out.dtype == getattr(nnx, dtype)
    np.testing.assert_allclose(npy(out), ref, **TOL[dtype])
    np.testing.assert_allclose(npy(F.log_softmax(T(x, dtype), dim=dim)), np.log(ref), **TOL[dtype])


def test_softmax_is_stable():
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]])
    out = npy(F.softmax(T(x), dim=1))
    np.testing.assert_allclose(out, ref_softmax(x, 1), rtol=1e-12)
    np.testing.assert_allclose(
        npy(F.log_softmax(T(x), dim=1)),
        [
            [-1.4076059644443804, -0.4076059644443804, -2.4076059644443804],
            [-1.4076059644443804, -2.4076059644443804, -0.4076059644443804],
        ],
        rtol=1e-14,
    )


def test_softmax_special_inputs():
    out = npy(F.softmax(T([[0.0, -np.inf, 1.0], [-np.inf] * 3]), 1))
    np.testing.assert_allclose(out[0], [1 / (1 + np.e), 0.0, np.e / (1 + np.e)])
    assert np.isnan(out[1]).all()  # torch: an all -inf row gives nan
    assert F.softmax(T(2.0), 0).item() == 1.0
    assert F.log_softmax(T(2.0), -1).item() == 0.0
    assert F.softmax(T(np.zeros((0, 3))), 1).shape == (0, 3)


def test_softmax_dtype_argument():
    x = T(sample(dtype="float32"), "float32", requires_grad=True)
    out = F.softmax(x, -1, dtype=nnx.float64)
    assert out.dtype == nnx.float64
    np.testing.assert_allclose(npy(out), ref_softmax(npy(x).astype(np.float64), -1), rtol=1e-12)
    out.sum().backward()
    assert x.grad.dtype == nnx.float32
    ints = F.log_softmax(nnx.tensor([[1, 2, 3]]), 1, dtype=nnx.float64)
    np.testing.assert_allclose(npy(ints), np.log(ref_softmax(np.array([[1.0, 2, 3]]), 1)))


@pytest.mark.parametrize("ndim,expected", [(0, 0), (1, 0), (2, 1), (3, 0), (4, 1)])
def test_softmax_implicit_dim(ndim, expected):
    x = sample((2,) * ndim) if ndim else np.array(0.5)
    with pytest.warns(UserWarning) as record:
        out = F.softmax(T(x))
    assert str(record[0].message) == (
        "Implicit dimension choice for softmax has been deprecated. "
        "Change the call to include dim=X as an argument."
    )
    assert record[0].filename == __file__  # attributed to the caller, as in torch
    np.testing.assert_allclose(npy(out), npy(F.softmax(T(x), expected)))
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        F.log_softmax(T(x))


def test_softmax_errors():
    with pytest.raises(IndexError) as info:
        F.softmax(T(sample()), 2)
    assert str(info.value) == (
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)"
    )
    with pytest.raises(IndexError, match=r"range of \[-1, 0\], but got 1\)$"):
        F.softmax(T(1.0), 1)
    ints = nnx.tensor([[1, 2], [3, 4]])
    for fn, dim, kernel in [
        (F.softmax, 1, "softmax_lastdim_kernel_impl"),
        (F.softmax, 0, "softmax_kernel_impl"),
        (F.log_softmax, -1, "log_softmax_lastdim_kernel_impl"),
        (F.log_softmax, 0, "log_softmax_kernel_impl"),
    ]:
        with pytest.raises(NotImplementedError) as info:
            fn(ints, dim)
        assert str(info.value) == f"\"{kernel}\" not implemented for 'Long'"


SOFTMAXES = [
    ("softmax_1", lambda t: F.softmax(t, 1)),
    ("softmax_0", lambda t: F.softmax(t, 0)),
    ("log_softmax_-1", lambda t: F.log_softmax(t, -1)),
    ("log_softmax_1", lambda t: F.log_softmax(t, 1)),
    ("softmax_dtype", lambda t: F.softmax(t, 2, dtype=nnx.float64)),
]


@pytest.mark.parametrize("name,fn", SOFTMAXES, ids=[a[0] for a in SOFTMAXES])
def test_softmax_gradcheck(name, fn):
    t = T(sample((2, 3, 4), seed=5), requires_grad=True)
    assert gradcheck(fn, (t,))
    assert gradgradcheck(fn, (t,))


def test_softmax_saves_output_not_input():
    x = T(sample(), requires_grad=True)
    y = x * 1
    out = F.softmax(y, 1)
    y.add_(1.0)  # the input may change afterwards
    out.sum().backward()
    out2 = F.softmax(x * 1, 1)
    out2.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out2.sum().backward()
