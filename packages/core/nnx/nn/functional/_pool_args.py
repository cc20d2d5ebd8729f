"""Argument checks and output sizes of pooling, with torch 2.13's rules and messages.

torch checks pooling arguments in aten (Pool.h: ``pooling_output_shape``,
``pool2d_shape_check``, ``pool3d_shape_check``); the functions here follow their order,
so the first error torch reports is the first one raised here.  Geometry is passed on
as 3-tuples (D, H, W): 1-d and 2-d pooling pad the leading axes with a neutral window
(kernel 1, stride 1, padding 0, dilation 1) so that one kernel serves every rank.
"""

import numpy as np

from nnx._C import _C
from nnx.nn.functional import _helpers as H

_COUNT_WORDS = {1: "one", 2: "two", 3: "three"}


def sizes_text(shape):
    """torch's IntArrayRef in messages: ``[2, 3, 5]``."""
    return "[" + ", ".join(str(s) for s in shape) + "]"


def as_int_tuple(value):
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return (int(value),)


def expand_arg(fname, argname, value, n, message=None):
    """A length-``n`` tuple from an int or a 1- or n-sequence (torch's _pair/_triple and
    the aten length check: ``message`` or the argument parser's "should contain")."""
    values = as_int_tuple(value)
    if len(values) == n:
        return values
    if len(values) == 1 and n > 1:
        return values * n
    if message is None:
        raise RuntimeError(f"{fname}() argument '{argname}' should contain "
                           f"{_COUNT_WORDS[n]} int (got {len(values)})")
    raise RuntimeError(message)


def omitted(stride):
    """True for a stride that means "the kernel size" (None or an empty sequence)."""
    return stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)


def window_args(fname, n, kernel_size, stride, padding, must=None, must_stride=None):
    """(kernel, stride, padding) as n-tuples, an omitted stride being the kernel.  A
    length error says "{fname}: kernel_size {must} a single int, or a tuple of two
    ints" (stride: ``must_stride``), aten's words, or with ``must`` None the argument
    parser's "should contain" (1-d pooling)."""
    def message(argname, words):
        if words is None:
            return None
        return f"{fname}: {argname} {words} a single int, or a tuple of {_COUNT_WORDS[n]} ints"

    kernel = expand_arg(fname, "kernel_size", kernel_size, n, message("kernel_size", must))
    if omitted(stride):
        stride = kernel
    else:
        stride = expand_arg(fname, "stride", stride, n,
                            message("stride", must_stride and must_stride + ","))
    padding = expand_arg(fname, "padding", padding, n, message("padding", must))
    return kernel, stride, padding


def check_input(fname, input):
    H.check_tensor(fname, "input", 1, input)
    return input._data


def dim_out_of_range(ndim, dim):
    low, high = (-ndim, ndim - 1) if ndim > 0 else (-1, 0)
    return IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], "
                      f"but got {dim})")


def _half(value):
    # C++ integer division truncates toward zero
    return int(value / 2)


def pooling_output_size(size, kernel, pad, stride, dilation, ceil_mode):
    """torch's pooling_output_shape, its checks included."""
    if stride == 0:
        raise RuntimeError("stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if pad > _half((kernel - 1) * dilation + 1):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                           f"pad={pad}, kernel_size={kernel} and dilation={dilation}")
    out = (size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)) \
        // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1   # the last window must start inside the input or its left padding
    return out


def output_sizes(x, n, kernel, stride, padding, dilation, ceil_mode):
    """``pooling_output_size`` over the last ``n`` axes of ``x``."""
    spatial = x.shape[x.ndim - n:]
    return tuple(pooling_output_size(s, k, p, st, d, ceil_mode)
                 for s, k, p, st, d in zip(spatial, kernel, padding, stride, dilation))


_AXIS_2D = ("H", "W")
_AXIS_3D = ("T", "H", "W")


def _pairs(label, values, axes):
    return " ".join(f"{label}{a}: {v}" for a, v in zip(axes, values))


def _check_positive(kernel, stride, dilation, axes):
    """The first checks of torch's pool2d/pool3d_shape_check, labelled by ``axes``."""
    if min(kernel) <= 0:
        raise RuntimeError("kernel size should be greater than zero, but got "
                           + _pairs("k", kernel, axes))
    if min(stride) <= 0:
        raise RuntimeError("stride should be greater than zero, but got "
                           + _pairs("d", stride, axes))
    if min(dilation) <= 0:
        raise RuntimeError("dilation should be greater than zero, but got "
                           + _pairs("dilation", dilation, axes))


