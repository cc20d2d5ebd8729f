"""The class-target losses through their modules: ignore_index, label_smoothing, class
weights, and torch's messages for mismatched targets.  Expected numbers and texts come from
running the same calls with torch 2.13.0 on the same inputs."""

import re

import numpy as np
import pytest

import nnx
import nnx.nn as nn

RNG = np.random.default_rng(0)
X = nnx.tensor(RNG.uniform(-2, 2, (3, 4)))
P = nnx.tensor(RNG.uniform(0.05, 0.95, (3, 4)))


def idx(*values):
    return nnx.tensor(list(values))


@pytest.mark.parametrize("module, target, expected", [
    (nn.CrossEntropyLoss(ignore_index=1), idx(1, 1, 1), np.nan),        # every target ignored
    (nn.CrossEntropyLoss(ignore_index=1, reduction="sum"), idx(1, 1, 1), 0.0),
    (nn.CrossEntropyLoss(ignore_index=1, reduction="none"), idx(1, 0, 1),
     [0.0, 1.29242002, 0.0]),
    (nn.CrossEntropyLoss(label_smoothing=0.3), idx(1, 0, 3), 2.28473767),
    (nn.CrossEntropyLoss(label_smoothing=0.3, ignore_index=0), idx(1, 0, 3), 2.75225808),
    (nn.CrossEntropyLoss(label_smoothing=1.0), idx(1, 0, 3), 1.82261742),
    (nn.NLLLoss(ignore_index=3, reduction="none"), idx(1, 0, 3),
     [0.92085314, -1.25308096, 0.0]),
])
def test_values(module, target, expected):
    np.testing.assert_allclose(module(X, target).numpy(), expected, atol=1e-8)


@pytest.mark.parametrize("module, input, target, exc, message", [
    (nn.CrossEntropyLoss(label_smoothing=1.5), X, idx(1, 0, 3), RuntimeError,
     "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    (nn.CrossEntropyLoss(label_smoothing=1.5), X, P, RuntimeError,
     "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    (nn.CrossEntropyLoss(ignore_index=1), X, P, RuntimeError,
     "ignore_index is not supported for floating point target"),
    # same shapes mean class probabilities: the target's dtype is checked first
    (nn.CrossEntropyLoss(ignore_index=1), X, nnx.zeros(3, 4, dtype=nnx.int64), RuntimeError,
     "Expected floating point type for target with class probabilities, got Long"),
    (nn.CrossEntropyLoss(), X, idx(1, 0), ValueError,
     "Expected input batch_size (3) to match target batch_size (2)."),
    (nn.CrossEntropyLoss(), X, idx(1, 0, 4), IndexError, "Target 4 is out of bounds."),
    (nn.CrossEntropyLoss(), X, idx(1, 0, -1), IndexError, "Target -1 is out of bounds."),
    (nn.NLLLoss(), X, idx(1, 0), ValueError,
     "Expected input batch_size (3) to match target batch_size (2)."),
    (nn.NLLLoss(weight=nnx.tensor([1.0, 2.0, 3.0]).double()), X, idx(1, 0, 3), RuntimeError,
     "weight tensor should be defined either for all 4 classes or no classes but got weight "
     "tensor of shape: [3]"),
    (nn.NLLLoss(), X, nnx.tensor([[1, 0, 3]]), ValueError,
     "Expected input batch_size (3) to match target batch_size (1)."),
    (nn.NLLLoss(), X, nnx.tensor([1.0, 0.0, 3.0]), RuntimeError,
     "expected target dtype to be Long or Byte, but got Float"),
    (nn.BCELoss(), X, P, RuntimeError, "all elements of input should be between 0 and 1"),
    (nn.BCELoss(), P, X, RuntimeError, "all elements of target should be between 0 and 1"),
    (nn.BCELoss(), P, P[0], ValueError,
     "Using a target size (nnx.Size([4])) that is different to the input size "
     "(nnx.Size([3, 4])) is deprecated. Please ensure they have the same size."),
    (nn.BCEWithLogitsLoss(), X, P[0], ValueError,
     "Target size (nnx.Size([4])) must be the same as input size (nnx.Size([3, 4]))"),
])
def test_messages(module, input, target, exc, message):
    with pytest.raises(exc, match=re.escape(message)):
        module(input, target)


@pytest.mark.parametrize("module, target, expected", [
    (nn.MSELoss(), P[0], 1.97324629),
    (nn.L1Loss(), nnx.tensor([[1, 2, 3, 4]]), 2.4342811),
])
def test_regression_size_mismatch_warns_and_broadcasts(module, target, expected):
    with pytest.warns(UserWarning, match=re.escape(
            f"Using a target size ({target.size()}) that is different to the input size "
            "(nnx.Size([3, 4])). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.")):
        out = module(X, target)
    assert out.item() == pytest.approx(expected, abs=1e-8)


def test_weight_buffer_follows_the_module_dtype_and_state_dict():
    w = nnx.tensor([1.0, 2.0, 0.5, 1.5])
    loss = nn.CrossEntropyLoss(weight=w, ignore_index=0, label_smoothing=0.2).double()
    assert loss.weight.dtype == nnx.float64
    x = nnx.tensor(X.numpy(), requires_grad=True)
    out = loss(x, idx(1, 0, 3))
    out.backward()
    assert np.isfinite(x.grad.numpy()).all()
    assert (x.grad.numpy()[1] == 0).all()         # the ignored row gets no gradient
    fresh = nn.CrossEntropyLoss(weight=nnx.ones(4).double(), ignore_index=0,
                                label_smoothing=0.2)
    fresh.load_state_dict(loss.state_dict())
    assert fresh(X, idx(1, 0, 3)).item() == out.item()
