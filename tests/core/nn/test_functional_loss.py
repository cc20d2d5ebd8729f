"""nnx.nn.functional elementwise losses (mse, l1, smooth_l1, binary cross entropy with and
without logits) and the reduction arguments they share: values against NumPy references,
torch's messages and warnings, gradients w.r.t. input and target, gradcheck."""

import warnings

import numpy as np
import pytest

import nnx
from nnx.autograd import gradcheck, gradgradcheck

F = nnx.nn.functional


def T(a, dtype="float64", requires_grad=False):
    return nnx.tensor(np.asarray(a, dtype=dtype), requires_grad=requires_grad)


def npy(t):
    return t.detach().numpy()


def rnd(*shape, seed=0, low=-2.0, high=2.0, dtype="float64"):
    return np.random.default_rng(seed + 7 * sum(shape)).uniform(low, high, size=shape).astype(dtype)


def reduce(terms, reduction):
    return {"none": terms, "sum": terms.sum(), "mean": terms.mean()}[reduction]


def ref_smooth_l1(d, beta):
    ad = np.abs(d)
    if beta == 0:
        return ad
    return np.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta)


def ref_bce(x, t, w=1.0):
    return -w * (t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log(1 - x), -100))


def ref_bce_logits(x, t, w=1.0, pw=1.0):
    # the textbook form on sigmoid(x), valid for the moderate logits the tests use
    s = 1 / (1 + np.exp(-x))
    return -w * (pw * t * np.log(s) + (1 - t) * np.log(1 - s))


LOSSES = [
    ("mse", lambda x, t, **k: F.mse_loss(x, t, **k), lambda x, t: (x - t) ** 2),
    ("l1", lambda x, t, **k: F.l1_loss(x, t, **k), lambda x, t: np.abs(x - t)),
    (
        "smooth_l1",
        lambda x, t, **k: F.smooth_l1_loss(x, t, **k),
        lambda x, t: ref_smooth_l1(x - t, 1.0),
    ),
    (
        "smooth_l1_b0.5",
        lambda x, t, **k: F.smooth_l1_loss(x, t, beta=0.5, **k),
        lambda x, t: ref_smooth_l1(x - t, 0.5),
    ),
    (
        "smooth_l1_b0",
        lambda x, t, **k: F.smooth_l1_loss(x, t, beta=0.0, **k),
        lambda x, t: np.abs(x - t),
    ),
    ("bce", lambda x, t, **k: F.binary_cross_entropy(x, t, **k), ref_bce),
    ("bce_logits", lambda x, t, **k: F.binary_cross_entropy_with_logits(x, t, **k), ref_bce_logits),
]
UNIT_INPUT = {"bce"}


