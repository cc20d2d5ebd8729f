"""float64 gradcheck of every loss function, with respect to every argument torch
differentiates (input, target, variance, weight), for each reduction; and second-order
gradients where the loss's backward is recorded (create_graph)."""

import numpy as np
import pytest

import nnx
import nnx.nn.functional as F
from nnx.autograd import gradcheck, gradgradcheck

pytestmark = pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")

RNG = np.random.default_rng(1234)


def leaf(values):
    return nnx.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def const(values, dtype=np.float64):
    return nnx.tensor(np.asarray(values, dtype=dtype))


def uniform(low, high, *shape):
    return RNG.uniform(low, high, shape)


X = uniform(-2, 2, 3, 4)
T = uniform(-2, 2, 3, 4)
NEG = uniform(-2, 2, 3, 4)
PROBS = uniform(0.1, 0.9, 3, 4)
LOGP = uniform(-3, -0.2, 3, 4)
SIGNS = np.sign(uniform(-1, 1, 3, 4))
CLASSES = const([2, 0, 3], np.int64)
MULTILABEL = const([[3, 0, -1, 1], [1, 2, 3, -1], [2, -1, 0, 0]], np.int64)

# name -> (function of the differentiable tensors, their values)
CASES = {
    "huber": (lambda x, t, r: F.huber_loss(x, t, reduction=r, delta=0.7), [X, T]),
    "huber_weight": (lambda x, t, r: F.huber_loss(x, t, reduction=r, weight=const(PROBS)),
                     [X, T]),
    "soft_margin": (lambda x, r: F.soft_margin_loss(x, const(SIGNS), reduction=r), [X]),
    "kl_div": (lambda x, t, r: F.kl_div(x, t, reduction=r), [LOGP, PROBS]),
    "kl_div_log_target": (lambda x, t, r: F.kl_div(x, t, reduction=r, log_target=True),
                          [LOGP, LOGP]),
    "poisson": (lambda x, t, r: F.poisson_nll_loss(x, t, reduction=r), [X, PROBS * 3]),
    "poisson_rate_full": (lambda x, t, r: F.poisson_nll_loss(x, t, log_input=False, full=True,
                                                             reduction=r),
                          [PROBS, PROBS * 4 + 1.5]),
    "gaussian": (lambda x, t, v, r: F.gaussian_nll_loss(x, t, v, full=True, reduction=r),
                 [X, T, PROBS]),
    "gaussian_rows": (lambda x, t, v, r: F.gaussian_nll_loss(x, t, v, reduction=r),
                      [X, T, PROBS[:, 0]]),
    "margin_ranking": (lambda a, b, y, r: F.margin_ranking_loss(a, b, y, margin=0.1,
                                                                reduction=r),
                       [X[0], X[1], SIGNS[0]]),
    "hinge_embedding": (lambda x, r: F.hinge_embedding_loss(x, const(SIGNS), margin=0.9,
                                                            reduction=r), [X]),
    "cosine_embedding": (lambda a, b, r: F.cosine_embedding_loss(a, b, const(SIGNS[:, 0]),
                                                                 margin=-0.2, reduction=r),
                         [X, T]),
    "triplet": (lambda a, p, n, r: F.triplet_margin_loss(a, p, n, margin=2.0, reduction=r),
                [X, T, NEG]),
    "triplet_p1_swap": (lambda a, p, n, r: F.triplet_margin_loss(a, p, n, margin=2.0, p=1,
                                                                 swap=True, reduction=r),
                        [X, T, NEG]),
    "multi_margin": (lambda x, r: F.multi_margin_loss(x, CLASSES, margin=1.5, reduction=r),
                     [X]),
    "multi_margin_p2_weight": (lambda x, r: F.multi_margin_loss(
        x, CLASSES, p=2, margin=1.5, weight=const([1.0, 2.0, 0.5, 3.0]), reduction=r), [X]),
    "multilabel_margin": (lambda x, r: F.multilabel_margin_loss(x, MULTILABEL, reduction=r),
                          [X]),
    "multilabel_soft_margin": (lambda x, t, w, r: F.multilabel_soft_margin_loss(
        x, t, weight=w, reduction=r), [X, PROBS, PROBS[0]]),
}


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck(name, reduction):
    fn, values = CASES[name]
    tensors = tuple(leaf(v) for v in values)
    assert gradcheck(lambda *ts: fn(*ts, reduction), tensors, eps=1e-6, atol=1e-6, rtol=1e-4)


# second order: the losses torch records from differentiable pieces (and huber, soft margin,
# multilabel soft margin, whose backward formulas nnx records under create_graph)
SECOND_ORDER = ["huber", "soft_margin", "kl_div_log_target", "poisson", "gaussian",
                "cosine_embedding", "triplet", "multilabel_soft_margin"]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_gradgradcheck(name):
    fn, values = CASES[name]
    tensors = tuple(leaf(v) for v in values)
    assert gradgradcheck(lambda *ts: fn(*ts, "sum"), tensors, eps=1e-6, atol=1e-5, rtol=1e-3)
