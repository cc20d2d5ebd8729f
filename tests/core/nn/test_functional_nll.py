"""nnx.nn.functional nll_loss and cross_entropy: class-index targets (weights, ignore_index,
label smoothing, K-dim and unbatched inputs) and class-probability targets, against
per-row NumPy references written from torch's documentation; torch's messages; gradcheck."""

import numpy as np
import pytest

import nnx
from nnx.autograd import gradcheck, gradgradcheck

F = nnx.nn.functional


def T(a, dtype="float64", requires_grad=False):
    return nnx.tensor(np.asarray(a, dtype=dtype), requires_grad=requires_grad)


def npy(t):
    return t.detach().numpy()


def rnd(*shape, seed=0, low=-3.0, high=3.0):
    return np.random.default_rng(seed + 11 * sum(shape)).uniform(low, high, size=shape)


def rows(x):
    """Scores with the class axis last, one row per sample: (n, C)."""
    if x.ndim == 1:
        return x[None, :]
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def target_shape(x):
    return () if x.ndim == 1 else (x.shape[0],) + x.shape[2:]


def ref_nll(x, t, w=None, ignore_index=-100, reduction="mean"):
    xr, tr = rows(x), np.asarray(t).reshape(-1)
    w = np.ones(xr.shape[1]) if w is None else w
    losses, wsum = np.zeros(len(tr)), 0.0
    for i, c in enumerate(tr):
        if c != ignore_index:
            losses[i] = -w[c] * xr[i, c]
            wsum += w[c]
    if reduction == "none":
        return losses.reshape(target_shape(x))
    return losses.sum() if reduction == "sum" else losses.sum() / wsum


def ref_cross_entropy(x, t, w=None, ignore_index=-100, reduction="mean", ls=0.0):
    logp = log_softmax(x, 1 if x.ndim > 1 else 0)
    n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    wc = np.ones(n_classes) if w is None else w
    lr = rows(logp)
    if np.shape(t) == x.shape:  # class probabilities
        tt = rows(np.asarray(t)) * (1 - ls) + ls / n_classes
        per_row = -(lr * tt * wc).sum(1)
        if reduction == "none":
            return per_row.reshape(target_shape(x))
        return per_row.sum() if reduction == "sum" else per_row.sum() / len(per_row)
    tr = np.asarray(t).reshape(-1)
    nll = ref_nll(logp, t, w, ignore_index, "none").reshape(-1)
    smooth = np.array([0.0 if c == ignore_index else -(lr[i] * wc).sum() for i, c in enumerate(tr)])
    wsum = sum(wc[c] for c in tr if c != ignore_index)
    if reduction == "none":
        return ((1 - ls) * nll + ls / n_classes * smooth).reshape(target_shape(x))
    if reduction == "sum":
        return (1 - ls) * nll.sum() + ls / n_classes * smooth.sum()
    with np.errstate(invalid="ignore"):  # every target ignored: nan, as torch
        return ((1 - ls) * nll.sum() + ls / n_classes * smooth.sum()) / wsum


# (input shape, target) for class indices: batched, K-dim (3, 4 and 5-d), unbatched
INDEX_CASES = [
    ((5, 4), [1, 0, 3, 3, 2]),
    ((2, 4, 3), [[0, 3, 1], [2, 2, 0]]),
    ((2, 4, 3, 2), [[[0, 1], [3, 3], [2, 0]], [[1, 1], [0, 2], [3, 0]]]),
    ((2, 3, 2, 2, 2), np.arange(16).reshape(2, 2, 2, 2) % 3),
    ((4,), 2),
]
WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])


def index_case(i, seed=0):
    shape, target = INDEX_CASES[i]
    x = rnd(*shape, seed=seed)
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    return x, np.asarray(target, dtype=np.int64), WEIGHT[:n_classes]


