"""The fast paths of softmax, log_softmax, cross_entropy and nll_loss against the general
implementations they bypass: bit-identical outputs, gradients and double-backward
gradients, no new warnings, and the uncommon calls routed to the general path."""

import warnings

import numpy as np
import pytest

import nnx
from nnx.nn.functional import _helpers, _nll, _nll_fast, _softmax

F = nnx.nn.functional


def scores(shape, dtype, special=None, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype) * 3
    if special == "inf":
        x.flat[1] = np.inf  # a row holding +inf: nan, as in torch
    elif special == "-inf":
        x[0] = -np.inf  # a row of -inf: nan
    elif special == "nan":
        x.flat[-1] = np.nan
    elif special == "huge":
        big = np.finfo(dtype).max
        x.flat[0], x.flat[1] = big, -big  # x - max overflows to -inf
    return x


def run(fn, x, seed=1):
    """fn's output, the input gradient for a random upstream gradient, and the gradient of
    <that gradient, v> (double backward; None where the first is constant), as arrays."""
    xt = nnx.tensor(x, requires_grad=True)
    out = fn(xt)
    rng = np.random.default_rng(seed)
    g = nnx.tensor(rng.standard_normal(out.shape).astype(x.dtype))
    (gx,) = nnx.autograd.grad(out, xt, g, create_graph=True)
    if not gx.requires_grad:  # nll_loss is linear
        return out.detach().numpy(), gx.numpy(), None
    v = nnx.tensor(rng.standard_normal(x.shape).astype(x.dtype))
    (gx * v).sum().backward()
    return out.detach().numpy(), gx.detach().numpy(), xt.grad.numpy()


def assert_same(fast, general):
    for a, b in zip(fast, general):
        if a is None or b is None:
            assert a is None and b is None
        else:
            np.testing.assert_array_equal(a, b, strict=True)  # shape and dtype too


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# -- softmax and log_softmax ---------------------------------------------------------------

SOFTMAX = [
    ("softmax", _softmax.softmax_array, _softmax.SoftmaxBackward0),
    ("log_softmax", _softmax.log_softmax_array, _softmax.LogSoftmaxBackward0),
]


@pytest.mark.parametrize("special", [None, "inf", "-inf", "nan", "huge"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, dim", [((4, 8), 1), ((4, 8), 0), ((4, 8), -1), ((5,), 0),
                                        ((2, 3, 4), 1), ((2, 3, 4), -3), ((1, 1), 1)])
@pytest.mark.parametrize("name, kernel, node_type", SOFTMAX, ids=[s[0] for s in SOFTMAX])
def test_softmax_fast_path_matches_general(name, kernel, node_type, shape, dim, dtype, special,
                                           no_warnings):
    x = scores(shape, dtype, special if np.prod(shape) > 1 else None)
    fast = run(lambda a: getattr(F, name)(a, dim), x)
    general = run(lambda a: _softmax._softmax_like(name, kernel, node_type, a, dim, 3, None), x)
    assert_same(fast, general)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_routing(name, monkeypatch):
    calls = []
    general = _softmax._softmax_like
    monkeypatch.setattr(_softmax, "_softmax_like", lambda *a: calls.append(a) or general(*a))
    fn = getattr(F, name)
    x = nnx.tensor(scores((3, 4), np.float32))
    fn(x, 1), fn(x, -2), fn(nnx.tensor(scores((3, 4), np.float64)), 0)
    assert not calls
    uncommon = [
        lambda: fn(x, 1, dtype=nnx.float64),
        lambda: fn(x.half(), 1),
        lambda: fn(nnx.tensor(2.0), 0),
        lambda: fn(nnx.zeros(0, 3), 1),
    ]
    for call in uncommon:
        call()
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        fn(x)
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got 2"):
        fn(x, 2)
    with pytest.raises(TypeError, match="must be Tensor, not ndarray"):
        fn(x.numpy(), 1)
    assert len(calls) == len(uncommon) + 3


# -- cross_entropy and nll_loss ------------------------------------------------------------

