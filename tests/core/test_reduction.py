"""Reductions and cumsum: values against NumPy, dtypes, dims, gradients, torch's messages."""

import pickle

import numpy as np
import pytest
from _helpers import leaf, out_of_range, raises, rand

import nnx
from nnx._ops.reduction import return_types
from nnx.autograd import gradcheck, gradgradcheck

X34 = np.arange(12.0).reshape(3, 4)


def close(t, expected, **kw):
    np.testing.assert_allclose(t.detach().numpy(), expected, **kw)


# -- sum, mean ---------------------------------------------------------------------------

@pytest.mark.parametrize("dim, keepdim", [
    (None, False), (0, False), (1, True), (-1, False), ((0, 2), False), ([1, 2], True),
    ((-1, 0), True), ((), False), ((0, 1, 2), False),
])
def test_sum_mean_values(dim, keepdim):
    base = rand(2, 3, 4)
    x = nnx.tensor(base)
    axis = tuple(dim) if isinstance(dim, (tuple, list)) else dim
    axis = None if axis == () else axis
    kwargs = {} if dim is None else {"dim": dim}
    close(x.sum(**kwargs, keepdim=keepdim), base.sum(axis=axis, keepdims=keepdim))
    close(nnx.mean(x, **kwargs, keepdim=keepdim), base.mean(axis=axis, keepdims=keepdim))


def test_sum_positional_and_function_forms():
    x = nnx.tensor(X34)
    close(nnx.sum(x, 1), X34.sum(1))
    close(nnx.sum(x, 1, True), X34.sum(1, keepdims=True))
    close(nnx.sum(input=x, dim=0), X34.sum(0))
    close(x.mean(-1), X34.mean(-1))
    assert x.sum().shape == () and x.sum(dim=None, keepdim=True).shape == (1, 1)


@pytest.mark.parametrize("np_dtype, nnx_dtype, expected", [
    ("int32", None, nnx.int64), ("bool", None, nnx.int64), ("uint8", None, nnx.int64),
    ("float16", None, nnx.float16), ("float32", None, nnx.float32),
    ("int32", nnx.float64, nnx.float64), ("float32", nnx.float64, nnx.float64),
])
def test_sum_dtypes(np_dtype, nnx_dtype, expected):
    base = (np.arange(12).reshape(3, 4) % 3).astype(np_dtype)
    x = nnx.tensor(base)
    out = x.sum(dtype=nnx_dtype) if nnx_dtype is not None else x.sum()
    assert out.dtype == expected
    assert out.item() == base.astype(np.float64).sum()
    assert x.sum(1).dtype == expected if nnx_dtype is None else True


def test_sum_float16_accumulates_in_float32():
    x = nnx.tensor(np.full(4096, 0.1, dtype=np.float16))
    assert abs(x.sum().item() - 4096 * 0.0999755859375) < 1.0


def test_sum_dim_errors():
    x = nnx.zeros(2, 3)
    with out_of_range(-2, 1, 2):
        x.sum(2)
    with raises(RuntimeError, "dim 1 appears multiple times in the list of dims"):
        x.sum((1, -1))


def test_sum_0d():
    x = leaf(3.0)
    assert x.sum(0).item() == 3.0 and x.sum(-1, keepdim=True).shape == ()
    x.sum(0).backward()
    assert x.grad.item() == 1.0


def test_sum_mean_grad_fn_names():
    x = leaf(X34)
    assert x.sum().grad_fn.name() == "SumBackward0"
    assert x.sum(1).grad_fn.name() == "SumBackward1"
    assert x.mean().grad_fn.name() == "MeanBackward0"
    assert x.mean(0).grad_fn.name() == "MeanBackward1"


def test_sum_grad_with_dtype_is_cast_back():
    x = leaf(X34, dtype=nnx.float32)
    x.sum(1, dtype=nnx.float64).sum().backward()
    assert x.grad.dtype == nnx.float32
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((3, 4)))


@pytest.mark.parametrize("dtype, name", [(nnx.int64, "Long"), (nnx.int32, "Int"),
                                         (nnx.bool, "Bool")])
def test_mean_integer_error(dtype, name):
    x = nnx.zeros(3, dtype=dtype)
    with raises(RuntimeError, "mean(): could not infer output dtype. Input dtype must be either a "
                f"floating point or complex dtype. Got: {name}"):
        x.mean()