OPTIONS = [
    dict(),
    dict(weight=True),
    dict(ignore_index=0),
    dict(weight=True, ignore_index=2),
    dict(label_smoothing=0.2),
    dict(weight=True, ignore_index=0, label_smoothing=0.3),
]


def call_args(opts, w, dtype="float64"):
    kwargs = {k: v for k, v in opts.items() if k != "weight"}
    if opts.get("weight"):
        kwargs["weight"] = T(w, dtype)  # class weights share the input's dtype
    return kwargs


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: "-".join(f"{k}" for k in o) or "plain")
@pytest.mark.parametrize("case", range(len(INDEX_CASES)))
def test_cross_entropy_index_values(case, opts, reduction, dtype):
    x, t, w = index_case(case)
    out = F.cross_entropy(
        T(x, dtype), nnx.tensor(t), reduction=reduction, **call_args(opts, w, dtype)
    )
    expected = ref_cross_entropy(
        x,
        t,
        w if opts.get("weight") else None,
        opts.get("ignore_index", -100),
        reduction,
        opts.get("label_smoothing", 0.0),
    )
    assert out.dtype == getattr(nnx, dtype) and out.shape == np.shape(expected)
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(npy(out), expected, **tol)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: "-".join(f"{k}" for k in o) or "plain")
@pytest.mark.parametrize("case", [0, 1, 2, 4])
def test_cross_entropy_index_gradcheck(case, opts, reduction):
    x, t, w = index_case(case, seed=1)
    kwargs = call_args(opts, w)
    target = nnx.tensor(t)
    if np.all(t == opts.get("ignore_index", -100)) and reduction == "mean":
        # every target ignored: torch's mean is 0/0, so there is nothing to gradcheck
        assert np.isnan(npy(F.cross_entropy(T(x), target, reduction=reduction, **kwargs)))
        return

    def fn(a):
        return F.cross_entropy(a, target, reduction=reduction, **kwargs)

    xt = T(x, requires_grad=True)
    assert gradcheck(fn, (xt,))
    assert gradgradcheck(fn, (xt,))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "opts",
    [dict(), dict(weight=True), dict(ignore_index=1), dict(weight=True, ignore_index=3)],
    ids=str,
)
@pytest.mark.parametrize("case", range(len(INDEX_CASES)))
def test_nll_loss_values_and_gradcheck(case, opts, reduction):
    x, t, w = index_case(case, seed=2)
    kwargs = call_args(opts, w)
    if np.all(t == opts.get("ignore_index", -100)) and reduction == "mean":
        # every target ignored: torch's mean is 0/0, so there is nothing to gradcheck
        assert np.isnan(npy(F.nll_loss(T(x), nnx.tensor(t), reduction=reduction, **kwargs)))
        return
    out = F.nll_loss(T(x), nnx.tensor(t), reduction=reduction, **kwargs)
    expected = ref_nll(
        x, t, w if opts.get("weight") else None, opts.get("ignore_index", -100), reduction
    )
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(npy(out), expected, rtol=1e-13)
    target = nnx.tensor(t)

    def fn(a):
        return F.nll_loss(a, target, reduction=reduction, **kwargs)

    xt = T(x, requires_grad=True)
    assert gradcheck(fn, (xt,))
    assert gradgradcheck(fn, (xt,))


def test_nll_of_log_softmax_is_cross_entropy():
    x, t, w = index_case(1)
    a = F.nll_loss(F.log_softmax(T(x), 1), nnx.tensor(t), weight=T(w))
    b = F.cross_entropy(T(x), nnx.tensor(t), weight=T(w))
    np.testing.assert_allclose(npy(a), npy(b), rtol=1e-14)


def test_uint8_targets_and_unbatched_1d_target():
    x = rnd(4, 5)
    t = np.array([1, 4, 0, 2])
    np.testing.assert_allclose(
        npy(F.cross_entropy(T(x), nnx.tensor(t.astype(np.uint8)))), ref_cross_entropy(x, t)
    )
    v = rnd(5)
    out = F.nll_loss(T(v), nnx.tensor([3]), reduction="none")
    assert out.shape == () and out.item() == -v[3]


