"""Vision functions: pixel_shuffle / pixel_unshuffle and interpolate (with the deprecated
upsample, upsample_nearest, upsample_bilinear).

All are linear maps of their input, recorded with their transpose as backward
(_linear_maps).  ``interpolate`` reproduces torch's size and scale rules: with
``scale_factor`` the output size is floor(in * scale) and the source index is computed
from 1/scale (from in/out when ``recompute_scale_factor=True`` or a ``size`` is given);
the per-axis arithmetic is in _interpolate.
"""

import math
import warnings

import numpy as np

from nnx._C._C import wrap
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _interpolate as I
from nnx.nn.functional import _pool_args as A
from nnx.nn.functional._adaptive_pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
)
from nnx.nn.functional._linear_maps import LinearMapNode, record

__all__ = ["pixel_shuffle", "pixel_unshuffle", "interpolate", "upsample", "upsample_nearest",
           "upsample_bilinear"]


class PixelShuffleBackward0(LinearMapNode):
    pass


class PixelUnshuffleBackward0(LinearMapNode):
    pass


# -- pixel shuffle -------------------------------------------------------------------------

def _shuffle(x, r):        # (*, C r r, H, W) -> (*, C, H r, W r)
    *batch, crr, h, w = x.shape
    c = crr // (r * r)
    y = x.reshape(*batch, c, r, r, h, w)
    lead = len(batch)
    y = y.transpose(*range(lead), lead, lead + 3, lead + 1, lead + 4, lead + 2)
    return np.ascontiguousarray(y).reshape(*batch, c, h * r, w * r)


def _unshuffle(x, r):      # (*, C, H r, W r) -> (*, C r r, H, W)
    *batch, c, hr, wr = x.shape
    h, w = hr // r, wr // r
    y = x.reshape(*batch, c, h, r, w, r)
    lead = len(batch)
    y = y.transpose(*range(lead), lead, lead + 2, lead + 4, lead + 1, lead + 3)
    return np.ascontiguousarray(y).reshape(*batch, c * r * r, h, w)


def _shuffle_args(fname, argname, input, factor):
    """The checks pixel_shuffle and pixel_unshuffle share, in torch's order (input tensor,
    int factor, at least 3 dimensions, positive factor); returns (x, factor)."""
    H.check_tensor(fname, "input", 1, input)
    if not isinstance(factor, (int, np.integer)) or isinstance(factor, bool):
        raise TypeError(f"{fname}(): argument '{argname}' (position 2) must be int, not "
                        f"{type(factor).__name__}")
    r = int(factor)
    x = input._data
    if x.ndim < 3:
        raise RuntimeError(f"{fname} expects input to have at least 3 dimensions, but got "
                           f"input with {x.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{fname} expects a positive {argname}, but got {r}")
    return x, r


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): channel blocks become r x r pixel blocks.

    Example::

        >>> F.pixel_shuffle(nnx.ones(1, 8, 3, 3), 2).shape
        nnx.Size([1, 2, 6, 6])
    """
    x, r = _shuffle_args("pixel_shuffle", "upscale_factor", input, upscale_factor)
    if x.shape[-3] % (r * r) != 0:
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible "
                           f"by the square of upscale_factor, but input.size(-3)={x.shape[-3]} is "
                           f"not divisible by {r * r}")
    out = wrap(_shuffle(x, r))
    if A.grad_enabled_for(input):
        record(PixelShuffleBackward0, input, out, lambda v: _shuffle(v, r),
               lambda g: _unshuffle(g, r))
    return out


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of ``pixel_shuffle``.

    Example::

        >>> F.pixel_unshuffle(nnx.ones(1, 2, 6, 6), 2).shape
        nnx.Size([1, 8, 3, 3])
    """
    x, r = _shuffle_args("pixel_unshuffle", "downscale_factor", input, downscale_factor)
    for axis, word in ((-2, "height"), (-1, "width")):
        if x.shape[axis] % r != 0:
            raise RuntimeError(f"pixel_unshuffle expects {word} to be divisible by "
                               f"downscale_factor, but input.size({axis})={x.shape[axis]} is not "
                               f"divisible by {r}")
    out = wrap(_unshuffle(x, r))
    if A.grad_enabled_for(input):
        record(PixelUnshuffleBackward0, input, out, lambda v: _unshuffle(v, r),
               lambda g: _shuffle(g, r))
    return out


# -- interpolate ---------------------------------------------------------------------------

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
# (mode, spatial dims) -> the grad_fn name of torch's upsample op
_NODE_NAMES = {
    ("nearest", 1): "UpsampleNearest1DBackward0", ("nearest", 2): "UpsampleNearest2DBackward0",
    ("nearest", 3): "UpsampleNearest3DBackward0",
    ("nearest-exact", 1): "UpsampleNearestExact1DBackward0",
    ("nearest-exact", 2): "UpsampleNearestExact2DBackward0",
    ("nearest-exact", 3): "UpsampleNearestExact3DBackward0",
    ("linear", 1): "UpsampleLinear1DBackward0", ("bilinear", 2): "UpsampleBilinear2DBackward0",
    ("trilinear", 3): "UpsampleTrilinear3DBackward0",
    ("bicubic", 2): "UpsampleBicubic2DBackward0",
}
_NODE_NAMES.update({("bilinear", 2, True): "UpsampleBilinear2DAaBackward0",
                    ("bicubic", 2, True): "UpsampleBicubic2DAaBackward0"})
_NODE_TYPES = {key[:2] + (len(key) == 3,): type(name, (LinearMapNode,), {})
               for key, name in _NODE_NAMES.items()}
_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5}


