"""Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d (torch.nn.modules.conv).

Attributes, parameter shapes, ``reset_parameters`` and ``extra_repr`` are torch's
``_ConvNd``'s; the computation is ``nnx.nn.functional.conv*`` (im2col + GEMM).  A
non-zero ``padding_mode`` pads with ``F.pad`` first, then convolves without padding.
"""

import math

import nnx
from nnx.nn import Module, Parameter, init
from nnx.nn import functional as F
from nnx.nn.functional import _conv as _conv_impl
from nnx_layers._utils import _pair, _single, _triple

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]


def _reverse_repeat_tuple(t, n):
    """(a, b) -> (b, b, a, a): F.pad's order, last dimension first."""
    return tuple(x for x in reversed(t) for _ in range(n))


class _ConvNd(Module):
    __constants__ = ["stride", "padding", "dilation", "groups", "padding_mode",
                     "output_padding", "in_channels", "out_channels", "kernel_size"]

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        valid_padding_strings = {"same", "valid"}
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{valid_padding_strings}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        valid_padding_modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in valid_padding_modes:
            raise ValueError(f"padding_mode must be one of {valid_padding_modes}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = self._pad_for_f_pad(padding, kernel_size,
                                                                    dilation)
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups)) + tuple(kernel_size)
        self.weight = Parameter(nnx.empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(nnx.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    @staticmethod
    def _pad_for_f_pad(padding, kernel_size, dilation):
        """The padding F.pad applies for a non-zero padding_mode (torch's list for 'same')."""
        if not isinstance(padding, str):
            return _reverse_repeat_tuple(padding, 2)
        pads = [0, 0] * len(kernel_size)
        if padding == "same":
            for d, k, i in zip(dilation, kernel_size, range(len(kernel_size) - 1, -1, -1)):
                total = d * (k - 1)
                pads[2 * i] = total // 2
                pads[2 * i + 1] = total - total // 2
        return pads

    def reset_parameters(self):
        """kaiming_uniform_(a=sqrt(5)) on the weight; bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    _tuple = None         # _single / _pair / _triple
    _fn = None            # F.conv1d / conv2d / conv3d

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        nt = type(self)._tuple
        super().__init__(in_channels, out_channels, nt(kernel_size), nt(stride),
                         padding if isinstance(padding, str) else nt(padding), nt(dilation),
                         False, nt(0), groups, bias, padding_mode, device=device, dtype=dtype)

    def _conv_forward(self, input, weight, bias):
        conv = type(self)._fn
        if self.padding_mode != "zeros":
            return conv(F.pad(input, self._reversed_padding_repeated_twice,
                              mode=self.padding_mode),
                        weight, bias, self.stride, type(self)._tuple(0), self.dilation,
                        self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation,
                    self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) or (C_in, L) input; see F.conv1d.

    Args: in_channels, out_channels, kernel_size, stride=1, padding=0 (int, tuple,
    'valid' or 'same'), dilation=1, groups=1, bias=True, padding_mode='zeros' ('reflect',
    'replicate', 'circular'), device=None, dtype=None.  weight: (out, in / groups, k),
    bias: (out,).

    Example::

        >>> nn.Conv1d(16, 33, 3, stride=2)(nnx.randn(20, 16, 50)).shape
        nnx.Size([20, 33, 24])
    """
    _tuple = staticmethod(_single)
    _fn = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W) input; arguments as Conv1d.

    Example::

        >>> nn.Conv2d(16, 33, 3, padding=1)(nnx.randn(2, 16, 8, 8)).shape
        nnx.Size([2, 33, 8, 8])
    """
    _tuple = staticmethod(_pair)
    _fn = staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) or (C_in, D, H, W) input; as Conv1d.

    Example::

        >>> nn.Conv3d(4, 8, 3)(nnx.randn(1, 4, 5, 5, 5)).shape
        nnx.Size([1, 8, 3, 3, 3])
    """
    _tuple = staticmethod(_triple)
    _fn = staticmethod(F.conv3d)


class _ConvTransposeNd(_ConvNd):
    _tuple = None
    _fn = None
    _dims = 0

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{self.__class__.__name__}")
        nt = type(self)._tuple
        super().__init__(in_channels, out_channels, nt(kernel_size), nt(stride), nt(padding),
                         nt(dilation), True, nt(output_padding), groups, bias, padding_mode,
                         device=device, dtype=dtype)

    def _output_padding(self, input, output_size, stride, padding, kernel_size,
                        num_spatial_dims, dilation=None):
        """The output_padding that makes the output ``output_size`` (torch's rules)."""
        if output_size is None:
            return _single(self.output_padding)
        has_batch_dim = input.dim() == num_spatial_dims + 2
        num_non_spatial_dims = 2 if has_batch_dim else 1
        if len(output_size) == num_non_spatial_dims + num_spatial_dims:
            output_size = output_size[num_non_spatial_dims:]
        if len(output_size) != num_spatial_dims:
            raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, "
                             f"output_size must have {num_spatial_dims} or "
                             f"{num_non_spatial_dims + num_spatial_dims} elements (got "
                             f"{len(output_size)})")
        min_sizes, max_sizes = [], []
        for d in range(num_spatial_dims):
            dim_size = ((input.size(d + num_non_spatial_dims) - 1) * stride[d]
                        - 2 * padding[d]
                        + (dilation[d] if dilation is not None else 1) * (kernel_size[d] - 1)
                        + 1)
            min_sizes.append(dim_size)
            max_sizes.append(min_sizes[d] + stride[d] - 1)
        for size, min_size, max_size in zip(output_size, min_sizes, max_sizes):
            if size < min_size or size > max_size:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {min_sizes} to {max_sizes} (for an input of "
                                 f"{input.size()[2:]})")
        return [output_size[d] - min_sizes[d] for d in range(num_spatial_dims)]

    def forward(self, input, output_size=None):
        if self.padding_mode != "zeros":
            raise ValueError(f"Only `zeros` padding mode is supported for "
                             f"{self.__class__.__name__}")
        output_padding = self._output_padding(input, output_size, self.stride, self.padding,
                                              self.kernel_size, type(self)._dims,
                                              self.dilation)
        # torch's layer passes every argument by position, which its TypeErrors show
        # ("argument 'padding' (position 5) ..."): the functional's positional form
        dims = type(self)._dims
        return _conv_impl._conv_transpose(f"conv_transpose{dims}d", dims, input, self.weight,
                                          self.bias, self.stride, self.padding,
                                          output_padding, self.groups, self.dilation,
                                          positional=True)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution; see F.conv_transpose1d.

    Args: in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros' (the only one), device=None,
    dtype=None.  weight: (in, out / groups, k).  ``forward(input, output_size=None)``:
    ``output_size`` picks the output_padding that gives that size.

    Example::

        >>> nn.ConvTranspose1d(4, 2, 3, stride=2)(nnx.randn(1, 4, 5)).shape
        nnx.Size([1, 2, 11])
    """
    _tuple = staticmethod(_single)
    _fn = staticmethod(F.conv_transpose1d)
    _dims = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution; arguments as ConvTranspose1d.

    Example::

        >>> m = nn.ConvTranspose2d(3, 4, 3, stride=2)
        >>> m(nnx.randn(1, 3, 5, 5), output_size=(12, 12)).shape
        nnx.Size([1, 4, 12, 12])
    """
    _tuple = staticmethod(_pair)
    _fn = staticmethod(F.conv_transpose2d)
    _dims = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution; arguments as ConvTranspose1d.

    Example::

        >>> nn.ConvTranspose3d(2, 4, 2, stride=2)(nnx.randn(1, 2, 3, 3, 3)).shape
        nnx.Size([1, 4, 6, 6, 6])
    """
    _tuple = staticmethod(_triple)
    _fn = staticmethod(F.conv_transpose3d)
    _dims = 3