def test_mean_dtype_and_empty():
    x = nnx.tensor([1, 2, 4])
    out = x.mean(dtype=nnx.float32)
    assert out.dtype == nnx.float32 and abs(out.item() - 7 / 3) < 1e-6
    assert np.isnan(nnx.zeros(0).mean().item())
    assert nnx.tensor(X34, dtype=nnx.float16).mean().dtype == nnx.float16


# -- max, min ----------------------------------------------------------------------------

def test_max_min_all():
    base = rand(3, 4)
    x = nnx.tensor(base)
    assert x.max().shape == () and x.max().item() == base.max()
    assert nnx.min(x).item() == base.min()
    assert nnx.tensor([True, False]).max().dtype == nnx.bool


def test_max_dim_returns_named_tuple():
    base = rand(3, 4)
    x = leaf(base)
    r = x.max(1)
    assert isinstance(r, return_types.max) and isinstance(r, tuple)
    values, indices = r
    close(values, base.max(1))
    np.testing.assert_array_equal(indices.numpy(), base.argmax(1))
    assert r[0] is r.values and r[1] is r.indices
    assert indices.dtype == nnx.int64 and not indices.requires_grad
    assert values.grad_fn.name() == "MaxBackward0"
    assert repr(r).startswith("nnx.return_types.max(\nvalues=tensor(")
    assert "\nindices=tensor([" in repr(r)
    rmin = nnx.min(x, dim=0, keepdim=True)
    assert isinstance(rmin, return_types.min)
    assert rmin.values.shape == (1, 4) and rmin.indices.shape == (1, 4)
    np.testing.assert_array_equal(rmin.indices.numpy(), base.argmin(0)[None])
    assert x.max(-1, True).values.shape == (3, 1)
    again = pickle.loads(pickle.dumps(return_types.max((1, 2))))
    assert type(again) is return_types.max and again.indices == 2


def test_max_full_grad_fn_and_ties_share_gradient():
    x = leaf([1.0, 3.0, 3.0, 2.0])
    m = x.max()
    assert m.grad_fn.name() == "MaxBackward1"
    m.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5, 0.5, 0.0])
    y = leaf([2.0, 1.0, 1.0, 1.0])
    y.min().backward()
    np.testing.assert_allclose(y.grad.numpy(), [0.0, 1 / 3, 1 / 3, 1 / 3])


def test_max_dim_grad_goes_to_first_index():
    x = leaf([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]])
    values, indices = x.max(1)
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [1, 0, 0]])


def test_max_nan_propagates():
    x = nnx.tensor([1.0, float("nan"), 3.0])
    assert np.isnan(x.max().item()) and np.isnan(x.min().item())
    assert x.max(0).indices.item() == 1 and x.argmax().item() == 1


