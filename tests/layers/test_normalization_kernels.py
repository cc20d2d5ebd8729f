"""The Cython normalization kernels (nnx/_kernels/norm.pyx) against a float64 NumPy
reference: batch, instance, group and layer norm, forward and the gradients of input,
weight and bias, on inputs that stress them (a mean far from zero, which a one-pass
variance or an x * a + b gradient would lose to cancellation; non-contiguous and float16
inputs; rows and planes whose lengths are not multiples of the kernels' lanes)."""

import numpy as np
import pytest

import nnx
import nnx.nn.functional as F


def _reference(x, g, w, b, reduce_axes, param_shape, eps):
    """(y, dx, dw, db) in float64: y = (x - mean) / sqrt(var + eps) * w + b over
    ``reduce_axes``; the gradients of sum(y * g)."""
    x, g = x.astype(np.float64), g.astype(np.float64)
    mean = x.mean(axis=reduce_axes, keepdims=True)
    rstd = 1.0 / np.sqrt(x.var(axis=reduce_axes, keepdims=True) + eps)
    x_hat = (x - mean) * rstd
    wv = np.ones(param_shape) if w is None else w.astype(np.float64).reshape(param_shape)
    bv = np.zeros(param_shape) if b is None else b.astype(np.float64).reshape(param_shape)
    y = x_hat * wv + bv
    g_hat = g * wv
    dx = rstd * (g_hat - g_hat.mean(axis=reduce_axes, keepdims=True)
                 - x_hat * (g_hat * x_hat).mean(axis=reduce_axes, keepdims=True))
    param_axes = tuple(i for i, s in enumerate(param_shape) if s == 1)
    dw = (g * x_hat).sum(axis=param_axes)
    db = g.sum(axis=param_axes)
    return y, dx, dw, db


def _run(fn, x_arr, g_arr, w_arr, b_arr):
    x = nnx.tensor(x_arr, requires_grad=True)
    w = None if w_arr is None else nnx.tensor(w_arr, requires_grad=True)
    b = None if b_arr is None else nnx.tensor(b_arr, requires_grad=True)
    y = fn(x, w, b)
    (y * nnx.tensor(g_arr)).sum().backward()
    return y, x.grad, None if w is None else w.grad, None if b is None else b.grad


def _inputs(shape, channels, offset, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 2.0 + offset).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    w = (rng.standard_normal(channels) + 1.0).astype(dtype)
    b = rng.standard_normal(channels).astype(dtype)
    return x, g, w, b


def _check(actual, expected, rtol, atol):
    np.testing.assert_allclose(actual.detach().numpy().astype(np.float64), expected, rtol=rtol,
                               atol=atol)


CASES = {
    # name: (fn(x, w, b), input shape, parameter shape, reduce axes, broadcast shape)
    "batch_norm": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                   (5, 3, 7, 9), (3,), (0, 2, 3), (1, 3, 1, 1)),
    "batch_norm_2d_input": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                            (37, 6), (6,), (0,), (1, 6)),
    "instance_norm": (lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
                      (3, 4, 5, 13), (4,), (2, 3), (1, 4, 1, 1)),
    "group_norm": (lambda x, w, b: F.group_norm(x, 3, w, b), (4, 6, 11, 3), (6,), None,
                   (1, 6, 1, 1)),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (37,), w, b), (4, 5, 37), (37,), (2,),
                   (1, 1, 37)),
    "layer_norm_2d_shape": (lambda x, w, b: F.layer_norm(x, (6, 11), w, b), (7, 6, 11),
                            (6, 11), (1, 2), (1, 6, 11)),
}


