"""Pooling functions beyond the layer table: ties, NaN, ceil_mode edges, index values,
integer inputs, unpooling round trips, grad_fn names, float64 gradcheck and double
backward of every pooling function.

Expected values were produced by torch 2.13.0 (torch.nn.functional) on the same inputs
and are pasted here.
"""

import math

import numpy as np
import pytest

import nnx
import nnx.nn.functional as F
from nnx.autograd import gradcheck, gradgradcheck

NAN = math.nan


def t(values, **kwargs):
    return nnx.tensor(values, **kwargs)


def values_of(x):
    return x.detach().numpy().tolist()


# -- max pooling: scan order, NaN, ceil_mode ------------------------------------------------

def test_ties_pick_the_first_maximum_in_scan_order():
    x = t([[[1.0, 3, 3, 2], [3, 1, 2, 3]]], requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    assert values_of(y) == [[[3.0, 3.0]]]
    assert idx.numpy().tolist() == [[[1, 2]]]          # torch: tensor([[[1, 2]]])
    y.sum().backward()
    assert x.grad.numpy().tolist() == [[[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]


def test_overlapping_windows_accumulate_gradient_at_the_shared_maximum():
    x = t([[[1.0, 3, 3, 2, 3, 0]]], requires_grad=True)
    y = F.max_pool1d(x, 3, 1)
    y.sum().backward()
    assert values_of(y) == [[[3.0, 3.0, 3.0, 3.0]]]
    assert x.grad.numpy().tolist() == [[[0.0, 2.0, 1.0, 0.0, 1.0, 0.0]]]


def test_nan_wins_and_all_minus_inf_windows_point_at_their_start():
    y, idx = F.max_pool2d(t([[[1.0, NAN, 3, NAN], [3, 1, 2, 3]]]), 2, return_indices=True)
    assert np.isnan(y.numpy()).all() and idx.numpy().tolist() == [[[1, 3]]]
    y, idx = F.max_pool2d(nnx.full((1, 1, 2, 4), -math.inf), 2, return_indices=True)
    assert idx.numpy().tolist() == [[[[0, 2]]]]


def test_ceil_mode_last_window_must_start_inside_input_or_left_padding():
    x = nnx.arange(25.0).reshape(1, 5, 5)
    y, idx = F.max_pool2d(x, 2, ceil_mode=True, return_indices=True)
    assert values_of(y) == [[[6.0, 8.0, 9.0], [16.0, 18.0, 19.0], [21.0, 23.0, 24.0]]]
    assert idx.numpy().tolist() == [[[6, 8, 9], [16, 18, 19], [21, 23, 24]]]
    # with padding 1 a 4th window would start in the right padding: torch drops it
    y, idx = F.max_pool2d(x, 2, 2, 1, ceil_mode=True, return_indices=True)
    assert values_of(y) == [[[0.0, 2.0, 4.0], [10.0, 12.0, 14.0], [20.0, 22.0, 24.0]]]


def test_max_pool1d_dilation_and_ceil_indices():
    x = t([[[5.0, 1, 7, 3, 9, 2, 8, 4]]])
    y, idx = F.max_pool1d(x, 3, 1, 1, 2, return_indices=True)
    assert values_of(y) == [[[3.0, 9.0, 3.0, 9.0, 4.0, 9.0]]]
    assert idx.numpy().tolist() == [[[3, 4, 3, 4, 7, 4]]]
    y, idx = F.max_pool1d(t([[[5.0, 1, 7, 3, 9, 2, 8]]]), 2, 3, ceil_mode=True,
                          return_indices=True)
    assert values_of(y) == [[[5.0, 9.0, 8.0]]] and idx.numpy().tolist() == [[[0, 4, 6]]]


def test_indices_are_int64_and_match_the_values():
    x = nnx.randn(2, 3, 7, 6)
    y, idx = F.max_pool2d(x, 3, 2, 1, return_indices=True)
    assert idx.dtype == nnx.int64
    flat = x.numpy().reshape(2, 3, -1)
    gathered = np.take_along_axis(flat, idx.numpy().reshape(2, 3, -1), axis=2)
    assert np.array_equal(gathered.reshape(y.shape), y.numpy())


# -- average pooling ------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "expected"), [
    ((2, 2, 1, True), [[[0.0, 0.75, 1.75], [3.75, 9.0, 11.0], [8.75, 19.0, 21.0]]]),
    ((2, 2, 1, True, False), [[[0.0, 1.5, 3.5], [7.5, 9.0, 11.0], [17.5, 19.0, 21.0]]]),
    ((2, None, 0, True), [[[3.0, 5.0, 6.5], [13.0, 15.0, 16.5], [20.5, 22.5, 24.0]]]),
    ((3, 2, 0, True, False), [[[6.0, 8.0], [16.0, 18.0]]]),
    ((3, 2, 0, True, True), [[[6.0, 8.0], [16.0, 18.0]]]),
])
def test_avg_pool2d_ceil_mode_divisors(args, expected):
    assert values_of(F.avg_pool2d(nnx.arange(25.0).reshape(1, 5, 5), *args)) == expected


def test_integer_inputs_pool_as_torch_does():
    assert F.max_pool2d(nnx.ones(1, 1, 2, 4, dtype=nnx.int64) * 5, 2).numpy().tolist() == \
        [[[[5, 5]]]]
    avg = F.avg_pool2d(t([[[1, 2, 3, 4], [5, 6, 7, 9]]]), 2)
    assert avg.dtype == nnx.int64 and avg.numpy().tolist() == [[[3, 5]]]
    # integer division truncates toward zero
    assert F.avg_pool2d(t([[[-1, -2, -3, -4], [-5, -6, -7, -9]]]), 2).numpy().tolist() == \
        [[[-3, -5]]]


# -- adaptive pooling -----------------------------------------------------------------------

def test_adaptive_windows():
    x = t([[[5.0, 1, 7, 3, 9, 2, 8]]])
    y, idx = F.adaptive_max_pool1d(x, 3, return_indices=True)
    assert values_of(y) == [[[7.0, 9.0, 9.0]]] and idx.numpy().tolist() == [[[2, 4, 4]]]
    np.testing.assert_allclose(F.adaptive_avg_pool1d(x, 3).numpy(),
                               [[[4.333333492279053, 6.333333492279053, 6.333333492279053]]],
                               rtol=1e-6)
    assert values_of(F.adaptive_avg_pool1d(t([[[5.0, 1, 7]]]), 5)) == [[[5.0, 3.0, 1.0, 4.0,
                                                                         7.0]]]


def test_adaptive_none_keeps_the_axis_and_global_pool_is_a_mean():
    x = nnx.randn(2, 3, 5, 4, requires_grad=True)
    assert F.adaptive_avg_pool2d(x, (None, 2)).shape == (2, 3, 5, 2)
    assert F.adaptive_max_pool2d(x, (3, None)).shape == (2, 3, 3, 4)
    g = F.adaptive_avg_pool2d(x, 1)
    assert type(g.grad_fn).__name__ == "MeanBackward1"
    np.testing.assert_allclose(g.detach().numpy()[..., 0, 0], x.detach().numpy().mean((2, 3)),
                               rtol=1e-6)


# -- unpooling ------------------------------------------------------------------------------

def test_unpool_puts_values_back_at_their_indices():
    x = nnx.arange(25.0).reshape(1, 1, 5, 5)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    out = F.max_unpool2d(y, idx, 2, output_size=(5, 5))
    assert values_of(out) == [[[[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 6.0, 0.0, 8.0, 0.0],
                                [0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 16.0, 0.0, 18.0, 0.0],
                                [0.0, 0.0, 0.0, 0.0, 0.0]]]]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_unpool_round_trip(n):
    pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[n - 1]
    unpool = (F.max_unpool1d, F.max_unpool2d, F.max_unpool3d)[n - 1]
    x = nnx.rand(2, 3, *([6] * n)) + 0.1     # positive: the zeros unpooling adds never win
    y, idx = pool(x, 2, return_indices=True)
    restored = unpool(y, idx, 2)
    assert restored.shape == x.shape
    y2, idx2 = pool(restored, 2, return_indices=True)
    assert np.array_equal(y2.numpy(), y.numpy()) and np.array_equal(idx2.numpy(), idx.numpy())
    kept = restored.numpy() != 0
    assert np.array_equal(restored.numpy()[kept], x.numpy()[kept])


def test_unpool_gradient_reads_back_at_the_indices():
    y = nnx.randn(1, 2, 2, 3, requires_grad=True)
    idx = nnx.tensor(np.array([[[[0, 3, 5], [12, 15, 22]], [[7, 2, 10], [13, 20, 23]]]]))
    out = F.max_unpool2d(y, idx, 2)
    w = nnx.randn(*out.shape)
    (out * w).sum().backward()
    expected = np.take_along_axis(w.numpy().reshape(1, 2, -1), idx.numpy().reshape(1, 2, -1),
                                  axis=2).reshape(y.shape)
    np.testing.assert_array_equal(y.grad.numpy(), expected)


# -- grad_fn names, as torch's -------------------------------------------------------------

@pytest.mark.parametrize(("fn", "shape", "name"), [
    (lambda x: F.max_pool2d(x, 2), (1, 2, 4, 4), "MaxPool2DWithIndicesBackward0"),
    (lambda x: F.max_pool1d(x, 2), (1, 2, 4), "SqueezeBackward1"),
    (lambda x: F.max_pool3d(x, 2), (1, 2, 4, 4, 4), "MaxPool3DWithIndicesBackward0"),
    (lambda x: F.avg_pool2d(x, 2), (1, 2, 4, 4), "AvgPool2DBackward0"),
    (lambda x: F.avg_pool1d(x, 2), (1, 2, 4), "SqueezeBackward1"),
    (lambda x: F.avg_pool3d(x, 2), (1, 2, 4, 4, 4), "AvgPool3DBackward0"),
    (lambda x: F.adaptive_avg_pool2d(x, 2), (1, 2, 4, 4), "AdaptiveAvgPool2DBackward0"),
    (lambda x: F.adaptive_avg_pool1d(x, 2), (1, 2, 4), "SqueezeBackward1"),
    (lambda x: F.adaptive_max_pool2d(x, 2), (1, 2, 4, 4), "AdaptiveMaxPool2DBackward0"),
    (lambda x: F.adaptive_max_pool3d(x, 2), (1, 2, 4, 4, 4), "AdaptiveMaxPool3DBackward0"),
    (lambda x: F.lp_pool2d(x, 2, 2), (1, 2, 4, 4), "PowBackward0"),
])
def test_grad_fn_names(fn, shape, name):
    out = fn(nnx.randn(*shape, requires_grad=True))
    assert type(out.grad_fn).__name__ == name


# -- gradcheck (float64) and double backward ------------------------------------------------

def _input(*shape):
    # well-separated values: no ties, so max pooling is differentiable at the point
    rng = np.random.default_rng(sum(shape))
    values = rng.permutation(int(np.prod(shape))).reshape(shape) / 7.0 + 0.5
    return nnx.tensor(values, requires_grad=True)


GRADCHECK = [
    ("max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1, 2, True), (2, 2, 9)),
    ("max_pool2d", lambda x: F.max_pool2d(x, (3, 2), (2, 1), 1, (1, 2), True), (2, 2, 6, 7)),
    ("max_pool3d", lambda x: F.max_pool3d(x, 2, 1, 1), (1, 2, 3, 4, 3)),
    ("avg_pool1d", lambda x: F.avg_pool1d(x, 3, 2, 1, True, False), (2, 2, 9)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, True, True, 4), (2, 2, 6, 7)),
    ("avg_pool3d", lambda x: F.avg_pool3d(x, 2, 2, 1, True, False), (1, 2, 3, 4, 3)),
    ("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 4), (2, 2, 9)),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (4, None)), (2, 2, 6, 7)),
    ("adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, (2, 3, 2)), (1, 2, 3, 4, 3)),
    ("adaptive_max_pool1d", lambda x: F.adaptive_max_pool1d(x, 4), (2, 2, 9)),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (4, 3)), (2, 2, 6, 7)),
    ("adaptive_max_pool3d", lambda x: F.adaptive_max_pool3d(x, 2), (1, 2, 3, 4, 3)),
    ("lp_pool1d", lambda x: F.lp_pool1d(x, 3, 2), (2, 2, 9)),
    ("lp_pool2d", lambda x: F.lp_pool2d(x, 2, (2, 3), 1), (2, 2, 6, 7)),
    ("lp_pool3d", lambda x: F.lp_pool3d(x, 2, 2), (1, 2, 4, 4, 4)),
]


@pytest.mark.parametrize(("name", "fn", "shape"), GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradcheck(name, fn, shape):
    assert gradcheck(fn, (_input(*shape),), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize(("name", "fn", "shape"), GRADCHECK[:12],
                         ids=[g[0] for g in GRADCHECK[:12]])
def test_gradgradcheck(name, fn, shape):
    assert gradgradcheck(fn, (_input(*shape),), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_unpool_gradcheck(n):
    unpool = (F.max_unpool1d, F.max_unpool2d, F.max_unpool3d)[n - 1]
    pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[n - 1]
    _, idx = pool(nnx.randn(1, 2, *([4] * n)), 2, return_indices=True)
    values = _input(1, 2, *([2] * n))
    assert gradcheck(lambda v: unpool(v, idx, 2), (values,), eps=1e-6, atol=1e-7)
    assert gradgradcheck(lambda v: unpool(v, idx, 2), (values,), eps=1e-6, atol=1e-7)


# -- empty batches and dtypes (shapes / messages from torch 2.13.0) ---------------------------

@pytest.mark.parametrize(("fn", "shape"), [
    (lambda x: F.max_pool2d(x, 2, return_indices=True)[1], (0, 2, 2, 3)),
    (lambda x: F.avg_pool2d(x, 2), (0, 2, 2, 3)),
    (lambda x: F.adaptive_avg_pool2d(x, 2), (0, 2, 2, 2)),
    (lambda x: F.adaptive_max_pool2d(x, 2), (0, 2, 2, 2)),
    (lambda x: F.max_pool1d(x[..., 0], 2), (0, 2, 2)),
    (lambda x: F.avg_pool1d(x[..., 0], 2), (0, 2, 2)),
])
def test_empty_batch(fn, shape):
    assert fn(nnx.zeros(0, 2, 5, 7)).shape == shape


def test_empty_batch_unpool():
    out = F.max_unpool2d(nnx.zeros(0, 2, 2, 3), nnx.zeros(0, 2, 2, 3, dtype=nnx.int64), 2)
    assert out.shape == (0, 2, 4, 6)


@pytest.mark.parametrize(("fn", "message"), [
    (lambda: F.max_pool2d(nnx.ones(1, 2, 4, 4, dtype=nnx.bool), 2),
     "\"max_pool2d\" not implemented for 'Bool'"),
    (lambda: F.avg_pool2d(nnx.ones(1, 2, 4, 4, dtype=nnx.bool), 2),
     "\"avg_pool2d\" not implemented for 'Bool'"),
    (lambda: F.max_pool1d(nnx.ones(1, 2, 4, dtype=nnx.int64), 2),
     "\"max_pool1d_impl\" not implemented for 'Long'"),
    (lambda: F.adaptive_max_pool1d(nnx.ones(1, 2, 4, dtype=nnx.int64), 2),
     "\"adaptive_max_pool2d\" not implemented for 'Long'"),
    (lambda: F.max_unpool2d(nnx.ones(1, 1, 1, 1, dtype=nnx.int64),
                            nnx.zeros(1, 1, 1, 1, dtype=nnx.int64), 2),
     "\"max_unpool2d\" not implemented for 'Long'"),
])
def test_unsupported_dtypes(fn, message):
    with pytest.raises(NotImplementedError) as info:
        fn()
    assert str(info.value) == message


def test_integer_pooling_keeps_the_dtype():
    y, idx = F.max_pool2d(nnx.ones(1, 2, 4, 4, dtype=nnx.int32), 2, return_indices=True)
    assert y.dtype == nnx.int32 and idx.dtype == nnx.int64
    assert F.avg_pool3d(nnx.ones(1, 2, 4, 4, 4, dtype=nnx.int64), 2).dtype == nnx.int64
    assert F.max_pool2d(nnx.ones(1, 1, 2, 2, dtype=nnx.float16), 2).dtype == nnx.float16
