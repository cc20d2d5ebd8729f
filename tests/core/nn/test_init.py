"""nnx.nn.init: gains, fans, distributions, structure, reproducibility and torch's errors.

Literal expectations (gains, fans, dirac positions, messages) were read off torch 2.13.0.
"""

import math
import re
import warnings

import numpy as np
import pytest

import nnx
from nnx.nn import init

LINEAR_FNS = ["linear", "conv1d", "conv2d", "conv3d",
              "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid"]


def raises(exc, message):
    return pytest.raises(exc, match=re.escape(message))


def param(*shape, dtype=nnx.float32):
    return nnx.nn.Parameter(nnx.empty(*shape, dtype=dtype))


def values(t):
    return t.detach().numpy().astype(np.float64)


# -- calculate_gain and fans ---------------------------------------------------------------


@pytest.mark.parametrize("name", LINEAR_FNS)
def test_gain_linear_is_int_one(name):
    gain = init.calculate_gain(name)
    assert gain == 1 and type(gain) is int


@pytest.mark.parametrize("name, param_, expected", [
    ("tanh", None, 1.6666666666666667),
    ("relu", None, 1.4142135623730951),
    ("leaky_relu", None, 1.4141428569978354),
    ("leaky_relu", 0.2, 1.3867504905630728),
    ("leaky_relu", 3, 0.4472135954999579),
    ("selu", None, 0.75),
])
def test_gain_table(name, param_, expected):
    assert init.calculate_gain(name, param_) == expected


@pytest.mark.parametrize("bad", [True, "0.2"])
def test_gain_leaky_relu_rejects_non_numbers(bad):
    with raises(ValueError, f"negative_slope {bad} not a valid number"):
        init.calculate_gain("leaky_relu", bad)


def test_gain_unsupported():
    with raises(ValueError, "Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")


@pytest.mark.parametrize("shape, fans", [
    ((3, 5), (5, 3)),
    ((4, 6, 5), (30, 20)),
    ((8, 3, 3, 5), (45, 120)),
    ((2, 3, 4, 5, 6), (360, 240)),
])
def test_fan_in_and_fan_out(shape, fans):
    t = nnx.empty(*shape)
    assert init._calculate_fan_in_and_fan_out(t) == fans
    assert init._calculate_correct_fan(t, "fan_in") == fans[0]
    assert init._calculate_correct_fan(t, "FAN_OUT") == fans[1]


