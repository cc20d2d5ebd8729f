"""Argument checks of the normalization functions and layers: torch 2.13's exception types
and messages (texts taken from torch 2.13.0 runs; torch.Size prints as nnx.Size here)."""

import re
import warnings

import pytest

import nnx
import nnx.nn as nn
import nnx.nn.functional as F


def raises(exc, message):
    return pytest.raises(exc, match="^" + re.escape(message) + "$")


def _bn(shape, *stats, **kw):
    return F.batch_norm(nnx.randn(*shape), *stats, **kw)


# -- batch_norm ------------------------------------------------------------------------------

def test_batch_norm_needs_more_than_one_value_per_channel_in_training():
    with raises(ValueError, "Expected more than 1 value per channel when training, got input "
                            "size nnx.Size([1, 4])"):
        _bn((1, 4), None, None, training=True)
    with raises(ValueError, "Expected more than 1 value per channel when training, got input "
                            "size nnx.Size([1, 4, 1])"):
        _bn((1, 4, 1), None, None, training=True)
    assert _bn((1, 4), nnx.zeros(4), nnx.ones(4), training=False).shape == (1, 4)


def test_batch_norm_eps_messages():
    with raises(ValueError, "batch_norm eps must be positive during training, but got 0"):
        _bn((3, 4), None, None, training=True, eps=0)
    with raises(ValueError, "batch_norm eps must be non-negative, but got -1"):
        _bn((3, 4), nnx.zeros(4), nnx.ones(4), training=False, eps=-1)


def test_batch_norm_running_stats_messages():
    with raises(RuntimeError, "running_mean must be defined in evaluation mode"):
        _bn((3, 4), None, None, training=False)
    with raises(RuntimeError, "running_var must be defined in evaluation mode"):
        _bn((3, 4), nnx.zeros(4), None, training=False)
    with raises(ValueError, "running_mean and running_var must either both be None or neither "
                            "be None"):
        _bn((3, 4), nnx.zeros(4), None, training=True)


def test_batch_norm_size_messages_in_torch_order():
    with raises(RuntimeError, "running_mean should contain 4 elements not 3"):
        _bn((3, 4), nnx.zeros(3), nnx.ones(3), nnx.ones(3), nnx.ones(3), training=True)
    with raises(RuntimeError, "running_var should contain 4 elements not 3"):
        _bn((3, 4), nnx.zeros(4), nnx.ones(3), training=True)
    with raises(RuntimeError, "weight should contain 4 elements not 3"):
        _bn((3, 4), None, None, nnx.ones(3), nnx.ones(3), training=True)
    with raises(RuntimeError, "bias should contain 4 elements not 5"):
        _bn((3, 4), None, None, nnx.ones(4), nnx.ones(5), training=True)
    # torch counts elements: a (2, 2) weight serves 4 channels
    assert _bn((3, 4), None, None, nnx.ones(2, 2), training=True).shape == (3, 4)
    with raises(RuntimeError, "TensorAccessor expected 1 dims but tensor has 2"):
        _bn((3, 4), nnx.zeros(2, 2), nnx.ones(2, 2), training=True)


def test_batch_norm_low_dimensional_input():
    with raises(IndexError, "Dimension out of range (expected to be in range of [-1, 0], but "
                            "got 1)"):
        _bn((2,), None, None, training=True)
    with raises(RuntimeError, "running_mean should contain 0 elements not 4"):
        _bn((4,), nnx.zeros(4), nnx.ones(4), training=False)


def test_batch_norm_momentum_none_is_a_type_error():
    with raises(TypeError, "batch_norm(): argument 'momentum' (position 7) must be float, not "
                           "NoneType"):
        _bn((3, 4), nnx.zeros(4), nnx.ones(4), training=True, momentum=None)
    with raises(TypeError, "instance_norm(): argument 'momentum' (position 7) must be float, "
                           "not NoneType"):
        F.instance_norm(nnx.randn(2, 3, 4), momentum=None)
    with raises(TypeError, "instance_norm(): argument 'eps' (position 8) must be float, not "
                           "NoneType"):
        F.instance_norm(nnx.randn(2, 3, 4), eps=None)


