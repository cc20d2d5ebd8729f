"""ctc_loss and CTCLoss beyond the golden rows: a brute-force check of the forward over every
alignment, impossible alignments with and without zero_infinity, the gradient through
log_softmax (gradcheck), the forms lengths and targets take, and torch 2.13.0's messages
(texts from running the same calls with torch)."""

import itertools
import re

import numpy as np
import pytest

import nnx
import nnx.nn as nn
import nnx.nn.functional as F
from nnx.autograd import gradcheck


def log_probs(n_time, n_batch, n_classes, seed=0, requires_grad=False):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n_time, n_batch, n_classes))
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return nnx.tensor(lp, requires_grad=requires_grad)


def brute_force_nll(lp_tc, target, blank=0):
    """-log of the summed probability of every path that collapses to ``target``."""
    n_time, n_classes = lp_tc.shape
    total = 0.0
    for path in itertools.product(range(n_classes), repeat=n_time):
        collapsed = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
        if [c for c in collapsed if c != blank] == list(target):
            total += np.exp(sum(lp_tc[t, c] for t, c in enumerate(path)))
    return -np.log(total) if total else np.inf


@pytest.mark.parametrize("target, n_time, blank", [([1, 2], 4, 0), ([1, 1], 4, 0),
                                                   ([2], 3, 0), ([], 3, 0), ([0, 1], 5, 2),
                                                   ([1, 1, 1], 5, 0)])
def test_forward_matches_brute_force(target, n_time, blank):
    lp = log_probs(n_time, 1, 3, seed=len(target) + n_time)
    out = F.ctc_loss(lp, nnx.tensor([target or [0]]), (n_time,), (len(target),), blank=blank,
                     reduction="none")
    expected = brute_force_nll(lp.numpy()[:, 0], target, blank)
    np.testing.assert_allclose(out.numpy(), [expected], rtol=1e-12)


def test_batch_equals_samples_alone():
    lp = log_probs(7, 3, 5, seed=1)
    targets = nnx.tensor([[1, 2, 2, 4], [3, 3, 0, 0], [4, 1, 0, 0]])
    in_len, tg_len = [7, 5, 6], [4, 2, 1]
    batch = F.ctc_loss(lp, targets, in_len, tg_len, reduction="none").numpy()
    for b in range(3):
        alone = F.ctc_loss(lp[:in_len[b], b:b + 1], targets[b:b + 1, :tg_len[b]], (in_len[b],),
                           (tg_len[b],), reduction="none")
        np.testing.assert_allclose(batch[b], alone.numpy()[0], rtol=1e-12)


def test_reductions_and_length_forms():
    lp = log_probs(6, 3, 5, seed=2)
    padded = nnx.tensor([[1, 2, 2], [1, 3, 0], [4, 0, 0]])
    concatenated = nnx.tensor([1, 2, 2, 1, 3, 4])
    in_len, tg_len = nnx.tensor([6, 5, 4]), nnx.tensor([3, 2, 1])
    none = F.ctc_loss(lp, padded, in_len, tg_len, reduction="none")
    for targets in (padded, concatenated):
        for lengths in ((in_len, tg_len), ((6, 5, 4), (3, 2, 1)), ([6, 5, 4], [3, 2, 1]),
                        (in_len.int(), tg_len.int())):
            out = F.ctc_loss(lp, targets, *lengths, reduction="none")
            np.testing.assert_allclose(out.numpy(), none.numpy(), rtol=1e-12)
    mean = F.ctc_loss(lp, padded, in_len, tg_len)
    assert mean.item() == pytest.approx((none.numpy() / [3, 2, 1]).mean(), rel=1e-12)
    total = F.ctc_loss(lp, padded, in_len, tg_len, reduction="sum")
    assert total.item() == pytest.approx(none.numpy().sum(), rel=1e-12)
    # an empty target counts as length 1 in 'mean'
    zero = F.ctc_loss(lp, padded, in_len, nnx.tensor([0, 2, 1]), reduction="none").numpy()
    mean0 = F.ctc_loss(lp, padded, in_len, nnx.tensor([0, 2, 1]))
    assert mean0.item() == pytest.approx((zero / [1, 2, 1]).mean(), rel=1e-12)