def test_all_targets_ignored():
    x = T(rnd(3, 4), requires_grad=True)
    t = nnx.tensor([-100, -100, -100])
    for kwargs in ({}, {"label_smoothing": 0.1}):
        loss = F.cross_entropy(x, t, **kwargs)
        assert np.isnan(loss.item())
        loss.backward()
        assert np.all(npy(x.grad) == 0)
        x.grad = None
    assert F.nll_loss(x, t, reduction="sum").item() == 0.0
    assert np.isnan(F.cross_entropy(T(np.zeros((0, 4))), nnx.tensor(np.zeros(0, np.int64))).item())


def test_large_logits_are_stable():
    x = T([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, 1000.0]], requires_grad=True)
    loss = F.cross_entropy(x, nnx.tensor([0, 0]), reduction="none")
    np.testing.assert_allclose(npy(loss), [0.0, 2000.0])
    loss.sum().backward()
    np.testing.assert_allclose(npy(x.grad), [[0.0, 0.0, 0.0], [-1.0, 0.0, 1.0]])


# -- probability targets --------------------------------------------------------------------


def probs(shape, seed=0):
    p = np.random.default_rng(seed).uniform(0.1, 1.0, size=shape)
    return p / p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)


PROB_SHAPES = [(5, 4), (2, 4, 3), (2, 4, 3, 2), (4,)]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "opts",
    [dict(), dict(weight=True), dict(label_smoothing=0.25), dict(weight=True, label_smoothing=0.1)],
    ids=str,
)
@pytest.mark.parametrize("shape", PROB_SHAPES)
def test_cross_entropy_probabilities(shape, opts, reduction):
    x, p = rnd(*shape, seed=4), probs(shape, seed=5)
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    w = WEIGHT[:n_classes]
    kwargs = call_args(opts, w)
    out = F.cross_entropy(T(x), T(p), reduction=reduction, **kwargs)
    expected = ref_cross_entropy(
        x, p, w if opts.get("weight") else None, -100, reduction, opts.get("label_smoothing", 0.0)
    )
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(npy(out), expected, rtol=1e-12)

    def fn(a, b):
        return F.cross_entropy(a, b, reduction=reduction, **kwargs)

    args = (T(x, requires_grad=True), T(p, requires_grad=True))
    assert gradcheck(fn, args)
    assert gradgradcheck(fn, args)


def test_cross_entropy_probabilities_weight_grad():
    x, p = T(rnd(3, 4), requires_grad=True), T(probs((3, 4)))
    w = T(WEIGHT, requires_grad=True)
    assert gradcheck(lambda a, c: F.cross_entropy(a, p, weight=c, label_smoothing=0.2), (x, w))


def test_cross_entropy_probabilities_dtype_promotes():
    out = F.cross_entropy(T(rnd(3, 4), "float32"), T(probs((3, 4))))
    assert out.dtype == nnx.float64


def test_grad_fn_names():
    x = T(rnd(3, 4), requires_grad=True)
    t = nnx.tensor([0, 1, 2])
    p = T(probs((3, 4)))
    k = T(rnd(2, 4, 3), requires_grad=True)
    got = [
        type(v.grad_fn).__name__
        for v in (
            F.cross_entropy(x, t),
            F.cross_entropy(x, t, reduction="none"),
            F.cross_entropy(x, t, label_smoothing=0.1),
            F.cross_entropy(x, p),
            F.cross_entropy(x, p, reduction="sum"),
            F.cross_entropy(k, nnx.tensor(np.zeros((2, 3), np.int64))),
            F.nll_loss(x, t),
        )
    ]
    assert got == [
        "NllLossBackward0",
        "NllLossBackward0",
        "AddBackward0",
        "DivBackward1",
        "NegBackward0",
        "NllLoss2DBackward0",
        "NllLossBackward0",
    ]


