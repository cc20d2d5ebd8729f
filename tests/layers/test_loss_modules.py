"""The loss modules' construction: torch 2.13.0's bases, argument order and defaults, the
legacy flags, the weight buffers, reprs, constructor errors and forward signatures
(expected values taken from torch 2.13.0's torch.nn.modules.loss)."""

import inspect
import re

import numpy as np
import pytest

import nnx
import nnx.nn as nn
import nnx.nn.functional as F
from nnx_layers import _LAYERS_BY_MODULE
from nnx_layers._loss_base import _Loss, _WeightedLoss

WEIGHTED = {"CrossEntropyLoss", "NLLLoss", "BCELoss", "MultiMarginLoss",
            "MultiLabelSoftMarginLoss"}

# torch 2.13.0: vars(torch.nn.<Name>()) beyond the Module machinery
DEFAULT_ATTRIBUTES = {
    "L1Loss": {}, "MSELoss": {}, "BCELoss": {}, "BCEWithLogitsLoss": {}, "SoftMarginLoss": {},
    "MultiLabelMarginLoss": {}, "MultiLabelSoftMarginLoss": {},
    "CrossEntropyLoss": {"ignore_index": -100, "label_smoothing": 0.0},
    "NLLLoss": {"ignore_index": -100},
    "SmoothL1Loss": {"beta": 1.0}, "HuberLoss": {"delta": 1.0},
    "KLDivLoss": {"log_target": False},
    "CosineEmbeddingLoss": {"margin": 0.0}, "MarginRankingLoss": {"margin": 0.0},
    "HingeEmbeddingLoss": {"margin": 1.0},
    "MultiMarginLoss": {"p": 1, "margin": 1.0},
    "TripletMarginLoss": {"margin": 1.0, "p": 2.0, "eps": 1e-06, "swap": False},
    "PoissonNLLLoss": {"log_input": True, "full": False, "eps": 1e-08},
    "GaussianNLLLoss": {"full": False, "eps": 1e-06},
    "CTCLoss": {"blank": 0, "zero_infinity": False},
}

# torch 2.13.0: inspect.signature(torch.nn.<Name>.__init__ / .forward) parameter names
CONSTRUCTORS = {
    "CrossEntropyLoss": ["weight", "size_average", "ignore_index", "reduce", "reduction",
                         "label_smoothing"],
    "NLLLoss": ["weight", "size_average", "ignore_index", "reduce", "reduction"],
    "BCEWithLogitsLoss": ["weight", "size_average", "reduce", "reduction", "pos_weight"],
    "SmoothL1Loss": ["size_average", "reduce", "reduction", "beta"],
    "HuberLoss": ["reduction", "delta"],
    "KLDivLoss": ["size_average", "reduce", "reduction", "log_target"],
    "CosineEmbeddingLoss": ["margin", "size_average", "reduce", "reduction"],
    "MultiMarginLoss": ["p", "margin", "weight", "size_average", "reduce", "reduction"],
    "TripletMarginLoss": ["margin", "p", "eps", "swap", "size_average", "reduce", "reduction"],
    "PoissonNLLLoss": ["log_input", "full", "size_average", "eps", "reduce", "reduction"],
    "GaussianNLLLoss": ["full", "eps", "reduction"],
    "CTCLoss": ["blank", "reduction", "zero_infinity"],
    "MSELoss": ["size_average", "reduce", "reduction"],
}
FORWARDS = {
    "CosineEmbeddingLoss": ["input1", "input2", "target"],
    "MarginRankingLoss": ["input1", "input2", "target"],
    "TripletMarginLoss": ["anchor", "positive", "negative"],
    "PoissonNLLLoss": ["log_input", "target"],
    "GaussianNLLLoss": ["input", "target", "var"],
    "CTCLoss": ["log_probs", "targets", "input_lengths", "target_lengths"],
    "MSELoss": ["input", "target"],
}

NAMES = list(_LAYERS_BY_MODULE["loss"])


@pytest.mark.parametrize("name", NAMES)
def test_defaults_base_and_repr(name):
    module = getattr(nn, name)()
    assert isinstance(module, nn.Module)
    assert isinstance(module, _WeightedLoss) == (name in WEIGHTED)
    assert isinstance(module, _Loss)
    assert repr(module) == f"{name}()"
    assert module.reduction == "mean"
    for attribute, value in DEFAULT_ATTRIBUTES[name].items():
        assert getattr(module, attribute) == value, attribute
    assert list(module.state_dict()) == []
    assert list(module.parameters()) == []


