"""Vision functions beyond the layer table: interpolate's size / scale rules and values per
mode, the deprecated upsample aliases, pixel (un)shuffle, grad_fn names, float64 gradcheck
and double backward.

Expected values were produced by torch 2.13.0 (torch.nn.functional) on the same inputs
and are pasted here.
"""

import warnings

import numpy as np
import pytest

import nnx
import nnx.nn.functional as F
from nnx.autograd import gradcheck, gradgradcheck

LINE = [[[0.0, 1, 2, 3, 4]]]
SQUARE = [[[[1.0, 2], [3, 4]]]]


def values(x):
    return x.detach().numpy().tolist()


# -- nearest: scale_factor vs size vs recompute_scale_factor --------------------------------

@pytest.mark.parametrize(("kwargs", "expected"), [
    # floor(5 * 1.7) = 8 outputs; the source index uses 1/1.7 ...
    ({"scale_factor": 1.7}, [0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0]),
    # ... unless recomputed (or given as a size): 5/8
    ({"scale_factor": 1.7, "recompute_scale_factor": True},
     [0.0, 0.0, 1.0, 1.0, 2.0, 3.0, 3.0, 4.0]),
    ({"size": 8}, [0.0, 0.0, 1.0, 1.0, 2.0, 3.0, 3.0, 4.0]),
    ({"scale_factor": 1.7, "mode": "nearest-exact"}, [0.0, 0.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0]),
    ({"scale_factor": 0.5}, [0.0, 2.0]),
    ({"scale_factor": 0.5, "mode": "nearest-exact"}, [1.0, 3.0]),
    ({"size": 5, "mode": "area"}, [0.0, 1.0, 2.0, 3.0, 4.0]),
])
def test_nearest_sizes_and_indices(kwargs, expected):
    assert values(F.interpolate(nnx.tensor(LINE), **kwargs)) == [[expected]]


# -- linear family (values in float32, as torch computes them) ------------------------------

@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"scale_factor": 1.7, "mode": "linear"},
     [0.0, 0.3823529779911041, 0.9705883264541626, 1.558823585510254, 2.1470589637756348,
      2.7352943420410156, 3.3235294818878174, 3.9117648601531982]),
    ({"scale_factor": 1.7, "mode": "linear", "recompute_scale_factor": True},
     [0.0, 0.4375, 1.0625, 1.6875, 2.3125, 2.9375, 3.5625, 4.0]),
    ({"size": 8, "mode": "linear", "align_corners": True},
     [0.0, 0.5714285969734192, 1.1428571939468384, 1.7142858505249023, 2.2857143878936768,
      2.857142925262451, 3.4285717010498047, 4.0]),
    # floor(5 * 1.1) = 5 = the input size: torch copies
    ({"scale_factor": 1.1, "mode": "linear"}, [0.0, 1.0, 2.0, 3.0, 4.0]),
    ({"size": 1, "mode": "linear", "align_corners": True}, [0.0]),
])
def test_linear_values(kwargs, expected):
    out = F.interpolate(nnx.tensor(LINE), **kwargs)
    np.testing.assert_allclose(out.numpy()[0, 0], expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("mode", "align_corners", "expected"), [
    ("bilinear", False, [[1.0, 1.25, 1.75, 2.0], [1.5, 1.75, 2.25, 2.5],
                         [2.5, 2.75, 3.25, 3.5], [3.0, 3.25, 3.75, 4.0]]),
    ("bilinear", True, [[1.0, 1.3333332538604736, 1.6666667461395264, 2.0],
                        [1.6666666269302368, 2.0, 2.3333334922790527, 2.6666665077209473],
                        [2.3333334922790527, 2.6666665077209473, 3.0, 3.3333334922790527],
                        [3.0, 3.3333332538604736, 3.6666667461395264, 4.0]]),
    ("bicubic", False, [[0.68359375, 1.015625, 1.5625, 1.89453125],
                        [1.34765625, 1.6796875, 2.2265625, 2.55859375],
                        [2.44140625, 2.7734375, 3.3203125, 3.65234375],
                        [3.10546875, 3.4375, 3.984375, 4.31640625]]),
])
def test_2d_modes(mode, align_corners, expected):
    out = F.interpolate(nnx.tensor(SQUARE), scale_factor=2, mode=mode,
                        align_corners=align_corners)
    np.testing.assert_allclose(out.numpy()[0, 0], expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("mode", "antialias", "expected"), [
    ("bilinear", True, [0.14800001680850983, 1.0627119541168213, 3.114285469055176,
                        6.33898401260376, 10.224000930786133]),
    ("bicubic", True, [0.07183414697647095, 0.9513313174247742, 3.0267724990844727,
                       6.334156036376953, 10.524746894836426]),
    ("bilinear", False, [0.07000000774860382, 0.9700000882148743, 3.049999952316284,
                         6.250000953674316, 10.630001068115234]),
])
def test_antialias_low_passes_when_downsampling(mode, antialias, expected):
    x = nnx.arange(12.0).reshape(1, 1, 1, 12) ** 2 / 10
    out = F.interpolate(x, size=(1, 5), mode=mode, antialias=antialias)
    np.testing.assert_allclose(out.numpy().reshape(-1), expected, rtol=1e-6, atol=1e-6)


