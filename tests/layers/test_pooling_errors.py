"""Pooling argument errors: each call raises torch 2.13's exception type and message.

The expected (type, message) pairs were produced by running each call with
torch==2.13.0 on the same inputs (F = torch.nn.functional) and are pasted here; the
tests run the call with nnx.
"""

import pytest
from _error_table import assert_error_matches, parametrize_errors

import nnx
import nnx.nn.functional as F

ERRORS = [
    ('F.max_pool2d(x4, 2, padding=2)',
     RuntimeError,
     'pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and '
     'dilation=1'),
    ('F.max_pool2d(x4, 2, padding=2, dilation=3)',
     RuntimeError,
     'pad should be smaller than or equal to half of kernel size, but got padW = 2, padH = '
     '2, kW = 2, kH = 2'),
    ('F.max_pool2d(x4, 2, padding=-1)',
     RuntimeError,
     'pad must be non-negative, but got pad: -1'),
    ('F.max_pool2d(x4, 0)',
     RuntimeError,
     'stride should not be zero'),
    ('F.max_pool2d(x4, 0, 1)',
     RuntimeError,
     'kernel size should be greater than zero, but got kH: 0 kW: 0'),
    ('F.max_pool2d(x4, 2, -1)',
     RuntimeError,
     'stride should be greater than zero, but got dH: -1 dW: -1'),
    ('F.max_pool2d(x4, 2, dilation=0)',
     RuntimeError,
     'dilation should be greater than zero, but got dilationH: 0 dilationW: 0'),
    ('F.max_pool2d(x4, 6)',
     RuntimeError,
     'Given input size: (3x5x7). Calculated output size: (3x0x1). Output size is too small'),
    ('F.max_pool2d(x4, (2, 2, 2))',
     RuntimeError,
     'max_pool2d: kernel_size must either be a single int, or a tuple of two ints'),
    ('F.max_pool2d(x4, 2, (2, 2, 2))',
     RuntimeError,
     'max_pool2d: stride must either be omitted, a single int, or a tuple of two ints'),
    ('F.max_pool2d(x4, 2, 2, (0, 0, 0))',
     RuntimeError,
     'max_pool2d: padding must either be a single int, or a tuple of two ints'),
    ('F.max_pool2d(x4, 2, 2, 0, (1, 1, 1))',
     RuntimeError,
     'max_pool2d: dilation must be either a single int, or a tuple of two ints'),
    ('F.max_pool2d(x2, 2)',
     RuntimeError,
     'non-empty 3D or 4D (batch mode) tensor expected for input'),
    ('F.max_pool2d(x5, 2)',
     RuntimeError,
     'non-empty 3D or 4D (batch mode) tensor expected for input'),
    ('F.max_pool2d(empty_c, 2)',
     RuntimeError,
     'Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but '
     'got:[2, 0, 5, 7]'),
    ('F.max_pool2d([1.0], 2)',
     TypeError,
     "max_pool2d(): argument 'input' (position 1) must be Tensor, not list"),
    ('F.max_pool1d(x3, 2, padding=2)',
     RuntimeError,
     'max_pool1d() padding should be at most half of kernel size, but got padding=2 and '
     'kernel_size=2'),
    ('F.max_pool1d(x3.detach(), 2, padding=2)',
     RuntimeError,
     'max_pool1d() padding should be at most half of kernel size, but got padding=2 and '
     'kernel_size=2'),
    ('F.max_pool1d(x3, 2, padding=2, return_indices=True)',
     RuntimeError,
     'pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and '
     'dilation=1'),
    ('F.max_pool1d(x3, 0)',
     RuntimeError,
     'max_pool1d() kernel_size must be greater than zero, but got 0'),
    ('F.max_pool1d(x3, 2, 0)',
     RuntimeError,
     'max_pool1d() stride must be greater than zero, but got 0'),
    ('F.max_pool1d(x3.detach(), 2, dilation=0)',
     RuntimeError,
     'max_pool1d() dilation must be greater than zero, but got 0'),
    ('F.max_pool1d(x3, 10)',
     RuntimeError,
     'max_pool1d() Invalid computed output size: 0'),
    ('F.max_pool1d(x3, 10, return_indices=True)',
     RuntimeError,
     'Given input size: (3x1x9). Calculated output size: (3x1x0). Output size is too small'),
    ('F.max_pool1d(x1, 2)',
     RuntimeError,
     'max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for '
     'input, but got:[9]'),
    ('F.max_pool1d(x4, 2)',
     RuntimeError,
     'max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for '
     'input, but got:[2, 3, 5, 7]'),
    ('F.max_pool1d(x4, 2, return_indices=True)',
     RuntimeError,
     "Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while "
     'checking arguments for max_pool1d)'),
    ('F.max_pool1d(x3, (2, 2))',
     RuntimeError,
     'max_pool1d() kernel_size must be an int, list of ints or tuple of ints of size 1 but '
     'got size 2'),
    ('F.max_pool1d(x3, 2, (2, 2))',
     RuntimeError,
     'max_pool1d() stride must be None, an int, list of ints, or tuple of ints of size 1 but '
     'got size 2'),
    ('F.max_pool1d(x3, 2, 2, (0, 0))',
     RuntimeError,
     'max_pool1d() padding must be an int, list of ints, or tuple of ints of size 1 but got '
     'size 2'),
    ('F.max_pool1d(x3, 2, 2, 0, (1, 1))',
     RuntimeError,
     'max_pool1d() dilation must be an int, list of ints or tuple of ints of size 1 but got '
     'size 2'),
    ('F.max_pool1d(x3, (2, 2), return_indices=True)',
     RuntimeError,
     "max_pool1d() argument 'kernel_size' should contain one int (got 2)"),
    ('F.max_pool1d(x3, 2, padding=-1)',
     RuntimeError,
     'max_pool1d() padding must be non-negative, but got -1'),
    ('F.max_pool3d(x5, (2, 2, 2, 2))',
     RuntimeError,
     'max_pool3d: kernel_size must either be a single int, or a tuple of three ints'),
    ('F.max_pool3d(x5, 2, padding=2, dilation=3)',
     RuntimeError,
     'pad should be smaller than or equal to half of kernel size, but got kT: 2 kW: 2 kH: 2 '
     'padT: 2 padW: 2 padH: 2'),
    ('F.max_pool3d(x5, 0, 1)',
     RuntimeError,
     'kernel size should be greater than zero, but got kT: 0 kH: 0 kW: 0'),
    ('F.max_pool3d(x5, 2, -1)',
     RuntimeError,
     'stride should be greater than zero, but got dT: -1 dH: -1 dW: -1'),
    ('F.max_pool3d(x5, 2, dilation=0)',
     RuntimeError,
     'dilation should be greater than zero, but got dilationT: 0 dilationH: 0 dilationW: 0'),
    ('F.max_pool3d(x5, 5)',
     RuntimeError,
     'Given input size: (3x4x5x7). Calculated output size: (3x0x1x1). Output size is too '
     'small'),
    ('F.max_pool3d(x2, 2)',
     RuntimeError,
     'non-empty 4D or 5D (batch mode) tensor expected for input'),
    ('F.max_pool3d(empty_c5, 2)',
     RuntimeError,
     "max_pool3d_with_indices_out_cpu_template(): Expected input's non-batch dimensions to "
     'have positive length, but input has a shape of [1, 0, 4, 5, 7] and non-batch dimension '
     '0 has length zero!'),
    ('F.avg_pool2d(x4, 2, padding=2)',
     RuntimeError,
     'pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and '
     'dilation=1'),
    ('F.avg_pool2d(x4, 2, padding=-1)',
     RuntimeError,
     'pad must be non-negative, but got pad: -1'),
    ('F.avg_pool2d(x4, 0)',
     RuntimeError,
     'stride should not be zero'),
    ('F.avg_pool2d(x4, 0, 1)',
     RuntimeError,
     'kernel size should be greater than zero, but got kH: 0 kW: 0'),
    ('F.avg_pool2d(x4, 2, -1)',
     RuntimeError,
     'stride should be greater than zero, but got dH: -1 dW: -1'),
    ('F.avg_pool2d(x4, 6)',
     RuntimeError,
     'Given input size: (3x5x7). Calculated output size: (3x0x1). Output size is too small'),
    ('F.avg_pool2d(x4, 2, divisor_override=0)',
     RuntimeError,
     'divisor must be not zero'),
    ('F.avg_pool2d(x4, (2, 2, 2))',
     RuntimeError,
     'avg_pool2d: kernel_size must either be a single int, or a tuple of two ints'),
    ('F.avg_pool2d(x4, 2, (2, 2, 2))',
     RuntimeError,
     'avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints'),
    ('F.avg_pool2d(x4, 2, 2, (1, 1, 1))',
     RuntimeError,
     'avg_pool2d: padding must either be a single int, or a tuple of two ints'),
    ('F.avg_pool2d(x2, 2)',
     IndexError,
     'Dimension out of range (expected to be in range of [-2, 1], but got -3)'),
    ('F.avg_pool2d(x1, 2)',
     IndexError,
     'Dimension out of range (expected to be in range of [-1, 0], but got -3)'),
    ('F.avg_pool2d(x5, 2)',
     RuntimeError,
     'Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but '
     'got:[2, 3, 4, 5, 7]'),
    ('F.avg_pool1d(x3, 2, padding=2)',
     RuntimeError,
     'pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and '
     'dilation=1'),
    ('F.avg_pool1d(x3, 10)',
     RuntimeError,
     'Given input size: (3x1x9). Calculated output size: (3x1x0). Output size is too small'),
    ('F.avg_pool1d(x3, (2, 2))',
     RuntimeError,
     "avg_pool1d() argument 'kernel_size' should contain one int (got 2)"),
    ('F.avg_pool1d(x1, 2)',
     RuntimeError,
     "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while "
     'checking arguments for avg_pool1d)'),
    ('F.avg_pool1d(x4, 2)',
     RuntimeError,
     "Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while "
     'checking arguments for avg_pool1d)'),
    ('F.avg_pool3d(x5, (2, 2, 2, 2))',
     RuntimeError,
     'avg_pool3d: kernel_size must be a single int, or a tuple of three ints'),
    ('F.avg_pool3d(x5, 2, (2, 2, 2, 2))',
     RuntimeError,
     'avg_pool3d: stride must be omitted, a single int, or a tuple of three ints'),
    ('F.avg_pool3d(x5, 2, 2, (0, 0, 0, 0))',
     RuntimeError,
     'avg_pool3d: padding must be a single int, or a tuple of three ints'),
    ('F.avg_pool3d(x5, 5)',
     RuntimeError,
     'input image (T: 4 H: 5 W: 7) smaller than kernel size (kT: 5 kH: 5 kW: 5)'),
    ('F.avg_pool3d(x5, 2, divisor_override=0)',
     RuntimeError,
     'divisor must be not zero'),
    ('F.avg_pool3d(x2, 2)',
     RuntimeError,
     'non-empty 4D or 5D (batch mode) tensor expected for input'),
    ('F.adaptive_avg_pool2d(x4, (-1, 3))',
     RuntimeError,
     'adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but '
     'received {-1, 3}'),
    ('F.adaptive_avg_pool2d(x4, (1, 2, 3))',
     RuntimeError,
     'adaptive_avg_pool2d: output_size must be 2'),
    ('F.adaptive_avg_pool2d(x2, 2)',
     RuntimeError,
     'adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [5, 7]'),
    ('F.adaptive_avg_pool2d(x5, 2)',
     RuntimeError,
     'adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [2, 3, 4, 5, 7]'),
    ('F.adaptive_avg_pool2d(empty_h, 2)',
     RuntimeError,
     'adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, '
     'but input has sizes [2, 3, 0, 7] with dimension 2 being empty'),
    ('F.adaptive_avg_pool2d(ints4, 2)',
     NotImplementedError,
     '"adaptive_avg_pool2d" not implemented for \'Long\''),
    ('F.adaptive_avg_pool2d(ints4, 1)',
     RuntimeError,
     'mean(): could not infer output dtype. Input dtype must be either a floating point or '
     'complex dtype. Got: Long'),
    ('F.adaptive_avg_pool2d(x1, 1)',
     IndexError,
     'Dimension out of range (expected to be in range of [-1, 0], but got -2)'),
    ('F.adaptive_avg_pool2d(x1, (None, 2))',
     ValueError,
     'Input dimension should be at least 3'),
    ('F.adaptive_avg_pool1d(x3, (4, 4))',
     RuntimeError,
     "adaptive_avg_pool1d() argument 'output_size' should contain one int (got 2)"),
    ('F.adaptive_avg_pool1d(x3, None)',
     TypeError,
     "adaptive_avg_pool1d(): argument 'output_size' (position 2) must be tuple of ints, not "
     'NoneType'),
    ('F.adaptive_avg_pool1d(x1, 2)',
     RuntimeError,
     "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while "
     'checking arguments for adaptive_avg_pool1d)'),
    ('F.adaptive_avg_pool1d(x4, 2)',
     RuntimeError,
     "Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while "
     'checking arguments for adaptive_avg_pool1d)'),
    ('F.adaptive_avg_pool3d(x3, 2)',
     RuntimeError,
     'adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got [2, 3, 9]'),
    ('F.adaptive_avg_pool3d(x5, (2, 2))',
     RuntimeError,
     'adaptive_avg_pool3d: output_size must be 3'),
    ('F.adaptive_max_pool2d(x4, (1, 2, 3))',
     RuntimeError,
     'adaptive_max_pool2d(): internal error: output_size.size() must be 2'),
    ('F.adaptive_max_pool2d(x2, 2)',
     RuntimeError,
     'adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: [5, 7]'),
    ('F.adaptive_max_pool2d(empty_h, 2)',
     RuntimeError,
     'adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, '
     'but input has sizes [2, 3, 0, 7] with dimension 2 being empty'),
    ('F.adaptive_max_pool2d(ints4, 2)',
     NotImplementedError,
     '"adaptive_max_pool2d" not implemented for \'Long\''),
    ('F.adaptive_max_pool2d(x4, (-1, 3))',
     RuntimeError,
     'Trying to create tensor with negative dimension -1: [2, 3, -1, 3]'),
    ('F.adaptive_max_pool1d(x3, (4, 4))',
     RuntimeError,
     "adaptive_max_pool1d() argument 'output_size' should contain one int (got 2)"),
    ('F.adaptive_max_pool1d(x2[:, :0], 3)',
     RuntimeError,
     'adaptive_max_pool1d(): Expected input to have non-zero size for non-batch dimensions, '
     'but input has sizes [5, 0] with dimension 1 being empty'),
    ('F.adaptive_max_pool1d(x3[:, :, :0], 3)',
     RuntimeError,
     'adaptive_max_pool1d(): Expected input to have non-zero size for non-batch dimensions, '
     'but input has sizes [2, 3, 0] with dimension 2 being empty'),
    ('F.adaptive_max_pool1d(x1, 2)',
     RuntimeError,
     "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while "
     'checking arguments for adaptive_max_pool1d)'),
    ('F.adaptive_max_pool1d(x4, 2)',
     RuntimeError,
     "Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while "
     'checking arguments for adaptive_max_pool1d)'),
    ('F.adaptive_max_pool3d(x3, 2)',
     RuntimeError,
     'adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: [2, 3, 9]'),
    ('F.adaptive_max_pool3d(x5, (2, 2))',
     RuntimeError,
     'adaptive_max_pool3d(): internal error: output_size.size() must be 3'),
    ('F.max_unpool2d(y4, i4, 2)',
     RuntimeError,
     'Found an invalid max index: 26 (output volumes are of size 4x6)'),
    ('F.max_unpool2d(y4, i4, 2, output_size=(7, 7))',
     ValueError,
     'invalid output_size "(7, 7)" (dim 0 must be between 2 and 6)'),
    ('F.max_unpool2d(y4, i4, 2, output_size=(1, 5, 7))',
     ValueError,
     'output_size should be a sequence containing 2 or 4 elements, but it has a length of '
     "'3'"),
    ('F.max_unpool2d(y4, i4 + 100, 2, output_size=(5, 7))',
     RuntimeError,
     'Found an invalid max index: 126 (output volumes are of size 5x7)'),
    ('F.max_unpool2d(y4, i4 - 100, 2, output_size=(5, 7))',
     RuntimeError,
     'Found an invalid max index: -74 (output volumes are of size 5x7)'),
    ('F.max_unpool2d(y4, i4.float(), 2, output_size=(5, 7))',
     RuntimeError,
     'elements in indices should be type int64 but got: Float'),
    ('F.max_unpool2d(y4, i4[:, :, :1], 2)',
     RuntimeError,
     'Expected shape of indices to be same as that of the input tensor ([2, 3, 2, 3]) but '
     'got indices tensor with shape: [2, 3, 1, 3]'),
    ('F.max_unpool2d(y4[0, 0], i4[0, 0], 2)',
     RuntimeError,
     'Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with 2 '
     'dimensions.'),
    ('F.max_unpool1d(y3, i3, 2, output_size=[11])',
     ValueError,
     'invalid output_size "[11]" (dim 0 must be between 6 and 10)'),
    ('F.max_unpool1d(y3, i3 + 20, 2)',
     RuntimeError,
     'Found an invalid max index: 26 (output volumes are of size 8x1)'),
    ('F.max_unpool1d(y3[0, 0], i3[0, 0], 2)',
     RuntimeError,
     'Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with 2 '
     'dimensions.'),
    ('F.max_unpool3d(y5, i5.float(), 2, output_size=(4, 5, 7))',
     RuntimeError,
     'elements in indices should be type int64'),
    # an output size of 0 pools fine, but torch's backward refuses the empty grad_output
    ('F.adaptive_avg_pool1d(x3, 0).sum().backward()',
     RuntimeError,
     'adaptive_avg_pool2d_backward(): Expected grad_output to have non-zero size for '
     'non-batch dimensions, but grad_output has sizes [2, 3, 1, 0] with dimension 3 being '
     'empty'),
    ('F.adaptive_avg_pool1d(x2, 0).sum().backward()',
     RuntimeError,
     'adaptive_avg_pool2d_backward(): Expected grad_output to have non-zero size for '
     'non-batch dimensions, but grad_output has sizes [5, 1, 0] with dimension 2 being empty'),
    ('F.adaptive_max_pool1d(x3, 0).sum().backward()',
     RuntimeError,
     'adaptive_max_pool2d_backward(): Expected grad_output to have non-zero size for '
     'non-batch dimensions, but grad_output has sizes [2, 3, 1, 0] with dimension 3 being '
     'empty'),
    ('F.adaptive_avg_pool2d(x4, (2, 0)).sum().backward()',
     RuntimeError,
     'adaptive_avg_pool2d_backward(): Expected grad_output to have non-zero size for '
     'non-batch dimensions, but grad_output has sizes [2, 3, 2, 0] with dimension 3 being '
     'empty'),
    ('F.adaptive_max_pool2d(x4, (0, 3)).sum().backward()',
     RuntimeError,
     'adaptive_max_pool2d_backward(): Expected grad_output to have non-zero size for '
     'non-batch dimensions, but grad_output has sizes [2, 3, 0, 3] with dimension 2 being '
     'empty'),
    ('F.adaptive_avg_pool3d(x5, (1, 0, 2)).sum().backward()',
     RuntimeError,
     'adaptive_avg_pool3d_backward(): Expected grad_output to have non-zero size for '
     'non-batch dimensions, but grad_output has sizes [2, 3, 1, 0, 2] with dimension 3 being '
     'empty'),
    ('F.adaptive_max_pool3d(x5, (1, 2, 0)).sum().backward()',
     RuntimeError,
     'adaptive_max_pool3d_backward(): Expected grad_output to have non-zero size for '
     'non-batch dimensions, but grad_output has sizes [2, 3, 1, 2, 0] with dimension 4 being '
     'empty'),
    # torch's 3-d text spaces the third size differently
    ('F.adaptive_avg_pool3d(x5, (-1, 2, 3))',
     RuntimeError,
     'adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 but '
     'received {-1, 2,3}'),
    # lp_pool1d multiplies by kernel_size itself; lp_pool2d/3d unpack _pair/_triple of it
    ('F.lp_pool1d(x3, 2.0, (2,))',
     TypeError,
     "mul(): argument 'other' (position 1) must be Tensor, not tuple"),
    ('F.lp_pool1d(x3, 2.0, [3])',
     TypeError,
     "mul(): argument 'other' (position 1) must be Tensor, not list"),
    ('F.lp_pool2d(x4, 2.0, (2,))',
     ValueError,
     'not enough values to unpack (expected 2, got 1)'),
    ('F.lp_pool2d(x4, 2.0, (2, 2, 2))',
     ValueError,
     'too many values to unpack (expected 2)'),
    ('F.lp_pool3d(x5, 2.0, (2, 2))',
     ValueError,
     'not enough values to unpack (expected 3, got 2)'),
]