@pytest.mark.parametrize("shape", [(), (4,)])
def test_fan_needs_two_dims(shape):
    with raises(ValueError, "Fan in and fan out can not be computed for tensor with fewer "
                            "than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(nnx.empty(*shape))


def test_bad_fan_mode():
    with raises(ValueError, "Mode fan_avg not supported, please use one of "
                            "['fan_in', 'fan_out']"):
        init.kaiming_normal_(nnx.empty(3, 4), mode="Fan_Avg")


# -- in place, under no_grad ---------------------------------------------------------------

INITS = [
    lambda w: init.uniform_(w, -1, 1),
    lambda w: init.normal_(w, 0, 2),
    init.trunc_normal_,
    lambda w: init.trunc_normal_(w, a=2.0, b=3.0),
    lambda w: init.constant_(w, 0.5),
    init.ones_,
    init.zeros_,
    init.eye_,
    init.xavier_uniform_,
    init.xavier_normal_,
    init.kaiming_uniform_,
    init.kaiming_normal_,
    init.orthogonal_,
    lambda w: init.sparse_(w, 0.5),
]


@pytest.mark.parametrize("fn", INITS)
def test_in_place_no_grad_returns_tensor(fn):
    w = param(6, 8)
    data_ptr = w.data_ptr()
    assert fn(w) is w
    assert w.data_ptr() == data_ptr
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    assert w.dtype == nnx.float32


def test_constant_ones_zeros():
    w = param(3, 4, dtype=nnx.float64)
    np.testing.assert_array_equal(values(init.constant_(w, 0.25)), np.full((3, 4), 0.25))
    np.testing.assert_array_equal(values(init.ones_(w)), np.ones((3, 4)))
    np.testing.assert_array_equal(values(init.zeros_(w)), np.zeros((3, 4)))


# -- distributions -------------------------------------------------------------------------


def test_uniform_bounds_and_moments():
    nnx.manual_seed(0)
    v = values(init.uniform_(nnx.empty(400, 500), -2.0, 3.0))
    assert v.min() >= -2.0 and v.max() < 3.0
    assert abs(v.mean() - 0.5) < 0.02
    assert abs(v.std() - 5 / math.sqrt(12)) < 0.02


def test_normal_moments():
    nnx.manual_seed(0)
    v = values(init.normal_(nnx.empty(400, 500), 1.0, 2.0))
    assert abs(v.mean() - 1.0) < 0.02
    assert abs(v.std() - 2.0) < 0.02


def _truncated_moments(mean, std, a, b):
    pdf = lambda x: math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: math.erfc(-x / math.sqrt(2)) / 2  # noqa: E731
    alpha, beta = (a - mean) / std, (b - mean) / std
    z = cdf(beta) - cdf(alpha)
    m = (pdf(alpha) - pdf(beta)) / z
    var = 1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - m * m
    return mean + std * m, std * math.sqrt(var)


@pytest.mark.parametrize("mean, std, a, b", [
    (0.0, 1.0, -2.0, 2.0),      # more than 30% of the mass inside: normal draws, redrawn
    (0.5, 2.0, -1.0, 4.0),
    (0.0, 1.0, 2.0, 3.0),       # little mass inside: uniform proposals, accept/reject
    (10.0, 1.0, 0.0, 1.0),      # far tail (warns)
])
@pytest.mark.parametrize("dtype", [nnx.float32, nnx.float64])
def test_trunc_normal(mean, std, a, b, dtype):
    nnx.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = values(init.trunc_normal_(nnx.empty(300, 400, dtype=dtype), mean, std, a, b))
    assert v.min() >= a and v.max() <= b
    exp_mean, exp_std = _truncated_moments(mean, std, a, b)
    assert abs(v.mean() - exp_mean) < 0.01 * (b - a)
    assert abs(v.std() - exp_std) < 0.01 * (b - a)


def test_trunc_normal_far_mean_warns():
    message = ("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
               "The distribution of values may be incorrect.")
    with pytest.warns(UserWarning, match=re.escape(message)):
        init.trunc_normal_(nnx.empty(3), mean=10)


@pytest.mark.parametrize("shape, gain", [((300, 500), 1.0), ((40, 30, 5, 5), 2.0)])
def test_xavier(shape, gain):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(nnx.empty(*shape))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    nnx.manual_seed(0)
    v = values(init.xavier_uniform_(nnx.empty(*shape), gain=gain))
    bound = math.sqrt(3.0) * std
    assert v.min() >= -bound and v.max() <= bound
    assert abs(v.std() / std - 1) < 0.02
    v = values(init.xavier_normal_(nnx.empty(*shape), gain=gain))
    assert abs(v.mean()) < 0.02 * std and abs(v.std() / std - 1) < 0.02


@pytest.mark.parametrize("a, mode, nonlinearity", [
    (0, "fan_in", "leaky_relu"),
    (0.2, "fan_out", "leaky_relu"),
    (0, "fan_in", "relu"),
    (0, "fan_out", "tanh"),
])
def test_kaiming(a, mode, nonlinearity):
    shape = (200, 30, 3, 3)
    fan = init._calculate_correct_fan(nnx.empty(*shape), mode)
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    nnx.manual_seed(0)
    v = values(init.kaiming_uniform_(nnx.empty(*shape), a, mode, nonlinearity))
    bound = math.sqrt(3.0) * std
    assert v.min() >= -bound and v.max() <= bound
    assert abs(v.std() / std - 1) < 0.02
    v = values(init.kaiming_normal_(nnx.empty(*shape), a, mode, nonlinearity))
    assert abs(v.mean()) < 0.02 * std and abs(v.std() / std - 1) < 0.02


@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.kaiming_normal_])
def test_kaiming_zero_element_warns(fn):
    t = nnx.empty(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert fn(t, mode="not even checked") is t


def test_xavier_all_zero_fans_divide_by_zero():
    with pytest.raises(ZeroDivisionError):
        init.xavier_uniform_(nnx.empty(0, 0))


# -- structure -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
def test_eye(shape):
    w = param(*shape, dtype=nnx.float64)
    np.testing.assert_array_equal(values(init.eye_(w)), np.eye(*shape))


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4)])
def test_eye_needs_2d(shape):
    with raises(ValueError, "Only tensors with 2 dimensions are supported"):
        init.eye_(nnx.empty(*shape))


@pytest.mark.parametrize("shape, groups, positions", [
    ((6, 4, 3, 3), 2, [[0, 0, 1, 1], [1, 1, 1, 1], [2, 2, 1, 1],
                       [3, 0, 1, 1], [4, 1, 1, 1], [5, 2, 1, 1]]),
    ((4, 6, 5), 1, [[0, 0, 2], [1, 1, 2], [2, 2, 2], [3, 3, 2]]),
    ((3, 2, 3, 4, 5), 1, [[0, 0, 1, 2, 2], [1, 1, 1, 2, 2]]),
    ((6, 2, 2), 3, [[0, 0, 1], [1, 1, 1], [2, 0, 1], [3, 1, 1], [4, 0, 1], [5, 1, 1]]),
])
def test_dirac(shape, groups, positions):
    w = init.dirac_(param(*shape), groups)
    expected = np.zeros(shape)
    expected[tuple(np.array(positions).T)] = 1
    np.testing.assert_array_equal(values(w), expected)


