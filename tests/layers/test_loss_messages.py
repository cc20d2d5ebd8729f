"""Errors and warnings of the loss functions: torch 2.13.0's types and messages (each text
below was produced by running the same call with torch 2.13.0)."""

import re
import warnings

import numpy as np
import pytest

import nnx
import nnx.nn.functional as F


def t(values, dtype=nnx.float64, requires_grad=False):
    return nnx.tensor(values, dtype=dtype, requires_grad=requires_grad)


def rnd(*shape, seed=0):
    return t(np.random.default_rng(seed).uniform(-1, 1, shape))


X34 = rnd(3, 4)
LABELS = t([1.0, -1.0, 1.0])


def raises(exc, message, fn, *args, **kwargs):
    with pytest.raises(exc, match=re.escape(message)):
        fn(*args, **kwargs)


# -- reductions and the legacy flags --------------------------------------------------------

LEGACY = [(None, False, "none"), (False, None, "sum"), (True, True, "mean"),
          (False, False, "none"), (True, None, "mean")]

LEGACY_CALLS = {
    "kl_div": lambda **kw: F.kl_div(X34, rnd(3, 4, seed=1).abs(), **kw),
    "poisson_nll_loss": lambda **kw: F.poisson_nll_loss(X34, rnd(3, 4, seed=1).abs(), **kw),
    "soft_margin_loss": lambda **kw: F.soft_margin_loss(X34, rnd(3, 4, seed=1).sign(), **kw),
    "margin_ranking_loss": lambda **kw: F.margin_ranking_loss(X34[0], X34[1], X34[2].sign(),
                                                              **kw),
    "hinge_embedding_loss": lambda **kw: F.hinge_embedding_loss(X34, X34.sign(), **kw),
    "cosine_embedding_loss": lambda **kw: F.cosine_embedding_loss(X34, rnd(3, 4, seed=1),
                                                                  LABELS, **kw),
    "triplet_margin_loss": lambda **kw: F.triplet_margin_loss(X34, rnd(3, 4, seed=1),
                                                              rnd(3, 4, seed=2), **kw),
    "multi_margin_loss": lambda **kw: F.multi_margin_loss(X34, nnx.tensor([0, 3, 1]), **kw),
    "multilabel_margin_loss": lambda **kw: F.multilabel_margin_loss(
        X34, nnx.tensor([[0, -1, 0, 0], [1, 2, -1, 0], [3, 2, 1, 0]]), **kw),
    "multilabel_soft_margin_loss": lambda **kw: F.multilabel_soft_margin_loss(
        X34, (X34 > 0).double(), **kw),
}


@pytest.mark.parametrize("name", list(LEGACY_CALLS))
@pytest.mark.parametrize("size_average, reduce, reduction", LEGACY)
def test_legacy_flags_map_to_reduction(name, size_average, reduce, reduction):
    call = LEGACY_CALLS[name]
    with pytest.warns(UserWarning, match=re.escape(
            f"size_average and reduce args will be deprecated, please use "
            f"reduction='{reduction}' instead.")):
        legacy = call(size_average=size_average, reduce=reduce)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # kl_div's 'mean' warning
        expected = call(reduction=reduction)
    np.testing.assert_allclose(legacy.numpy(), expected.numpy(), rtol=1e-12)
    assert legacy.shape == expected.shape


@pytest.mark.parametrize("name", [n for n in LEGACY_CALLS if n != "multilabel_soft_margin_loss"
                                  and n != "poisson_nll_loss"])
def test_invalid_reduction(name):
    raises(ValueError, "bad is not a valid value for reduction", LEGACY_CALLS[name],
           reduction="bad")


def test_invalid_reduction_python_losses():
    raises(ValueError, "bad is not a valid value for reduction",
           LEGACY_CALLS["poisson_nll_loss"], reduction="bad")
    raises(ValueError, "bad is not valid", LEGACY_CALLS["multilabel_soft_margin_loss"],
           reduction="bad")
    raises(ValueError, "bad is not valid", F.gaussian_nll_loss, X34, X34, X34.abs(),
           reduction="bad")
    raises(ValueError, "bad is not a valid value for reduction", F.huber_loss, X34, X34,
           reduction="bad")
    raises(ValueError, "Invalid reduction mode: bad. Expected one of 'none', 'mean', 'sum'.",
           F.huber_loss, X34, X34, reduction="bad", weight=X34.abs())


