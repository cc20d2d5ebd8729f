"""Vision argument errors (interpolate, pixel_shuffle): each call raises torch 2.13's
exception type and message.

The expected (type, message) pairs were produced by running each call with
torch==2.13.0 on the same inputs (F = torch.nn.functional) and are pasted here; the
tests run the call with nnx.
"""

from _error_table import assert_error_matches, parametrize_errors

ERRORS = [
    ('F.interpolate(x4, scale_factor=2, align_corners=True)',
     ValueError,
     'align_corners option can only be set with the interpolating modes: linear | bilinear | '
     'bicubic | trilinear'),
    ('F.interpolate(x4, size=3, scale_factor=2)',
     ValueError,
     'only one of size or scale_factor should be defined'),
    ('F.interpolate(x4)',
     ValueError,
     'either size or scale_factor should be defined'),
    ('F.interpolate(x4, size=(3,))',
     ValueError,
     'Input and output must have the same number of spatial dimensions, but got input with '
     'spatial dimensions of [5, 7] and output size of (3,). Please provide input tensor in '
     '(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.'),
    ('F.interpolate(x4, size=(3.0, 2))',
     TypeError,
     'expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, '
     "int], but got size with types [<class 'float'>, <class 'int'>]"),
    ('F.interpolate(x4, scale_factor=(3, 2, 1))',
     ValueError,
     'Input and scale_factor must have the same number of spatial dimensions, but got input '
     'with spatial dimensions of [5, 7] and scale_factor of shape (3, 2, 1). Please provide '
     'input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) '
     'format.'),
    ('F.interpolate(x4, size=3, recompute_scale_factor=True)',
     ValueError,
     'recompute_scale_factor is not meaningful with an explicit size.'),
    ('F.interpolate(x4, size=3, antialias=True)',
     ValueError,
     'Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a '
     '4-D tensor as input'),
    ("F.interpolate(x4, size=3, mode='linear')",
     NotImplementedError,
     'Got 4D input, but linear mode needs 3D input'),
    ("F.interpolate(x3, size=3, mode='bilinear')",
     NotImplementedError,
     'Got 3D input, but bilinear mode needs 4D input'),
    ("F.interpolate(x3, size=3, mode='trilinear')",
     NotImplementedError,
     'Got 3D input, but trilinear mode needs 5D input'),
    ("F.interpolate(x4, size=3, mode='trilinear')",
     NotImplementedError,
     'Got 4D input, but trilinear mode needs 5D input'),
    ("F.interpolate(x5, size=3, mode='linear')",
     NotImplementedError,
     'Got 5D input, but linear mode needs 3D input'),
    ("F.interpolate(x5, size=3, mode='bilinear')",
     NotImplementedError,
     'Got 5D input, but bilinear mode needs 4D input'),
    ('F.interpolate(x2, size=3)',
     NotImplementedError,
     'Input Error: Only 3D, 4D and 5D input Tensors supported (got 2D) for the modes: '
     'nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact '
     '(got nearest)'),
    ("F.interpolate(x4, size=3, mode='bogus')",
     NotImplementedError,
     'Input Error: Only 3D, 4D and 5D input Tensors supported (got 4D) for the modes: '
     'nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact '
     '(got bogus)'),
    ("F.interpolate(x3, size=3, mode='bicubic')",
     NotImplementedError,
     'Input Error: Only 3D, 4D and 5D input Tensors supported (got 3D) for the modes: '
     'nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact '
     '(got bicubic)'),
    ('F.interpolate(x4, size=0)',
     RuntimeError,
     'Input and output sizes should be greater than 0, but got input (H: 5, W: 7) output (H: '
     '0, W: 0)'),
    ("F.interpolate(x3, size=0, mode='linear')",
     RuntimeError,
     'Input and output sizes should be greater than 0, but got input (W: 9) and output (W: '
     '0)'),
    ("F.interpolate(x4, scale_factor=0.1, mode='bilinear')",
     RuntimeError,
     'Input and output sizes should be greater than 0, but got input (H: 5, W: 7) output (H: '
     '0, W: 0)'),
    ('F.interpolate(x4, scale_factor=-1.0)',
     RuntimeError,
     'Input and output sizes should be greater than 0, but got input (H: 5, W: 7) output (H: '
     '-5, W: -7)'),
    ('F.interpolate(x5, scale_factor=0.1)',
     RuntimeError,
     'Input and output sizes should be greater than 0, but got input (D: 4, H: 5, W: 7) '
     'output (D: 0, H: 0, W: 0)'),
    ('F.interpolate(empty_h, size=2)',
     RuntimeError,
     'Input and output sizes should be greater than 0, but got input (H: 0, W: 7) output (H: '
     '2, W: 2)'),
    ('F.interpolate(ints4, size=3)',
     NotImplementedError,
     '"upsample_nearest2d_channels_last" not implemented for \'Long\''),
    ("F.interpolate(ints4, size=3, mode='bilinear')",
     NotImplementedError,
     '"upsample_bilinear2d_channels_last" not implemented for \'Long\''),
    ('F.pixel_shuffle(x2, 2)',
     RuntimeError,
     'pixel_shuffle expects input to have at least 3 dimensions, but got input with 2 '
     'dimension(s)'),
    ('F.pixel_shuffle(x4, 2)',
     RuntimeError,
     "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
     'upscale_factor, but input.size(-3)=3 is not divisible by 4'),
    ('F.pixel_shuffle(x4, 0)',
     RuntimeError,
     'pixel_shuffle expects a positive upscale_factor, but got 0'),
    ('F.pixel_shuffle(x4, -2)',
     RuntimeError,
     'pixel_shuffle expects a positive upscale_factor, but got -2'),
    ('F.pixel_shuffle(x4, 2.0)',
     TypeError,
     "pixel_shuffle(): argument 'upscale_factor' (position 2) must be int, not float"),
    ('F.pixel_unshuffle(x4, 2)',
     RuntimeError,
     'pixel_unshuffle expects height to be divisible by downscale_factor, but '
     'input.size(-2)=5 is not divisible by 2'),
    ('F.pixel_unshuffle(x4c, 2)',
     RuntimeError,
     'pixel_unshuffle expects width to be divisible by downscale_factor, but '
     'input.size(-1)=7 is not divisible by 2'),
    ('F.pixel_unshuffle(x4, 0)',
     RuntimeError,
     'pixel_unshuffle expects a positive downscale_factor, but got 0'),
    ('F.pixel_unshuffle(x2, 2)',
     RuntimeError,
     'pixel_unshuffle expects input to have at least 3 dimensions, but got input with 2 '
     'dimension(s)'),
    # 'area' is adaptive average pooling: an empty output fails in its backward
    ("F.interpolate(x5, scale_factor=(1.0, 1.5, 0.1), mode='area').sum().backward()",
     RuntimeError,
     'adaptive_avg_pool3d_backward(): Expected grad_output to have non-zero size for '
     'non-batch dimensions, but grad_output has sizes [2, 3, 4, 7, 0] with dimension 4 being '
     'empty'),
    ("F.interpolate(x3, scale_factor=0.1, mode='area').sum().backward()",
     RuntimeError,
     'adaptive_avg_pool2d_backward(): Expected grad_output to have non-zero size for '
     'non-batch dimensions, but grad_output has sizes [2, 3, 1, 0] with dimension 3 being '
     'empty'),
]


@parametrize_errors(ERRORS)
def test_error_matches_torch(call, error, message):
    assert_error_matches(call, error, message)
