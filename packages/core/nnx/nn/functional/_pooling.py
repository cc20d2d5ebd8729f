"""Max, average and power-average pooling over 1, 2 or 3 spatial dimensions.

Shapes: input (N, C, *spatial) or unbatched (C, *spatial); the kernels in
nnx._kernels.pooling see it as (P, D, H, W) planes (see _pool_args).  Max pooling records
the flat index of each maximum inside its input plane (torch's ``return_indices``); its
backward scatters the gradient there, average pooling's shares it over each window.
Adaptive pooling and unpooling live in _adaptive_pool and _unpool; their names are
exported from here too.
"""

from collections.abc import Iterable

from nnx._C._C import wrap
from nnx._kernels import pooling as K
from nnx.nn.functional import _pool_args as A
from nnx.nn.functional._activation import relu
from nnx.nn.functional._adaptive_pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
)
from nnx.nn.functional._linear_maps import LinearMapNode, record
from nnx.nn.functional._max_pool import (
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool2d_with_indices,
    max_pool3d,
    max_pool3d_with_indices,
)
from nnx.nn.functional._unpool import max_unpool1d, max_unpool2d, max_unpool3d

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
    "max_pool2d_with_indices", "max_pool3d_with_indices",
    "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "max_unpool1d", "max_unpool2d", "max_unpool3d",
    "lp_pool1d", "lp_pool2d", "lp_pool3d",
]


class AvgPool2DBackward0(LinearMapNode):
    pass


class AvgPool3DBackward0(LinearMapNode):
    pass


class SqueezeBackward1(LinearMapNode):
    """The grad_fn torch shows for 1-d pooling (a 2-d pooling of the unsqueezed input)."""


