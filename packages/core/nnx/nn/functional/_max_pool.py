"""Max pooling over 1, 2 or 3 spatial dimensions, with torch's indices and checks.

Each output is the maximum of a (dilated) window; the first maximum in scan order wins
ties, a NaN wins over numbers.  ``return_indices=True`` also returns, as int64, the flat
index of each maximum inside its input plane (``h * W + w`` in 2-d), which
``max_unpool*d`` reads back.  The backward adds each output's gradient at its index.
"""

import numpy as np

from nnx._C._C import wrap
from nnx._kernels import pooling as K
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _pool_args as A
from nnx.nn.functional._linear_maps import LinearMapNode, record

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices"]


class MaxPool2DWithIndicesBackward0(LinearMapNode):
    pass


class MaxPool3DWithIndicesBackward0(LinearMapNode):
    pass


class SqueezeBackward1(LinearMapNode):
    """The grad_fn torch shows for 1-d pooling (a 2-d pooling of the unsqueezed input)."""


def _run_max_pool(input, x, n, geometry, out_spatial, node_type, kernel_name):
    """(values, indices) of a max pooling of validated arguments over ``n`` axes."""
    kernel, stride, padding, dilation = A.pad_geometry(n, *geometry)
    xk = A.check_float_or_compute_as(kernel_name, x)
    out3 = (1,) * (3 - n) + tuple(out_spatial)
    out_shape = x.shape[:x.ndim - n] + tuple(out_spatial)
    values, arg = K.max_pool_forward(A.planes(xk, n), out3, kernel, stride, padding, dilation)
    values = A.cast_back(values, x).reshape(out_shape)
    arg_po = arg.reshape(arg.shape[0], int(np.prod(out3)))
    plane_size = int(np.prod(x.shape[x.ndim - n:]))
    out = wrap(values)
    if A.grad_enabled_for(input):
        def scatter(g):                  # gradient of the output -> of the input
            g_po = np.ascontiguousarray(A.check_float_or_compute_as(kernel_name, g))
            gx = K.max_pool_backward(g_po.reshape(arg_po.shape), arg_po, plane_size)
            return A.cast_back(gx, g).reshape(x.shape)

        def gather(gg):                  # its adjoint (double backward)
            gg_pi = np.ascontiguousarray(gg).reshape(arg_po.shape[0], plane_size)
            return np.take_along_axis(gg_pi, arg_po, axis=1).reshape(out_shape)

        record(node_type, input, out, gather, scatter)
    return out, wrap(arg.reshape(out_shape))