def general_index_loss(softmax, target, ignore_index, reduction):
    return lambda a: _nll._index_loss(a, target, None, ignore_index, reduction, 0.0, softmax)


LOSSES = [("cross_entropy", True), ("nll_loss", False)]


@pytest.mark.parametrize("special", [None, "inf", "-inf", "nan", "huge"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape, ignore_index", [((4, 8), -100), ((64, 10), -100),
                                                 ((3, 5), 5), ((3, 5), -1), ((1, 1), -100),
                                                 ((4100, 3), -100)])
@pytest.mark.parametrize("name, softmax", LOSSES, ids=[s[0] for s in LOSSES])
def test_index_loss_fast_path_matches_general(name, softmax, shape, ignore_index, reduction,
                                              dtype, special, no_warnings):
    n, c = shape
    x = scores(shape, dtype, special if n * c > 1 else None)
    target = nnx.tensor(np.random.default_rng(2).integers(0, c, n))
    fast = run(lambda a: getattr(F, name)(a, target, ignore_index=ignore_index,
                                          reduction=reduction), x)
    general = run(general_index_loss(softmax, target, ignore_index, reduction), x)
    assert_same(fast, general)


@pytest.mark.parametrize("name, softmax", LOSSES, ids=[s[0] for s in LOSSES])
def test_index_loss_routing(name, softmax, monkeypatch):
    calls = []
    general = _nll._index_loss
    monkeypatch.setattr(_nll, "_index_loss", lambda *a, **k: calls.append(a) or general(*a, **k))
    fn = getattr(F, name)
    x = nnx.tensor(scores((4, 5), np.float32))
    t = nnx.tensor([1, 0, 4, 2])
    fn(x, t), fn(x, t, reduction="sum"), fn(x, t, ignore_index=5), fn(x.double(), t)
    assert not calls
    uncommon = [
        lambda: fn(x, nnx.tensor([1, 0, -100, 2])),  # an ignored target
        lambda: fn(x, t, ignore_index=3),  # ignore_index a class: maybe ignored
        lambda: fn(x, t, weight=nnx.ones(5)),
        lambda: fn(x, nnx.tensor(np.array([1, 0, 4, 2], np.uint8))),
        lambda: fn(x.reshape(4, 5, 1), t.reshape(4, 1)),
        lambda: fn(x[0], t[0]),
        lambda: fn(x.half(), t),
        lambda: fn(x, t, ignore_index=None),
        lambda: fn(x[:0], t[:0]),
    ]
    if softmax:
        uncommon.append(lambda: fn(x, t, label_smoothing=0.1))
    for call in uncommon:
        call()
    with pytest.warns(UserWarning, match="elementwise_mean"):
        fn(x, t, reduction="elementwise_mean")
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        fn(x, t, size_average=False)
    for bad, message in [([1, 0, 5, 2], "Target 5 is out of bounds."),
                         ([1, -1, 4, 2], "Target -1 is out of bounds.")]:
        with pytest.raises(IndexError, match=message):
            fn(x, nnx.tensor(bad))
    assert len(calls) == len(uncommon) + 4


@pytest.mark.parametrize("n", [4, 16, 17, 64])
def test_classes_in_range(n):
    t = np.arange(n) % 5
    assert _nll_fast._classes_in_range(t, 5)
    for bad in (-1, 5, -(2**63), 2**63 - 1):
        t[n // 2] = bad
        assert not _nll_fast._classes_in_range(t, 5)


@pytest.mark.parametrize("numpy_2", [True, False])
def test_ignoring_fp_errors(numpy_2, monkeypatch, no_warnings):
    monkeypatch.setattr(_helpers, "_NUMPY_2", numpy_2)
    inf = np.array([np.inf])
    quiet = _helpers.ignoring_fp_errors(invalid="ignore")(np.subtract)
    assert np.isnan(quiet(inf, inf)[0])
    with pytest.raises(RuntimeWarning, match="invalid value"):  # only inside the call
        np.subtract(inf, inf)
