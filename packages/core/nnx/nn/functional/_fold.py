"""F.unfold (im2col) and F.fold (col2im): sliding blocks of a 4-D tensor and back.

Both run the convolution kernels of ``nnx._kernels.im2col`` on a (N, C, 1, H, W) view, and
each is the other's backward: the gradient of unfold is fold of the gradient, and the
gradient of fold is unfold of it (recorded as a _linear_maps pair: double backward is
exact).  Unbatched input (3-D for unfold, 2-D for fold) gains a batch dimension inside, as
in torch; messages are torch's ``im2col`` / ``col2im`` checks.
"""

import collections.abc
import numbers

import numpy as np

from nnx._C._C import needs_grad, wrap
from nnx.nn.functional import _conv_compute as C
from nnx.nn.functional import _helpers as H
from nnx.nn.functional._linear_maps import LinearMapNode, record

__all__ = ["fold", "unfold"]


class Im2ColBackward0(LinearMapNode):
    """d unfold = fold of the gradient onto the input's spatial size."""


class Col2ImBackward0(LinearMapNode):
    """d fold = unfold of the gradient."""


def _maps(batched_ndim, spatial, geometry):
    """(unfold, fold) on arrays, each taking batched or unbatched input like the ops."""
    def unfold_map(x):
        cols = _im2col(x if x.ndim == batched_ndim else x[None], *geometry)
        return cols if x.ndim == batched_ndim else cols[0]

    def fold_map(cols):
        batched = cols.ndim == batched_ndim - 1
        x = _col2im(np.ascontiguousarray(cols if batched else cols[None]), spatial, *geometry)
        return x if batched else x[0]

    return unfold_map, fold_map


def _geometry(kernel, dilation, padding, stride):
    lift = C.lift_params
    return lift(kernel, 1), lift(dilation, 1), lift(padding, 0), lift(stride, 1)


def _blocks(size, kernel, dilation, padding, stride):
    return [(n + 2 * p - (d * (k - 1) + 1)) // s + 1
            for n, k, d, p, s in zip(size, kernel, dilation, padding, stride)]


def _im2col(x_nchw, kernel, dilation, padding, stride):
    """(N, C, H, W) -> (N, C*kH*kW, L), in the array's own dtype (float16 via float32)."""
    cdtype = C.compute_dtype(x_nchw.dtype)
    blocks = _blocks(x_nchw.shape[2:], kernel[1:], dilation[1:], padding[1:], stride[1:])
    x5 = C.lift(x_nchw, 2).astype(cdtype, copy=False)
    cols = C.columns(x5, kernel, stride, padding, dilation, (1,) + tuple(blocks))
    if np.may_share_memory(cols, x_nchw):      # 1x1 blocks: a view, but unfold returns new memory
        cols = cols.copy()
    return C.cast_back(cols, x_nchw.dtype)


def _col2im(cols, spatial, kernel, dilation, padding, stride):
    """(N, C*kH*kW, L) -> (N, C, H, W) with overlapping blocks summed."""
    cdtype = C.compute_dtype(cols.dtype)
    n, rows = cols.shape[:2]
    c = rows // (kernel[1] * kernel[2])
    blocks = _blocks(spatial, kernel[1:], dilation[1:], padding[1:], stride[1:])
    x5 = np.zeros((n, c, 1) + tuple(spatial), cdtype)
    C.add_columns(cols.astype(cdtype, copy=False), x5, kernel, stride, padding, dilation,
                  (1,) + tuple(blocks))
    return C.cast_back(x5.reshape((n, c) + tuple(spatial)), cols.dtype)


def _pair_arg(fname, name, position, value):
    """torch's _pair (an iterable as a tuple, anything else twice), then the binding's
    tuple-of-ints check."""
    value = tuple(value) if isinstance(value, collections.abc.Iterable) else (value, value)
    for i, v in enumerate(value):
        if not isinstance(v, (numbers.Integral, np.integer)) or isinstance(v, bool):
            raise TypeError(f"{fname}(): argument '{name}' (position {position}) must be tuple "
                            f"of ints, but found element of type {type(v).__name__} at pos {i}")
    if len(value) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(value)}")
    return [int(v) for v in value]


def _check_positive(kernel, dilation, padding, stride, order):
    checks = {
        "kernel": (min(kernel) > 0, "kernel size should be greater than zero", "kernel",
                   kernel),
        "dilation": (min(dilation) > 0, "dilation should be greater than zero", "dilation",
                     dilation),
        "padding": (min(padding) >= 0, "padding should be non-negative", "pad", padding),
        "stride": (min(stride) > 0, "stride should be greater than zero", "stride", stride),
    }
    for key in order:
        ok, text, label, (h, w) = checks[key]
        if not ok:
            raise RuntimeError(f"{text}, but got {label}_height: {h} {label}_width: {w}")