def _max_args(fname, n, kernel_size, stride, padding, dilation):
    kernel, stride, padding = A.window_args(fname, n, kernel_size, stride, padding,
                                            "must either be", "must either be omitted")
    dilation = A.expand_arg(fname, "dilation", dilation, n,
                            f"{fname}: dilation must be either a single int, or a tuple of "
                            f"{A._COUNT_WORDS[n]} ints")
    return kernel, stride, padding, dilation


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """``max_pool2d`` returning (values, indices)."""
    x = A.check_input("max_pool2d", input)
    geometry = _max_args("max_pool2d", 2, kernel_size, stride, padding, dilation)
    if x.ndim not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    out_hw = A.output_sizes(x, 2, *geometry, ceil_mode)
    A.pool2d_shape_check(x, *geometry, out_hw)
    return _run_max_pool(input, x, 2, geometry, out_hw, MaxPool2DWithIndicesBackward0,
                         "max_pool2d")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-d max pooling: each output is the maximum of a kH x kW window.

    Args:
        input (Tensor): (N, C, H, W) or (C, H, W).
        kernel_size (int or (kH, kW)): the window.
        stride (int or (sH, sW), optional): Default: ``kernel_size``.
        padding (int or (pH, pW)): implicit -inf on both sides, at most half the kernel.
            Default: 0.
        dilation (int or (dH, dW)): the step between window elements. Default: 1.
        ceil_mode (bool): round the output size up (the last window must start inside
            the input or its left padding). Default: False.
        return_indices (bool): also return the flat index of each maximum in its
            (H, W) plane, as int64. Default: False.

    Returns:
        Tensor (N, C, H_out, W_out) with
        H_out = floor((H + 2 pH - dH (kH - 1) - 1) / sH) + 1 (ceil in ceil_mode), or
        (values, indices).

    Example::

        >>> F.max_pool2d(nnx.tensor([[[1.0, 2.0], [4.0, 3.0]]]), 2, return_indices=True)
        (tensor([[[4.]]]), tensor([[[2]]]))
    """
    out, indices = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation,
                                           ceil_mode)
    return (out, indices) if return_indices else out


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """``max_pool3d`` returning (values, indices)."""
    x = A.check_input("max_pool3d", input)
    geometry = _max_args("max_pool3d", 3, kernel_size, stride, padding, dilation)
    if x.ndim not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    out_dhw = A.output_sizes(x, 3, *geometry, ceil_mode)
    A.pool3d_shape_check("max_pool3d_with_indices_out_cpu_template", x, *geometry, out_dhw)
    return _run_max_pool(input, x, 3, geometry, out_dhw, MaxPool3DWithIndicesBackward0,
                         "max_pool3d")


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-d max pooling over (N, C, D, H, W) or (C, D, H, W) (see ``max_pool2d``); indices
    are flat in each (D, H, W) volume."""
    out, indices = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation,
                                           ceil_mode)
    return (out, indices) if return_indices else out


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """``max_pool1d`` returning (values, indices): torch's 2-d pooling of the input
    unsqueezed at -2, whose checks and messages it keeps."""
    x = A.check_input("max_pool1d_with_indices", input)
    _check_dim_range("max_pool1d", x)
    kernel, stride, padding = A.window_args("max_pool1d", 1, kernel_size, stride, padding)
    dilation = A.expand_arg("max_pool1d", "dilation", dilation, 1)
    x2 = x.reshape(x.shape[:-1] + (1, x.shape[-1]))
    geometry2 = ((1,) + kernel, (1,) + stride, (0,) + padding, (1,) + dilation)
    out_hw = A.output_sizes(x2, 2, *geometry2, ceil_mode)
    A.pool2d_shape_check(x2, *geometry2, out_hw)
    return _run_max_pool(input, x, 1, (kernel, stride, padding, dilation), out_hw[1:],
                         SqueezeBackward1, "max_pool2d")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-d max pooling over (N, C, L) or (C, L) (see ``max_pool2d``).

    Example::

        >>> F.max_pool1d(nnx.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
        tensor([[[3., 2.]]])
    """
    if return_indices:
        return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation,
                                       ceil_mode)
    x = A.check_input("max_pool1d", input)
    _check_max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode)
    if x.dtype.kind != "f":   # torch's max_pool1d kernel (no indices) is floating-only
        raise NotImplementedError(f"\"max_pool1d_impl\" not implemented for "
                                  f"'{H.scalar_name(x)}'")
    return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation,
                                   ceil_mode)[0]


def _check_dim_range(fname, x):
    if x.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x.ndim}-dimensional tensor "
                           f"for argument #1 'self' (while checking arguments for {fname})")


def _check_max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode):
    """torch's max_pool1d checks (the path without indices has its own messages)."""
    shape = x.shape
    if not ((x.ndim == 2 and shape[0] != 0 and shape[1] != 0)
            or (x.ndim == 3 and shape[1] != 0 and shape[2] != 0)):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{A.sizes_text(shape)}")
    kernel = A.as_int_tuple(kernel_size)
    if len(kernel) != 1:
        raise RuntimeError("max_pool1d() kernel_size must be an int, list of ints or tuple of "
                           f"ints of size 1 but got size {len(kernel)}")
    stride = () if stride is None else A.as_int_tuple(stride)
    if len(stride) > 1:
        raise RuntimeError("max_pool1d() stride must be None, an int, list of ints, or tuple of "
                           f"ints of size 1 but got size {len(stride)}")
    padding, dilation = A.as_int_tuple(padding), A.as_int_tuple(dilation)
    if len(padding) != 1:
        raise RuntimeError("max_pool1d() padding must be an int, list of ints, or tuple of ints "
                           f"of size 1 but got size {len(padding)}")
    if len(dilation) != 1:
        raise RuntimeError("max_pool1d() dilation must be an int, list of ints or tuple of ints "
                           f"of size 1 but got size {len(dilation)}")
    (k,), (p,), (d,) = kernel, padding, dilation
    s = stride[0] if stride else k
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError("max_pool1d() padding should be at most half of kernel size, but "
                           f"got padding={p} and kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    out = A.pooling_output_size(shape[-1], k, p, s, d, ceil_mode)
    if out <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
