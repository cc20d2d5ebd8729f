"""Functional loss cases (nnx.nn.functional against torch.nn.functional 2.13.0).

Rows in the format of ``cases.py`` (an expression over named inputs, ``F`` and ``lib``
bound); ``generate_loss.py`` records them in ``loss_golden.npz`` and
``tests/layers/test_loss_functional_golden.py`` replays them with nnx.  They cover the
functional-only arguments the layer table cannot reach: every reduction, the legacy
``size_average`` / ``reduce`` flags, targets that require grad, broadcasting, weights,
class-probability targets, label smoothing, ignore_index and CTC's target layouts.
Needs only numpy (and cases.py next to it).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cases import Case, Spec  # noqa: E402

CASES: list = []

REDUCTIONS = ("none", "mean", "sum")

X = Spec((3, 4))
T = Spec((3, 4))
T_FIXED = Spec((3, 4), requires_grad=False)
LABELS = Spec((3, 4), values=[[1.0, -1.0, 1.0, 1.0], [-1.0, -1.0, 1.0, -1.0],
                              [1.0, 1.0, -1.0, 1.0]], requires_grad=False)
PROBS = Spec((3, 4), kind="unit")
LOG_PROBS = Spec((3, 4), low=-3.0, high=-0.1)
POSITIVE = Spec((3, 4), kind="positive")
COUNTS = Spec((3, 4), values=[[0.0, 1.0, 2.0, 3.0], [4.0, 0.5, 1.5, 7.0],
                              [2.0, 0.0, 1.0, 5.0]], requires_grad=False)


def case(name, expr, **inputs):
    CASES.append(Case(f"loss_{name}", expr, inputs))


# -- pointwise -----------------------------------------------------------------------------
for r in REDUCTIONS:
    case(f"huber_{r}", f"F.huber_loss(x, t, reduction='{r}', delta=0.7)", x=X, t=T)
    case(f"huber_weight_{r}", f"F.huber_loss(x, t, reduction='{r}', weight=w)", x=X, t=T,
         w=Spec((3, 4), kind="positive"))
    case(f"soft_margin_{r}", f"F.soft_margin_loss(x, y, reduction='{r}')", x=X, y=LABELS)
    case(f"kl_div_{r}", f"F.kl_div(x, t, reduction='{r}')", x=LOG_PROBS, t=PROBS)
    case(f"kl_div_log_target_{r}", f"F.kl_div(x, t, reduction='{r}', log_target=True)",
         x=LOG_PROBS, t=LOG_PROBS)
    case(f"poisson_{r}", f"F.poisson_nll_loss(x, t, reduction='{r}')", x=X, t=COUNTS)
    case(f"gaussian_{r}", f"F.gaussian_nll_loss(x, t, v, reduction='{r}')", x=X, t=T,
         v=POSITIVE)
case("huber_broadcast", "F.huber_loss(x, t)", x=X, t=Spec((1, 4)))
case("kl_div_batchmean", "F.kl_div(x, t, reduction='batchmean')", x=LOG_PROBS, t=PROBS)
case("kl_div_zero_target", "F.kl_div(x, t, reduction='sum')", x=Spec((4,), low=-3.0, high=-0.1),
     t=Spec((4,), values=[0.0, 0.2, 0.3, 0.5], requires_grad=False))
case("kl_div_legacy", "F.kl_div(x, t, size_average=False)", x=LOG_PROBS, t=PROBS)
case("poisson_full", "F.poisson_nll_loss(x, t, full=True)", x=X, t=COUNTS)
case("poisson_rate", "F.poisson_nll_loss(x, t, log_input=False, eps=1e-4)", x=POSITIVE,
     t=COUNTS)
case("poisson_rate_full_sum",
     "F.poisson_nll_loss(x, t, log_input=False, full=True, reduction='sum')", x=POSITIVE, t=COUNTS)
case("gaussian_full", "F.gaussian_nll_loss(x, t, v, full=True)", x=X, t=T, v=POSITIVE)
case("gaussian_var_rows", "F.gaussian_nll_loss(x, t, v, reduction='none')", x=X, t=T,
     v=Spec((3,), kind="positive"))
case("gaussian_var_column", "F.gaussian_nll_loss(x, t, v, reduction='sum')", x=X, t=T,
     v=Spec((3, 1), kind="positive"))
case("gaussian_var_float", "F.gaussian_nll_loss(x, t, 0.5)", x=X, t=T)
case("gaussian_var_clamped", "F.gaussian_nll_loss(x, t, v, eps=0.3)", x=X, t=T,
     v=Spec((3, 4), low=0.0, high=0.6))

# -- margins -------------------------------------------------------------------------------
PAIR = Spec((5,))
RANK = Spec((5,), values=[1.0, -1.0, 1.0, -1.0, 1.0])
for r in REDUCTIONS:
    case(f"margin_ranking_{r}", f"F.margin_ranking_loss(a, b, y, margin=0.3, reduction='{r}')",
         a=PAIR, b=PAIR, y=RANK)
    case(f"hinge_embedding_{r}", f"F.hinge_embedding_loss(x, y, margin=0.8, reduction='{r}')",
         x=X, y=LABELS)
    case(f"cosine_embedding_{r}",
         f"F.cosine_embedding_loss(a, b, y, margin=0.2, reduction='{r}')",
         a=Spec((4, 3)), b=Spec((4, 3)),
         y=Spec((4,), values=[1.0, -1.0, -1.0, 1.0], requires_grad=False))
    case(f"triplet_{r}", f"F.triplet_margin_loss(a, p, n, reduction='{r}')", a=X, p=X, n=X)
case("margin_ranking_legacy", "F.margin_ranking_loss(a, b, y, size_average=False)", a=PAIR,
     b=PAIR, y=RANK)
case("hinge_embedding_other_labels", "F.hinge_embedding_loss(x, y, reduction='none')", x=X,
     y=Spec((3, 4), values=[[1, -1, 0, 2]] * 3, dtype="int64"))
case("cosine_embedding_unbatched", "F.cosine_embedding_loss(a, b, y)", a=Spec((4,)),
     b=Spec((4,)), y=Spec((), values=-1.0, requires_grad=False))
case("triplet_p1_swap", "F.triplet_margin_loss(a, p, n, margin=2.0, p=1, swap=True)", a=X, p=X,
     n=X)
case("triplet_p3_eps", "F.triplet_margin_loss(a, p, n, p=3, eps=0.01, reduction='none')", a=X,
     p=X, n=X)
case("triplet_unbatched", "F.triplet_margin_loss(a, p, n, margin=3.0)", a=Spec((4,)),
     p=Spec((4,)), n=Spec((4,)))

# -- multi-class ---------------------------------------------------------------------------
CLASS_T = Spec((3,), values=[2, 0, 3], dtype="int64")
for r in REDUCTIONS:
    case(f"multi_margin_{r}", f"F.multi_margin_loss(x, t, reduction='{r}')", x=X, t=CLASS_T)
    case(f"multi_margin_p2_weight_{r}",
         f"F.multi_margin_loss(x, t, p=2, margin=0.6, weight=w, reduction='{r}')",
         x=X, t=CLASS_T, w=Spec((4,), kind="positive", requires_grad=False))
    case(f"multilabel_margin_{r}", f"F.multilabel_margin_loss(x, t, reduction='{r}')", x=X,
         t=Spec((3, 4), values=[[3, 0, -1, 1], [1, 2, 3, -1], [0, 1, 2, 3]], dtype="int64"))
    case(f"multilabel_soft_margin_{r}",
         f"F.multilabel_soft_margin_loss(x, t, weight=w, reduction='{r}')",
         x=X, t=Spec((3, 4), kind="binary"), w=Spec((4,), kind="positive"))
case("multi_margin_unbatched", "F.multi_margin_loss(x, t, reduction='none')", x=Spec((4,)),
     t=Spec((1,), values=[2], dtype="int64"))
case("multilabel_margin_unbatched", "F.multilabel_margin_loss(x, t)", x=Spec((4,)),
     t=Spec((4,), values=[3, 0, 3, -1], dtype="int64"))
case("multilabel_soft_margin_target_grad", "F.multilabel_soft_margin_loss(x, t)", x=X, t=PROBS)

# -- existing losses: functional-only arguments --------------------------------------------
SCORES = Spec((4, 5))
case("cross_entropy_smoothing_weight_ignore",
     "F.cross_entropy(x, t, weight=w, ignore_index=1, label_smoothing=0.2)", x=SCORES,
     t=Spec((4,), values=[1, 0, 4, 2], dtype="int64"),
     w=Spec((5,), kind="positive", requires_grad=False))
case("cross_entropy_probs_smoothing", "F.cross_entropy(x, t, label_smoothing=0.3)", x=SCORES,
     t=Spec((4, 5), kind="simplex"))
case("cross_entropy_spatial_none", "F.cross_entropy(x, t, reduction='none')",
     x=Spec((2, 3, 2, 2)), t=Spec((2, 2, 2), low=0, high=3, dtype="int64"))
case("nll_legacy_sum", "F.nll_loss(x, t, size_average=False)", x=SCORES,
     t=Spec((4,), values=[1, 0, 4, 2], dtype="int64"))
case("mse_target_grad_none", "F.mse_loss(x, t, reduction='none')", x=X, t=T)
case("l1_legacy_none", "F.l1_loss(x, t, reduce=False)", x=X, t=T)
case("smooth_l1_beta", "F.smooth_l1_loss(x, t, beta=0.5, reduction='sum')", x=X, t=T)
case("bce_weight", "F.binary_cross_entropy(x, t, weight=w)", x=PROBS,
     t=Spec((3, 4), kind="unit"), w=Spec((4,), kind="positive", requires_grad=False))
case("bce_logits_pos_weight", "F.binary_cross_entropy_with_logits(x, t, pos_weight=p)", x=X,
     t=Spec((3, 4), kind="binary"), p=Spec((4,), kind="positive", requires_grad=False))

# -- ctc -----------------------------------------------------------------------------------
CTC_LOGITS = Spec((6, 3, 5))
CTC_PADDED = Spec((3, 3), values=[[1, 2, 2], [1, 3, 0], [4, 0, 0]], dtype="int64")
CTC_IN = Spec((3,), values=[6, 5, 4], dtype="int64")
CTC_TG = Spec((3,), values=[3, 2, 1], dtype="int64")
for r in REDUCTIONS:
    case(f"ctc_{r}", f"F.ctc_loss(x.log_softmax(2), t, il, tl, reduction='{r}')", x=CTC_LOGITS,
         t=CTC_PADDED, il=CTC_IN, tl=CTC_TG)
case("ctc_log_probs_leaf", "F.ctc_loss(lp, t, il, tl, reduction='sum')",
     lp=Spec((6, 3, 5), low=-3.0, high=-0.5), t=CTC_PADDED, il=CTC_IN, tl=CTC_TG)
case("ctc_concatenated_tuples", "F.ctc_loss(x.log_softmax(2), t, (6, 5, 4), (3, 2, 1))",
     x=CTC_LOGITS, t=Spec((6,), values=[1, 2, 2, 1, 3, 4], dtype="int64"))
case("ctc_blank_last", "F.ctc_loss(x.log_softmax(2), t, il, tl, blank=4, reduction='none')",
     x=CTC_LOGITS, t=Spec((3, 3), values=[[1, 2, 2], [1, 3, 0], [0, 0, 0]], dtype="int64"),
     il=CTC_IN, tl=CTC_TG)
case("ctc_empty_target", "F.ctc_loss(x.log_softmax(2), t, il, tl)", x=CTC_LOGITS,
     t=CTC_PADDED, il=CTC_IN, tl=Spec((3,), values=[0, 2, 1], dtype="int64"))
case("ctc_zero_infinity", "F.ctc_loss(x.log_softmax(2), t, il, tl, zero_infinity=True)",
     x=CTC_LOGITS, t=CTC_PADDED, il=Spec((3,), values=[2, 5, 4], dtype="int64"), tl=CTC_TG)
case("ctc_unbatched", "F.ctc_loss(x.log_softmax(1), t, il, tl, reduction='none')",
     x=Spec((6, 5)), t=Spec((3,), values=[1, 2, 2], dtype="int64"),
     il=Spec((), values=6, dtype="int64"), tl=Spec((), values=3, dtype="int64"))
case("ctc_float32", "F.ctc_loss(x.log_softmax(2), t, il, tl)",
     x=Spec((6, 3, 5), dtype="float32"), t=CTC_PADDED, il=CTC_IN, tl=CTC_TG)

CASES_BY_NAME = {c.name: c for c in CASES}