def test_batch_norm_dtype_messages():
    with raises(NotImplementedError, "\"batch_norm\" not implemented for 'Long'"):
        F.batch_norm(nnx.ones(3, 4, dtype=nnx.int64), None, None, training=True)
    with raises(RuntimeError, "mixed dtype (CPU): expect parameter to have scalar type of "
                              "Float"):
        _bn((3, 4), None, None, nnx.ones(4, dtype=nnx.float64), training=True)
    with raises(RuntimeError, "mixed dtype (CPU): all inputs must share same datatype."):
        F.batch_norm(nnx.randn(3, 4, dtype=nnx.float64), None, None, nnx.ones(4),
                     training=True)
    with raises(RuntimeError, "expected scalar type Half but found Float"):
        F.batch_norm(nnx.randn(3, 4).half(), nnx.zeros(4), nnx.ones(4), nnx.ones(4).half(),
                     training=True)
    # float16 input with float32 parameters is torch's supported mixed case
    out = F.batch_norm(nnx.randn(3, 4).half(), nnx.zeros(4), nnx.ones(4), nnx.ones(4),
                       nnx.zeros(4), training=True)
    assert out.dtype == nnx.float16


def test_batch_norm_empty_batch_leaves_running_stats():
    rm, rv = nnx.zeros(4), nnx.ones(4)
    out = F.batch_norm(nnx.randn(0, 4), rm, rv, training=True)
    assert out.shape == (0, 4)
    assert rm.tolist() == [0.0] * 4 and rv.tolist() == [1.0] * 4


@pytest.mark.parametrize("cls, shape, message", [
    (nn.BatchNorm1d, (2, 4, 3, 3), "expected 2D or 3D input (got 4D input)"),
    (nn.BatchNorm2d, (2, 4, 3), "expected 4D input (got 3D input)"),
    (nn.BatchNorm3d, (2, 4, 3, 3), "expected 5D input (got 4D input)"),
    (nn.InstanceNorm1d, (2, 4, 3, 3), "expected 2D or 3D input (got 4D input)"),
    (nn.InstanceNorm2d, (2, 4), "expected 3D or 4D input (got 2D input)"),
    (nn.InstanceNorm3d, (2, 4, 3), "expected 4D or 5D input (got 3D input)"),
])
def test_layer_input_dimension_messages(cls, shape, message):
    with raises(ValueError, message):
        cls(4)(nnx.randn(*shape))


def test_batchnorm_layer_channel_mismatch():
    with raises(RuntimeError, "running_mean should contain 3 elements not 4"):
        nn.BatchNorm2d(4)(nnx.randn(2, 3, 3, 3))
    with raises(RuntimeError, "running_mean should contain 3 elements not 4"):
        nn.BatchNorm2d(4).eval()(nnx.randn(2, 3, 3, 3))
    # nothing per channel to check: torch accepts it
    layer = nn.BatchNorm2d(4, affine=False, track_running_stats=False)
    assert layer(nnx.randn(2, 3, 3, 3)).shape == (2, 3, 3, 3)


# -- instance_norm ---------------------------------------------------------------------------

def test_instance_norm_spatial_size_messages():
    for shape in ((2, 4, 1), (2, 4), (4,)):
        size = "nnx.Size([" + ", ".join(map(str, shape)) + "])"
        with raises(ValueError, "Expected more than 1 spatial element when training, got "
                                f"input size {size}"):
            F.instance_norm(nnx.randn(*shape))