def test_elementwise_mean_is_mean():
    with pytest.warns(UserWarning, match="reduction='elementwise_mean' is deprecated"):
        out = F.soft_margin_loss(X34, X34.sign(), reduction="elementwise_mean")
    assert out.item() == pytest.approx(F.soft_margin_loss(X34, X34.sign()).item(), rel=1e-15)


# -- pointwise losses -----------------------------------------------------------------------

def test_size_mismatch_warns_for_regression_losses():
    message = ("Using a target size (nnx.Size([1])) that is different to the input size "
               "(nnx.Size([3])). This will likely lead to incorrect results due to "
               "broadcasting. Please ensure they have the same size.")
    for fn in (F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss):
        with pytest.warns(UserWarning, match=re.escape(message)):
            fn(t([1.0, 2.0, 3.0]), t([1.0]))


def test_size_mismatch_that_cannot_broadcast():
    # torch names the operands in the order its composite meets them
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fn, a, b in ((F.mse_loss, 3, 2), (F.huber_loss, 3, 2), (F.kl_div, 2, 3),
                         (F.poisson_nll_loss, 2, 3)):
            raises(RuntimeError, f"The size of tensor a ({a}) must match the size of tensor b "
                   f"({b}) at non-singleton dimension 0", fn, t([-1.0, -2.0, -3.0]),
                   t([1.0, 2.0]))


def test_huber_errors():
    raises(RuntimeError, "huber_loss does not support non-positive values for delta.",
           F.huber_loss, X34, X34, delta=0)
    raises(RuntimeError, "huber_loss does not support non-positive values for delta.",
           F.huber_loss, X34, X34, delta=-1.0)
    raises(NotImplementedError, "\"huber_cpu\" not implemented for 'Long'", F.huber_loss,
           nnx.tensor([1, 2]), nnx.tensor([1, 3]))
    raises(ValueError, "Weights and input must have the same size.", F.huber_loss, X34, X34,
           weight=t([1.0, 2.0]))
    assert F.huber_loss(X34.float(), X34).dtype == nnx.float32     # the input's dtype


@pytest.mark.parametrize(("x_grad", "t_grad", "message"), [
    (True, False, "Found dtype Double but expected Float"),
    (False, True, "Found dtype Float but expected Double"),
    (True, True, "Found dtype Double but expected Float"),
])
def test_huber_backward_refuses_mixed_dtypes(x_grad, t_grad, message):
    # torch 2.13: the forward promotes, the backward kernel wants one dtype (the first
    # gradient computed: the input's if it needs one); float32 input, float64 target here
    x = t(np.ones(3), dtype=nnx.float32, requires_grad=x_grad)
    target = t(np.zeros(3), requires_grad=t_grad)
    raises(RuntimeError, message, F.huber_loss(x, target).backward)


def test_huber_gradient_at_the_boundary():
    # torch: d = x - t at |d| = delta gives slope +-delta, at 0 gives 0
    x = t([0.0, 1.0, -1.0, 2.0], requires_grad=True)
    y = t([0.0, 0.0, 0.0, 0.0], requires_grad=True)
    F.huber_loss(x, y, reduction="sum").backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, -1.0, 1.0])
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, -1.0, 1.0, -1.0])


def test_multilabel_soft_margin_needs_a_class_dimension():
    # torch reads input.size(input.dim() - 1): a 0-d input has none
    raises(IndexError, "Dimension specified as -1 but tensor has no dimensions",
           F.multilabel_soft_margin_loss, t(0.5), t(1.0))
    # no classes: torch 2.13 gives nan (per row for 'none') and an empty gradient
    x = t(np.ones((2, 0)), requires_grad=True)
    loss = F.multilabel_soft_margin_loss(x, t(np.ones((2, 0))))
    assert np.isnan(loss.item())
    loss.backward()
    assert x.grad.shape == (2, 0)
    assert np.isnan(F.multilabel_soft_margin_loss(x, t(np.ones((2, 0))), reduction="none")
                    .detach().numpy()).all()


def test_soft_margin_errors():
    raises(RuntimeError, "The function 'soft_margin_loss' is not differentiable with respect "
           "to argument 'target'. This input cannot have requires_grad True.",
           F.soft_margin_loss, X34, t(np.ones((3, 4)), requires_grad=True))
    raises(RuntimeError, "result type Float can't be cast to the desired output type Long",
           F.soft_margin_loss, nnx.tensor([1, 2]), nnx.tensor([1, -1]))
    assert F.soft_margin_loss(X34.float(), X34.sign()).dtype == nnx.float32