def _args(fname, input, named):
    H.check_tensor(fname, "input", 1, input)
    return [_pair_arg(fname, name, pos, value) for pos, (name, value) in enumerate(named, 2)]


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks: (N, C, H, W) -> (N, C * prod(kernel_size), L).

    L is the number of block positions, prod over the two spatial dimensions of
    (size + 2 padding - dilation (kernel_size - 1) - 1) // stride + 1.  A 3-D input
    (C, H, W) gives (C * prod(kernel_size), L).

    Example::

        >>> F.unfold(nnx.randn(2, 3, 5, 6), kernel_size=2).shape
        nnx.Size([2, 12, 20])
    """
    kernel, dilation, padding, stride = _args(
        "im2col", input, (("kernel_size", kernel_size), ("dilation", dilation),
                          ("padding", padding), ("stride", stride)))
    _check_positive(kernel, dilation, padding, stride,
                    ("kernel", "dilation", "padding", "stride"))
    x = input._data
    if x.ndim < 3:
        n = x.ndim
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}],"
                         f" but got {n})")
    if x.ndim not in (3, 4) or 0 in (x.shape[1:] if x.ndim == 4 else x.shape):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: "
                           f"{list(x.shape)}")
    blocks = _blocks(x.shape[-2:], kernel, dilation, padding, stride)
    if min(blocks) < 1:
        raise RuntimeError(f"Given input with spatial size ({x.shape[-2]}, {x.shape[-1]}), "
                           f"kernel_size=({kernel[0]}, {kernel[1]}), dilation=({dilation[0]}, "
                           f"{dilation[1]}), padding=({padding[0]}, {padding[1]}), calculated "
                           f"shape of the array of sliding blocks as ({blocks[0]}, "
                           f"{blocks[1]}), but its components must be at least one.")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"im2col_out_cpu\" not implemented for "
                                  f"'{H.scalar_name(x)}'")
    unfold_map, fold_map = _maps(4, x.shape[-2:], _geometry(kernel, dilation, padding, stride))
    out = wrap(unfold_map(x))
    if needs_grad(input):
        record(Im2ColBackward0, input, out, unfold_map, fold_map)
    return out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding local blocks into a tensor: (N, C * prod(kernel_size), L) ->
    (N, C, *output_size), overlapping values summed (the adjoint of :func:`unfold`).

    A 2-D input (C * prod(kernel_size), L) gives (C, *output_size).

    Example::

        >>> F.fold(nnx.randn(1, 12, 4), output_size=(3, 3), kernel_size=2).shape
        nnx.Size([1, 3, 3, 3])
    """
    size, kernel, dilation, padding, stride = _args(
        "col2im", input, (("output_size", output_size), ("kernel_size", kernel_size),
                          ("dilation", dilation), ("padding", padding), ("stride", stride)))
    _check_positive(kernel, dilation, padding, stride,
                    ("kernel", "stride", "dilation", "padding"))
    x = input._data
    if not ((x.ndim == 2 and 0 not in x.shape) or (x.ndim == 3 and 0 not in x.shape[1:])):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: "
                           f"{list(x.shape)}")
    x3 = x if x.ndim == 3 else x[None]
    rows, length = x3.shape[1:]
    if rows % (kernel[0] * kernel[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={rows} and "
                           f"kernel_size=({kernel[0]}, {kernel[1]}).")
    blocks = _blocks(size, kernel, dilation, padding, stride)
    given = (f"Given output_size=({size[0]}, {size[1]}), kernel_size=({kernel[0]}, "
             f"{kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), padding=({padding[0]}, "
             f"{padding[1]}), stride=({stride[0]}, {stride[1]}), ")
    if length != blocks[0] * blocks[1]:
        raise RuntimeError(f"{given}expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
                           f"{blocks[0] * blocks[1]}, but got input.size(2)={length}.")
    if min(blocks) < 1:
        raise RuntimeError(f"{given}calculated shape of the array of sliding blocks as "
                           f"({blocks[0]}, {blocks[1]}), which is too small (non-positive)")
    if min(size) < 1:
        raise RuntimeError(f"Expected output spatial size to be positive, but got: "
                           f"output_size=({size[0]}, {size[1]}).")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"col2im_out_cpu\" not implemented for "
                                  f"'{H.scalar_name(x)}'")
    unfold_map, fold_map = _maps(4, tuple(size), _geometry(kernel, dilation, padding, stride))
    out = wrap(fold_map(x))
    if needs_grad(input):
        record(Col2ImBackward0, input, out, fold_map, unfold_map)
    return out