@parametrize_errors(ERRORS)
def test_error_matches_torch(call, error, message):
    assert_error_matches(call, error, message)


def test_unpool3d_invalid_index_message():
    # one invalid index: torch 2.13 reports it with the output volume (D x H x W)
    values = nnx.ones(1, 1, 1, 1, 2)
    indices = nnx.tensor([[[[[3, 40]]]]])
    with pytest.raises(RuntimeError) as info:
        F.max_unpool3d(values, indices, 2)
    assert str(info.value) == "Found an invalid max index: 40 (output volumes are of size 2x2x4)"


@pytest.mark.parametrize(("shape", "fn", "args", "dim"), [
    ((2, 1, 1, 1), F.max_unpool2d, ((1, 2), 3, (0, 1)), 2),
    ((1, 1, 1), F.max_unpool2d, ((1, 2), 3, (0, 1)), 1),
    ((2, 1, 1), F.max_unpool1d, (2, 3, 1), 2),
    ((1, 1, 1, 1), F.max_unpool3d, ((1, 1, 2), 3, (0, 0, 1)), 1),
])
def test_unpool_into_an_empty_plane(shape, fn, args, dim):
    # torch 2.13 skips the index check when the output plane is empty (here W_out = 0) and
    # fails in backward, gathering from the empty (*batch, 0) view of grad_output
    values = nnx.ones(*shape, requires_grad=True)
    out = fn(values, nnx.zeros(*shape, dtype=nnx.int64), *args)
    assert out.numel() == 0
    with pytest.raises(RuntimeError) as info:
        out.sum().backward()
    assert str(info.value) == f"index 0 is out of bounds for dimension {dim} with size 0"