def test_kl_div_messages():
    with pytest.warns(UserWarning, match=re.escape(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.")):
        F.kl_div(X34, X34.abs())
    raises(RuntimeError, "kl_div: Integral inputs not supported.", F.kl_div, t([-1.0, -2.0]),
           nnx.tensor([1, 2]), reduction="sum")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(X34, X34.abs(), reduction="batchmean")     # no warning


def test_kl_div_target_gradient_is_nan_at_zero_target():
    # torch 2.13: xlogy(t, t)'s derivative t / t + log(t) is nan at t = 0
    x = t([-1.0, -2.0, -0.5], requires_grad=True)
    y = t([0.0, 0.3, 0.7], requires_grad=True)
    F.kl_div(x, y, reduction="sum").backward()
    np.testing.assert_allclose(x.grad.numpy(), [-0.0, -0.3, -0.7])
    assert np.isnan(y.grad.numpy()[0])
    np.testing.assert_allclose(y.grad.numpy()[1:], [1.7960, 1.1433], atol=1e-4)
    assert F.kl_div(t(-1.0), t(0.5), reduction="batchmean").item() == pytest.approx(0.1534,
                                                                                    abs=1e-4)


def test_gaussian_nll_var_checks():
    raises(ValueError, "var has negative entry/entries", F.gaussian_nll_loss, X34, X34, -0.5)
    raises(ValueError, "var has negative entry/entries", F.gaussian_nll_loss, X34, X34,
           X34 - 2)
    raises(ValueError, "var is of incorrect size", F.gaussian_nll_loss, X34, X34,
           t(np.ones(4)))
    raises(ValueError, "var is of incorrect size", F.gaussian_nll_loss, X34, X34,
           t(np.ones((1, 1))))
    # an int variance reaches torch.any(bool) in torch: a TypeError
    raises(TypeError, "any() received an invalid combination of arguments - got (bool)",
           F.gaussian_nll_loss, X34, X34, 1)
    for shape in ((3,), (3, 1), (1, 4), (3, 4)):
        out = F.gaussian_nll_loss(X34, X34, t(np.ones(shape)), reduction="none")
        assert out.shape == (3, 4)


def test_gaussian_nll_var_gradient_passes_the_clamp():
    # torch clamps a clone of var under no_grad: the gradient is that at the clamped value
    x, y = t([0.5, -1.0]), t([0.0, 0.0])
    var = t([0.0, 2.0], requires_grad=True)
    F.gaussian_nll_loss(x, y, var, eps=0.1, reduction="sum").backward()
    clamped = np.array([0.1, 2.0])
    expected = 0.5 * (1 / clamped - np.array([0.25, 1.0]) / clamped ** 2)
    np.testing.assert_allclose(var.grad.numpy(), expected, rtol=1e-12)


# -- margins and embeddings -----------------------------------------------------------------

def test_margin_ranking_dims():
    raises(RuntimeError, "margin_ranking_loss : All input tensors should have same dimension "
           "but got sizes: input1: nnx.Size([3]), input2: nnx.Size([3]), target: "
           "nnx.Size([3, 1]) ", F.margin_ranking_loss, LABELS, LABELS, LABELS.reshape(3, 1))


def test_cosine_embedding_dims():
    raises(RuntimeError, "0D or 1D target tensor expected, multi-target not supported",
           F.cosine_embedding_loss, X34, X34, t(np.ones((3, 1))))
    raises(RuntimeError, "1D target tensor expects 2D input tensors, but found inputs with "
           "sizes [4] and [3, 4].", F.cosine_embedding_loss, X34[0], X34, LABELS)
    raises(RuntimeError, "0D target tensor expects 1D input tensors, but found inputs with "
           "sizes [3, 4] and [3, 4].", F.cosine_embedding_loss, X34, X34, t(1.0))
    # other labels give 0, integer labels work, the target gets no gradient
    out = F.cosine_embedding_loss(X34, rnd(3, 4, seed=1), nnx.tensor([1, -1, 0]),
                                  reduction="none")
    assert out.numpy()[2] == 0
    y = t([1.0, -1.0, 1.0], requires_grad=True)
    F.cosine_embedding_loss(t(X34.numpy(), requires_grad=True), X34, y).backward()
    assert y.grad is None


def test_hinge_embedding_target_has_no_gradient():
    y = t(np.sign(X34.numpy()), requires_grad=True)
    x = t(X34.numpy(), requires_grad=True)
    F.hinge_embedding_loss(x, y).backward()
    assert y.grad is None and x.grad is not None


def test_triplet_errors():
    raises(ValueError, "margin must be greater than 0, got 0", F.triplet_margin_loss, X34, X34,
           X34, margin=0)
    raises(RuntimeError, "The anchor, positive, and negative tensors are expected to have the "
           "same number of dimensions, but got: anchor 2D, positive 1D, and negative 2D inputs",
           F.triplet_margin_loss, X34, X34[0], X34)


def test_triplet_norms():
    # torch 2.13 on these inputs: p = 0 counts nonzeros, p = inf takes the largest entry
    a = t([[0.0, 1.0], [2.0, -1.0]])
    p = t([[0.5, 1.0], [2.0, 0.0]])
    n = t([[3.0, 1.0], [0.0, -1.0]])
    out0 = F.triplet_margin_loss(a, p, n, p=0, reduction="none")
    np.testing.assert_allclose(out0.numpy(), [1.0, 1.0])
    out_inf = F.triplet_margin_loss(a, p, n, p=float("inf"), eps=0.0, reduction="none")
    np.testing.assert_allclose(out_inf.numpy(), [0.0, 0.0])
    assert F.triplet_margin_loss(t(1.0), t(2.0), t(3.0), reduction="none").item() == 0


# -- multi-class ----------------------------------------------------------------------------

def test_multi_margin_errors():
    target = nnx.tensor([2, 0, 1])
    raises(ValueError, "only p == 1 and p == 2 supported", F.multi_margin_loss, X34, target,
           p=3)
    raises(ValueError, "weight must be one-dimensional", F.multi_margin_loss, X34, target,
           weight=t(np.ones((2, 2))))
    raises(RuntimeError, "inconsistent weight size, expected 4 but got [3]",
           F.multi_margin_loss, X34, target, weight=t(np.ones(3)))
    raises(RuntimeError, "multi_margin_loss: target tensor should be 1-D with size equal to the "
           "number of input samples (batch size). Expected target size [3], but got [2]. Input "
           "has shape [3, 4].", F.multi_margin_loss, X34, nnx.tensor([2, 0]))
    raises(RuntimeError, "multi_margin_loss: target tensor should be 1-D with size equal to the "
           "number of input samples (batch size). Expected target size [1], but got [2]. Input "
           "has shape [4].", F.multi_margin_loss, X34[0], nnx.tensor([2, 0]))
    raises(RuntimeError, "target out of range", F.multi_margin_loss, X34, nnx.tensor([2, 4, 0]))
    raises(RuntimeError, "target out of range", F.multi_margin_loss, X34, nnx.tensor([2, -1, 0]))
    raises(RuntimeError, "expected scalar type Long but found Double", F.multi_margin_loss, X34,
           t([2.0, 0.0, 1.0]))
    raises(RuntimeError, "expected scalar type Long but found Int", F.multi_margin_loss, X34,
           nnx.tensor([2, 0, 1], dtype=nnx.int32))
    raises(RuntimeError, "Expected non-empty vector or matrix with optional 0-dim batch size, "
           "but got: [2, 3, 4]", F.multi_margin_loss, rnd(2, 3, 4), nnx.tensor([2, 0]))
    raises(RuntimeError, "Expected non-empty vector or matrix with optional 0-dim batch size, "
           "but got: [2, 0]", F.multi_margin_loss, t(np.ones((2, 0))), nnx.tensor([1, 2]))
    raises(RuntimeError, "expected scalar type Double but found Float", F.multi_margin_loss,
           X34, target, weight=nnx.ones(4))
    raises(NotImplementedError, "\"multi_margin_loss_cpu_kernel\" not implemented for 'Long'",
           F.multi_margin_loss, nnx.tensor([[1, 2]]), nnx.tensor([0]))
    raises(RuntimeError, "The function 'multi_margin_loss' is not differentiable with respect "
           "to argument 'weight'. This input cannot have requires_grad True.",
           F.multi_margin_loss, X34, target, weight=t(np.ones(4), requires_grad=True))


def test_multi_margin_unbatched_shapes():
    # torch 2.13: 'none' keeps a dimension only when the target has one
    x = t([0.3, -0.2, 0.9, 0.4])
    assert F.multi_margin_loss(x, nnx.tensor(2), reduction="none").shape == ()
    assert F.multi_margin_loss(x, nnx.tensor([2]), reduction="none").shape == (1,)
    assert F.multi_margin_loss(x[None], nnx.tensor(2), reduction="none").shape == ()
    assert F.multi_margin_loss(t(0.5), nnx.tensor(0), reduction="none").item() == 0


def test_multi_margin_values():
    # torch 2.13: [[0.3,-0.2,0.9,0.4],[0.1,0.5,-1.0,0.2]], target [2, 0], margin 0.7,
    # weight [1, 2, 3, 4]
    x = t([[0.3, -0.2, 0.9, 0.4], [0.1, 0.5, -1.0, 0.2]])
    w = t([1.0, 2.0, 3.0, 4.0])
    target = nnx.tensor([2, 0])
    for p, expected in ((1, [0.2250, 0.4750]), (2, [0.0375, 0.4625])):
        out = F.multi_margin_loss(x, target, p=p, margin=0.7, weight=w, reduction="none")
        np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)


def test_multilabel_margin_errors_and_values():
    x = t([[0.1, 0.2, 0.4, 0.8], [0.3, -0.1, 0.5, 0.0]], requires_grad=True)
    y = nnx.tensor([[3, 0, -1, 1], [1, 2, 3, -1]])
    out = F.multilabel_margin_loss(x, y, reduction="none")
    np.testing.assert_allclose(out.detach().numpy(), [0.85, 0.875], rtol=1e-12)
    F.multilabel_margin_loss(x, y).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[-0.25, 0.25, 0.25, -0.25],
                                                [0.375, -0.125, -0.125, -0.125]], rtol=1e-12)
    x = x.detach()
    raises(RuntimeError, "inconsistent target size: [2, 3] for input of size: [2, 4]",
           F.multilabel_margin_loss, x, y[:, :3])
    raises(RuntimeError, "inconsistent target size: [1, 4] for input of size: [2, 4]",
           F.multilabel_margin_loss, x, y[:1])
    raises(RuntimeError, "expected scalar type Long but found Float", F.multilabel_margin_loss,
           x, y.float())
    raises(RuntimeError, "argument #2 'target' is out of range", F.multilabel_margin_loss, x,
           nnx.tensor([[4, 0, -1, 1], [1, 2, 3, -1]]))
    raises(RuntimeError, "argument #2 'target' is out of range", F.multilabel_margin_loss, x,
           nnx.tensor([[0, -1, 7, 1], [1, 2, 3, -1]]))
    raises(RuntimeError, "Expected non-empty vector or matrix with optional 0-dim batch size, "
           "but got: [2, 3, 4]", F.multilabel_margin_loss, rnd(2, 3, 4),
           nnx.zeros(2, 3, 4, dtype=nnx.int64))
    # duplicates count twice; a row naming every class has no margin; 0-d input
    one = t([0.1, 0.2, 0.4, 0.8])
    assert F.multilabel_margin_loss(one, nnx.tensor([3, 0, 3, 1]), reduction="none").item() \
        == pytest.approx(0.925, rel=1e-12)
    assert F.multilabel_margin_loss(one, nnx.tensor([0, 1, 2, 3])).item() == 0
    assert F.multilabel_margin_loss(t(0.1), nnx.tensor(0), reduction="none").item() == 0


def test_broadcast_messages_name_torch_operands():
    # torch 2.13.0 texts
    raises(RuntimeError, "The size of tensor a (2) must match the size of tensor b (4) at "
           "non-singleton dimension 1", F.hinge_embedding_loss, X34, t([1.0, -1.0]))
    raises(RuntimeError, "The size of tensor a (2) must match the size of tensor b (3) at "
           "non-singleton dimension 0", F.cosine_embedding_loss, X34, X34, t([1.0, -1.0]))
    raises(RuntimeError, "output with shape [4] doesn't match the broadcast shape [3, 4]",
           F.soft_margin_loss, X34[0], X34.sign(), reduction="none")
    assert F.soft_margin_loss(X34, X34[0].sign(), reduction="none").shape == (3, 4)
    raises(RuntimeError, "Attempting to broadcast a dimension of length 3 at -1! Mismatching "
           "argument at index 1 had nnx.Size([3]); but expected shape should be broadcastable "
           "to [3, 4]", F.binary_cross_entropy, X34.sigmoid(), X34.sigmoid(),
           weight=t([1.0, 2.0, 3.0]))