def _is_integer(x):
    return isinstance(x, (int, np.integer))


def _output_sizes(input, dim, size, scale_factor, mode, recompute_scale_factor):
    """torch.nn.functional.interpolate's size / scale_factor rules (its messages)."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    spatial = list(input.shape[2:])
    scale_factors = None
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError("Input and output must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of {spatial} "
                                 f"and output size of {size}. Please provide input tensor in (N, "
                                 "C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                                 "format.")
            if not all(_is_integer(s) for s in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] "
                                "or Tuple[int, int, int], but got size with types "
                                f"{[type(s) for s in size]}")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError("Input and scale_factor must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of {spatial} "
                                 f"and scale_factor of shape {scale_factor}. Please provide input "
                                 "tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, "
                                 "s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [math.floor(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if output_size is None:   # aten: checked_convert<int64_t>(in * scale), a truncation
        output_size = [int(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
    return output_size, scale_factors


def _check_sizes(in_spatial, out_spatial):
    """upsample_{1,2,3}d_common_check."""
    if min(in_spatial) > 0 and min(out_spatial) > 0:
        return
    axes = ("D", "H", "W")[3 - len(in_spatial):]
    shown_in = ", ".join(f"{a}: {s}" for a, s in zip(axes, in_spatial))
    shown_out = ", ".join(f"{a}: {s}" for a, s in zip(axes, out_spatial))
    joint = " and output" if len(in_spatial) == 1 else " output"
    raise RuntimeError("Input and output sizes should be greater than 0, but got input "
                       f"({shown_in}){joint} ({shown_out})")


def _axis_taps(mode, in_size, out_size, scale, align_corners, dtype, antialias):
    if antialias:
        return I.antialias_taps(in_size, out_size, scale, align_corners, mode == "bicubic",
                                dtype)
    if mode in ("nearest", "nearest-exact"):
        return I.nearest_taps(in_size, out_size, scale, mode == "nearest-exact")
    if mode == "bicubic":
        return I.cubic_taps(in_size, out_size, scale, align_corners, dtype)
    return I.linear_taps(in_size, out_size, scale, align_corners, dtype)


def _upsample(input, mode, dim, output_size, scale_factors, align_corners, antialias=False):
    x = input._data
    in_spatial = x.shape[2:]
    _check_sizes(in_spatial, output_size)
    if x.dtype.kind != "f":
        kind = "nearest" if mode == "nearest-exact" else mode
        raise NotImplementedError(f"\"upsample_{kind}{dim}d_channels_last\" not implemented for "
                                  f"'{H.scalar_name(x)}'")
    dtype = x.dtype.type
    scales = scale_factors or [None] * dim
    taps = [_axis_taps(mode, in_spatial[i], output_size[i], scales[i], align_corners, dtype,
                       antialias) for i in range(dim)]
    out = wrap(np.ascontiguousarray(I.resample(x, taps)).astype(x.dtype, copy=False))
    if A.grad_enabled_for(input):
        record(_NODE_TYPES[(mode, dim, antialias)], input, out, lambda v: I.resample(v, taps),
               lambda g: I.resample_transpose(g, taps, in_spatial))
    return out


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample (N, C, *spatial) input to ``size`` or by ``scale_factor``.

    Args:
        input (Tensor): 3-d (N, C, W), 4-d (N, C, H, W) or 5-d (N, C, D, H, W).
        size (int or sequence): the output spatial size.
        scale_factor (float or sequence): multiplier of each spatial size; the output is
            floor(in * scale) and, unless ``recompute_scale_factor``, 1/scale maps
            output to input coordinates.
        mode (str): 'nearest' | 'nearest-exact' | 'linear' (3-d) | 'bilinear' (4-d) |
            'bicubic' (4-d) | 'trilinear' (5-d) | 'area'. Default: 'nearest'.
        align_corners (bool, optional): for the interpolating modes, whether the corner
            pixels' centres of input and output coincide. Default: False.
        recompute_scale_factor (bool, optional): derive the coordinate scale from the
            computed output size instead of ``scale_factor``.
        antialias (bool): for 'bilinear' and 'bicubic' (4-d): low-pass the input when
            downsampling (torch's separable antialias filters). Default: False.

    Example::

        >>> F.interpolate(nnx.tensor([[[1.0, 2.0]]]), scale_factor=2, mode="linear")
        tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    """
    H.check_tensor("interpolate", "input", 1, input)
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    ndim = input._data.ndim
    dim = ndim - 2
    output_size, scale_factors = _output_sizes(input, dim, size, scale_factor, mode,
                                               recompute_scale_factor)
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if mode == "lanczos" and ndim == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
        raise NotImplementedError("nnx: interpolate(mode='lanczos') is not supported; use "
                                  "mode='bilinear' or 'bicubic' with antialias=True")
    if antialias:
        return _upsample(input, mode, dim, output_size, scale_factors, align_corners,
                         antialias=True)
    if ndim in (3, 4, 5):
        if mode in ("nearest", "nearest-exact"):
            return _upsample(input, mode, dim, output_size, scale_factors, None)
        if mode == "area":
            pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1]
            return pool(input, output_size[0] if dim == 1 else output_size)
        if _NEEDS.get(mode) == ndim or (mode == "bicubic" and ndim == 4):
            return _upsample(input, mode, dim, output_size, scale_factors, align_corners)
        if mode in _NEEDS:
            raise NotImplementedError(f"Got {ndim}D input, but {mode} mode needs "
                                      f"{_NEEDS[mode]}D input")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                              f"{ndim}D) for the modes: {_MODES} (got {mode})")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate`` (warns, as torch does)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')`` (warns, as torch does)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)`` (warns)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