def test_unbatched():
    lp = log_probs(6, 1, 5, seed=3)
    target = nnx.tensor([1, 2, 2])
    batched = F.ctc_loss(lp, target[None], (6,), (3,), reduction="none")
    for lengths in ((nnx.tensor(6), nnx.tensor(3)), (nnx.tensor([6]), nnx.tensor([3])),
                    ((6,), (3,))):
        out = F.ctc_loss(lp[:, 0], target, *lengths, reduction="none")
        assert out.shape == ()
        assert out.item() == pytest.approx(batched.item(), rel=1e-12)
    assert CTC_SQUEEZE in type(F.ctc_loss(lp[:, 0].requires_grad_(), target, (6,), (3,),
                                          reduction="none").grad_fn).__name__


CTC_SQUEEZE = "Squeeze"


def test_impossible_alignments():
    lp = log_probs(6, 3, 4, seed=4, requires_grad=True)
    targets = nnx.tensor([[1, 2, 2], [1, 3, 0], [2, 0, 0]])
    in_len, tg_len = nnx.tensor([2, 5, 4]), nnx.tensor([3, 2, 1])   # sample 0: 2 frames < 4
    out = F.ctc_loss(lp, targets, in_len, tg_len, reduction="none").detach().numpy()
    assert np.isinf(out[0]) and np.isfinite(out[1:]).all()
    # torch 2.13: 'sum' gives inf, and the gradient of that sample is nan over its frames
    F.ctc_loss(lp, targets, in_len, tg_len, reduction="sum").backward()
    grad = lp.grad.numpy()
    assert np.isnan(grad[:2, 0]).all() and (grad[2:, 0] == 0).all()
    assert np.isfinite(grad[:, 1:]).all()
    # zero_infinity: loss and gradient 0 for it, the others unchanged
    lp.grad = None
    out = F.ctc_loss(lp, targets, in_len, tg_len, reduction="none", zero_infinity=True)
    assert out.detach().numpy()[0] == 0
    F.ctc_loss(lp, targets, in_len, tg_len, reduction="sum", zero_infinity=True).backward()
    grad_zi = lp.grad.numpy()
    assert (grad_zi[:, 0] == 0).all()
    np.testing.assert_allclose(grad_zi[:, 1:], np.nan_to_num(grad[:, 1:]), rtol=1e-12)
    # repeated labels need a blank between them: [1, 1] needs 3 frames
    short = F.ctc_loss(lp.detach()[:2, :1], nnx.tensor([[1, 1]]), (2,), (2,), reduction="none")
    assert np.isinf(short.item())


def test_no_frames():
    lp = log_probs(3, 2, 4, seed=5)
    out = F.ctc_loss(lp, nnx.tensor([[1], [1]]), (0, 0), (0, 1), reduction="none")
    assert out.numpy()[0] == 0 and np.isinf(out.numpy()[1])