def test_dirac_errors():
    with raises(ValueError, "Only tensors with 3, 4, or 5 dimensions are supported"):
        init.dirac_(nnx.empty(3, 3))
    with raises(ValueError, "dim 0 must be divisible by groups"):
        init.dirac_(nnx.empty(5, 2, 3), groups=2)


@pytest.mark.parametrize("shape", [(30, 50), (50, 30), (8, 2, 3, 3), (7, 7)])
@pytest.mark.parametrize("gain", [1, 2.5])
def test_orthogonal(shape, gain):
    nnx.manual_seed(0)
    w = values(init.orthogonal_(param(*shape, dtype=nnx.float64), gain=gain))
    flat = w.reshape(shape[0], -1)
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, gain**2 * np.eye(len(gram)), atol=1e-12)


def test_orthogonal_float32_and_empty():
    w = values(init.orthogonal_(nnx.empty(20, 10)))
    np.testing.assert_allclose(w.T @ w, np.eye(10), atol=1e-5)
    t = nnx.empty(0, 3)
    assert init.orthogonal_(t) is t
    with raises(ValueError, "Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(nnx.empty(4))


def test_orthogonal_float16_is_refused_as_torch_does():
    """torch.linalg.qr has no Half kernel on the CPU (NumPy has no float16 QR either)."""
    with pytest.raises(NotImplementedError, match="^\"geqrf_cpu\" not implemented for 'Half'$"):
        init.orthogonal_(nnx.empty(3, 4, dtype=nnx.float16))


@pytest.mark.parametrize("sparsity, zeros", [(0.1, 10), (0.25, 25), (0.333, 34), (0.0, 0)])
def test_sparse(sparsity, zeros):
    nnx.manual_seed(0)
    v = values(init.sparse_(param(100, 60), sparsity, std=0.05))
    assert ((v == 0).sum(axis=0) == zeros).all()      # per column, ceil(sparsity * rows)
    assert abs(v[v != 0].std() / 0.05 - 1) < 0.05


def test_sparse_needs_2d():
    with raises(ValueError, "Only tensors with 2 dimensions are supported"):
        init.sparse_(nnx.empty(2, 3, 4), 0.5)


# -- reproducibility -----------------------------------------------------------------------

RANDOM_INITS = [init.uniform_, init.normal_, init.trunc_normal_,
                lambda w, generator=None: init.trunc_normal_(w, a=2.0, b=3.0,
                                                              generator=generator),
                init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_,
                init.kaiming_normal_, init.orthogonal_]


@pytest.mark.parametrize("fn", RANDOM_INITS)
def test_manual_seed_reproduces(fn):
    nnx.manual_seed(123)
    first = values(fn(nnx.empty(20, 30)))
    second = values(fn(nnx.empty(20, 30)))
    nnx.manual_seed(123)
    again = values(fn(nnx.empty(20, 30)))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("fn", RANDOM_INITS)
def test_generator_reproduces_and_leaves_global_state(fn):
    state = nnx.get_rng_state()
    first = values(fn(nnx.empty(20, 30), generator=nnx.Generator().manual_seed(7)))
    again = values(fn(nnx.empty(20, 30), generator=nnx.Generator().manual_seed(7)))
    np.testing.assert_array_equal(first, again)
    assert nnx.get_rng_state() == state


def test_sparse_reproduces_with_manual_seed():
    nnx.manual_seed(5)
    first = values(init.sparse_(nnx.empty(10, 8), 0.3))
    nnx.manual_seed(5)
    np.testing.assert_array_equal(first, values(init.sparse_(nnx.empty(10, 8), 0.3)))


# -- deprecated aliases --------------------------------------------------------------------


@pytest.mark.parametrize("name, args", [
    ("uniform", ()), ("normal", ()), ("constant", (0.5,)), ("eye", ()), ("xavier_uniform", ()),
    ("xavier_normal", ()), ("kaiming_uniform", ()), ("kaiming_normal", ()),
    ("orthogonal", ()), ("sparse", (0.5,)),
])
def test_deprecated_aliases(name, args):
    alias = getattr(init, name)
    assert alias.__name__ == name
    w = nnx.empty(4, 6)
    message = f"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`."
    with pytest.warns(FutureWarning, match=re.escape(message)):
        assert alias(w, *args) is w


def test_deprecated_dirac():
    w = nnx.empty(2, 2, 3)
    with pytest.warns(FutureWarning):
        init.dirac(w)
    assert values(w).sum() == 2