def pool2d_shape_check(x, kernel, stride, padding, dilation, out_hw):
    """torch's pool2d_shape_check (kernel, stride, ... as (H, W) pairs)."""
    _check_positive(kernel, stride, dilation, _AXIS_2D)
    shape = x.shape
    valid = shape[1] != 0 and shape[2] != 0
    if not ((x.ndim == 3 and shape[0] != 0 and valid)
            or (x.ndim == 4 and valid and shape[3] != 0)):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{sizes_text(shape)}")
    (kh, kw), (ph, pw) = kernel, padding
    if kw // 2 < pw or kh // 2 < ph:
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {pw}, padH = {ph}, kW = {kw}, kH = {kh}")
    oh, ow = out_hw
    if oh < 1 or ow < 1:
        planes = shape[-3]
        raise RuntimeError(f"Given input size: ({planes}x{shape[-2]}x{shape[-1]}). Calculated "
                           f"output size: ({planes}x{oh}x{ow}). Output size is too small")


def pool3d_shape_check(fname, x, kernel, stride, padding, dilation, out_dhw, avg=False):
    """torch's pool3d_shape_check (kernel, stride, ... as (T, H, W) triples)."""
    _check_positive(kernel, stride, dilation, _AXIS_3D)
    if x.ndim not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    for i in range(x.ndim - 4, x.ndim):
        if x.shape[i] == 0:   # torch prints the dimension's size (0), not its position
            raise RuntimeError(f"{fname}(): Expected input's non-batch dimensions to have "
                               f"positive length, but input has a shape of "
                               f"{sizes_text(x.shape)} and non-batch dimension {x.shape[i]} has "
                               "length zero!")
    t, h, w = x.shape[-3:]
    (kt, kh, kw), (pt, ph, pw) = kernel, padding
    if avg and (t < kt or h < kh or w < kw):
        raise RuntimeError(f"input image (T: {t} H: {h} W: {w}) smaller than kernel size "
                           f"(kT: {kt} kH: {kh} kW: {kw})")
    if kt // 2 < pt or kw // 2 < pw or kh // 2 < ph:
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                           f"kT: {kt} kW: {kw} kH: {kh} padT: {pt} padW: {pw} padH: {ph}")
    if min(out_dhw) < 1:
        planes = x.shape[-4]
        od, oh, ow = out_dhw
        raise RuntimeError(f"Given input size: ({planes}x{t}x{h}x{w}). Calculated output size: "
                           f"({planes}x{od}x{oh}x{ow}). Output size is too small")


def pad_geometry(n, kernel, stride, padding, dilation):
    """(D, H, W) triples from ``n``-d ones: the missing leading axes get a neutral window."""
    lead = 3 - n
    return ((1,) * lead + tuple(kernel), (1,) * lead + tuple(stride),
            (0,) * lead + tuple(padding), (1,) * lead + tuple(dilation))


def planes(x, n):
    """The input as (P, D, H, W) planes, C-contiguous, for an ``n``-d pooling."""
    spatial = x.shape[x.ndim - n:]
    lead = (1,) * (3 - n)
    return np.ascontiguousarray(x).reshape((-1,) + lead + spatial)


def check_float_or_compute_as(kernel_name, x):
    """The array the kernels read: floating arrays as they are; integer arrays (torch
    pools them too) go through float64, exact for the magnitudes pooling meets."""
    if x.dtype == np.float32 or x.dtype == np.float64:
        return x
    if x.dtype.kind in "iu":
        return x.astype(np.float64)
    if x.dtype == np.float16:
        return x.astype(np.float32)
    raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{H.scalar_name(x)}'")


def cast_back(values, x):
    """Results computed on a widened copy, in the input's dtype (integers truncate as
    torch's integer division does)."""
    if values.dtype == x.dtype:
        return values
    if x.dtype.kind in "iu":
        return np.trunc(values).astype(x.dtype)
    return values.astype(x.dtype)


def grad_enabled_for(tensor):
    return _C.is_grad_enabled() and tensor.requires_grad