@pytest.mark.parametrize("name", list(CONSTRUCTORS))
def test_constructor_signature(name):
    params = list(inspect.signature(getattr(nn, name).__init__).parameters)[1:]
    assert params == CONSTRUCTORS[name]


@pytest.mark.parametrize("name", list(FORWARDS))
def test_forward_signature(name):
    params = list(inspect.signature(getattr(nn, name).forward).parameters)[1:]
    assert params == FORWARDS[name]


def test_gaussian_nll_options_are_keyword_only():
    with pytest.raises(TypeError):
        nn.GaussianNLLLoss(True)
    assert nn.GaussianNLLLoss(full=True, eps=0.1).eps == 0.1


@pytest.mark.parametrize("size_average, reduce, reduction", [
    (False, None, "sum"), (None, False, "none"), (True, True, "mean"), (False, True, "sum")])
def test_legacy_flags(size_average, reduce, reduction):
    for cls in (nn.MSELoss, nn.L1Loss, nn.KLDivLoss, nn.NLLLoss, nn.CrossEntropyLoss,
                nn.MarginRankingLoss, nn.SoftMarginLoss, nn.MultiLabelSoftMarginLoss):
        with pytest.warns(UserWarning, match=re.escape(
                f"size_average and reduce args will be deprecated, please use "
                f"reduction='{reduction}' instead.")):
            module = cls(size_average=size_average, reduce=reduce, reduction="ignored")
        assert module.reduction == reduction


def test_positional_arguments_in_torch_order():
    w = nnx.ones(3)
    nll = nn.NLLLoss(w, None, 2, None, "sum")
    assert (nll.ignore_index, nll.reduction) == (2, "sum")
    poisson = nn.PoissonNLLLoss(False, True, None, 1e-3, None, "none")
    assert (poisson.log_input, poisson.full, poisson.eps, poisson.reduction) == (
        False, True, 1e-3, "none")
    triplet = nn.TripletMarginLoss(0.5, 1.0, 1e-3, True)
    assert (triplet.margin, triplet.p, triplet.eps, triplet.swap) == (0.5, 1.0, 1e-3, True)
    margin = nn.MultiMarginLoss(2, 0.5, w)
    assert (margin.p, margin.margin) == (2, 0.5) and margin.weight is w
    huber = nn.HuberLoss("sum", 2)
    assert (huber.reduction, huber.delta) == ("sum", 2)


def test_weight_buffers():
    w = nnx.tensor([1.0, 2.0, 3.0])
    for name in sorted(WEIGHTED):
        module = getattr(nn, name)(weight=w)
        assert list(module.state_dict()) == ["weight"]
        assert [n for n, _ in module.named_buffers()] == ["weight"]
        assert module.double().weight.dtype == nnx.float64
    both = nn.BCEWithLogitsLoss(weight=w, pos_weight=w * 2)
    assert list(both.state_dict()) == ["weight", "pos_weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=w).state_dict()) == ["pos_weight"]
    assert nn.BCEWithLogitsLoss().weight is None and nn.BCELoss().weight is None
    loaded = nn.CrossEntropyLoss(weight=nnx.zeros(3))
    loaded.load_state_dict({"weight": w})
    np.testing.assert_array_equal(loaded.weight.numpy(), [1.0, 2.0, 3.0])


def test_constructor_errors():
    with pytest.raises(TypeError, match=re.escape("delta must be a float or int, got: "
                                                  "<class 'str'>")):
        nn.HuberLoss(delta="a")
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match=re.escape(
            "MultiMarginLoss: expected weight to be None or 1D tensor, got 2D instead")):
        nn.MultiMarginLoss(weight=nnx.ones(2, 2))
    with pytest.raises(ValueError, match=re.escape(
            "TripletMarginLoss: expected margin to be greater than 0, got -1 instead")):
        nn.TripletMarginLoss(margin=-1)


def test_reduction_is_checked_at_forward():
    module = nn.MSELoss(reduction="bad")        # torch stores it unchecked
    with pytest.raises(ValueError, match="bad is not a valid value for reduction"):
        module(nnx.ones(2), nnx.ones(2))


