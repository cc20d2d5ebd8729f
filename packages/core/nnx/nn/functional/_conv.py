"""Convolutions: conv1d/2d/3d and conv_transpose1d/2d/3d (torch.nn.functional's).

Each call checks its arguments once (torch's messages, _conv_args) and runs the
differentiable primitive of _conv_ops: im2col + GEMM over the batch (_conv_compute), one
``ConvolutionBackward0`` node whose backward gives the input gradient (col2im of W^T g),
the weight gradient (g @ columns^T, GEMMs) and the bias gradient, and supports double
backward.  Unbatched input (no N dimension) is unsqueezed and the result squeezed through
the engine, as torch does.
"""

import warnings

from nnx._ops._names import CPP_NAMES
from nnx.nn.functional import _conv_args as A
from nnx.nn.functional import _conv_compute as C
from nnx.nn.functional import _conv_ops as ops

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]


_same_warned = False


def _string_padding(padding, w_spatial, stride, dilation):
    """(pad_before, pad_after) per dimension of padding='same' / 'valid'."""
    global _same_warned
    if padding == "valid":
        return [0] * len(w_spatial), [0] * len(w_spatial)
    if padding != "same":
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    total = [d * (k - 1) for d, k in zip(dilation, w_spatial)]
    before = [t // 2 for t in total]
    after = [t - b for t, b in zip(total, before)]
    if before != after and not _same_warned:
        _same_warned = True      # torch's TORCH_WARN_ONCE
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may "
                      "require a zero-padded copy of the input be created", UserWarning,
                      stacklevel=4)
    return before, after


def _operands(fname, spatial, input, weight, bias, groups):
    """The batched input, whether it was batched, the arrays x, w, b and the number of
    spatial dimensions, after the checks convolution and its transpose share."""
    input, batched = A.batchify(input, spatial, fname)
    x, w = input._data, weight._data
    b = None if bias is None else bias._data
    dim = w.ndim - 2
    if dim <= 0:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    return input, batched, x, w, b, dim


def _conv(fname, spatial, input, weight, bias, stride, padding, dilation, groups):
    A.conv_types(fname, input, weight, bias,
                 {"stride": stride, "padding": padding, "dilation": dilation,
                  "groups": groups})
    if bias is not None and bias._data.dtype != input._data.dtype:
        raise RuntimeError(f"Input type ({CPP_NAMES[input._data.dtype.name]}) and bias type "
                           f"({CPP_NAMES[bias._data.dtype.name]}) should be the same")
    input, batched, x, w, b, dim = _operands(fname, spatial, input, weight, bias, groups)
    stride = A.expand(A.as_list(stride, spatial), "stride", dim)
    dilation_list = A.as_list(dilation, spatial)
    extra = None
    if isinstance(padding, str):
        dilation_list = A.expand(dilation_list, "dilation", dim)
        before, after = _string_padding(padding, w.shape[2:], stride, dilation_list)
        extra = [a - b_ for a, b_ in zip(after, before)]
    else:
        before = A.expand(A.as_list(padding, spatial), "padding", dim)
        after = before
    dilation = A.expand(dilation_list, "dilation", dim)
    A.check_shape_forward(x, w, b, stride, before, dilation, [0] * dim, groups, False,
                          extra=extra)
    A.check_kernel(w.shape[2:], dilation, False)
    A.check_dtypes(x, w)
    out_spatial = [(n + pb + pa - d * (k - 1) - 1) // s + 1 for n, pb, pa, d, k, s in
                   zip(x.shape[2:], before, after, dilation, w.shape[2:], stride)]
    geometry = (C.lift_params(stride, 1), C.lift_params(before, 0),
                C.lift_params(dilation, 1), groups)
    out = ops.convolution(input, weight, bias, geometry, out_spatial, False)
    return out if batched else out.squeeze(0)