def test_lanczos_is_refused_clearly():
    x = nnx.randn(1, 1, 4, 4)
    with pytest.raises(ValueError, match="^Lanczos mode requires antialias=True$"):
        F.interpolate(x, size=2, mode="lanczos")
    with pytest.raises(NotImplementedError, match="lanczos"):
        F.interpolate(x, size=2, mode="lanczos", antialias=True)


def test_area_is_adaptive_average_pooling():
    out = F.interpolate(nnx.arange(6.0).reshape(1, 1, 6), size=4, mode="area")
    assert values(out) == [[[0.5, 1.5, 3.5, 4.5]]]


@pytest.mark.parametrize(("shape", "kwargs", "out_shape"), [
    ((1, 2, 5, 7), {"scale_factor": 1.5}, (1, 2, 7, 10)),
    ((1, 2, 5, 7), {"scale_factor": (0.5, 2.5)}, (1, 2, 2, 17)),
    ((1, 2, 5, 7), {"size": (3, 9), "mode": "bilinear"}, (1, 2, 3, 9)),
    ((1, 2, 5, 7), {"size": 4, "mode": "bicubic"}, (1, 2, 4, 4)),
    ((1, 2, 3, 4, 5), {"scale_factor": 2, "mode": "trilinear"}, (1, 2, 6, 8, 10)),
    ((0, 2, 3, 4), {"size": 2}, (0, 2, 2, 2)),
])
def test_output_shapes(shape, kwargs, out_shape):
    assert F.interpolate(nnx.randn(*shape), **kwargs).shape == out_shape


def test_gradients_of_linear_and_nearest():
    x = nnx.arange(8.0).reshape(1, 1, 8).requires_grad_()
    F.interpolate(x, scale_factor=0.6, mode="linear").sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[0, 0],
                               [0.6666666865348816, 0.3333333134651184, 1.0, 0.33333349227905273,
                                0.6666665077209473, 0.6666669845581055, 0.33333301544189453, 0.0],
                               rtol=1e-5, atol=1e-6)
    x.grad = None
    F.interpolate(x, size=3, mode="nearest").sum().backward()
    assert x.grad.numpy().tolist() == [[[1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]]]


# -- deprecated aliases ---------------------------------------------------------------------