def test_forwards_pass_their_options():
    rng = np.random.default_rng(0)
    x = nnx.tensor(rng.standard_normal((3, 4)))
    y = nnx.tensor(rng.standard_normal((3, 4)))
    labels = nnx.tensor(np.sign(rng.standard_normal(3)))
    pairs = [
        (nn.HuberLoss(reduction="sum", delta=0.3)(x, y),
         F.huber_loss(x, y, reduction="sum", delta=0.3)),
        (nn.CosineEmbeddingLoss(0.2, reduction="none")(input1=x, input2=y, target=labels),
         F.cosine_embedding_loss(x, y, labels, margin=0.2, reduction="none")),
        (nn.TripletMarginLoss(0.5, 1.0, 1e-3, True)(x, y, x * 2),
         F.triplet_margin_loss(x, y, x * 2, margin=0.5, p=1.0, eps=1e-3, swap=True)),
        (nn.GaussianNLLLoss(full=True)(x, y, var=x.abs()),
         F.gaussian_nll_loss(x, y, x.abs(), full=True)),
        (nn.PoissonNLLLoss(log_input=False)(log_input=x.abs(), target=y.abs()),
         F.poisson_nll_loss(x.abs(), y.abs(), log_input=False)),
        (nn.MultiMarginLoss(2, 0.5, nnx.tensor([1.0, 2.0, 3.0, 4.0]).double())(
            x, nnx.tensor([1, 0, 3])),
         F.multi_margin_loss(x, nnx.tensor([1, 0, 3]), p=2, margin=0.5,
                             weight=nnx.tensor([1.0, 2.0, 3.0, 4.0]).double())),
        (nn.KLDivLoss(reduction="batchmean", log_target=True)(x, y),
         F.kl_div(x, y, reduction="batchmean", log_target=True)),
        (nn.MarginRankingLoss(0.1)(x[0], x[1], labels.new_ones(4)),
         F.margin_ranking_loss(x[0], x[1], labels.new_ones(4), margin=0.1)),
        (nn.HingeEmbeddingLoss(0.4, reduction="sum")(x, y.sign()),
         F.hinge_embedding_loss(x, y.sign(), margin=0.4, reduction="sum")),
    ]
    for got, expected in pairs:
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


# torch 2.13.0: inspect.signature(torch.nn.functional.<name>) (names and defaults)
FUNCTIONAL_SIGNATURES = {
    "huber_loss": "(input, target, reduction='mean', delta=1.0, weight=None)",
    "kl_div": "(input, target, size_average=None, reduce=None, reduction='mean', "
              "log_target=False)",
    "cosine_embedding_loss": "(input1, input2, target, margin=0, size_average=None, "
                             "reduce=None, reduction='mean')",
    "margin_ranking_loss": "(input1, input2, target, margin=0, size_average=None, reduce=None, "
                           "reduction='mean')",
    "hinge_embedding_loss": "(input, target, margin=1.0, size_average=None, reduce=None, "
                            "reduction='mean')",
    "multi_margin_loss": "(input, target, p=1, margin=1.0, weight=None, size_average=None, "
                         "reduce=None, reduction='mean')",
    "triplet_margin_loss": "(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, "
                           "swap=False, size_average=None, reduce=None, reduction='mean')",
    "poisson_nll_loss": "(input, target, log_input=True, full=False, size_average=None, "
                        "eps=1e-08, reduce=None, reduction='mean')",
    "gaussian_nll_loss": "(input, target, var, full=False, eps=1e-06, reduction='mean')",
    "soft_margin_loss": "(input, target, size_average=None, reduce=None, reduction='mean')",
    "multilabel_margin_loss": "(input, target, size_average=None, reduce=None, "
                              "reduction='mean')",
    "multilabel_soft_margin_loss": "(input, target, weight=None, size_average=None, "
                                   "reduce=None, reduction='mean')",
    "ctc_loss": "(log_probs, targets, input_lengths, target_lengths, blank=0, "
                "reduction='mean', zero_infinity=False)",
    "mse_loss": "(input, target, size_average=None, reduce=None, reduction='mean', "
                "weight=None)",
    "l1_loss": "(input, target, size_average=None, reduce=None, reduction='mean', weight=None)",
    "smooth_l1_loss": "(input, target, size_average=None, reduce=None, reduction='mean', "
                      "beta=1.0)",
}


@pytest.mark.parametrize("name", list(FUNCTIONAL_SIGNATURES))
def test_functional_signature(name):
    assert str(inspect.signature(getattr(F, name))) == FUNCTIONAL_SIGNATURES[name]
    assert name in F.__all__
