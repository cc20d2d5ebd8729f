# ruff: noqa: E501  (the rows hold torch's messages verbatim)
"""Bad arguments of the convolution family get torch 2.13's exception type and message.

Each row: an expression (``z`` zeros float32, ``zd`` float64, ``zl`` int64, ``F`` and ``nn``
bound to nnx's), the exception type and the exact message.  The rows were produced by
evaluating the same expressions with torch 2.13.0 (a throwaway script printing
``type(exc).__name__`` and ``str(exc)``) and pasted here; this test never imports torch.
"""

import re

import pytest

import nnx
import nnx.nn as nn
from nnx.nn import functional as F  # noqa: F401  (used by the rows)


def z(*shape):
    return nnx.zeros(*shape)


def zd(*shape):
    return nnx.zeros(*shape, dtype=nnx.float64)


def zl(*shape):
    return nnx.zeros(*shape, dtype=nnx.int64)


torch = nnx      # the rows spell dtypes and constructors as torch.<name>

# (expression, exception type, message), from torch 2.13.0
ROWS = [
    ('F.conv2d(z(2, 3), z(4, 3, 3, 3))', RuntimeError, 'Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3]'),
    ('F.conv1d(z(5), z(4, 3, 3))', RuntimeError, 'Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [5]'),
    ('F.conv3d(z(1, 3, 5, 5), z(4, 3, 3, 3, 3))', RuntimeError, 'Given groups=1, weight of size [4, 3, 3, 3, 3], expected input[1, 1, 3, 5, 5] to have 3 channels, but got 1 channels instead'),
    ('F.conv2d(z(1, 2, 5, 5), z(4, 3, 3, 3))', RuntimeError, 'Given groups=1, weight of size [4, 3, 3, 3], expected input[1, 2, 5, 5] to have 3 channels, but got 2 channels instead'),
    ('F.conv2d(z(2, 5, 5), z(4, 3, 3, 3))', RuntimeError, 'Given groups=1, weight of size [4, 3, 3, 3], expected input[1, 2, 5, 5] to have 3 channels, but got 2 channels instead'),
    ('F.conv2d(z(1, 3, 2, 2), z(4, 3, 3, 3))', RuntimeError, "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size"),
    ('F.conv1d(z(1, 3, 2), z(4, 3, 3), padding=0, dilation=1)', RuntimeError, "Calculated padded input size per channel: (2). Kernel size: (3). Kernel size can't be greater than actual input size"),
    ('F.conv3d(z(1, 3, 2, 5, 5), z(4, 3, 3, 3, 3))', RuntimeError, "Calculated padded input size per channel: (2 x 5 x 5). Kernel size: (3 x 3 x 3). Kernel size can't be greater than actual input size"),
    ('F.conv2d(z(1, 3, 3, 3), z(4, 3, 3, 3), dilation=2)', RuntimeError, "Calculated padded input size per channel: (3 x 3). Kernel size: (5 x 5). Kernel size can't be greater than actual input size"),
    ('F.conv1d(z(3, 0), z(4, 3, 1))', RuntimeError, "Calculated padded input size per channel: (0). Kernel size: (1). Kernel size can't be greater than actual input size"),
    ("F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), stride=2, padding='same')", RuntimeError, "padding='same' is not supported for strided convolutions"),
    ("F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), padding='foo')", RuntimeError, "Invalid padding string: 'foo'"),
    ("F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), padding='SAME')", RuntimeError, "Invalid padding string: 'SAME'"),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), stride=0)', RuntimeError, 'non-positive stride is not supported'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), padding=-1)', RuntimeError, 'negative padding is not supported'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), dilation=-1)', RuntimeError, 'dilation should be greater than zero'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), dilation=0)', RuntimeError, 'dilation should be greater than zero, but got [0, 0]'),
    ('F.conv1d(z(1, 3, 5), z(4, 3, 3), dilation=0)', RuntimeError, 'dilation should be greater than zero, but got [1, 0]'),
    ('F.conv2d(z(1, 4, 5, 5), z(3, 2, 3, 3), groups=2)', RuntimeError, 'Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [[3, 2, 3, 3]] instead'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 1, 3, 3), groups=2)', RuntimeError, 'Given groups=2, weight of size [4, 1, 3, 3], expected input[1, 3, 5, 5] to have 2 channels, but got 3 channels instead'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), groups=0)', RuntimeError, 'non-positive groups is not supported'),
    ('F.conv2d(z(1, 3, 5, 5), z(0, 3, 3, 3))', RuntimeError, 'Given groups=1, expected weight to be at least 1 at dimension 0, but got weight of size [0, 3, 3, 3] instead'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), stride=(1, 1, 1))', RuntimeError, 'expected stride to be a single integer value or a list of 2 values to match the convolution dimensions, but got stride=[1, 1, 1]'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), padding=(1, 1, 1))', RuntimeError, 'expected padding to be a single integer value or a list of 2 values to match the convolution dimensions, but got padding=[1, 1, 1]'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), dilation=(1, 1, 1))', RuntimeError, 'expected dilation to be a single integer value or a list of 2 values to match the convolution dimensions, but got dilation=[1, 1, 1]'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), stride=())', RuntimeError, 'expected stride to be a single integer value or a list of 2 values to match the convolution dimensions, but got stride=[]'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), z(3))', RuntimeError, 'Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, but got bias of size [3] instead'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), z(4, 1))', RuntimeError, 'Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, but got bias of size [4, 1] instead'),
    ('F.conv2d(zd(1, 3, 5, 5), z(4, 3, 3, 3))', RuntimeError, 'expected scalar type Double but found Float'),
    ('F.conv2d(z(1, 3, 5, 5), zd(4, 3, 3, 3))', RuntimeError, 'expected scalar type Float but found Double'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), zd(4))', RuntimeError, 'Input type (float) and bias type (double) should be the same'),
    ('F.conv2d(torch.ones(1, 3, 5, 5, dtype=torch.bool), torch.ones(4, 3, 3, 3, dtype=torch.bool))', NotImplementedError, '"slow_conv2d_cpu" not implemented for \'Bool\''),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3))', RuntimeError, 'expected stride to be a single integer value or a list of 1 values to match the convolution dimensions, but got stride=[1, 1]'),
    ('F.conv1d(z(1, 3, 5), z(4, 3))', RuntimeError, 'weight should have at least three dimensions'),
    ('F.conv1d(z(1, 3, 5), z(4, 3, 3, 3))', RuntimeError, 'Expected 4-dimensional input for 4-dimensional weight [4, 3, 3, 3], but got 3-dimensional input of size [1, 3, 5] instead'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 0, 3))', RuntimeError, 'kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 3'),
    ('F.conv2d([1], z(4, 3, 3, 3))', TypeError, 'conv2d() received an invalid combination of arguments - got (list, Tensor), but expected one of:\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, tuple of ints padding = 0, tuple of ints dilation = 1, int groups = 1)\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, str padding = "valid", tuple of ints dilation = 1, int groups = 1)\n'),
    ('F.conv2d(z(1, 3, 5, 5), 3)', TypeError, 'conv2d() received an invalid combination of arguments - got (Tensor, int), but expected one of:\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, tuple of ints padding = 0, tuple of ints dilation = 1, int groups = 1)\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, str padding = "valid", tuple of ints dilation = 1, int groups = 1)\n'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), 3)', TypeError, 'conv2d() received an invalid combination of arguments - got (Tensor, Tensor, int), but expected one of:\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, tuple of ints padding = 0, tuple of ints dilation = 1, int groups = 1)\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, str padding = "valid", tuple of ints dilation = 1, int groups = 1)\n'),
    ("F.conv1d(z(1, 3, 5), z(4, 3, 3), padding=('same',))", TypeError, 'conv1d() received an invalid combination of arguments - got (Tensor, Tensor, padding=tuple), but expected one of:\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, tuple of ints padding = 0, tuple of ints dilation = 1, int groups = 1)\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, str padding = "valid", tuple of ints dilation = 1, int groups = 1)\n'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), stride=1.0)', TypeError, 'conv2d() received an invalid combination of arguments - got (Tensor, Tensor, stride=float), but expected one of:\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, tuple of ints padding = 0, tuple of ints dilation = 1, int groups = 1)\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, str padding = "valid", tuple of ints dilation = 1, int groups = 1)\n'),
    ('F.conv3d(z(1, 3, 5, 5, 5), z(4, 3, 3, 3, 3), groups=1.0)', TypeError, 'conv3d() received an invalid combination of arguments - got (Tensor, Tensor, groups=float), but expected one of:\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, tuple of ints padding = 0, tuple of ints dilation = 1, int groups = 1)\n * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, str padding = "valid", tuple of ints dilation = 1, int groups = 1)\n'),
    ('F.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), stride=(1, 1.5))', TypeError, 'conv2d(): argument \'stride\' failed to unpack the object at pos 2 with error "type must be tuple of ints,but got float"'),
    ('F.conv_transpose2d(z(1, 2, 5, 5), z(3, 4, 3, 3))', RuntimeError, 'Given transposed=1, weight of size [3, 4, 3, 3], expected input[1, 2, 5, 5] to have 3 channels, but got 2 channels instead'),
    ('F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), output_padding=1)', RuntimeError, 'output padding must be smaller than either stride or dilation, but got output_padding_height: 1 output_padding_width: 1 stride_height: 1 stride_width: 1 dilation_height: 1 dilation_width: 1'),
    ('F.conv_transpose1d(z(1, 3, 5), z(3, 4, 3), output_padding=1)', RuntimeError, 'output padding must be smaller than either stride or dilation, but got output_padding_height: 0 output_padding_width: 1 stride_height: 1 stride_width: 1 dilation_height: 1 dilation_width: 1'),
    ('F.conv_transpose3d(z(1, 3, 5, 5, 5), z(3, 4, 3, 3, 3), output_padding=1)', RuntimeError, 'output padding must be smaller than either stride or dilation, but got output_padding_depth: 1 output_padding_height: 1 output_padding_width: 1 stride_depth: 1 stride_height: 1 stride_width: 1 dilation_depth: 1 dilation_height: 1 dilation_width: 1'),
    ('F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), output_padding=-1, stride=2)', RuntimeError, 'negative output_padding is not supported'),
    ('F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), output_padding=(1, 1, 1))', RuntimeError, 'expected output_padding to be a single integer value or a list of 2 values to match the convolution dimensions, but got output_padding=[1, 1, 1]'),
    ("F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), padding='same')", TypeError, "conv_transpose2d(): argument 'padding' must be tuple of ints, not str"),
    ('F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), z(3))', RuntimeError, 'Given transposed=1, weight of size [3, 4, 3, 3], expected bias to be 1-dimensional with 4 elements, but got bias of size [3] instead'),
    ('F.conv_transpose2d(z(1, 3, 5, 5), z(3, 2, 3, 3), groups=2)', RuntimeError, 'Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [[3, 2, 3, 3]] instead'),
    ('F.conv_transpose2d(z(1, 3, 1, 1), z(3, 4, 3, 3), padding=3)', RuntimeError, 'Given input size per channel: (1 x 1). Calculated output size per channel: (-3 x -3). Output size is too small'),
    ('F.conv_transpose1d(z(1, 3, 1), z(3, 4, 1), padding=1)', RuntimeError, 'Given input size per channel: (1 x 1). Calculated output size per channel: (1 x -1). Output size is too small'),
    ('F.conv_transpose3d(z(1, 3, 1, 1, 1), z(3, 4, 1, 1, 1), padding=1)', RuntimeError, 'Given input size per channel: (1 x 1 x 1). Calculated output size per channel: (-1 x -1 x -1). Output size is too small'),
    ('F.conv_transpose2d(z(3, 5), z(3, 4, 3, 3))', RuntimeError, 'Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: [3, 5]'),
    ('F.conv_transpose2d(z(1, 3, 0, 2), z(3, 4, 3, 3))', RuntimeError, 'Only zero batch or zero channel inputs are supported, but got input shape: [1, 3, 0, 2]'),
    ('F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), dilation=0)', RuntimeError, 'dilation should be greater than zero, but got dilation_height: 0, dilation_width: 0'),
    ('F.conv_transpose1d(z(1, 3, 5), z(3, 4, 3), dilation=0)', RuntimeError, 'dilation should be greater than zero, but got dilation_height: 1, dilation_width: 0'),
    ('F.conv_transpose3d(z(1, 3, 5, 5, 5), z(3, 4, 3, 3, 3), dilation=0)', RuntimeError, 'dilation should be greater than zero, but got dilation_depth: 0, dilation_height: 0, dilation_width: 0'),
    ('F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), dilation=-1)', RuntimeError, 'dilation should be greater than zero'),
    ('F.conv_transpose2d(zd(1, 3, 5, 5), z(3, 4, 3, 3))', RuntimeError, 'expected scalar type Double but found Float'),
    ('F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 0, 3))', RuntimeError, 'kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 3'),
    ('F.conv_transpose1d([1], z(3, 4, 3))', TypeError, "conv_transpose1d(): argument 'input' (position 1) must be Tensor, not list"),
    ('F.conv_transpose2d(z(1, 3, 5, 5), 3)', TypeError, "conv_transpose2d(): argument 'weight' (position 2) must be Tensor, not int"),
    ('F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), 3)', TypeError, "conv_transpose2d(): argument 'bias' (position 3) must be Tensor, not int"),
    ('F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), stride=1.5)', TypeError, "conv_transpose2d(): argument 'stride' must be tuple of ints, not float"),
    ('F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), groups=1.5)', TypeError, "conv_transpose2d(): argument 'groups' must be int, not float"),
    ('F.conv_transpose3d(z(1, 3, 5, 5, 5), z(3, 4, 3, 3, 3), dilation=(1.5, 1, 1))', TypeError, "conv_transpose3d(): argument 'dilation' must be tuple of ints, not tuple"),
    # the layers pass every argument by position, which torch's messages show
    ("nn.ConvTranspose1d(2, 2, 1, padding='same')(z(1, 2, 3))", TypeError, "conv_transpose1d(): argument 'padding' (position 5) must be tuple of ints, but found element of type str at pos 0"),
    ("nn.ConvTranspose2d(2, 2, 1, padding='valid')(z(1, 2, 3, 3))", TypeError, "conv_transpose2d(): argument 'padding' (position 5) must be tuple of ints, but found element of type str at pos 0"),
    ("nn.ConvTranspose3d(2, 2, 1, padding='same')(z(2, 2, 2, 2))", TypeError, "conv_transpose3d(): argument 'padding' (position 5) must be tuple of ints, but found element of type str at pos 0"),
    ('nn.ConvTranspose2d(2, 2, 1, stride=(1.5, 1))(z(1, 2, 3, 3))', TypeError, "conv_transpose2d(): argument 'stride' (position 4) must be tuple of ints, but found element of type float at pos 0"),
    ('nn.ConvTranspose1d(2, 2, 1, dilation=(1, 1.5))(z(1, 2, 3))', TypeError, 'conv_transpose1d(): argument \'dilation\' failed to unpack the object at pos 2 with error "type must be tuple of ints,but got float"'),
    ("F.conv_transpose1d(z(1, 2, 3), z(2, 2, 1), padding='same')", TypeError, "conv_transpose1d(): argument 'padding' must be tuple of ints, not str"),
    ("F.conv_transpose3d(z(1, 2, 3, 3, 3), z(2, 2, 1, 1, 1), padding=('same',))", TypeError, "conv_transpose3d(): argument 'padding' must be tuple of ints, not tuple"),
    ("F.conv_transpose2d(z(1, 2, 3, 3), z(2, 2, 1, 1), output_padding=(1, 'a'))", TypeError, 'conv_transpose2d(): argument \'output_padding\' failed to unpack the object at pos 2 with error "type must be tuple of ints,but got str"'),
    ('F.conv_transpose1d(z(1, 1, 3), z(1, 1, 1), output_padding=2, dilation=2)', RuntimeError, 'output padding must be smaller than either stride or dilation, but got output_padding_height: 0 output_padding_width: 2 stride_height: 1 stride_width: 1 dilation_height: 1 dilation_width: 2'),
    ('nn.Conv2d(4, 4, 3, groups=0)', ValueError, 'groups must be a positive integer'),
    ('nn.Conv2d(3, 4, 3, groups=2)', ValueError, 'in_channels must be divisible by groups'),
    ('nn.Conv2d(4, 3, 3, groups=2)', ValueError, 'out_channels must be divisible by groups'),
    ("nn.Conv2d(4, 4, 3, padding='same', stride=2)", ValueError, "padding='same' is not supported for strided convolutions"),
    ("nn.ConvTranspose2d(4, 4, 3, padding_mode='reflect')", ValueError, 'Only "zeros" padding mode is supported for ConvTranspose2d'),
    ('nn.ConvTranspose2d(3, 4, 3, stride=2)(z(1, 3, 5, 5), output_size=(12,))', ValueError, 'ConvTranspose2D: for 4D input, output_size must have 2 or 4 elements (got 1)'),
    ('nn.ConvTranspose2d(3, 4, 3, stride=2)(z(3, 5, 5), output_size=(1, 2, 3, 4))', ValueError, 'ConvTranspose2D: for 3D input, output_size must have 2 or 3 elements (got 4)'),
    ('nn.ConvTranspose1d(3, 4, 3, stride=3)(z(1, 3, 5), output_size=[20])', ValueError, 'requested an output size of [20], but valid sizes range from [15] to [17] (for an input of torch.Size([5]))'),
    ('F.pad(z(2, 3), (1,))', RuntimeError, 'Padding length must be divisible by 2'),
    ('F.pad(z(2, 3), (1, 1, 1, 1, 1, 1))', RuntimeError, 'Padding length should be less than or equal to two times the input dimension but got padding length 6 and input of dimension 2'),
    ('F.pad(z(2, 3), (-2, -2))', RuntimeError, 'narrow(): length must be non-negative.'),
    ("F.pad(zl(2, 3), (1, 1), value=float('nan'))", RuntimeError, 'value cannot be converted to type int64_t without overflow'),
    ("F.pad(z(3), (1, 1), mode='reflect')", NotImplementedError, 'Padding size 2 is not supported for 1D input tensor.\nSupported combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)'),
    ("F.pad(z(1, 2, 3, 4), (1, 1), mode='reflect')", NotImplementedError, 'Padding size 2 is not supported for 4D input tensor.\nSupported combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)'),
    ("F.pad(z(2, 3), (1, 1, 1, 1), mode='replicate')", NotImplementedError, 'Padding size 4 is not supported for 2D input tensor.\nSupported combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)'),
    ("F.pad(z(1, 1, 2, 3, 4), (1, 1), mode='circular')", NotImplementedError, 'Padding size 2 is not supported for 5D input tensor.\nSupported combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)'),
    ("F.pad(z(1, 2, 3), (3, 1), mode='reflect')", RuntimeError, 'Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (3, 1) at dimension 2 of input [1, 2, 3]'),
    ("F.pad(z(1, 2, 3, 3), (1, 3, 1, 1), mode='reflect')", RuntimeError, 'Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (1, 3) at dimension 3 of input [1, 2, 3, 3]'),
    ("F.pad(z(1, 2, 3, 3), (1, 1, 1, 3), mode='reflect')", RuntimeError, 'Argument #6: Padding size should be less than the corresponding input dimension, but got: padding (1, 3) at dimension 2 of input [1, 2, 3, 3]'),
    ("F.pad(z(1, 2, 3, 3, 3), (1, 1, 1, 1, 3, 1), mode='reflect')", RuntimeError, 'Argument #8: Padding size should be less than the corresponding input dimension, but got: padding (3, 1) at dimension 2 of input [1, 2, 3, 3, 3]'),
    ("F.pad(z(2, 3), (3, 1), mode='reflect')", RuntimeError, 'Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (3, 1) at dimension 1 of input [2, 3]'),
    ("F.pad(z(1, 2, 0), (1, 1), mode='replicate')", RuntimeError, 'Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [1, 2, 0]'),
    ("F.pad(z(1, 2, 0, 3), (1, 1, 1, 1), mode='reflect')", RuntimeError, 'Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [1, 2, 0, 3]'),
    ("F.pad(z(0, 3), (1, 1), mode='reflect')", RuntimeError, 'Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [0, 3]'),
    ("F.pad(z(1, 2, 3), (-2, -2), mode='replicate')", RuntimeError, 'input (W: 3) is too small. Calculated output W: -1'),
    ("F.pad(z(1, 2, 3), (-2, -1), mode='reflect')", RuntimeError, 'input (W: 3) is too small. Calculated output W: 0'),
    ("F.pad(z(1, 2, 3), (4, 1), mode='circular')", RuntimeError, 'Padding value causes wrapping around more than once.'),
    ("F.pad(z(1, 2, 3, 3), (1, 1, 4, 1), mode='circular')", RuntimeError, 'Padding value causes wrapping around more than once.'),
    ("F.pad(z(1, 2, 5), (-3, -3), mode='circular')", RuntimeError, 'Negative padding value is resulting in an empty dimension'),
    ("F.pad(z(1, 2, 5), (1, 1), mode='foo')", NotImplementedError, 'Unrecognised padding mode foo'),
    ("F.pad(z(1, 2, 5), (1,), mode='foo')", NotImplementedError, 'Unrecognised padding mode foo'),
    ("F.pad(z(1, 2, 5), (1, 1), mode='reflect', value=1.0)", RuntimeError, 'Padding mode "reflect" doesn\'t take in value argument'),
    ('F.pad(z(1, 2, 5), 1)', TypeError, "pad(): argument 'pad' (position 2) must be tuple of ints, not int"),
    ('F.pad(z(1, 2, 5), (1.5, 1))', TypeError, "pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type float at pos 0"),
    ('F.pad([1], (1, 1))', TypeError, "pad(): argument 'input' (position 1) must be Tensor, not list"),
    ("F.pad(torch.ones(1, 2, 5, dtype=torch.bool), (1, 1), mode='reflect')", NotImplementedError, '"reflection_pad1d" not implemented for \'Bool\''),
    ('nn.CircularPad1d(1)(z(5))', ValueError, 'expected 2D or 3D input (got 1D input)'),
    ('nn.CircularPad2d(1)(z(1, 1, 1, 3, 3))', ValueError, 'expected 3D or 4D input (got 5D input)'),
    ('nn.ReflectionPad1d((1, 2, 3))(z(1, 2, 5))', RuntimeError, 'Padding length must be divisible by 2'),
    ('F.unfold(z(5, 6), 2)', IndexError, 'Dimension out of range (expected to be in range of [-2, 1], but got 2)'),
    ('F.unfold(z(1, 2, 3, 5, 6), 2)', RuntimeError, 'Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [1, 2, 3, 5, 6]'),
    ('F.unfold(z(1, 2, 3, 3), 4)', RuntimeError, 'Given input with spatial size (3, 3), kernel_size=(4, 4), dilation=(1, 1), padding=(0, 0), calculated shape of the array of sliding blocks as (0, 0), but its components must be at least one.'),
    ('F.unfold(z(1, 2, 3, 3), 0)', RuntimeError, 'kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0'),
    ('F.unfold(z(1, 2, 3, 3), 2, stride=0)', RuntimeError, 'stride should be greater than zero, but got stride_height: 0 stride_width: 0'),
    ('F.unfold(z(1, 2, 3, 3), 2, dilation=0)', RuntimeError, 'dilation should be greater than zero, but got dilation_height: 0 dilation_width: 0'),
    ('F.unfold(z(1, 2, 3, 3), 2, padding=-1)', RuntimeError, 'padding should be non-negative, but got pad_height: -1 pad_width: -1'),
    ('F.unfold(z(1, 2, 3, 3), (2, 2, 2))', RuntimeError, 'It is expected kernel_size equals to 2, but got size 3'),
    ('F.unfold(zl(1, 2, 3, 3), 2)', NotImplementedError, '"im2col_out_cpu" not implemented for \'Long\''),
    ('F.unfold(z(1, 0, 3, 3), 2)', RuntimeError, 'Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [1, 0, 3, 3]'),
    ('F.unfold(z(1, 2, 0, 3), 1)', RuntimeError, 'Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [1, 2, 0, 3]'),
    ('F.unfold([1], 2)', TypeError, "im2col(): argument 'input' (position 1) must be Tensor, not list"),
    ('F.unfold(z(1, 2, 3, 3), 2.0)', TypeError, "im2col(): argument 'kernel_size' (position 2) must be tuple of ints, but found element of type float at pos 0"),
    ('F.fold(z(2, 12, 6), (4, 5), 2)', RuntimeError, "Given output_size=(4, 5), kernel_size=(2, 2), dilation=(1, 1), padding=(0, 0), stride=(1, 1), expected size of input's dimension 2 to match the calculated number of sliding blocks 3 * 4 = 12, but got input.size(2)=6."),
    ('F.fold(z(12, 6), (4, 5), 2)', RuntimeError, "Given output_size=(4, 5), kernel_size=(2, 2), dilation=(1, 1), padding=(0, 0), stride=(1, 1), expected size of input's dimension 2 to match the calculated number of sliding blocks 3 * 4 = 12, but got input.size(2)=6."),
    ('F.fold(z(2, 13, 12), (4, 5), 2)', RuntimeError, "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=13 and kernel_size=(2, 2)."),
    ('F.fold(z(13, 12), (4, 5), 2)', RuntimeError, "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=13 and kernel_size=(2, 2)."),
    ('F.fold(z(1, 2, 12, 6), (4, 5), 2)', RuntimeError, 'Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: [1, 2, 12, 6]'),
    ('F.fold(z(12), (4, 5), 2)', RuntimeError, 'Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: [12]'),
    ('F.fold(z(1, 12, 1), (1, 1), 2)', RuntimeError, "Given output_size=(1, 1), kernel_size=(2, 2), dilation=(1, 1), padding=(0, 0), stride=(1, 1), expected size of input's dimension 2 to match the calculated number of sliding blocks 0 * 0 = 0, but got input.size(2)=1."),
    ('F.fold(z(1, 12, 1), (4, 5), 0)', RuntimeError, 'kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0'),
    ('F.fold(z(1, 12, 6), (4, 5), 2, stride=0)', RuntimeError, 'stride should be greater than zero, but got stride_height: 0 stride_width: 0'),
    ('F.fold(z(1, 12, 6), (4, 5), 2, dilation=0)', RuntimeError, 'dilation should be greater than zero, but got dilation_height: 0 dilation_width: 0'),
    ('F.fold(z(1, 12, 6), (4, 5), 2, padding=-1)', RuntimeError, 'padding should be non-negative, but got pad_height: -1 pad_width: -1'),
    ('F.fold(z(1, 12, 6), (4, 5, 1), 2)', RuntimeError, 'It is expected output_size equals to 2, but got size 3'),
    ('F.fold(z(1, 12, 6), (0, 5), 2)', RuntimeError, "Given output_size=(0, 5), kernel_size=(2, 2), dilation=(1, 1), padding=(0, 0), stride=(1, 1), expected size of input's dimension 2 to match the calculated number of sliding blocks -1 * 4 = -4, but got input.size(2)=6."),
    ('F.fold(z(1, 12, 0), (4, 5), 2)', RuntimeError, 'Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: [1, 12, 0]'),
    ('F.fold(zl(1, 12, 12), (4, 5), 2)', NotImplementedError, '"col2im_out_cpu" not implemented for \'Long\''),
]


@pytest.mark.parametrize("expr, exc_type, message", ROWS, ids=[r[0] for r in ROWS])
def test_error_matches_torch(expr, exc_type, message):
    with pytest.raises(exc_type) as info:
        eval(expr)
    # the one message naming a Size prints nnx's class where torch prints its own
    assert str(info.value) == message.replace("torch.Size", "nnx.Size")


def test_layer_messages_listing_a_set():
    # torch formats a Python set here, whose order changes from run to run
    with pytest.raises(ValueError, match=re.escape("Invalid padding string 'foo', should be "
                                                   "one of {")):
        nn.Conv2d(4, 4, 3, padding="foo")
    with pytest.raises(ValueError, match=r"padding_mode must be one of \{.*'circular'.*\}, "
                                         r"but got padding_mode='foo'"):
        nn.Conv2d(4, 4, 3, padding_mode="foo")


def test_output_size_out_of_range_names_the_valid_range():
    m = nn.ConvTranspose2d(3, 4, 3, stride=2)
    with pytest.raises(ValueError, match=re.escape(
            "requested an output size of (14, 12), but valid sizes range from [11, 11] to "
            "[12, 12] (for an input of ")):
        m(z(1, 3, 5, 5), output_size=(14, 12))
