"""Adaptive average and max pooling: the window follows from the output size.

Output i of n over an input axis of length L reads [floor(i L / n), ceil((i + 1) L / n)),
so windows may overlap and differ in size.  ``None`` in ``output_size`` keeps that axis.
torch computes a 1 x 1 (x 1) adaptive average as a mean, whose grad_fn and input rules
(any rank >= 2) are the mean's; so does nnx.
"""

import numpy as np

from nnx._C._C import wrap
from nnx._kernels import pooling as K
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _pool_args as A
from nnx.nn.functional._linear_maps import LinearMapNode, record

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices"]


class AdaptiveAvgPool2DBackward0(LinearMapNode):
    pass


class AdaptiveAvgPool3DBackward0(LinearMapNode):
    pass


class AdaptiveMaxPool2DBackward0(LinearMapNode):
    pass


class AdaptiveMaxPool3DBackward0(LinearMapNode):
    pass


class MeanBackward1(LinearMapNode):
    pass


class SqueezeBackward1(LinearMapNode):
    """The grad_fn torch shows for 1-d pooling (a 2-d pooling of the unsqueezed input)."""


def _list_with_default(out_size, defaults):
    """torch's _list_with_default: ``None`` entries take the input's size."""
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    tail = defaults[-len(out_size):]
    return [d if v is None else v for v, d in zip(out_size, tail)]


def _check_grad_output(kind, x, n, out_spatial):
    """torch's adaptive pooling backward refuses a grad_output with an empty non-batch
    dimension (the forward allows an output size of 0): the same RuntimeError, with the
    sizes of the (unsqueezed, for 1-d) grad_output it sees."""
    shape = x.shape[:x.ndim - n] + ((1,) if n == 1 else ()) + tuple(out_spatial)
    _check_non_empty(f"adaptive_{kind}_pool{max(n, 2)}d_backward", shape, 1, "grad_output")


def _check_non_empty(fname, shape, first, what="input"):
    """torch's RuntimeError when a dimension of ``shape`` from ``first`` on is empty."""
    for i in range(first, len(shape)):
        if shape[i] == 0:
            raise RuntimeError(f"{fname}(): Expected {what} to have non-zero size for non-batch "
                               f"dimensions, but {what} has sizes {A.sizes_text(shape)} with "
                               f"dimension {i} being empty")


def _run_avg(input, x, n, out_spatial, node_type):
    """Adaptive average pooling of a validated floating ``x`` over its last ``n`` axes."""
    in3 = (1,) * (3 - n) + x.shape[x.ndim - n:]
    out3 = (1,) * (3 - n) + tuple(out_spatial)
    out_shape = x.shape[:x.ndim - n] + tuple(out_spatial)

    def pool(values):
        y = K.adaptive_avg_forward(A.planes(_as_kernel_float(values), n), out3)
        return A.cast_back(y, values).reshape(out_shape)

    def share(g):
        _check_grad_output("avg", x, n, out_spatial)
        gx = K.adaptive_avg_backward(A.planes(_as_kernel_float(g), n), in3)
        return A.cast_back(gx, g).reshape(x.shape)

    out = wrap(pool(x))
    if A.grad_enabled_for(input):
        record(node_type, input, out, pool, share)
    return out


def _run_max(input, x, n, out_spatial, node_type):
    """Adaptive max pooling of a validated floating ``x``: (values, indices)."""
    x_in, x = x, _as_kernel_float(x)
    out3 = (1,) * (3 - n) + tuple(out_spatial)
    out_shape = x.shape[:x.ndim - n] + tuple(out_spatial)
    values, arg = K.adaptive_max_forward(A.planes(x, n), out3)
    arg_po = arg.reshape(arg.shape[0], int(np.prod(out3)))
    plane_size = int(np.prod(x.shape[x.ndim - n:]))
    out = wrap(A.cast_back(values, x_in).reshape(out_shape))
    if A.grad_enabled_for(input):
        def scatter(g):
            _check_grad_output("max", x, n, out_spatial)
            g_po = np.ascontiguousarray(_as_kernel_float(g)).reshape(arg_po.shape)
            gx = K.max_pool_backward(g_po, arg_po, plane_size)
            return A.cast_back(gx, g).reshape(x.shape)

        def gather(gg):
            gg_pi = np.ascontiguousarray(gg).reshape(arg_po.shape[0], plane_size)
            return np.take_along_axis(gg_pi, arg_po, axis=1).reshape(out_shape)

        record(node_type, input, out, gather, scatter)
    return out, wrap(arg.reshape(out_shape))


def _floating(kernel_name, x):
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{H.scalar_name(x)}'")
    return x


def _as_kernel_float(a):
    """The kernels run in float32 / float64; float16 goes through float32."""
    return a.astype(np.float32) if a.dtype == np.float16 else a


def _check_dim_range(fname, x):
    if x.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x.ndim}-dimensional tensor "
                           f"for argument #1 'self' (while checking arguments for {fname})")


def _output_size_1d(fname, output_size):
    if output_size is None:
        raise TypeError(f"{fname}(): argument 'output_size' (position 2) must be tuple of "
                        "ints, not NoneType")
    return A.expand_arg(fname, "output_size", output_size, 1)


# -- average -------------------------------------------------------------------------------