def test_cross_entropy_does_not_save_input():
    x = T(rnd(3, 4), requires_grad=True)
    y = x * 1
    loss = F.cross_entropy(y, nnx.tensor([0, 1, 2]))
    y.mul_(2)  # torch saves log_softmax, not the input
    loss.backward()
    expected = T(npy(x), requires_grad=True)
    F.cross_entropy(expected, nnx.tensor([0, 1, 2])).backward()
    np.testing.assert_allclose(npy(x.grad), npy(expected.grad))


# -- errors ------------------------------------------------------------------------------------


def _err(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value).__name__, str(info.value)


X45 = T(rnd(4, 5))
T4 = nnx.tensor([1, 0, 4, 2])


@pytest.mark.parametrize(
    "call,expected",
    [
        (
            lambda: F.nll_loss(X45, nnx.tensor([1, 0, 4, 7])),
            ("IndexError", "Target 7 is out of bounds."),
        ),
        (
            lambda: F.nll_loss(X45, nnx.tensor([1, 0, -1, 2])),
            ("IndexError", "Target -1 is out of bounds."),
        ),
        (
            lambda: F.cross_entropy(X45, nnx.tensor([1, 0, 4, 9]), label_smoothing=0.1),
            ("IndexError", "Target 9 is out of bounds."),
        ),
        (
            lambda: F.nll_loss(T(rnd(2, 5, 3)), nnx.tensor([[0, 1, 9], [0, 0, 0]])),
            ("IndexError", "Target 9 is out of bounds."),
        ),
        (
            lambda: F.nll_loss(X45, nnx.tensor([1, 0, 4])),
            ("ValueError", "Expected input batch_size (4) to match target batch_size (3)."),
        ),
        (
            lambda: F.nll_loss(X45, nnx.tensor(1)),
            ("ValueError", "Expected input batch_size (4) to match target batch_size (0)."),
        ),
        (
            lambda: F.nll_loss(X45, nnx.tensor([[1], [0], [4], [2]])),
            ("RuntimeError", "0D or 1D target tensor expected, multi-target not supported"),
        ),
        (
            lambda: F.nll_loss(X45, nnx.tensor(np.array([1, 0, 4, 2], np.int32))),
            ("RuntimeError", "expected target dtype to be Long or Byte, but got Int"),
        ),
        (
            lambda: F.nll_loss(X45, T([1.0, 0, 4, 2])),
            ("RuntimeError", "expected target dtype to be Long or Byte, but got Double"),
        ),
        (
            lambda: F.nll_loss(X45, T4, weight=T(np.ones(4))),
            (
                "RuntimeError",
                "weight tensor should be defined either for all 5 classes or no classes but "
                "got weight tensor of shape: [4]",
            ),
        ),
        (
            lambda: F.nll_loss(
                T(rnd(2, 5, 3)), nnx.tensor(np.zeros((2, 3), np.int64)), weight=T(np.ones(4))
            ),
            ("RuntimeError", "weight tensor should be defined either for all or no classes"),
        ),
        (
            lambda: F.nll_loss(T(rnd(2, 5, 3)), nnx.tensor(np.zeros((2, 4), np.int64))),
            ("RuntimeError", "Expected target size [2, 3], got [2, 4]"),
        ),
        (
            lambda: F.nll_loss(T(rnd(2, 5, 3, 3)), nnx.tensor(np.zeros((2, 3, 4), np.int64))),
            ("RuntimeError", "size mismatch (got input: [2, 5, 3, 3] , target: [2, 3, 4]"),
        ),
        (
            lambda: F.nll_loss(T(rnd(2, 5, 3, 3)), nnx.tensor(np.zeros((2, 3), np.int64))),
            (
                "RuntimeError",
                "only batches of spatial targets supported (3D tensors) but got targets of "
                "dimension: 2",
            ),
        ),
        (
            lambda: F.nll_loss(T(rnd(2, 5, 3, 3, 2)), nnx.tensor(np.zeros((2, 3, 3), np.int64))),
            ("RuntimeError", "Expected target size [2, 3, 3, 2], got [2, 3, 3]"),
        ),
        (
            lambda: F.nll_loss(T(1.0), nnx.tensor(0)),
            ("ValueError", "Expected 1 or more dimensions (got 0)"),
        ),
        (
            lambda: F.nll_loss(T(rnd(5)), nnx.tensor([2, 1, 1, 1, 1])),
            ("ValueError", "For 1D input, 1D target must have size 1, but got target size: 5"),
        ),
        (
            lambda: F.nll_loss(T(rnd(4, 5), "float32"), T4, weight=T(np.ones(5))),
            ("RuntimeError", "expected scalar type Float but found Double"),
        ),
        (
            lambda: F.nll_loss(X45, T4, weight=T(np.ones(5), requires_grad=True)),
            (
                "RuntimeError",
                "The function 'nll_loss_forward' is not differentiable with respect to "
                "argument 'weight'. This input cannot have requires_grad True.",
            ),
        ),
        (
            lambda: F.nll_loss(nnx.tensor(np.ones((4, 5), np.int64)), T4),
            ("NotImplementedError", "\"nll_loss_out_frame\" not implemented for 'Long'"),
        ),
        (
            lambda: F.cross_entropy(X45, T4, label_smoothing=1.5),
            ("RuntimeError", "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
        ),
        (
            lambda: F.cross_entropy(X45, T(probs((4, 5))), label_smoothing=1.5),
            ("RuntimeError", "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
        ),
        (
            lambda: F.cross_entropy(X45, nnx.tensor(np.zeros((4, 5), np.int64))),
            (
                "RuntimeError",
                "Expected floating point type for target with class probabilities, got Long",
            ),
        ),
        (
            lambda: F.cross_entropy(X45, T(probs((4, 5))), ignore_index=1),
            ("RuntimeError", "ignore_index is not supported for floating point target"),
        ),
        (
            lambda: F.cross_entropy(X45, T(probs((4, 5))), weight=T(np.ones(3))),
            (
                "RuntimeError",
                "cross_entropy: weight tensor should be defined either for all 5 classes or "
                "no classes but got weight tensor of shape: [3]",
            ),
        ),
        (
            lambda: F.cross_entropy(X45, T4, weight=T(np.ones(3)), label_smoothing=0.1),
            (
                "RuntimeError",
                "weight tensor should be defined either for all 5 classes or no classes but "
                "got weight tensor of shape: [3]",
            ),
        ),
        (
            lambda: F.cross_entropy(X45, T(probs((4, 6)))),
            ("RuntimeError", "0D or 1D target tensor expected, multi-target not supported"),
        ),
        (
            lambda: F.cross_entropy(nnx.tensor(np.ones((4, 5), np.int64)), T4),
            (
                "NotImplementedError",
                "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'",
            ),
        ),
        (
            lambda: F.cross_entropy(T(1.0), T(1.0)),
            ("IndexError", "Dimension specified as 1 but tensor has no dimensions"),
        ),
        (
            lambda: F.cross_entropy(X45, T4, weight=T(np.ones(5), requires_grad=True)),
            (
                "RuntimeError",
                "The function 'nll_loss_forward' is not differentiable with respect to "
                "argument 'weight'. This input cannot have requires_grad True.",
            ),
        ),
    ],
)
def test_errors(call, expected):
    assert _err(call) == expected


def test_ignore_index_out_of_range_is_fine():
    x = rnd(3, 4)
    out = F.nll_loss(T(x), nnx.tensor([1, 7, 3]), ignore_index=7)
    np.testing.assert_allclose(npy(out), -(x[0, 1] + x[2, 3]) / 2)