def test_instance_norm_repeated_sizes_in_messages():
    # torch repeats the per-channel vectors N times before batch_norm's checks
    with raises(RuntimeError, "running_mean should contain 8 elements not 6"):
        F.instance_norm(nnx.randn(2, 4, 3), nnx.zeros(3), nnx.ones(3))
    with raises(RuntimeError, "weight should contain 8 elements not 6"):
        F.instance_norm(nnx.randn(2, 4, 3), weight=nnx.ones(3))
    with raises(RuntimeError, "Number of dimensions of repeat dims can not be smaller than "
                              "number of dimensions of tensor"):
        F.instance_norm(nnx.randn(2, 4, 3), weight=nnx.ones(2, 2))
    with raises(RuntimeError, "Expected running_mean and running_var to be defined when "
                              "use_input_stats is false"):
        F.instance_norm(nnx.randn(2, 4, 3), use_input_stats=False)
    with raises(NotImplementedError, "\"batch_norm\" not implemented for 'Long'"):
        F.instance_norm(nnx.ones(2, 4, 3, dtype=nnx.int64))


def test_instance_norm_num_features_mismatch():
    with pytest.warns(UserWarning, match=re.escape(
            "input's size at dim=1 does not match num_features. You can silence this warning "
            "by not passing in num_features, which is not used because affine=False")):
        assert nn.InstanceNorm1d(4)(nnx.randn(2, 3, 5)).shape == (2, 3, 5)
    with raises(ValueError, "expected input's size at dim=1 to match num_features (4), but "
                            "got: 3."):
        nn.InstanceNorm1d(4, affine=True)(nnx.randn(2, 3, 5))
    with pytest.warns(UserWarning, match="dim=0 does not match"):
        nn.InstanceNorm1d(4)(nnx.randn(3, 5))       # unbatched: features at dim 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nn.InstanceNorm1d(4)(nnx.randn(4, 5)).shape == (4, 5)


# -- layer_norm, rms_norm ----------------------------------------------------------------------

def test_layer_norm_messages():
    x = nnx.randn(2, 3, 4)
    with raises(RuntimeError, "Given normalized_shape=[3], expected input with shape [*, 3], "
                              "but got input of size[2, 3, 4]"):
        F.layer_norm(x, (3,))
    with raises(RuntimeError, "Given normalized_shape=[2, 3, 4, 5], expected input with shape "
                              "[*, 2, 3, 4, 5], but got input of size[2, 3, 4]"):
        F.layer_norm(x, (2, 3, 4, 5))
    with raises(RuntimeError, "Expected weight to be of same shape as normalized_shape, but got "
                              "weight of shape [3] and normalized_shape = [2, 3]"):
        F.layer_norm(x, (2, 3), nnx.ones(3))
    with raises(RuntimeError, "Expected bias to be of same shape as normalized_shape, but got "
                              "bias of shape [3] and normalized_shape = [4]"):
        F.layer_norm(x, (4,), nnx.ones(4), nnx.ones(3))
    with raises(RuntimeError, "Expected normalized_shape to be at least 1-dimensional, i.e., "
                              "containing at least one element, but got normalized_shape = []"):
        F.layer_norm(x, ())
    with raises(TypeError, "layer_norm(): argument 'normalized_shape' (position 2) must be "
                           "tuple of ints, not int"):
        F.layer_norm(x, 4)
    with raises(TypeError, "layer_norm(): argument 'normalized_shape' (position 2) must be "
                           "tuple of ints, but found element of type float at pos 0"):
        F.layer_norm(x, (4.0,))
    with raises(TypeError, "layer_norm(): argument 'input' (position 1) must be Tensor, not "
                           "list"):
        F.layer_norm([1.0, 2.0], (2,))
    with raises(NotImplementedError, "\"LayerNormKernelImpl\" not implemented for 'Long'"):
        F.layer_norm(nnx.ones(2, 4, dtype=nnx.int64), (4,))
    with raises(RuntimeError, "mixed dtype (CPU): expect parameter to have scalar type of "
                              "Float"):
        F.layer_norm(nnx.randn(2, 3), (3,), nnx.ones(3, dtype=nnx.float64))
    with raises(RuntimeError, "Given normalized_shape=[3, 4], expected input with shape "
                              "[*, 3, 4], but got input of size[2, 4, 3]"):
        nn.LayerNorm([3, 4])(nnx.randn(2, 4, 3))