@pytest.mark.parametrize(("fn", "message", "same_as"), [
    (F.upsample, "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                 "instead.", {}),
    (F.upsample_nearest, "`nn.functional.upsample_nearest` is deprecated. Use "
                         "`nn.functional.interpolate` instead.", {}),
    (F.upsample_bilinear, "`nn.functional.upsample_bilinear` is deprecated. Use "
                          "`nn.functional.interpolate` instead.",
     {"mode": "bilinear", "align_corners": True}),
])
def test_deprecated_upsample_aliases_warn(fn, message, same_as):
    x = nnx.randn(1, 2, 3, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(x, scale_factor=2)
    assert [str(w.message) for w in caught] == [message]
    assert caught[0].category is UserWarning
    np.testing.assert_array_equal(out.numpy(),
                                  F.interpolate(x, scale_factor=2, **same_as).numpy())


# -- pixel shuffle --------------------------------------------------------------------------

def test_pixel_shuffle_layout_and_inverse():
    x = nnx.arange(16.0).reshape(1, 4, 2, 2)
    out = F.pixel_shuffle(x, 2)
    # channel k = 2 i + j of each group goes to offset (i, j) of each 2 x 2 block
    assert values(out) == [[[[0.0, 4.0, 1.0, 5.0], [8.0, 12.0, 9.0, 13.0],
                             [2.0, 6.0, 3.0, 7.0], [10.0, 14.0, 11.0, 15.0]]]]
    np.testing.assert_array_equal(F.pixel_unshuffle(out, 2).numpy(), x.numpy())
    ints = nnx.ones(1, 4, 6, dtype=nnx.int64)
    assert F.pixel_unshuffle(ints, 2).dtype == nnx.int64


# -- grad_fn names, gradcheck, double backward ----------------------------------------------

VISION = [
    ("nearest1d", lambda x: F.interpolate(x, scale_factor=1.7), (1, 2, 5),
     "UpsampleNearest1DBackward0"),
    ("nearest2d", lambda x: F.interpolate(x, size=(3, 7)), (1, 2, 4, 5),
     "UpsampleNearest2DBackward0"),
    ("nearest3d", lambda x: F.interpolate(x, scale_factor=(1, 2, 0.7)), (1, 1, 2, 3, 4),
     "UpsampleNearest3DBackward0"),
    ("nearest_exact2d", lambda x: F.interpolate(x, scale_factor=1.6, mode="nearest-exact"),
     (1, 2, 4, 5), "UpsampleNearestExact2DBackward0"),
    ("linear", lambda x: F.interpolate(x, scale_factor=2.5, mode="linear"), (1, 2, 5),
     "UpsampleLinear1DBackward0"),
    ("bilinear", lambda x: F.interpolate(x, size=(3, 7), mode="bilinear"), (1, 2, 4, 5),
     "UpsampleBilinear2DBackward0"),
    ("bilinear_ac", lambda x: F.interpolate(x, size=(6, 3), mode="bilinear",
                                            align_corners=True), (1, 2, 4, 5),
     "UpsampleBilinear2DBackward0"),
    ("bicubic", lambda x: F.interpolate(x, scale_factor=1.5, mode="bicubic"), (1, 2, 4, 5),
     "UpsampleBicubic2DBackward0"),
    ("bilinear_aa", lambda x: F.interpolate(x, size=(2, 3), mode="bilinear", antialias=True),
     (1, 2, 5, 7), "UpsampleBilinear2DAaBackward0"),
    ("bicubic_aa", lambda x: F.interpolate(x, scale_factor=(0.4, 1.5), mode="bicubic",
                                           antialias=True), (1, 2, 5, 7),
     "UpsampleBicubic2DAaBackward0"),
    ("trilinear", lambda x: F.interpolate(x, scale_factor=1.5, mode="trilinear"),
     (1, 1, 2, 3, 3), "UpsampleTrilinear3DBackward0"),
    ("area", lambda x: F.interpolate(x, size=(3, 2), mode="area"), (1, 2, 4, 5),
     "AdaptiveAvgPool2DBackward0"),
    ("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), (1, 8, 2, 3), "PixelShuffleBackward0"),
    ("pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2), (1, 2, 4, 6),
     "PixelUnshuffleBackward0"),
]
IDS = [v[0] for v in VISION]


@pytest.mark.parametrize(("name", "fn", "shape", "node"), VISION, ids=IDS)
def test_grad_fn_name(name, fn, shape, node):
    assert type(fn(nnx.randn(*shape, requires_grad=True)).grad_fn).__name__ == node


@pytest.mark.parametrize(("name", "fn", "shape", "node"), VISION, ids=IDS)
def test_gradcheck_and_gradgradcheck(name, fn, shape, node):
    x = nnx.randn(*shape, dtype=nnx.float64, requires_grad=True)
    assert gradcheck(fn, (x,), eps=1e-6, atol=1e-7)
    assert gradgradcheck(fn, (x,), eps=1e-6, atol=1e-7)