def test_max_binary_is_maximum():
    a, b = nnx.tensor([1.0, 5.0]), nnx.tensor([3.0, 2.0])
    np.testing.assert_array_equal(nnx.max(a, b).numpy(), [3.0, 5.0])
    np.testing.assert_array_equal(a.min(b).numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(nnx.max(a, other=b).numpy(), [3.0, 5.0])


def test_max_0d_and_errors():
    s = nnx.tensor(2.0)
    v, i = s.max(0)
    assert v.item() == 2.0 and i.item() == 0 and v.shape == ()
    with raises(RuntimeError, "max(): Expected reduction dim to be specified for input.numel() "
                "== 0. Specify the reduction dim with the 'dim' argument."):
        nnx.zeros(0).max()
    with raises(IndexError, "min(): Expected reduction dim 0 to have non-zero size."):
        nnx.zeros(0, 3).min(0)
    assert nnx.zeros(0, 3).max(1).values.shape == (0,)
    with out_of_range(-2, 1, 2):
        nnx.zeros(2, 3).max(2)


@pytest.mark.parametrize("dim, keepdim", [((), False), (1, False), ((0, 2), True), (-1, True)])
def test_amax_amin(dim, keepdim):
    base = rand(2, 3, 4)
    x = nnx.tensor(base)
    axis = None if dim == () else dim
    close(x.amax(dim, keepdim), base.max(axis=axis, keepdims=keepdim))
    close(nnx.amin(x, dim=dim, keepdim=keepdim), base.min(axis=axis, keepdims=keepdim))


def test_amax_grad_shares_ties():
    x = leaf([[1.0, 4.0, 4.0], [2.0, 2.0, 2.0]])
    out = x.amax(1)
    assert out.grad_fn.name() == "AmaxBackward0"
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    assert nnx.amin(leaf([1.0]), 0).grad_fn.name() == "AminBackward0"


# -- argmax, argmin ------------------------------------------------------------------------

def test_argmax_argmin():
    base = rand(3, 4)
    x = leaf(base)
    assert x.argmax().item() == base.argmax() and x.argmin().item() == base.argmin()
    np.testing.assert_array_equal(x.argmax(1).numpy(), base.argmax(1))
    np.testing.assert_array_equal(nnx.argmin(x, dim=0, keepdim=True).numpy(), base.argmin(0)[None])
    assert x.argmax(1).dtype == nnx.int64 and not x.argmax(1).requires_grad
    assert x.argmax(keepdim=True).shape == (1, 1)
    assert nnx.tensor([3, 7, 7, 1]).argmax().item() == 1          # first occurrence
    assert nnx.tensor([3, 1, 1]).argmin(0).item() == 1
    assert nnx.tensor(5.0).argmax(0).item() == 0


def test_argmax_errors():
    with raises(RuntimeError, "argmax(): Expected reduction dim to be specified for "
                "input.numel() == 0."):
        nnx.zeros(0).argmax()
    with raises(IndexError, "argmin(): Expected reduction dim 1 to have non-zero size."):
        nnx.zeros(2, 0).argmin(1)


# -- var, std -------------------------------------------------------------------------------

@pytest.mark.parametrize("call, axis, ddof, keepdims", [
    (lambda x, f: f(x), None, 1, False),
    (lambda x, f: f(x, 1), 1, 1, False),
    (lambda x, f: f(x, 1, False), 1, 0, False),
    (lambda x, f: f(x, 1, True, True), 1, 1, True),
    (lambda x, f: f(x, dim=0, correction=0), 0, 0, False),
    (lambda x, f: f(x, dim=(0, 1), correction=2, keepdim=True), (0, 1), 2, True),
    (lambda x, f: f(x, unbiased=False), None, 0, False),
    (lambda x, f: f(x, False), None, 0, False),
    (lambda x, f: f(x, -1, keepdim=True), -1, 1, True),
])
def test_var_std(call, axis, ddof, keepdims):
    base = rand(3, 4)
    x = nnx.tensor(base)
    close(call(x, nnx.var), base.var(axis=axis, ddof=ddof, keepdims=keepdims))
    close(call(x, nnx.std), base.std(axis=axis, ddof=ddof, keepdims=keepdims))
    close(call(x, lambda t, *a, **k: t.var(*a, **k)),
          base.var(axis=axis, ddof=ddof, keepdims=keepdims))


def test_var_std_names_dtypes_errors():
    x = leaf(rand(3, 4))
    assert x.var().grad_fn.name() == "VarBackward0"
    assert x.std(1).grad_fn.name() == "StdBackward0"
    assert nnx.tensor(X34, dtype=nnx.float32).std().dtype == nnx.float32
    with raises(RuntimeError, "std and var only support floating point and complex dtypes"):
        nnx.tensor([1, 2, 3]).var()
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        out = nnx.tensor([1.0]).var()
    assert np.isnan(out.item())


def test_std_grad_at_zero_spread_is_zero():
    x = leaf([2.0, 2.0, 2.0])
    x.std().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


# -- norm -----------------------------------------------------------------------------------

@pytest.mark.parametrize("p, dim, keepdim", [
    ("fro", None, False), (2, None, False), (1, None, False), (float("inf"), None, False),
    (float("-inf"), 1, False), (3, 0, True), (0.5, 1, False), (1.5, (0, 1), False), (2, 1, True),
    (None, -1, False), (0, 1, False),
])
def test_norm_values(p, dim, keepdim):
    base = rand(3, 4)
    x = nnx.tensor(base)
    q = 2 if p in ("fro", None) else p
    axis = tuple(range(2)) if dim is None else dim
    if q in (np.inf, -np.inf):
        expected = np.abs(base).max(axis=axis, keepdims=keepdim) if q > 0 else \
            np.abs(base).min(axis=axis, keepdims=keepdim)
    elif q == 0:
        expected = (base != 0).sum(axis=axis, keepdims=keepdim).astype(float)
    else:
        expected = (np.abs(base) ** q).sum(axis=axis, keepdims=keepdim) ** (1 / q)
    close(x.norm(p, dim, keepdim), expected, rtol=1e-12)
    close(nnx.norm(x, p=p, dim=dim, keepdim=keepdim), expected, rtol=1e-12)


def test_norm_grad_at_zero_and_names():
    x = leaf([0.0, 0.0, 0.0])
    n = x.norm()
    assert n.grad_fn.name() == "LinalgVectorNormBackward0"
    n.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    y = leaf([[0.0, 0.0], [3.0, 4.0]])
    y.norm(dim=1).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [[0.0, 0.0], [0.6, 0.8]])