def _case_reference(name, x, g, w, b):
    _, shape, _, axes, param_shape = CASES[name]
    if axes is None:      # group_norm: 3 groups of the channels, over each sample
        n = x.shape[0]
        xv = x.astype(np.float64).reshape(n, 3, -1)
        mean = xv.mean(axis=2, keepdims=True)
        rstd = 1.0 / np.sqrt(xv.var(axis=2, keepdims=True) + 1e-5)
        x_hat = ((xv - mean) * rstd).reshape(x.shape)
        wv, bv = w.astype(np.float64).reshape(param_shape), b.astype(np.float64).reshape(
            param_shape)
        g_hat = (g * wv).reshape(n, 3, -1)
        xh = x_hat.reshape(n, 3, -1)
        dx = rstd * (g_hat - g_hat.mean(axis=2, keepdims=True)
                     - xh * (g_hat * xh).mean(axis=2, keepdims=True))
        g64 = g.astype(np.float64)
        return (x_hat * wv + bv, dx.reshape(x.shape), (g64 * x_hat).sum(axis=(0, 2, 3)),
                g64.sum(axis=(0, 2, 3)))
    return _reference(x, g, w, b, axes, param_shape, 1e-5)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype,offset,rtol,atol", [
    (np.float64, 0.0, 1e-10, 1e-10),
    (np.float32, 0.0, 2e-5, 2e-5),
    (np.float32, 1000.0, 2e-3, 2e-3),     # float32 x - mean loses ~1e-4 at an offset 1e3
])
def test_matches_float64_reference(name, dtype, offset, rtol, atol):
    fn, shape, channels = CASES[name][:3]
    x, g, w, b = _inputs(shape, channels, offset, dtype)
    y, dx, dw, db = _run(fn, x, g, w, b)
    ry, rdx, rdw, rdb = _case_reference(name, x, g, w, b)
    _check(y, ry, rtol, atol)
    _check(dx, rdx, rtol, atol * 10)
    _check(dw, rdw, rtol, atol * 100)
    _check(db, rdb, rtol, atol * 100)


@pytest.mark.parametrize("name", sorted(CASES))
def test_without_affine_and_non_contiguous_input(name):
    fn, shape = CASES[name][:2]
    x, g, _, _ = _inputs(shape, (1,), 3.0, np.float64, seed=1)
    # the same values, held in a transposed buffer
    x_strided = np.ascontiguousarray(x.swapaxes(0, -1)).swapaxes(0, -1)
    assert not x_strided.flags.c_contiguous
    y, dx, _, _ = _run(fn, x_strided, g, None, None)
    y_ref, dx_ref, _, _ = _run(fn, x, g, None, None)
    np.testing.assert_allclose(y.detach().numpy(), y_ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx.numpy(), dx_ref.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["batch_norm", "group_norm", "layer_norm"])
def test_float16_computes_in_float32(name):
    fn, shape, channels = CASES[name][:3]
    x, g, w, b = _inputs(shape, channels, 0.5, np.float16)
    y, dx, dw, db = _run(fn, x, g, w, b)
    assert y.dtype == nnx.float16 and dx.dtype == nnx.float16 and dw.dtype == nnx.float16
    ry, rdx, _, rdb = _case_reference(name, x, g, w, b)
    _check(y, ry, 5e-3, 5e-3)
    _check(dx, rdx, 1e-2, 2e-2)
    _check(db, rdb, 5e-3, 5e-2)


def test_constant_statistics_scale_the_gradient():
    """batch_norm in eval mode and instance_norm without input statistics: the running
    statistics are constants, dx = g * w / sqrt(running_var + eps)."""
    x, g, w, b = _inputs((4, 3, 5, 6), (3,), 1.0, np.float32)
    mean = nnx.tensor(np.array([0.5, -1.0, 2.0], np.float32))
    var = nnx.tensor(np.array([1.5, 0.25, 4.0], np.float32))
    scale = (w / np.sqrt(var.numpy() + 1e-5)).reshape(1, 3, 1, 1)
    shift = (b - mean.numpy().reshape(3) * scale.reshape(3)).reshape(1, 3, 1, 1)
    for fn in (lambda x_, w_, b_: F.batch_norm(x_, mean, var, w_, b_, training=False),
               lambda x_, w_, b_: F.instance_norm(x_, mean, var, w_, b_,
                                                  use_input_stats=False)):
        y, dx, _, db = _run(fn, x, g, w, b)
        np.testing.assert_allclose(y.detach().numpy(), x * scale + shift, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(dx.numpy(), g * scale, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(db.numpy(), g.sum(axis=(0, 2, 3)), rtol=1e-5, atol=1e-5)