def _adaptive_avg(fname, input, output_size, n, node_type):
    x = A.check_input(fname, input)
    if not isinstance(output_size, int):
        output_size = _list_with_default(output_size, x.shape)
    sizes = A.expand_arg(fname, "output_size", output_size, n,
                         f"{fname}: output_size must be {n}")
    if min(sizes) < 0:
        # torch's text: "{a, b}" for 2-d but "{a, b,c}" for 3-d
        shown = ", ".join(str(s) for s in sizes[:2]) + "".join(f",{s}" for s in sizes[2:])
        raise RuntimeError(f"{fname}: elements of output_size must be greater than or equal "
                           f"to 0 but received {{{shown}}}")
    if all(s == 1 for s in sizes):                   # torch: input.mean(spatial, keepdim)
        if x.ndim < n:
            raise A.dim_out_of_range(x.ndim, -n)
        if x.dtype.kind != "f":
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either "
                               f"a floating point or complex dtype. Got: {H.scalar_name(x)}")
        return _run_avg(input, _floating(fname, x), n, sizes, MeanBackward1)
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{fname}(): Expected {n + 1}D or {n + 2}D tensor, but got "
                           f"{A.sizes_text(x.shape)}")
    _check_non_empty(fname, x.shape, x.ndim - n)
    return _run_avg(input, _floating(fname, x), n, sizes, node_type)


def adaptive_avg_pool2d(input, output_size):
    """Adaptive average pooling to ``output_size`` (int, or (H_out, W_out) with ``None``
    for "keep") over (N, C, H, W) or (C, H, W).

    Example::

        >>> F.adaptive_avg_pool2d(nnx.ones(1, 2, 5, 7), (2, None)).shape
        nnx.Size([1, 2, 2, 7])
    """
    return _adaptive_avg("adaptive_avg_pool2d", input, output_size, 2,
                         AdaptiveAvgPool2DBackward0)


def adaptive_avg_pool3d(input, output_size):
    """Adaptive average pooling over (N, C, D, H, W) or (C, D, H, W)."""
    return _adaptive_avg("adaptive_avg_pool3d", input, output_size, 3,
                         AdaptiveAvgPool3DBackward0)


def adaptive_avg_pool1d(input, output_size):
    """Adaptive average pooling to ``output_size`` (an int) over (N, C, L) or (C, L).

    Example::

        >>> F.adaptive_avg_pool1d(nnx.tensor([[[1.0, 2.0, 3.0]]]), 2)
        tensor([[[1.5000, 2.5000]]])
    """
    x = A.check_input("adaptive_avg_pool1d", input)
    _check_dim_range("adaptive_avg_pool1d", x)
    (size,) = _output_size_1d("adaptive_avg_pool1d", output_size)
    x2 = x.reshape(x.shape[:-1] + (1, x.shape[-1]))
    if size < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than "
                           f"or equal to 0 but received {{1, {size}}}")
    if size != 1:
        _check_non_empty("adaptive_avg_pool2d", x2.shape, x2.ndim - 2)
    return _run_avg(input, _floating("adaptive_avg_pool2d", x), 1, (size,), SqueezeBackward1)


# -- max -----------------------------------------------------------------------------------

def _adaptive_max(fname, input, output_size, n, node_type):
    x = A.check_input(fname, input)
    if not isinstance(output_size, int):
        output_size = _list_with_default(output_size, x.shape)
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{fname}(): Expected {n + 1}D or {n + 2}D tensor, but got: "
                           f"{A.sizes_text(x.shape)}")
    _check_non_empty(fname, x.shape, 1)
    sizes = A.expand_arg(fname, "output_size", output_size, n,
                         f"{fname}(): internal error: output_size.size() must be {n}")
    if min(sizes) < 0:
        shape = x.shape[:x.ndim - n] + sizes
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(sizes)}: "
                           f"{A.sizes_text(shape)}")
    return _run_max(input, _floating(fname, x), n, sizes, node_type)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool2d`` returning (values, indices)."""
    return _adaptive_max("adaptive_max_pool2d", input, output_size, 2,
                         AdaptiveMaxPool2DBackward0)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive max pooling to ``output_size`` over (N, C, H, W) or (C, H, W);
    ``return_indices`` also returns the flat index of each maximum in its plane.

    Example::

        >>> F.adaptive_max_pool2d(nnx.ones(1, 2, 5, 7), 3).shape
        nnx.Size([1, 2, 3, 3])
    """
    out, indices = adaptive_max_pool2d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool3d`` returning (values, indices)."""
    return _adaptive_max("adaptive_max_pool3d", input, output_size, 3,
                         AdaptiveMaxPool3DBackward0)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Adaptive max pooling over (N, C, D, H, W) or (C, D, H, W)."""
    out, indices = adaptive_max_pool3d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool1d`` returning (values, indices)."""
    x = A.check_input("adaptive_max_pool1d", input)
    _check_dim_range("adaptive_max_pool1d", x)
    (size,) = _output_size_1d("adaptive_max_pool1d", output_size)
    _check_non_empty("adaptive_max_pool1d", x.shape, 1)  # torch checks before unsqueezing
    if size < 0:
        shape = x.shape[:-1] + (1, size)
        raise RuntimeError(f"Trying to create tensor with negative dimension {size}: "
                           f"{A.sizes_text(shape)}")
    return _run_max(input, _floating("adaptive_max_pool2d", x), 1, (size,), SqueezeBackward1)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Adaptive max pooling to ``output_size`` (an int) over (N, C, L) or (C, L).

    Example::

        >>> F.adaptive_max_pool1d(nnx.tensor([[[1.0, 3.0, 2.0]]]), 2)
        tensor([[[3., 3.]]])
    """
    out, indices = adaptive_max_pool1d_with_indices(input, output_size)
    return (out, indices) if return_indices else out