def test_norm_dtypes_and_errors():
    assert nnx.tensor(X34, dtype=nnx.float32).norm().dtype == nnx.float32
    assert nnx.tensor(X34, dtype=nnx.float32).norm(dtype=nnx.float64).dtype == nnx.float64
    with raises(RuntimeError, "linalg.vector_norm: Expected a floating point or complex tensor as "
                "input. Got Long"):
        nnx.tensor([1, 2]).norm()
    x = leaf([3.0, 4.0], dtype=nnx.float32)
    x.norm(dtype=nnx.float64).backward()
    assert x.grad.dtype == nnx.float32


# -- prod -----------------------------------------------------------------------------------

def test_prod_values_and_dtypes():
    base = rand(3, 4)
    x = nnx.tensor(base)
    close(x.prod(), base.prod())
    close(x.prod(1), base.prod(1))
    close(nnx.prod(x, 0, keepdim=True), base.prod(0, keepdims=True))
    assert nnx.tensor([[1, 2], [3, 4]], dtype=nnx.int32).prod(1).dtype == nnx.int64
    assert nnx.tensor([True, True]).prod().dtype == nnx.int64
    assert nnx.tensor([1, 2, 3]).prod(dtype=nnx.float32).dtype == nnx.float32
    assert nnx.tensor(3.0).prod(0).item() == 3.0
    assert x.prod().grad_fn is None
    y = leaf(base)
    assert y.prod().grad_fn.name() == "ProdBackward0"
    assert y.prod(0).grad_fn.name() == "ProdBackward1"


@pytest.mark.parametrize("values, dim, expected", [
    ([2.0, 0.0, 3.0], None, [0.0, 6.0, 0.0]),
    ([0.0, 0.0, 3.0], None, [0.0, 0.0, 0.0]),
    ([[2.0, 0.0], [3.0, 4.0]], 1, [[0.0, 2.0], [4.0, 3.0]]),
    ([[0.0, 5.0], [0.0, 4.0]], 0, [[0.0, 4.0], [0.0, 5.0]]),
])
def test_prod_grad_with_zeros(values, dim, expected):
    x = leaf(values)
    (x.prod() if dim is None else x.prod(dim)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected)


@pytest.mark.parametrize("values", [[[2.0, 0.0, 3.0], [1.5, -2.0, 0.5]],
                                    [[0.0, 0.0, 3.0], [1.0, 2.0, 0.0]]])
def test_prod_gradcheck_with_zeros(values):
    x = leaf(values)
    assert gradcheck(lambda t: t.prod(1), (x,))
    assert gradcheck(lambda t: t.prod(), (x,))
    assert gradgradcheck(lambda t: t.prod(1), (x,))
    assert gradgradcheck(lambda t: t.prod(), (x,))


# -- logsumexp --------------------------------------------------------------------------------

def test_logsumexp():
    base = rand(3, 4)
    x = leaf(base)
    close(x.logsumexp(1), np.log(np.exp(base).sum(1)))
    close(nnx.logsumexp(x, dim=(0, 1), keepdim=True), np.log(np.exp(base).sum(keepdims=True)))
    assert x.logsumexp(-1).grad_fn.name() == "LogsumexpBackward0"
    big = nnx.tensor([1000.0, 1000.0], dtype=nnx.float64)
    assert abs(big.logsumexp(0).item() - (1000 + np.log(2))) < 1e-9
    neg = nnx.tensor([float("-inf"), float("-inf")])
    assert neg.logsumexp(0).item() == float("-inf")
    assert nnx.tensor([1, 2]).logsumexp(0).dtype == nnx.float32
    assert nnx.zeros(0, 2).logsumexp(0).tolist() == [float("-inf")] * 2