def _conv_transpose(fname, spatial, input, weight, bias, stride, padding, output_padding,
                    groups, dilation, positional=False):
    """``positional``: the caller passed every argument by position (the ConvTranspose
    layers do, as torch's do), which shows in torch's TypeError messages."""
    A.transpose_types(fname, input, weight, bias,
                      {"stride": stride, "padding": padding, "output_padding": output_padding,
                       "groups": groups, "dilation": dilation}, positional)
    input, batched, x, w, b, dim = _operands(fname, spatial, input, weight, bias, groups)
    stride, padding, output_padding, dilation = (
        A.expand(A.as_list(v, spatial), name, dim)
        for v, name in ((stride, "stride"), (padding, "padding"),
                        (output_padding, "output_padding"), (dilation, "dilation")))
    A.check_shape_forward(x, w, b, stride, padding, dilation, output_padding, groups, True)
    A.check_kernel(w.shape[2:], dilation, True)
    out_spatial = [(n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op in
                   zip(x.shape[2:], stride, padding, dilation, w.shape[2:], output_padding)]
    A.check_transposed_output(x.shape[2:], out_spatial, stride, dilation, output_padding)
    A.check_dtypes(x, w)
    geometry = (C.lift_params(stride, 1), C.lift_params(padding, 0),
                C.lift_params(dilation, 1), groups)
    out = ops.convolution(input, weight, bias, geometry, out_spatial, True)
    return out if batched else out.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over (N, C_in, L) or unbatched (C_in, L) input.

    Args:
        input (Tensor): (N, C_in, L) or (C_in, L).
        weight (Tensor): (C_out, C_in / groups, kW).
        bias (Tensor, optional): (C_out,). Default: None.
        stride (int or tuple): Default: 1.
        padding (int, tuple or str): zeros added on both sides, or ``'valid'`` (none) or
            ``'same'`` (output as long as the input; stride 1 only). Default: 0.
        dilation (int or tuple): spacing between kernel taps. Default: 1.
        groups (int): input and output channels split into this many groups. Default: 1.

    Returns:
        Tensor (N, C_out, L_out), L_out = (L + 2 padding - dilation (kW - 1) - 1) // stride + 1.

    Example::

        >>> F.conv1d(nnx.randn(20, 16, 50), nnx.randn(33, 16, 3)).shape
        nnx.Size([20, 33, 48])
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over (N, C_in, H, W) or unbatched (C_in, H, W) input.

    Arguments as :func:`conv1d`, with weight (C_out, C_in / groups, kH, kW) and ints or
    pairs for stride, padding and dilation.

    Example::

        >>> F.conv2d(nnx.randn(1, 4, 5, 5), nnx.randn(8, 4, 3, 3), padding=1).shape
        nnx.Size([1, 8, 5, 5])
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over (N, C_in, D, H, W) or unbatched (C_in, D, H, W) input.

    Arguments as :func:`conv1d`, with weight (C_out, C_in / groups, kD, kH, kW).

    Example::

        >>> F.conv3d(nnx.randn(2, 4, 5, 5, 5), nnx.randn(8, 4, 3, 3, 3)).shape
        nnx.Size([2, 8, 3, 3, 3])
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """1-D transposed convolution (the adjoint of conv1d; "deconvolution").

    Args:
        input (Tensor): (N, C_in, L) or (C_in, L).
        weight (Tensor): (C_in, C_out / groups, kW).
        bias (Tensor, optional): (C_out,). Default: None.
        stride, padding, dilation: as the conv1d this is the adjoint of. Defaults: 1, 0, 1.
        output_padding (int or tuple): extra size added to one side of the output;
            smaller than stride or dilation. Default: 0.
        groups (int): Default: 1.

    Returns:
        Tensor (N, C_out, L_out), L_out = (L - 1) stride - 2 padding + dilation (kW - 1)
        + output_padding + 1.

    Example::

        >>> F.conv_transpose1d(nnx.randn(2, 4, 5), nnx.randn(4, 6, 3), stride=2).shape
        nnx.Size([2, 6, 11])
    """
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """2-D transposed convolution; arguments as :func:`conv_transpose1d`, weight
    (C_in, C_out / groups, kH, kW).

    Example::

        >>> F.conv_transpose2d(nnx.randn(1, 4, 5, 5), nnx.randn(4, 8, 3, 3)).shape
        nnx.Size([1, 8, 7, 7])
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """3-D transposed convolution; arguments as :func:`conv_transpose1d`, weight
    (C_in, C_out / groups, kD, kH, kW).

    Example::

        >>> F.conv_transpose3d(nnx.randn(1, 4, 3, 3, 3), nnx.randn(4, 2, 2, 2, 2)).shape
        nnx.Size([1, 2, 4, 4, 4])
    """
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)

