# ruff: noqa: E501  (the rows hold torch's printed attributes verbatim)
"""Conv, padding and fold layers beyond the case table: torch's attributes, the default
init's bounds, dtype/device arguments, padding_mode forwarding and the layer lookup.

The attribute rows were printed by torch 2.13.0 for the same constructor expressions and
pasted here; this test never imports torch.
"""

import math

import numpy as np
import pytest

import nnx
import nnx.nn as nn

_ATTRS = ["in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
          "transposed", "output_padding", "groups", "padding_mode",
          "_reversed_padding_repeated_twice"]

# (constructor, attributes, weight shape), from torch 2.13.0
ROWS = [
    ("nn.Conv2d(2, 4, 3, padding='same', dilation=(1, 2), padding_mode='reflect')", {'in_channels': 2, 'out_channels': 4, 'kernel_size': (3, 3), 'stride': (1, 1), 'padding': 'same', 'dilation': (1, 2), 'transposed': False, 'output_padding': (0, 0), 'groups': 1, 'padding_mode': 'reflect', '_reversed_padding_repeated_twice': [2, 2, 1, 1]}, (4, 2, 3, 3)),
    ("nn.Conv1d(2, 4, 4, padding='same')", {'in_channels': 2, 'out_channels': 4, 'kernel_size': (4,), 'stride': (1,), 'padding': 'same', 'dilation': (1,), 'transposed': False, 'output_padding': (0,), 'groups': 1, 'padding_mode': 'zeros', '_reversed_padding_repeated_twice': [1, 2]}, (4, 2, 4)),
    ('nn.Conv3d(2, 4, (1, 2, 3), stride=2, padding=(0, 1, 2))', {'in_channels': 2, 'out_channels': 4, 'kernel_size': (1, 2, 3), 'stride': (2, 2, 2), 'padding': (0, 1, 2), 'dilation': (1, 1, 1), 'transposed': False, 'output_padding': (0, 0, 0), 'groups': 1, 'padding_mode': 'zeros', '_reversed_padding_repeated_twice': (2, 2, 1, 1, 0, 0)}, (4, 2, 1, 2, 3)),
    ('nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1, groups=2)', {'in_channels': 4, 'out_channels': 2, 'kernel_size': (3, 3), 'stride': (2, 2), 'padding': (0, 0), 'dilation': (1, 1), 'transposed': True, 'output_padding': (1, 1), 'groups': 2, 'padding_mode': 'zeros', '_reversed_padding_repeated_twice': (0, 0, 0, 0)}, (4, 1, 3, 3)),
    ("nn.Conv2d(2, 2, [3, 1], stride=[1, 2], padding='valid')", {'in_channels': 2, 'out_channels': 2, 'kernel_size': (3, 1), 'stride': (1, 2), 'padding': 'valid', 'dilation': (1, 1), 'transposed': False, 'output_padding': (0, 0), 'groups': 1, 'padding_mode': 'zeros', '_reversed_padding_repeated_twice': [0, 0, 0, 0]}, (2, 2, 3, 1)),
]


@pytest.mark.parametrize("expr, attrs, weight_shape", ROWS, ids=[r[0] for r in ROWS])
def test_attributes_match_torch(expr, attrs, weight_shape):
    m = eval(expr)
    assert {k: getattr(m, k) for k in _ATTRS} == attrs
    assert tuple(m.weight.shape) == weight_shape


@pytest.mark.parametrize("cls, args", [("Conv1d", (4, 8, 5)), ("Conv2d", (6, 4, 3)),
                                       ("ConvTranspose2d", (6, 4, (2, 3))),
                                       ("ConvTranspose3d", (4, 6, 2))])
def test_default_init_bounds(cls, args):
    # kaiming_uniform_(a=sqrt(5)) on the weight and U(-1/sqrt(fan_in), ..) on the bias
    # both have bound 1/sqrt(fan_in), fan_in = weight.size(1) * prod(kernel)
    nnx.manual_seed(3)
    m = getattr(nn, cls)(*args, groups=2)
    fan_in = m.weight.shape[1] * math.prod(m.weight.shape[2:])
    bound = 1 / math.sqrt(fan_in)
    for p in (m.weight, m.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.5 * bound
    m.weight.data.zero_()
    m.reset_parameters()
    assert float(m.weight.abs().sum()) > 0


def test_dtype_argument_and_no_bias():
    m = nn.Conv2d(2, 3, 2, bias=False, dtype=nnx.float64)
    assert m.weight.dtype == nnx.float64 and m.bias is None
    assert list(m.state_dict()) == ["weight"]
    assert m(nnx.zeros(1, 2, 3, 3, dtype=nnx.float64)).dtype == nnx.float64


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_mode_pads_then_convolves(mode):
    nnx.manual_seed(0)
    m = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode, dtype=nnx.float64)
    x = nnx.randn(1, 2, 4, 5, dtype=nnx.float64)
    padded = nn.functional.pad(x, (2, 2, 1, 1), mode=mode)
    expected = nn.functional.conv2d(padded, m.weight, m.bias)
    np.testing.assert_allclose(m(x).detach().numpy(), expected.detach().numpy(), rtol=1e-12)


def test_conv_transpose_output_size_picks_output_padding():
    nnx.manual_seed(0)
    m = nn.ConvTranspose2d(3, 2, 3, stride=3)
    x = nnx.randn(3, 4, 4)                                     # unbatched
    assert tuple(m(x, output_size=(12, 14)).shape) == (2, 12, 14)
    assert tuple(m(x, output_size=nnx.Size([2, 13, 12])).shape) == (2, 13, 12)
    assert tuple(m(x).shape) == (2, 12, 12)


def test_fold_is_the_adjoint_of_unfold():
    rng = np.random.default_rng(0)
    x = nnx.tensor(rng.standard_normal((2, 3, 5, 6)))
    c = nnx.tensor(rng.standard_normal((2, 3 * 6, 9)))
    unfold = nn.Unfold((2, 3), dilation=(2, 1), padding=1, stride=2)
    fold = nn.Fold((5, 6), (2, 3), dilation=(2, 1), padding=1, stride=2)
    lhs = float((unfold(x) * c).sum())
    rhs = float((x * fold(c)).sum())
    assert abs(lhs - rhs) < 1e-10 * max(1.0, abs(lhs))


def test_padding_layer_attributes():
    assert nn.ZeroPad2d(1).padding == (1, 1, 1, 1) and nn.ZeroPad2d(1).value == 0.0
    assert nn.ConstantPad1d((1, 2), 7).value == 7
    assert nn.ReflectionPad1d([2, 3]).padding == (2, 3)
    assert nn.CircularPad2d((1, 2, 3, 4)).padding == (1, 2, 3, 4)
    assert nn.ZeroPad1d(2).__constants__ == ["padding", "value"]


@pytest.mark.parametrize("name", ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
                                  "ConvTranspose2d", "ConvTranspose3d", "Fold", "Unfold",
                                  "ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d",
                                  "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d",
                                  "ReplicationPad2d", "CircularPad1d", "CircularPad2d"])
def test_layers_are_found_through_nnx_nn(name):
    import nnx_layers
    assert getattr(nn, name) is getattr(nnx_layers, name)
    assert issubclass(getattr(nn, name), nn.Module)