# -- all, any ---------------------------------------------------------------------------------

def test_all_any():
    base = np.array([[True, False, True], [True, True, True]])
    x = nnx.tensor(base)
    assert x.all().item() is False and x.any().item() is True
    np.testing.assert_array_equal(x.all(1).numpy(), base.all(1))
    np.testing.assert_array_equal(nnx.any(x, dim=0, keepdim=True).numpy(),
                                  base.any(0, keepdims=True))
    assert nnx.tensor([1.0, 0.5]).all().dtype == nnx.bool
    assert nnx.tensor([0, 2], dtype=nnx.uint8).any().dtype == nnx.uint8
    np.testing.assert_array_equal(nnx.tensor(X34).all((0, 1)).numpy(), False)
    assert nnx.zeros(0).all().item() is True and nnx.zeros(0).any().item() is False


# -- cumsum -----------------------------------------------------------------------------------

def test_cumsum():
    base = rand(3, 4)
    x = leaf(base)
    close(x.cumsum(1), base.cumsum(1))
    close(nnx.cumsum(x, dim=-2), base.cumsum(0))
    assert x.cumsum(0).grad_fn.name() == "CumsumBackward0"
    assert nnx.tensor([1, 2, 3], dtype=nnx.int32).cumsum(0).dtype == nnx.int64
    assert nnx.tensor([True, True]).cumsum(0).tolist() == [1, 2]
    assert nnx.tensor([1, 2]).cumsum(0, dtype=nnx.float64).dtype == nnx.float64
    assert nnx.tensor(2.0).cumsum(0).item() == 2.0
    x.cumsum(1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[4, 3, 2, 1]] * 3)


# -- gradients ----------------------------------------------------------------------------------

GRAD_CASES = {
    "sum_all": lambda x: x.sum(),
    "sum_dim": lambda x: x.sum(1),
    "sum_dims_keepdim": lambda x: x.sum((0, 2), keepdim=True),
    "mean_all": lambda x: x.mean(),
    "mean_dim": lambda x: x.mean(-1, keepdim=True),
    "max_all": lambda x: x.max(),
    "max_dim": lambda x: x.max(1).values,
    "min_dim_keepdim": lambda x: x.min(0, keepdim=True)[0],
    "amax": lambda x: x.amax((0, 1)),
    "amin": lambda x: x.amin(-1, keepdim=True),
    "var_all": lambda x: x.var(),
    "var_dim": lambda x: x.var(1, keepdim=True),
    "var_correction0": lambda x: x.var((0, 2), correction=0),
    "std_all": lambda x: x.std(),
    "std_dim": lambda x: x.std(0, unbiased=False),
    "norm_2": lambda x: x.norm(),
    "norm_1": lambda x: x.norm(1, 1),
    "norm_inf": lambda x: x.norm(float("inf"), dim=2),
    "norm_ninf": lambda x: x.norm(float("-inf")),
    "norm_3": lambda x: x.norm(3, (0, 1)),
    "norm_half": lambda x: x.norm(0.5, 1),
    "norm_1_5": lambda x: x.norm(1.5),
    "prod_all": lambda x: x.prod(),
    "prod_dim": lambda x: x.prod(1, keepdim=True),
    "logsumexp": lambda x: x.logsumexp(1),
    "logsumexp_dims": lambda x: x.logsumexp((0, 2), keepdim=True),
    "cumsum": lambda x: x.cumsum(1),
    "cumsum_neg": lambda x: x.cumsum(-1),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradcheck(name):
    assert gradcheck(GRAD_CASES[name], (leaf(rand(2, 3, 4, seed=3)),))


@pytest.mark.parametrize("name", ["sum_dim", "mean_dim", "max_dim", "amax", "var_dim", "std_all",
                                  "norm_2", "norm_1_5", "norm_3", "prod_dim", "prod_all",
                                  "logsumexp", "cumsum"])
def test_gradgradcheck(name):
    fn = GRAD_CASES[name]
    assert gradgradcheck(lambda x: fn(x) * fn(x), (leaf(rand(2, 3, 4, seed=4)),))
