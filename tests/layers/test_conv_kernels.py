"""Convolution, padding and fold beyond the golden tables: float64 gradcheck of the
functional ops, the im2col / col2im kernels against a NumPy reference (stride larger than
the kernel, padding larger than the input, 1x1 kernels, non-contiguous input, empty
batches), dtypes and graph bookkeeping."""

import warnings

import numpy as np
import pytest

import nnx
from nnx._kernels import im2col as kernels
from nnx.autograd import gradcheck
from nnx.nn import functional as F


def _t(shape, seed, grad=True, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return nnx.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=grad)


def _check(fn, *tensors):
    assert gradcheck(fn, tensors, eps=1e-6, atol=1e-6, rtol=1e-4)


# -- float64 gradcheck of the functional ops -------------------------------------------------

CONV_GRADCHECK = [
    ("conv1d", (2, 4, 7), (4, 2, 3), dict(stride=2, padding=1, dilation=2, groups=2)),
    ("conv1d", (1, 2, 6), (3, 2, 4), dict(padding="same")),
    ("conv2d", (1, 2, 5, 4), (3, 2, 2, 3), dict(stride=(2, 1), padding=(0, 1))),
    ("conv2d", (2, 5, 4), (3, 2, 1, 1), {}),                       # unbatched 1x1
    ("conv2d", (1, 4, 4, 4), (4, 1, 3, 3), dict(groups=4, padding=2, dilation=2)),
    ("conv3d", (1, 2, 3, 3, 4), (2, 1, 2, 2, 2), dict(groups=2, padding=1, stride=2)),
    ("conv_transpose1d", (2, 2, 4), (2, 3, 3), dict(stride=2, output_padding=1)),
    ("conv_transpose2d", (1, 4, 3, 2), (4, 1, 2, 3), dict(groups=2, padding=1, dilation=2)),
    ("conv_transpose2d", (2, 3, 3), (2, 2, 2, 2), dict(stride=3)),  # unbatched, stride > k
    ("conv_transpose3d", (1, 2, 2, 2, 2), (2, 2, 2, 1, 2), dict(stride=(2, 1, 1))),
]