def test_gradient_is_finite_and_vanishes_past_the_input_length():
    lp = log_probs(8, 2, 6, seed=6, requires_grad=True)
    F.ctc_loss(lp, nnx.tensor([[1, 2, 3], [5, 5, 0]]), (8, 5), (3, 2)).backward()
    grad = lp.grad.numpy()
    assert np.isfinite(grad).all()
    assert (grad[5:, 1] == 0).all()
    # for normalised log-probabilities each frame's gradient sums to 0 (torch's form)
    np.testing.assert_allclose(grad.sum(-1), 0, atol=1e-12)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_gradcheck_through_log_softmax(reduction):
    rng = np.random.default_rng(7)
    logits = nnx.tensor(rng.standard_normal((5, 2, 4)), requires_grad=True)
    targets, in_len, tg_len = nnx.tensor([[1, 2], [3, 0]]), (5, 4), (2, 1)

    def fn(x):
        return F.ctc_loss(x.log_softmax(2), targets, in_len, tg_len, reduction=reduction)

    assert gradcheck(fn, (logits,), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_float32():
    lp = log_probs(6, 2, 4, seed=8)
    targets = nnx.tensor([[1, 2], [3, 3]])
    out32 = F.ctc_loss(lp.float(), targets, (6, 5), (2, 2), reduction="none")
    out64 = F.ctc_loss(lp, targets, (6, 5), (2, 2), reduction="none")
    assert out32.dtype == nnx.float32
    np.testing.assert_allclose(out32.numpy(), out64.numpy(), rtol=1e-5)


def test_module():
    loss = nn.CTCLoss(blank=3, reduction="sum", zero_infinity=True)
    assert repr(loss) == "CTCLoss()"
    assert (loss.blank, loss.reduction, loss.zero_infinity) == (3, "sum", True)
    assert list(loss.state_dict()) == []
    lp = log_probs(6, 2, 4, seed=9)
    targets = nnx.tensor([[1, 2], [0, 0]])
    expected = F.ctc_loss(lp, targets, (6, 1), (2, 2), blank=3, reduction="sum",
                          zero_infinity=True)
    assert loss(lp, targets, (6, 1), (2, 2)).item() == expected.item()


WHERE = " (while checking arguments for ctc_loss_allocate_outputs)"
LP = log_probs(6, 3, 4, seed=10)
TG = nnx.tensor([[1, 2, 2], [1, 3, 0], [2, 0, 0]])
IL, TL = nnx.tensor([6, 5, 4]), nnx.tensor([3, 2, 1])


@pytest.mark.parametrize("kwargs, exc, message", [
    ({"blank": 4}, RuntimeError, "blank must be in label range"),
    ({"blank": -1}, RuntimeError, "blank must be in label range"),
    ({"input_lengths": nnx.tensor([7, 5, 4])}, RuntimeError,
     "Expected input_lengths to have value at most 6, but got value 7" + WHERE),
    ({"input_lengths": nnx.tensor([6, -1, 4])}, RuntimeError,
     "Expected input_lengths to have value at least 0, but got value -1" + WHERE),
    ({"target_lengths": nnx.tensor([3, -1, 1])}, RuntimeError,
     "Expected target_lengths to have value at least 0, but got value -1" + WHERE),
    ({"input_lengths": IL[:2]}, RuntimeError, "input_lengths must be of size batch_size"),
    ({"target_lengths": TL[:2]}, RuntimeError, "target_lengths must be of size batch_size"),
    ({"target_lengths": nnx.tensor([4, 2, 1])}, RuntimeError,
     "Expected tensor to have size at least 4 at dimension 1, but got size 3 for argument #2 "
     "'targets'" + WHERE),
    ({"targets": TG[:2]}, RuntimeError,
     "Expected tensor to have size 3 at dimension 0, but got size 2 for argument #2 'targets'"
     + WHERE),
    ({"targets": nnx.tensor([1, 2, 2, 1, 3])}, RuntimeError,
     "Expected tensor to have size 6 at dimension 0, but got size 5 for argument #2 'targets'"
     + WHERE),
    ({"input_lengths": IL.float()}, RuntimeError, "input_lengths must be integral"),
    ({"target_lengths": TL.float()}, RuntimeError, "target_lengths must be integral"),
    ({"reduction": "bad"}, ValueError, "bad is not a valid value for reduction"),
    ({"log_probs": LP.long()}, NotImplementedError, "\"ctc_loss_cpu\" not implemented for 'Long'"),
    ({"log_probs": LP[0]}, RuntimeError, "input_lengths must be of size batch_size"),
    ({"input_lengths": 6}, TypeError, "ctc_loss() received an invalid combination of arguments "
     "- got (Tensor, Tensor, int, Tensor, int, int, bool), but expected one of:"),
    ({"input_lengths": 6, "reduction": "bad"}, ValueError,
     "bad is not a valid value for reduction"),
    # torch reads past the class range here; nnx refuses
    ({"targets": nnx.tensor([[1, 2, 4], [1, 3, 0], [2, 0, 0]])}, RuntimeError,
     "ctc_loss: target 4 is out of bounds for 4 classes"),
])
def test_errors(kwargs, exc, message):
    args = {"log_probs": LP, "targets": TG, "input_lengths": IL, "target_lengths": TL}
    args.update(kwargs)
    with pytest.raises(exc, match=re.escape(message)):
        F.ctc_loss(**args)


def test_targets_may_hold_blank_past_their_length_and_any_integer_dtype():
    out = F.ctc_loss(LP, TG.int(), IL.int(), TL.int(), reduction="none")
    np.testing.assert_allclose(out.numpy(), F.ctc_loss(LP, TG, IL, TL, reduction="none").numpy())