def test_rms_norm_messages():
    x = nnx.randn(2, 3, 4)
    # torch's rms_norm message has no comma after the star
    with raises(RuntimeError, "Given normalized_shape=[2, 3], expected input with shape "
                              "[*2, 3], but got input of size[2, 3, 4]"):
        F.rms_norm(x, (2, 3))
    with raises(RuntimeError, "Expected weight to be of same shape as normalized_shape, but got "
                              "weight of shape [3] and normalized_shape = [4]"):
        F.rms_norm(x, (4,), nnx.ones(3))
    with raises(NotImplementedError, "\"rms_norm\" not implemented for 'Long'"):
        F.rms_norm(nnx.ones(2, 4, dtype=nnx.int64), (4,))
    with raises(TypeError, "rms_norm(): argument 'normalized_shape' (position 2) must be tuple "
                           "of ints, not int"):
        F.rms_norm(x, 4)


# -- group_norm --------------------------------------------------------------------------------

def test_group_norm_messages():
    x = nnx.randn(2, 4, 3)
    with raises(RuntimeError, "Expected at least 2 dimensions for input tensor but received 1"):
        F.group_norm(nnx.randn(4), 2)
    with raises(RuntimeError, "Expected number of channels in input to be divisible by "
                              "num_groups, but got input of shape [2, 6, 3] and num_groups=4"):
        F.group_norm(nnx.randn(2, 6, 3), 4)
    with raises(ValueError, "Expected more than 1 value per channel when training, got input "
                            "size [1, 4]"):
        F.group_norm(nnx.randn(1, 4), 4)
    with raises(RuntimeError, "Expected weight to be a vector of size equal to the number of "
                              "channels in input, but got weight of shape [3] and input of "
                              "shape [2, 4, 3]"):
        F.group_norm(x, 2, nnx.ones(3))
    # torch prints the weight's shape in the bias message ([0] without a weight)
    with raises(RuntimeError, "Expected bias to be a vector of size equal to the number of "
                              "channels in input, but got bias of shape [4] and input of "
                              "shape [2, 4, 3]"):
        F.group_norm(x, 2, nnx.ones(4), nnx.ones(3))
    with raises(RuntimeError, "Expected bias to be a vector of size equal to the number of "
                              "channels in input, but got bias of shape [0] and input of "
                              "shape [2, 4, 3]"):
        F.group_norm(x, 2, None, nnx.ones(3))
    with raises(NotImplementedError, "\"GroupNormKernelImpl\" not implemented for 'Long'"):
        F.group_norm(nnx.ones(2, 4, dtype=nnx.int64), 2)
    with pytest.raises(ZeroDivisionError):
        F.group_norm(x, 0)


def test_group_norm_layer_messages():
    with raises(ValueError, "num_channels (6) must be divisible by num_groups (4)"):
        nn.GroupNorm(4, 6)
    with raises(RuntimeError, "Expected weight to be a vector of size equal to the number of "
                              "channels in input, but got weight of shape [4] and input of "
                              "shape [2, 6, 3]"):
        nn.GroupNorm(2, 4)(nnx.randn(2, 6, 3))


# -- local_response_norm -----------------------------------------------------------------------

def test_local_response_norm_messages():
    with raises(ValueError, "Expected 3D or higher dimensionality" + " " * 26
                + "input (got 2 dimensions)"):
        F.local_response_norm(nnx.randn(2, 4), 2)
    with raises(RuntimeError, "kernel size should be greater than zero, but got kH: 0 kW: 1"):
        F.local_response_norm(nnx.randn(2, 4, 3), 0)
    with raises(RuntimeError, "kernel size should be greater than zero, but got kT: 0 kH: 1 "
                              "kW: 1"):
        F.local_response_norm(nnx.randn(2, 4, 3, 3), 0)
