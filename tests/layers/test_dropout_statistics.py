"""Dropout's randomness: the fraction dropped is p, survivors are scaled by 1 / (1 - p),
channel dropout zeroes whole channels, alpha dropout keeps a standard normal's mean and
variance, eval mode is the identity, and nnx.manual_seed repeats the masks.  Tolerances
are several standard errors of the sample sizes used."""

import math

import numpy as np
import pytest

import nnx
from nnx import nn

F = nn.functional
SELU_SATURATION = 1.7580993408473766   # torch's alpha' = -SELU alpha * scale


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_fraction_and_scale(p, dtype):
    x = nnx.ones(200, 100, dtype=getattr(nnx, dtype))
    nnx.manual_seed(0)
    out = F.dropout(x, p).numpy()
    dropped = (out == 0).mean()
    assert abs(dropped - p) < 4 * math.sqrt(p * (1 - p) / out.size)
    scale = np.asarray(1, dtype) / np.asarray(1 - p, dtype)
    np.testing.assert_array_equal(np.unique(out), np.unique([0, scale]))


@pytest.mark.parametrize("fn, shape, channel_axes", [
    (F.dropout1d, (40, 50, 6), (0, 1)),
    (F.dropout1d, (300, 7), (0,)),                       # unbatched (C, L)
    (F.dropout2d, (40, 50, 3, 2), (0, 1)),
    (F.dropout3d, (40, 50, 2, 2, 2), (0, 1)),
    (F.dropout3d, (300, 2, 2, 2), (0,)),                 # unbatched (C, D, H, W)
])
def test_channel_dropout_zeroes_whole_channels(fn, shape, channel_axes):
    p = 0.3
    x = nnx.rand(*shape, dtype=nnx.float64) + 1.0        # never 0
    nnx.manual_seed(1)
    out = fn(x, p).numpy()
    spatial = tuple(range(len(channel_axes), len(shape)))
    zero = (out == 0)
    channel_zero = zero.all(axis=spatial)
    assert (zero.any(axis=spatial) == channel_zero).all()          # all or nothing
    kept = ~zero
    np.testing.assert_allclose(out[kept], x.numpy()[kept] / (1 - p), rtol=1e-15)
    n = channel_zero.size
    assert abs(channel_zero.mean() - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_channel_dropout_gradient_is_the_mask():
    x = nnx.randn(4, 5, 3, dtype=nnx.float64, requires_grad=True)
    nnx.manual_seed(2)
    out = F.dropout1d(x, 0.5)
    assert type(out.grad_fn).__name__ == "MulBackward0"
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (out / x).detach().numpy())
    unbatched = F.dropout1d(nnx.randn(5, 3, dtype=nnx.float64, requires_grad=True), 0.5)
    assert type(unbatched.grad_fn).__name__ == "SqueezeBackward1"


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_keeps_mean_and_variance(p):
    nnx.manual_seed(3)
    x = nnx.randn(400_000, dtype=nnx.float64)
    out = F.alpha_dropout(x, p, training=True).numpy()
    assert abs(out.mean()) < 0.01 and abs(out.std() - 1) < 0.01
    a = 1 / math.sqrt((SELU_SATURATION ** 2 * p + 1) * (1 - p))
    dropped_value = -a * SELU_SATURATION * (1 - p)
    dropped = np.isclose(out, dropped_value, rtol=0, atol=1e-12)
    assert abs(dropped.mean() - p) < 0.005
    kept = ~dropped
    np.testing.assert_allclose(out[kept], a * x.numpy()[kept] + a * SELU_SATURATION * p,
                               rtol=1e-12)


def test_feature_alpha_dropout_whole_channels():
    nnx.manual_seed(4)
    x = nnx.randn(200, 300, 4, dtype=nnx.float64)
    out = F.feature_alpha_dropout(x, 0.5, training=True).numpy()
    p = 0.5
    a = 1 / math.sqrt((SELU_SATURATION ** 2 * p + 1) * (1 - p))
    dropped = np.isclose(out, -a * SELU_SATURATION * (1 - p), rtol=0, atol=1e-12)
    assert (dropped.all(axis=2) == dropped.any(axis=2)).all()
    assert abs(dropped.all(axis=2).mean() - p) < 0.01
    assert abs(out.mean()) < 0.01 and abs(out.std() - 1) < 0.02


def test_alpha_dropout_gradient_is_the_scaled_mask():
    x = nnx.randn(50, dtype=nnx.float64, requires_grad=True)
    nnx.manual_seed(5)
    out = F.alpha_dropout(x, 0.3, True)
    assert type(out.grad_fn).__name__ == "AddBackward0"
    out.sum().backward()
    a = 1 / math.sqrt((SELU_SATURATION ** 2 * 0.3 + 1) * 0.7)
    assert set(np.round(x.grad.numpy(), 12)) <= {0.0, round(a, 12)}


@pytest.mark.parametrize("layer, shape", [
    (nn.Dropout(), (4, 3, 2)), (nn.Dropout1d(), (4, 3, 2)), (nn.Dropout2d(), (4, 3, 2, 2)),
    (nn.Dropout3d(), (4, 3, 2, 2, 2)), (nn.AlphaDropout(), (4, 3)),
    (nn.FeatureAlphaDropout(), (4, 3, 2))])
def test_eval_mode_is_identity_and_seed_repeats(layer, shape):
    x = nnx.randn(*shape)
    layer.eval()
    assert layer(x) is x
    layer.train()
    nnx.manual_seed(6)
    first = layer(x).numpy()
    nnx.manual_seed(6)
    np.testing.assert_array_equal(layer(x).numpy(), first)
    assert not np.array_equal(layer(x).numpy(), first)


def test_dropout_layers_use_their_p():
    x = nnx.ones(100_000)
    nnx.manual_seed(7)
    out = nn.Dropout(0.25)(x).numpy()
    assert abs((out == 0).mean() - 0.25) < 0.01


def test_inplace_dropout_writes_the_input():
    x = nnx.ones(50, 20, 3, 1)
    nnx.manual_seed(8)
    out = F.dropout2d(x, 0.5, inplace=True)
    assert out is x and set(np.unique(x.numpy())) <= {0.0, 2.0}
    unbatched = nnx.ones(40, 3)
    assert F.dropout1d(unbatched, 0.5, inplace=True) is unbatched
    assert set(np.unique(unbatched.numpy())) == {0.0, 2.0}
    y = nnx.ones(1000)
    assert F.alpha_dropout(y, 0.5, True, inplace=True) is y
    assert len(np.unique(y.numpy())) == 2


def test_rrelu_and_dropout_share_the_global_generator():
    nnx.manual_seed(9)
    a = F.dropout(nnx.ones(100)).numpy()
    nnx.manual_seed(9)
    b = F.dropout(nnx.ones(100)).numpy()
    np.testing.assert_array_equal(a, b)