def _run_avg_pool(input, x, n, geometry, out_spatial, count_include_pad, divisor,
                  node_type, kernel_name):
    """Average pooling of validated arguments over the last ``n`` axes of ``x``."""
    kernel, stride, padding, _ = A.pad_geometry(n, *geometry, (1,) * n)
    lead = (1,) * (3 - n)
    in3, out3 = lead + x.shape[x.ndim - n:], lead + tuple(out_spatial)
    batch = x.shape[:x.ndim - n]
    out_shape = batch + tuple(out_spatial)
    divisor = 0 if divisor is None else int(divisor)

    def pool(values):                       # (*batch, *spatial) -> (*batch, *out_spatial)
        planes = A.planes(A.check_float_or_compute_as(kernel_name, values), n)
        y = K.avg_pool_forward(planes, out3, kernel, stride, padding, count_include_pad,
                               divisor)
        return A.cast_back(y, values).reshape(out_shape)

    def share(g):                           # its adjoint: gradients shared over windows
        planes = A.planes(A.check_float_or_compute_as(kernel_name, g), n)
        gx = K.avg_pool_backward(planes, in3, kernel, stride, padding, count_include_pad,
                                 divisor)
        return A.cast_back(gx, g).reshape(x.shape)

    out = wrap(pool(x))
    if A.grad_enabled_for(input):
        record(node_type, input, out, pool, share)
    return out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-d average pooling: each output is the mean of a kH x kW window.

    Args:
        input (Tensor): (N, C, H, W) or (C, H, W).
        kernel_size (int or (kH, kW)): the window.
        stride (int or (sH, sW), optional): Default: ``kernel_size``.
        padding (int or (pH, pW)): implicit zeros on both sides, at most half the kernel.
            Default: 0.
        ceil_mode (bool): round the output size up (the last window must start inside
            the input or its left padding). Default: False.
        count_include_pad (bool): count padded zeros in the divisor. Default: True.
        divisor_override (int, optional): divide by this instead of the window size.

    Returns:
        Tensor (N, C, H_out, W_out), H_out = floor((H + 2 pH - kH) / sH) + 1 (ceil in
        ceil_mode).

    Example::

        >>> F.avg_pool2d(nnx.ones(1, 1, 4, 4), 2).shape
        nnx.Size([1, 1, 2, 2])
    """
    x = A.check_input("avg_pool2d", input)
    kernel, stride, padding = A.window_args("avg_pool2d", 2, kernel_size, stride, padding,
                                            "must either be", "must either be omitted")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if x.ndim < 3:
        raise A.dim_out_of_range(x.ndim, -3)
    out_hw = A.output_sizes(x, 2, kernel, stride, padding, (1, 1), ceil_mode)
    A.pool2d_shape_check(x, kernel, stride, padding, (1, 1), out_hw)
    return _run_avg_pool(input, x, 2, (kernel, stride, padding), out_hw, count_include_pad,
                         divisor_override, AvgPool2DBackward0, "avg_pool2d")


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-d average pooling over (N, C, L) or (C, L) input (see ``avg_pool2d``).

    Example::

        >>> F.avg_pool1d(nnx.tensor([[[1.0, 2.0, 3.0, 4.0]]]), 2)
        tensor([[[1.5000, 3.5000]]])
    """
    x = A.check_input("avg_pool1d", input)
    _check_dim_range("avg_pool1d", x, 2, 3)
    kernel, stride, padding = A.window_args("avg_pool1d", 1, kernel_size, stride, padding)
    x2 = x.reshape(x.shape[:-1] + (1, x.shape[-1]))   # torch pools the unsqueezed input
    out_hw = A.output_sizes(x2, 2, (1,) + kernel, (1,) + stride, (0,) + padding, (1, 1),
                              ceil_mode)
    A.pool2d_shape_check(x2, (1,) + kernel, (1,) + stride, (0,) + padding, (1, 1), out_hw)
    return _run_avg_pool(input, x, 1, (kernel, stride, padding), out_hw[1:],
                         count_include_pad, None, SqueezeBackward1, "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-d average pooling over (N, C, D, H, W) or (C, D, H, W) input (see ``avg_pool2d``).

    Example::

        >>> F.avg_pool3d(nnx.ones(1, 1, 2, 4, 4), 2).shape
        nnx.Size([1, 1, 1, 2, 2])
    """
    x = A.check_input("avg_pool3d", input)
    kernel, stride, padding = A.window_args("avg_pool3d", 3, kernel_size, stride, padding,
                                            "must be", "must be omitted")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if x.ndim not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    out_dhw = A.output_sizes(x, 3, kernel, stride, padding, (1, 1, 1), ceil_mode)
    A.pool3d_shape_check("avg_pool3d", x, kernel, stride, padding, (1, 1, 1), out_dhw,
                         avg=True)
    return _run_avg_pool(input, x, 3, (kernel, stride, padding), out_dhw, count_include_pad,
                         divisor_override, AvgPool3DBackward0, "avg_pool3d")


def _check_dim_range(fname, x, low, high):
    """torch's checkDimRange message."""
    if not low <= x.ndim <= high:
        raise RuntimeError(f"Expected {low} to {high} dimensions, but got {x.ndim}-dimensional "
                           f"tensor for argument #1 'self' (while checking arguments for "
                           f"{fname})")


# -- power-average pooling: composed from the ops above, as torch composes it ----------------

def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, n, max_pool, avg_pool):
    if n > 1:
        # torch unpacks _pair/_triple(kernel_size) first: the interpreter's ValueError
        # for a sequence of another length
        sizes = tuple(kernel_size) if isinstance(kernel_size, Iterable) else (kernel_size,) * n
        if n == 2:
            kw, kh = sizes
            window = kw * kh
        else:
            kd, kw, kh = sizes
            window = kd * kw * kh
    elif isinstance(kernel_size, Iterable):
        window = None       # torch's lp_pool1d multiplies by kernel_size itself: TypeError
    else:
        window = kernel_size
    if isinstance(norm_type, (int, float)):
        if norm_type == float("inf"):
            return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -float("inf"):
            return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    if window is None:
        raise TypeError(f"mul(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(kernel_size).__name__}")
    return (out.sign() * relu(out.abs())).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: (sum over the window of x^p)^(1/p), over (N, C, L).

    ``norm_type`` inf gives max pooling of |x|; where the sum of x^p is zero the
    gradient is zero.

    Example::

        >>> F.lp_pool1d(nnx.tensor([[[3.0, 4.0]]]), 2, 2)
        tensor([[[5.]]])
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1, max_pool1d, avg_pool1d)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over (N, C, H, W) (see ``lp_pool1d``)."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2, max_pool2d, avg_pool2d)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over (N, C, D, H, W) (see ``lp_pool1d``)."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3, max_pool3d, avg_pool3d)