@pytest.mark.parametrize("fn, x_shape, w_shape, kwargs", CONV_GRADCHECK,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONV_GRADCHECK)])
def test_conv_gradcheck(fn, x_shape, w_shape, kwargs):
    transposed = "transpose" in fn
    out_channels = w_shape[1] * kwargs.get("groups", 1) if transposed else w_shape[0]
    x, w, b = _t(x_shape, 1), _t(w_shape, 2), _t((out_channels,), 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _check(lambda x, w, b: getattr(F, fn)(x, w, b, **kwargs), x, w, b)


@pytest.mark.parametrize("mode, shape, pad", [
    ("constant", (2, 3, 4), (1, -1, 2, 0)),
    ("constant", (1, 2), (3, 4)),                 # padding larger than the input
    ("reflect", (1, 2, 5), (-1, 3)),
    ("reflect", (2, 3, 4), (2, 1, 1, 2)),
    ("replicate", (1, 1, 2, 3, 3), (2, 1, 0, 3, 1, 1)),
    ("circular", (1, 2, 4), (3, -1)),
    ("circular", (2, 3, 3), (1, 2, 3, 0)),
])
def test_pad_gradcheck(mode, shape, pad):
    _check(lambda x: F.pad(x, pad, mode=mode), _t(shape, 4))


def test_fold_unfold_gradcheck():
    _check(lambda x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
           _t((1, 2, 4, 5), 5))
    _check(lambda x: F.fold(x, (4, 5), 2, padding=1, stride=2), _t((2, 8, 9), 6))
    _check(lambda x: F.unfold(x, 2), _t((2, 3, 3), 7))             # unbatched


# -- kernels against a NumPy reference -------------------------------------------------------

def _reference_conv2d(x, w, stride, padding, dilation, groups):
    """Direct definition: y[n, o, i, j] = sum over c, p, q of x_padded * w."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    oh = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((n, o, oh, ow))
    og = o // groups
    for oc in range(o):
        g = oc // og
        for i in range(oh):
            for j in range(ow):
                rows = slice(i * stride[0], i * stride[0] + dilation[0] * (kh - 1) + 1,
                             dilation[0])
                cols = slice(j * stride[1], j * stride[1] + dilation[1] * (kw - 1) + 1,
                             dilation[1])
                patch = xp[:, g * cg:(g + 1) * cg, rows, cols]
                y[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    return y


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation, groups", [
    ((2, 2, 7, 9), (3, 2, 2, 2), (3, 4), (0, 0), (1, 1), 1),     # stride > kernel
    ((1, 1, 2, 3), (2, 1, 3, 3), (1, 2), (4, 3), (1, 1), 1),     # padding > input
    ((2, 4, 3, 3), (6, 2, 1, 1), (1, 1), (0, 0), (1, 1), 2),     # 1x1, groups
    ((1, 3, 6, 6), (3, 1, 2, 3), (2, 1), (1, 2), (2, 1), 3),     # depthwise, dilated
])
def test_conv2d_matches_direct_definition(x_shape, w_shape, stride, padding, dilation,
                                          groups):
    x, w = _t(x_shape, 8, grad=False), _t(w_shape, 9, grad=False)
    y = F.conv2d(x, w, None, stride, padding, dilation, groups)
    expected = _reference_conv2d(x.numpy(), w.numpy(), stride, padding, dilation, groups)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_non_contiguous_input_and_weight():
    base = _t((2, 5, 6, 3), 10, grad=False)
    x = base.permute(0, 3, 1, 2)                  # (2, 3, 5, 6), not contiguous
    w = _t((3, 4, 2, 2), 11, grad=False).transpose(0, 1)
    y = F.conv2d(x, w, padding=1)
    expected = _reference_conv2d(x.numpy(), w.numpy(), (1, 1), (1, 1), (1, 1), 1)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12, atol=1e-12)
    xg = x.detach().requires_grad_()
    F.conv2d(xg, w, padding=1).sum().backward()
    assert xg.grad.shape == x.shape


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_col2im_is_the_adjoint_of_im2col(dtype):
    rng = np.random.default_rng(12)
    geometry = ((2, 2, 3), (1, 2, 3), (1, 0, 2), (2, 1, 1))   # kernel, stride, pad, dilation
    x = rng.standard_normal((2, 3, 4, 5, 6)).astype(dtype)
    out = (4, 2, 2)
    cols = np.empty((2, 3 * 12, 16), dtype)
    kernels.im2col(x, cols, *geometry, out)
    c = rng.standard_normal(cols.shape).astype(dtype)
    back = np.zeros_like(x)
    kernels.col2im(c, back, *geometry, out)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose((cols * c).sum(), (x * back).sum(), rtol=tol)


def test_kernel_refuses_mismatched_columns():
    with pytest.raises(ValueError, match="do not match"):
        kernels.im2col(np.zeros((1, 1, 1, 3, 3)), np.zeros((1, 4, 5)), (1, 2, 2), (1, 1, 1),
                       (0, 0, 0), (1, 1, 1), (1, 2, 2))


# -- dtypes, empty batches, graph ------------------------------------------------------------

def test_integer_and_half_inputs_keep_their_dtype():
    x = nnx.ones(1, 2, 4, 4, dtype=nnx.int64)
    y = F.conv2d(x, nnx.ones(3, 2, 3, 3, dtype=nnx.int64), stride=1)
    assert y.dtype == nnx.int64 and y.tolist()[0][0][0] == [18, 18]
    h = F.conv1d(nnx.ones(1, 2, 5, dtype=nnx.float16), nnx.ones(1, 2, 2, dtype=nnx.float16))
    assert h.dtype == nnx.float16 and h.tolist() == [[[4.0] * 4]]


def test_empty_batch():
    x = _t((0, 3, 5, 5), 13)
    w = _t((4, 3, 3, 3), 14)
    y = F.conv2d(x, w)
    assert tuple(y.shape) == (0, 4, 3, 3)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3, 5, 5) and float(w.grad.abs().sum()) == 0.0
    assert tuple(F.conv_transpose2d(_t((0, 3, 2, 2), 15), _t((3, 4, 3, 3), 16)).shape) == \
        (0, 4, 4, 4)


def test_grad_fn_names():
    x, w = _t((1, 2, 5), 17), _t((3, 2, 3), 18)
    assert type(F.conv1d(x, w).grad_fn).__name__ == "ConvolutionBackward0"
    assert type(F.conv_transpose1d(x, _t((2, 3, 3), 19)).grad_fn).__name__ == \
        "ConvolutionBackward0"
    assert type(F.unfold(_t((1, 2, 3, 3), 20), 2).grad_fn).__name__ == "Im2ColBackward0"
    assert type(F.fold(_t((1, 4, 4), 21), 3, 2).grad_fn).__name__ == "Col2ImBackward0"
    names = {mode: type(F.pad(x, (1, 1), mode=mode).grad_fn).__name__
             for mode in ("constant", "reflect", "replicate", "circular")}
    assert names == {"constant": "ConstantPadNdBackward0", "reflect": "ReflectionPad1DBackward0",
                     "replicate": "ReplicationPad1DBackward0", "circular": "CopySlices"}
    assert F.conv1d(x.detach(), w.detach()).grad_fn is None


def test_same_padding_with_even_kernel_warns_like_torch():
    from nnx.nn.functional import _conv
    _conv._same_warned = False
    with pytest.warns(UserWarning, match="even kernel lengths and odd dilation"):
        F.conv1d(_t((1, 2, 6), 22), _t((2, 2, 4), 23), padding="same")
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # torch warns once per process
        F.conv1d(_t((1, 2, 6), 22), _t((2, 2, 4), 23), padding="same")


def test_unfold_output_does_not_alias_input():
    x = nnx.zeros(1, 2, 3, 3)
    cols = F.unfold(x, 1)
    cols.add_(1.0)
    assert float(x.sum()) == 0.0


# -- double backward --------------------------------------------------------------------------

def _first_grad(fn, x):
    """d/dx sum(fn(x) * v) as a differentiable Tensor (create_graph=True)."""
    with nnx.enable_grad():          # gradcheck evaluates numerically under no_grad
        y = fn(x)
        v = _t(tuple(y.shape), 31, grad=False)
        (g,) = nnx.autograd.grad((y * v).sum(), (x,), create_graph=True)
    return g


@pytest.mark.parametrize("fn", [
    lambda x: F.pad(x, (2, -1, 1, 0), mode="reflect") * x.sum(),
    lambda x: F.pad(x, (1, 1, 2, 0), mode="circular") * x.sum(),
    lambda x: F.pad(x, (1, 2), value=3.0) * x.sum(),
    lambda x: F.unfold(x, 2) * x.sum(),
], ids=["reflect", "circular", "constant", "unfold"])
def test_linear_maps_support_double_backward(fn):
    # gradcheck of the first gradient = a check of the second derivative
    x = _t((1, 2, 3, 4), 30)
    assert gradcheck(lambda x: _first_grad(fn, x), (x,), eps=1e-6,
                     atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("fn, x_shape, w_shape, kwargs", [
    ("conv1d", (2, 2, 5), (4, 1, 3), dict(stride=2, padding=1, groups=2)),
    ("conv2d", (1, 2, 4, 3), (2, 2, 2, 2), dict(padding="same", dilation=(1, 2))),
    ("conv_transpose1d", (1, 2, 3), (2, 3, 2), dict(stride=2, output_padding=1)),
    ("conv_transpose2d", (2, 3, 3), (2, 2, 2, 1), dict(padding=(1, 0))),     # unbatched
], ids=["conv1d", "conv2d_same", "conv_transpose1d", "conv_transpose2d_unbatched"])
def test_conv_double_backward(fn, x_shape, w_shape, kwargs):
    # second derivatives in every operand: gradcheck of (dx, dW) as functions of (x, W, b)
    transposed = "transpose" in fn
    out_channels = w_shape[1] * kwargs.get("groups", 1) if transposed else w_shape[0]
    x, w, b = _t(x_shape, 34), _t(w_shape, 35), _t((out_channels,), 36)

    def first_grads(x, w, b):
        with nnx.enable_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            y = getattr(F, fn)(x, w, b, **kwargs)
            v = _t(tuple(y.shape), 37, grad=False)
            loss = (y * v).sum() + (y * y).sum()          # non-linear in y: dW depends on W
            return nnx.autograd.grad(loss, (x, w, b), create_graph=True)

    assert gradcheck(first_grads, (x, w, b), eps=1e-6, atol=1e-6, rtol=1e-4)
