"""Dropout layers and functionals: torch 2.13's reprs, errors, warnings and shortcuts
(messages printed by torch 2.13.0)."""

import re

import numpy as np
import pytest

import nnx
from nnx import nn

F = nn.functional

REPRS = [
    ("nn.Dropout()", "Dropout(p=0.5, inplace=False)"),
    ("nn.Dropout(0.2, True)", "Dropout(p=0.2, inplace=True)"),
    ("nn.Dropout1d(0.1)", "Dropout1d(p=0.1, inplace=False)"),
    ("nn.Dropout2d()", "Dropout2d(p=0.5, inplace=False)"),
    ("nn.Dropout3d(p=1)", "Dropout3d(p=1, inplace=False)"),
    ("nn.AlphaDropout(0.3)", "AlphaDropout(p=0.3, inplace=False)"),
    ("nn.FeatureAlphaDropout(inplace=True)", "FeatureAlphaDropout(p=0.5, inplace=True)"),
]


@pytest.mark.parametrize("ctor, expected", REPRS, ids=[r[0] for r in REPRS])
def test_repr_and_no_state(ctor, expected):
    layer = eval(ctor)
    assert repr(layer) == expected and list(layer.state_dict()) == []


P_MESSAGE = "dropout probability has to be between 0 and 1, but got {}"


@pytest.mark.parametrize("cls", [nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d,
                                 nn.AlphaDropout, nn.FeatureAlphaDropout])
@pytest.mark.parametrize("p", [1.5, -0.1])
def test_layer_p_range(cls, p):
    with pytest.raises(ValueError, match=f"^{re.escape(P_MESSAGE.format(p))}$"):
        cls(p)


@pytest.mark.parametrize("fn", [F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout,
                                F.feature_alpha_dropout])
def test_functional_p_range(fn):
    with pytest.raises(ValueError, match=f"^{re.escape(P_MESSAGE.format(1.5))}$"):
        fn(nnx.randn(2, 3, 4), 1.5)


def test_dropout1d_rank():
    for shape in [(2,), (2, 2, 2, 2)]:
        with pytest.raises(RuntimeError, match=re.escape(
                f"dropout1d: Expected 2D or 3D input, but received a {len(shape)}D input. "
                "Note that dropout1d exists to provide channel-wise dropout on inputs with 1 "
                "spatial dimension, a channel dimension, and an optional batch dimension (i.e. "
                "2D or 3D inputs).")):
            F.dropout1d(nnx.randn(*shape))


def test_dropout2d_warnings():
    with pytest.warns(UserWarning, match=re.escape(
            "dropout2d: Received a 2-D input to dropout2d, which is deprecated and will result "
            "in an error in a future release. To retain the behavior and silence this warning, "
            "please use dropout instead. Note that dropout2d exists to provide channel-wise "
            "dropout on inputs with 2 spatial dimensions, a channel dimension, and an optional "
            "batch dimension (i.e. 3D or 4D inputs).")):
        F.dropout2d(nnx.randn(2, 2))
    with pytest.warns(UserWarning, match=re.escape(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.")):
        F.dropout2d(nnx.randn(2, 3, 4), training=False)
    with pytest.warns(UserWarning, match="Received a 1-D input to dropout2d"):
        with pytest.raises(RuntimeError, match="^Feature dropout requires at least 2 "
                                               "dimensions in the input$"):
            F.dropout2d(nnx.randn(3))


def test_dropout3d_warning_and_unbatched():
    with pytest.warns(UserWarning, match=re.escape(
            "dropout3d: Received a 3-D input to dropout3d, which is deprecated and will result "
            "in an error in a future release.")):
        out = F.dropout3d(nnx.randn(2, 2, 2), training=False)
    assert out.shape == (2, 2, 2)
    with pytest.warns(UserWarning, match="Received a 1-D input to dropout3d"):
        assert F.dropout3d(nnx.randn(3), 0.5).shape == (3,)      # unsqueezed to (1, 3)


def test_feature_alpha_dropout_needs_two_dims():
    with pytest.raises(RuntimeError, match="^Feature dropout requires at least 2 dimensions "
                                           "in the input$"):
        F.feature_alpha_dropout(nnx.randn(3), 0.5, True)
    x = nnx.randn(3)
    assert F.feature_alpha_dropout(x, 0.5) is x                  # training defaults to False


def test_integer_input():
    ints = nnx.tensor([[1, 2], [3, 4]])
    with pytest.raises(RuntimeError, match="^result type Float can't be cast to the desired "
                                           "output type Long$"):
        F.dropout1d(ints, 0.5)
    # p = 1 multiplies by a zero scalar, which integers accept (as in torch)
    assert F.dropout(ints, 1.0).tolist() == [[0, 0], [0, 0]]


def test_shortcuts():
    x = nnx.randn(2, 3, 4, requires_grad=True)
    assert F.dropout1d(x, 0.0) is x and F.alpha_dropout(x, 0.5) is x
    assert F.dropout1d(x, 0.5, training=False) is x
    empty = nnx.randn(2, 3, 0, 2)
    assert F.dropout2d(empty, 0.5) is empty
    unbatched = nnx.randn(3, 4, requires_grad=True)
    view = F.dropout1d(unbatched, 0.5, training=False)     # torch: unsqueeze then squeeze
    assert view is not unbatched and np.array_equal(view.detach().numpy(),
                                                    unbatched.detach().numpy())
    zeros = F.alpha_dropout(x, 1.0, True)
    assert type(zeros.grad_fn).__name__ == "MulBackward0" and not zeros.detach().numpy().any()
    channel_zeros = F.dropout2d(nnx.randn(2, 3, 2, 2), 1.0)
    assert not channel_zeros.numpy().any()
