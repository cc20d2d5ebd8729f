"""Elementwise ops: values, torch's type promotion, errors, and float64 gradchecks."""

import re

import numpy as np
import pytest

import nnx
from nnx.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def rand(*shape, low=-1.0, high=1.0, grad=True):
    return nnx.tensor(RNG.uniform(low, high, shape), dtype=nnx.float64, requires_grad=grad)


UNARY = {
    "exp": (-1, 1),
    "log": (0.5, 2),
    "sqrt": (0.5, 2),
    "rsqrt": (0.5, 2),
    "abs": (0.2, 1),
    "neg": (-1, 1),
    "sin": (-1, 1),
    "cos": (-1, 1),
    "tanh": (-1, 1),
    "sigmoid": (-3, 3),
    "relu": (0.1, 1),
    "log2": (0.5, 2),
    "log10": (0.5, 2),
    "log1p": (0, 1),
    "expm1": (-1, 1),
    "exp2": (-1, 1),
    "reciprocal": (0.5, 2),
    "square": (-1, 1),
    "tan": (-1, 1),
    "asin": (-0.8, 0.8),
    "acos": (-0.8, 0.8),
    "atan": (-2, 2),
    "sinh": (-1, 1),
    "cosh": (-1, 1),
    "erf": (-2, 2),
    "frac": (0.1, 0.9),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradcheck(name):
    low, high = UNARY[name]
    x = rand(3, 4, low=low, high=high)
    assert gradcheck(lambda t: getattr(t, name)(), (x,))


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid", "sin", "sqrt", "rsqrt"])
def test_unary_gradgradcheck(name):
    low, high = UNARY[name]
    x = rand(5, low=low, high=high)
    assert gradgradcheck(lambda t: getattr(t, name)(), (x,))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_match_numpy(name):
    low, high = UNARY[name]
    x = rand(6, low=low, high=high, grad=False)
    reference = {
        "neg": np.negative,
        "relu": lambda a: np.maximum(a, 0),
        "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
        "rsqrt": lambda a: 1 / np.sqrt(a),
        "asin": np.arcsin,
        "acos": np.arccos,
        "atan": np.arctan,
        "frac": lambda a: a - np.trunc(a),
        "erf": lambda a: np.vectorize(__import__("math").erf)(a),
    }.get(name, getattr(np, name, None))
    np.testing.assert_allclose(getattr(nnx, name)(x).numpy(), reference(x.numpy()), rtol=1e-12)


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_binary_broadcast_gradcheck(op):
    a, b = rand(2, 3), rand(3)
    b.data.add_(2.5)  # keep the divisor away from zero
    assert gradcheck(lambda x, y: eval(f"x {op} y"), (a, b))
    assert gradcheck(lambda x, y: eval(f"y {op} x"), (a, b))


@pytest.mark.parametrize(
    "expr",
    ["x + 2", "2 - x", "x * 3.5", "x / 4", "4 / x", "x ** 3", "x ** 0.5", "2 ** x", "x ** y", "-x"],
)
def test_scalar_forms_gradcheck(expr):
    x, y = rand(4, low=0.5, high=2), rand(4, low=0.5, high=2)
    assert gradcheck(lambda x, y: eval(expr), (x, y))


def test_pow_tensor_tensor_gradgradcheck():
    x, y = rand(3, low=0.5, high=2), rand(3, low=0.5, high=2)
    assert gradgradcheck(lambda a, b: a**b, (x, y))


def test_clamp_where_maximum_minimum_gradcheck():
    x, y = rand(3, 4), rand(3, 4)
    assert gradcheck(lambda t: t.clamp(-0.5, 0.5), (x,))
    assert gradcheck(lambda t: t.clamp(min=-0.2), (x,))
    assert gradcheck(lambda t: t.clamp(max=0.2), (x,))
    lo, hi = rand(4, low=-1, high=-0.3), rand(4, low=0.3, high=1)
    assert gradcheck(lambda t, a, b: nnx.clamp(t, a, b), (x, lo, hi))
    assert gradcheck(lambda a, b: nnx.where(a > b, a, b), (x, y))
    assert gradcheck(lambda a, b: nnx.maximum(a, b), (x, y))
    assert gradcheck(lambda a, b: nnx.minimum(a, b), (x, y))


def test_maximum_splits_gradient_on_ties():
    a = nnx.tensor([1.0, 2.0], requires_grad=True)
    b = nnx.tensor([1.0, 1.0], requires_grad=True)
    nnx.maximum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.5, 1.0])
    np.testing.assert_allclose(b.grad.numpy(), [0.5, 0.0])