def inputs_for(name, shape=(3, 4), dtype="float64", seed=0):
    x = rnd(*shape, seed=seed, dtype=dtype)
    t = rnd(*shape, seed=seed + 1, dtype=dtype)
    if name == "bce":
        x = rnd(*shape, seed=seed, low=0.05, high=0.95, dtype=dtype)
    if name.startswith("bce"):
        t = rnd(*shape, seed=seed + 1, low=0.0, high=1.0, dtype=dtype)
    return x, t


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,fn,ref", LOSSES, ids=[a[0] for a in LOSSES])
def test_loss_values(name, fn, ref, reduction, dtype):
    x, t = inputs_for(name, dtype=dtype)
    out = fn(T(x, dtype), T(t, dtype), reduction=reduction)
    expected = reduce(ref(x.astype(np.float64), t.astype(np.float64)), reduction)
    assert out.dtype == getattr(nnx, dtype)
    assert out.shape == np.shape(expected)  # 0-d for mean and sum
    tol = dict(rtol=2e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(npy(out), expected, **tol)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,fn,ref", LOSSES, ids=[a[0] for a in LOSSES])
def test_loss_gradcheck_input_and_target(name, fn, ref, reduction):
    x, t = inputs_for(name, seed=3)
    if not name.startswith("bce"):
        t[0, 0] = x[0, 0] + 0.3  # off the |x - t| = 0 kink
    tx, tt = T(x, requires_grad=True), T(t, requires_grad=True)

    def f(a, b):
        return fn(a, b, reduction=reduction)

    assert gradcheck(f, (tx, tt))
    assert gradgradcheck(f, (tx, tt))


@pytest.mark.parametrize("name,fn,ref", LOSSES, ids=[a[0] for a in LOSSES])
def test_loss_grad_only_where_needed(name, fn, ref):
    x, t = inputs_for(name)
    tx, tt = T(x, requires_grad=True), T(t)
    out = fn(tx, tt)
    out.backward()
    assert tx.grad.shape == tx.shape and tt.grad is None
    assert fn(T(x), T(t)).grad_fn is None


def test_loss_grad_fn_names():
    x, y = T(rnd(3), requires_grad=True), T(rnd(3, seed=1))
    p = T(rnd(3, low=0.1, high=0.9), requires_grad=True)
    names = {
        "mse": F.mse_loss(x, y),
        "mse_none": F.mse_loss(x, y, reduction="none"),
        "l1": F.l1_loss(x, y),
        "l1_sum": F.l1_loss(x, y, reduction="sum"),
        "l1_none": F.l1_loss(x, y, reduction="none"),
        "sl1": F.smooth_l1_loss(x, y),
        "sl1_0": F.smooth_l1_loss(x, y, beta=0),
        "mse_w": F.mse_loss(x, y, weight=T(np.ones(3))),
        "bce": F.binary_cross_entropy(p, y.sigmoid()),
        "bcel": F.binary_cross_entropy_with_logits(x, y.sigmoid()),
    }
    got = {k: type(v.grad_fn).__name__ for k, v in names.items()}
    assert got == {
        "mse": "MseLossBackward0",
        "mse_none": "MseLossBackward0",
        "l1": "MeanBackward0",
        "l1_sum": "SumBackward0",
        "l1_none": "AbsBackward0",
        "sl1": "SmoothL1LossBackward0",
        "sl1_0": "MeanBackward0",
        "mse_w": "DivBackward0",
        "bce": "BinaryCrossEntropyBackward0",
        "bcel": "BinaryCrossEntropyWithLogitsBackward0",
    }


# -- reductions, shared ---------------------------------------------------------------------

ALL_LOSS_CALLS = [
    lambda **k: F.mse_loss(T(rnd(3)), T(rnd(3)), **k),
    lambda **k: F.l1_loss(T(rnd(3)), T(rnd(3)), **k),
    lambda **k: F.smooth_l1_loss(T(rnd(3)), T(rnd(3)), **k),
    lambda **k: F.binary_cross_entropy(T([0.3]), T([1.0]), **k),
    lambda **k: F.binary_cross_entropy_with_logits(T([0.3]), T([1.0]), **k),
    lambda **k: F.nll_loss(T(rnd(2, 3)), nnx.tensor([0, 2]), **k),
    lambda **k: F.cross_entropy(T(rnd(2, 3)), nnx.tensor([0, 2]), **k),
]


@pytest.mark.parametrize("call", ALL_LOSS_CALLS)
def test_invalid_reduction(call):
    with pytest.raises(ValueError) as info:
        call(reduction="foo")
    assert str(info.value) == "foo is not a valid value for reduction"


@pytest.mark.parametrize(
    "size_average,reduce_,expected",
    [
        (None, False, "none"),
        (False, None, "sum"),
        (True, None, "mean"),
        (None, True, "mean"),
        (False, True, "sum"),
        (True, False, "none"),
        (False, False, "none"),
        (True, True, "mean"),
    ],
)
@pytest.mark.parametrize("call", ALL_LOSS_CALLS)
def test_legacy_size_average_reduce(call, size_average, reduce_, expected):
    with pytest.warns(UserWarning) as record:
        got = call(size_average=size_average, reduce=reduce_, reduction="sum")
    assert str(record[0].message) == (
        "size_average and reduce args will be deprecated, please "
        f"use reduction='{expected}' instead."
    )
    assert record[0].filename == __file__
    want = call(reduction=expected)
    np.testing.assert_allclose(npy(got), npy(want))


@pytest.mark.parametrize("call", ALL_LOSS_CALLS)
def test_elementwise_mean_is_deprecated_mean(call):
    with pytest.warns(
        UserWarning,
        match=r"^reduction='elementwise_mean' is deprecated\. Please "
        r"use reduction='mean' instead\.$",
    ):
        got = call(reduction="elementwise_mean")
    np.testing.assert_allclose(npy(got), npy(call(reduction="mean")))


# -- mse / l1 / smooth_l1 -------------------------------------------------------------------


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss, F.smooth_l1_loss])
def test_size_mismatch_warns_and_broadcasts(fn):
    x, t = T(rnd(3, 1), requires_grad=True), T(rnd(3, seed=1))
    with pytest.warns(UserWarning) as record:
        out = fn(x, t, reduction="none")
    assert str(record[0].message) == (
        "Using a target size (nnx.Size([3])) that is different to the input size "
        "(nnx.Size([3, 1])). This will likely lead to incorrect results due to broadcasting. "
        "Please ensure they have the same size."
    )
    assert record[0].filename == __file__
    assert out.shape == (3, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(lambda a, b: fn(a, b), (x, T(rnd(3, seed=1), requires_grad=True)))
        with pytest.raises(RuntimeError) as info:
            fn(T(rnd(3, 2)), T(rnd(3)))
    assert str(info.value) == (
        "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1"
    )


@pytest.mark.parametrize("fn,ref", [(F.mse_loss, lambda d: d * d), (F.l1_loss, np.abs)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weighted_regression(fn, ref, reduction):
    x, t, w = rnd(3, 4), rnd(3, 4, seed=1), rnd(3, 4, seed=2, low=0.1, high=2)
    out = fn(T(x), T(t), reduction=reduction, weight=T(w))
    terms = ref(x - t) * w
    expected = {"none": terms, "sum": terms.sum(), "mean": terms.sum() / w.sum()}[reduction]
    np.testing.assert_allclose(npy(out), expected, rtol=1e-13)
    args = (T(x, requires_grad=True), T(t, requires_grad=True), T(w, requires_grad=True))

    def f(a, b, c):
        return fn(a, b, reduction=reduction, weight=c)

    assert gradcheck(f, args)
    assert gradgradcheck(f, args)


def test_weighted_regression_errors():
    with pytest.raises(ValueError, match=r"^Weights and input must have the same size\.$"):
        F.mse_loss(T(rnd(3)), T(rnd(3)), weight=T(np.ones(2)))
    with pytest.raises(ValueError) as info:
        F.l1_loss(T(rnd(3)), T(rnd(3)), weight=T(np.ones(3)), reduction="foo")
    assert str(info.value) == "Invalid reduction mode: foo. Expected one of 'none', 'mean', 'sum'."


def test_regression_dtypes():
    x32, t64 = T(rnd(3), "float32"), T(rnd(3))
    assert F.mse_loss(x32, t64).dtype == nnx.float64
    assert F.l1_loss(x32, nnx.tensor([1, 0, 2])).dtype == nnx.float32
    with pytest.raises(NotImplementedError, match=r"^\"mse_cpu\" not implemented for 'Long'$"):
        F.mse_loss(nnx.tensor([1, 2]), nnx.tensor([1, 2]))
    with pytest.raises(
        NotImplementedError, match=r"^\"smooth_l1_cpu\" not implemented for 'Long'$"
    ):
        F.smooth_l1_loss(nnx.tensor([1, 2]), nnx.tensor([1, 2]))
    with pytest.raises(RuntimeError) as info:
        F.l1_loss(nnx.tensor([1, 2]), nnx.tensor([1, 2]))
    assert str(info.value) == (
        "mean(): could not infer output dtype. Input dtype must be either a "
        "floating point or complex dtype. Got: Long"
    )
    assert F.l1_loss(nnx.tensor([1, 2]), nnx.tensor([3, 2]), reduction="sum").tolist() == 2


def test_regression_grad_dtypes_follow_inputs():
    x, t = T(rnd(3), "float32", True), T(rnd(3), "float64", True)
    F.mse_loss(x, t).backward()
    assert x.grad.dtype == nnx.float32 and t.grad.dtype == nnx.float64


def test_smooth_l1_negative_beta():
    with pytest.raises(
        RuntimeError,
        match=r"^smooth_l1_loss does not support negative values "
        r"for beta\.$",
    ):
        F.smooth_l1_loss(T(rnd(3)), T(rnd(3)), beta=-1)


def test_empty_mean_is_nan():
    assert np.isnan(F.mse_loss(T(np.zeros(0)), T(np.zeros(0))).item())
    assert F.l1_loss(T(np.zeros(0)), T(np.zeros(0)), reduction="sum").item() == 0.0


# -- binary cross entropy --------------------------------------------------------------------


def test_bce_log_clamp():
    x = T([0.0, 1.0, 0.0, 1.0, 0.5])
    t = T([0.0, 1.0, 1.0, 0.0, 1.0])
    out = F.binary_cross_entropy(x, t, reduction="none")
    np.testing.assert_allclose(npy(out), [0.0, 0.0, 100.0, 100.0, np.log(2)])


def test_bce_grad_formula_clamps_denominator():
    x = T([0.0, 0.3, 1.0], requires_grad=True)
    t = T([1.0, 0.5, 0.0])
    F.binary_cross_entropy(x, t, reduction="sum").backward()
    np.testing.assert_allclose(npy(x.grad), [-1e12, (0.3 - 0.5) / (0.7 * 0.3), 1e12])


def test_bce_weight():
    x, t = rnd(3, 4, low=0.1, high=0.9), rnd(3, 4, seed=1, low=0, high=1)
    for w in (rnd(4, seed=2, low=0.1), rnd(3, 1, seed=3, low=0.1), rnd(3, 4, seed=4, low=0.1)):
        out = F.binary_cross_entropy(T(x), T(t), weight=T(w))
        np.testing.assert_allclose(npy(out), ref_bce(x, t, w).mean(), rtol=1e-13)
        weight = T(w)
        assert gradcheck(
            lambda a, b, c=weight: F.binary_cross_entropy(a, b, weight=c),
            (T(x, requires_grad=True), T(t, requires_grad=True)),
        )


def test_bce_errors():
    p, y = T(rnd(3, 4, low=0.1, high=0.9)), T(rnd(3, 4, low=0.0, high=1.0))
    with pytest.raises(ValueError) as info:
        F.binary_cross_entropy(p, T(rnd(3, 3, low=0, high=1)))
    assert str(info.value) == (
        "Using a target size (nnx.Size([3, 3])) that is different to the "
        "input size (nnx.Size([3, 4])) is deprecated. Please ensure they "
        "have the same size."
    )
    with pytest.raises(RuntimeError, match=r"^all elements of input should be between 0 and 1$"):
        F.binary_cross_entropy(p * 3, y)
    with pytest.raises(RuntimeError, match=r"^all elements of target should be between 0 and 1$"):
        F.binary_cross_entropy(p, y * 3)
    with pytest.raises(RuntimeError, match=r"^Found dtype Double but expected Float$"):
        F.binary_cross_entropy(T(npy(p), "float32"), y)
    with pytest.raises(RuntimeError) as info:
        F.binary_cross_entropy(p, y, weight=T(np.ones((2, 3, 4))))
    assert str(info.value) == "output with shape [3, 4] doesn't match the broadcast shape [2, 3, 4]"
    with pytest.raises(RuntimeError) as info:
        F.binary_cross_entropy(p, y, weight=T(np.ones(4), requires_grad=True))
    assert str(info.value) == (
        "The function 'binary_cross_entropy' is not differentiable with "
        "respect to argument 'weight'. This input cannot have "
        "requires_grad True."
    )


def test_bce_logits_is_stable():
    x = T([-1000.0, -40.0, 0.0, 40.0, 1000.0], requires_grad=True)
    t = T([1.0, 1.0, 0.5, 0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.binary_cross_entropy_with_logits(x, t, reduction="none")
        out.sum().backward()
    np.testing.assert_allclose(npy(out), [1000.0, 40.0, np.log(2), 40.0, 1000.0])
    np.testing.assert_allclose(npy(x.grad), [-1.0, -1.0, 0.0, 1.0, 1.0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_logits_weights(reduction):
    x, t = rnd(3, 4), rnd(3, 4, seed=1, low=0, high=1)
    w, pw = rnd(3, 1, seed=2, low=0.1), rnd(4, seed=3, low=0.1)
    out = F.binary_cross_entropy_with_logits(
        T(x), T(t), weight=T(w), pos_weight=T(pw), reduction=reduction
    )
    np.testing.assert_allclose(npy(out), reduce(ref_bce_logits(x, t, w, pw), reduction), rtol=1e-12)

    def f(a, b):
        return F.binary_cross_entropy_with_logits(
            a, b, weight=T(w), pos_weight=T(pw), reduction=reduction
        )

    args = (T(x, requires_grad=True), T(t, requires_grad=True))
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)


def test_bce_logits_dtype_follows_target():
    x64, t32 = T(rnd(3)), T(rnd(3, low=0, high=1), "float32")
    assert F.binary_cross_entropy_with_logits(x64, t32).dtype == nnx.float32
    assert (
        F.binary_cross_entropy_with_logits(T(npy(x64), "float32"), T(npy(t32))).dtype == nnx.float64
    )


def test_bce_logits_errors():
    x, y = T(rnd(3, 4)), T(rnd(3, 4, low=0, high=1))
    with pytest.raises(ValueError) as info:
        F.binary_cross_entropy_with_logits(x, T(rnd(3, 3)))
    assert str(info.value) == (
        "Target size (nnx.Size([3, 3])) must be the same as input size (nnx.Size([3, 4]))"
    )
    with pytest.raises(RuntimeError) as info:
        F.binary_cross_entropy_with_logits(x, y, pos_weight=T(np.ones(5)))
    assert str(info.value) == (
        "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 1"
    )
    with pytest.raises(RuntimeError) as info:
        F.binary_cross_entropy_with_logits(x, y, weight=T(np.ones((2, 3, 4))))
    assert str(info.value) == "output with shape [3, 4] doesn't match the broadcast shape [2, 3, 4]"
    with pytest.raises(
        RuntimeError,
        match=r"^result type Double can't be cast to the desired "
        r"output type Long$",
    ):
        F.binary_cross_entropy_with_logits(x, nnx.tensor(np.ones((3, 4), dtype=np.int64)))
    with pytest.raises(
        NotImplementedError,
        match=r"^\"log_sigmoid_cpu\" not implemented for "
        r"'Long'$",
    ):
        F.binary_cross_entropy_with_logits(nnx.tensor(np.ones((3, 4), dtype=np.int64)), y)
    for arg in ("weight", "pos_weight"):
        with pytest.raises(RuntimeError, match=f"with respect to argument '{arg}'"):
            F.binary_cross_entropy_with_logits(x, y, **{arg: T(np.ones(4), requires_grad=True)})