@pytest.mark.parametrize(
    "left, right, expected",
    [
        (("int64", (3,)), ("float32", (3,)), "float32"),
        (("int32", (3,)), 2.5, "float32"),
        (("uint8", (3,)), ("int32", (3,)), "int32"),
        (("uint8", (3,)), ("int8", (3,)), "int16"),
        (("bool", (3,)), 1, "int64"),
        (("bool", (3,)), 1.5, "float32"),
        (("bool", (3,)), ("bool", (3,)), "bool"),
        (("float16", (3,)), ("float64", ()), "float16"),
        (("int32", (3,)), ("float64", ()), "float64"),
        (("float32", (3,)), ("float64", ()), "float32"),
        (("uint8", (3,)), 1000, "uint8"),
        (("float16", (3,)), ("float32", (3,)), "float32"),
    ],
)
def test_type_promotion(left, right, expected):
    def make(spec):
        if not isinstance(spec, tuple):
            return spec
        dtype, shape = spec
        return nnx.ones(*shape, dtype=getattr(nnx, dtype if dtype != "bool" else "bool"))

    assert (make(left) + make(right)).dtype.name == expected
    if isinstance(right, tuple):
        assert nnx.result_type(make(left), make(right)).name == expected


def test_integer_true_division_gives_default_float():
    a = nnx.tensor([1, 2, 3])
    assert (a / a).dtype == nnx.float32
    assert (a // 2).tolist() == [0, 1, 1]
    assert (nnx.tensor([-7]) // 2).tolist() == [-4]
    assert (nnx.tensor([-7]) % 3).tolist() == [2]


def test_scalar_on_either_side():
    x = nnx.tensor([1.0, 2.0])
    assert (1 - x).tolist() == [0.0, -1.0]
    assert (2 / x).tolist() == [2.0, 1.0]
    assert (2**x).tolist() == [2.0, 4.0]
    assert (x**2).tolist() == [1.0, 4.0]
    assert (3 * x).dtype == nnx.float32


def test_broadcast_error_names_both_sizes():
    with pytest.raises(
        RuntimeError,
        match=re.escape(
            "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
            "dimension 1"
        ),
    ):
        nnx.ones(2, 3) + nnx.ones(2, 4)


def test_bool_subtraction_and_negation_errors():
    t = nnx.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors"):
        t - t  # noqa: B018
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        -t  # noqa: B018


def test_integer_negative_power_error():
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed."):
        nnx.tensor([2, 3]) ** -1


def test_comparisons_return_bool_without_grad():
    x = rand(4)
    for result in (x > 0, x >= 0, x < 0, x <= 0, x == x, x != 0):
        assert result.dtype == nnx.bool and not result.requires_grad
    assert nnx.equal(x, x) and not nnx.equal(x, x + 1)


def test_numpy_array_operand_does_not_hijack():
    out = np.ones(3) + nnx.ones(3)
    assert isinstance(out, nnx.Tensor) and out.dtype == nnx.float64


def test_inplace_arithmetic_and_errors():
    t = nnx.tensor([1, 2, 3])
    with pytest.raises(
        RuntimeError, match="result type Float can't be cast to the desired output type Long"
    ):
        t.add_(1.5)
    t.add_(2)
    t += 1
    assert t.tolist() == [4, 5, 6] and t._version == 2
    with pytest.raises(
        RuntimeError,
        match=re.escape("output with shape [3] doesn't match the broadcast shape [2, 3]"),
    ):
        nnx.zeros(3).add_(nnx.ones(2, 3))
    e = nnx.zeros(3).expand(2, 3) if hasattr(nnx.Tensor, "expand") else None
    if e is not None:
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            e.add_(1)


def test_inplace_ops_gradcheck():
    x = rand(4, low=0.2, high=1)

    def f(t):
        y = t * 1.0
        y.mul_(t).add_(t, alpha=2).exp_().clamp_(max=5.0).sqrt_()
        return y

    assert gradcheck(f, (x,))


def test_fill_and_zero_cut_the_gradient():
    x = rand(3)
    y = x * 2
    y.zero_()
    (y + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0, 1.0])


def test_copy_is_differentiable_in_source():
    src = rand(3)
    dst = nnx.zeros(2, 3, dtype=nnx.float32)
    dst.copy_(src)
    (dst * 2).sum().backward()
    np.testing.assert_allclose(src.grad.numpy(), [4.0, 4.0, 4.0])
    assert src.grad.dtype == nnx.float64


def test_casts_are_differentiable_between_float_types():
    x = rand(3)
    y = x.float()
    assert y.dtype == nnx.float32 and y.grad_fn.name() == "ToCopyBackward0"
    y.sum().backward()
    assert x.grad.dtype == nnx.float64
    assert not x.long().requires_grad
    assert x.to(nnx.float64) is x
    assert x.type() == "nnx.DoubleTensor"
    assert x.type("nnx.FloatTensor").dtype == nnx.float32


def test_no_runtime_warnings_for_domain_edges():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nnx.tensor([0.0, -1.0]).log()
        nnx.tensor([0.0, -1.0]).sqrt()
        nnx.tensor([1.0]) / nnx.tensor([0.0])
        nnx.tensor([-100.0, 100.0]).sigmoid()
        x = nnx.tensor([0.0, 1.0], requires_grad=True)
        x.sqrt().sum().backward()


def test_addcmul_addcdiv_lerp_values_and_gradients():
    a, b, c = rand(3, 4), rand(3, 4), rand(4, low=0.5, high=2)
    np.testing.assert_allclose(nnx.addcmul(a, b, c, value=0.5).detach().numpy(),
                               a.detach().numpy() + 0.5 * b.detach().numpy() * c.detach().numpy())
    np.testing.assert_allclose(a.addcdiv(b, c, value=-2).detach().numpy(),
                               a.detach().numpy() - 2 * b.detach().numpy() / c.detach().numpy())
    assert gradcheck(lambda x, y, z: nnx.addcmul(x, y, z, value=0.3), (a, b, c))
    assert gradcheck(lambda x, y, z: nnx.addcdiv(x, y, z, value=0.3), (a, b, c))
    assert gradcheck(lambda x, y, w: x.lerp(y, w), (a, b, c))


def test_fused_inplace_forms_match_out_of_place():
    rng = np.random.default_rng(3)
    base, t1, t2 = (nnx.tensor(rng.random((3, 4))) for _ in range(3))
    t2.add_(0.5)
    for name, value in (("addcmul", 0.1), ("addcdiv", -0.2)):
        expected = getattr(nnx, name)(base, t1, t2, value=value)
        target = base.clone()
        with nnx.no_grad():
            getattr(target, name + "_")(t1, t2, value=value)
        np.testing.assert_allclose(target.numpy(), expected.numpy(), rtol=1e-12)
        assert target._version == 1
    target = base.clone()
    target.lerp_(t1, 0.25)
    np.testing.assert_allclose(target.numpy(), (base + 0.25 * (t1 - base)).numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer supported"):
        nnx.ones(2).addcdiv_(nnx.tensor([1, 2]), nnx.tensor([1, 2]))


def test_fused_inplace_records_when_needed():
    x = rand(3)
    y = x * 1
    y.addcmul_(x, x, value=2.0)          # y = x + 2 x^2
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1 + 4 * x.detach().numpy())


def test_inplace_division_honours_rounding_mode_without_grad():
    t = nnx.tensor([7.0, -7.0])
    t.div_(2, rounding_mode="floor")
    assert t.tolist() == [3.0, -4.0]
