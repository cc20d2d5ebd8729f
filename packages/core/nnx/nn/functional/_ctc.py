"""ctc_loss: Connectionist Temporal Classification (Graves et al., 2006), as torch computes it.

Dimension legend: T time (input length), B batch, C classes (blank included), L the
longest target, S = 2 L + 1 positions of the extended target (blank, l1, blank, l2, ...,
blank).  ``lp_tbc`` are log-probabilities, ``ext_bs`` the extended labels.

The forward (alpha) and backward (beta) recursions run in log space, one sample at a
time, in typed Cython (nnx/_kernels/ctc.pyx, torch's LossCTC.cpp loops).
The gradient with respect to log_probs is torch's (its eq. 16 form):
    d nll_b / d lp[t, b, c] = exp(lp[t, b, c]) - exp(lse_{s: ext_s = c}(alpha + beta)[t, b, s]
                                                     + nll_b - lp[t, b, c])
for t < input_length_b, 0 after; nan for samples whose alignment is impossible
(nll = inf), 0 for them with ``zero_infinity``.
"""

import numpy as np

import nnx
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._kernels import ctc as K
from nnx._ops import _grad
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _reduction as R

__all__ = ["ctc_loss"]

_WHERE = "(while checking arguments for ctc_loss_allocate_outputs)"


# -- arguments -----------------------------------------------------------------------------

def _lengths(value, name, args):
    """Lengths given as an integer Tensor (any shape) or a tuple / list of ints."""
    if isinstance(value, (tuple, list)):
        return np.asarray([int(v) for v in value], dtype=np.int64)
    if not _grad.is_tensor(value):
        got = ", ".join("Tensor" if _grad.is_tensor(a) else type(a).__name__ for a in args)
        raise TypeError(f"ctc_loss() received an invalid combination of arguments - got "
                        f"({got}), but expected one of:\n"
                        " * (Tensor log_probs, Tensor targets, tuple of ints input_lengths, "
                        "tuple of ints target_lengths, int blank, int reduction, bool "
                        "zero_infinity)\n"
                        " * (Tensor log_probs, Tensor targets, Tensor input_lengths, Tensor "
                        "target_lengths, int blank, int reduction, bool zero_infinity)")
    data = value._data
    if data.dtype.kind not in "iu":
        raise RuntimeError(f"{name} must be integral")
    return data.reshape(-1).astype(np.int64)


def _padded_targets(targets, in_len, tg_len, n_batch):
    """Targets as a (B, L) int64 matrix: padded 2-D as is, concatenated 1-D split by length.

    Checks are torch's ctc_loss_allocate_outputs', in its order.
    """
    if targets.ndim not in (1, 2):
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional "
                           f"tensor for argument #2 'targets' {_WHERE}")
    if in_len.size != n_batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tg_len.size != n_batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    negative = tg_len < 0
    if negative.any():
        raise RuntimeError(f"Expected target_lengths to have value at least 0, but got value "
                           f"{tg_len[np.argmax(negative)]} {_WHERE}")
    longest = int(tg_len.max()) if n_batch else 0
    if targets.ndim == 1:
        total = int(tg_len.sum())
        if targets.shape[0] != total:
            raise RuntimeError(f"Expected tensor to have size {total} at dimension 0, but got "
                               f"size {targets.shape[0]} for argument #2 'targets' {_WHERE}")
        starts = np.cumsum(tg_len) - tg_len
        columns = np.arange(longest)
        index_bl = np.minimum(starts[:, None] + columns, max(total - 1, 0))
        padded = targets[index_bl] if total else np.zeros((n_batch, longest), np.int64)
    else:
        if targets.shape[0] != n_batch:
            raise RuntimeError(f"Expected tensor to have size {n_batch} at dimension 0, but got "
                               f"size {targets.shape[0]} for argument #2 'targets' {_WHERE}")
        if targets.shape[1] < longest:
            raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension "
                               f"1, but got size {targets.shape[1]} for argument #2 'targets' "
                               f"{_WHERE}")
        padded = targets[:, :longest]
    return padded.astype(np.int64)


def _check_input_lengths(in_len, max_time):
    if (in_len < 0).any():
        raise RuntimeError(f"Expected input_lengths to have value at least 0, but got value "
                           f"{in_len[np.argmax(in_len < 0)]} {_WHERE}")
    if (in_len > max_time).any():
        raise RuntimeError(f"Expected input_lengths to have value at most {max_time}, but got "
                           f"value {in_len[np.argmax(in_len > max_time)]} {_WHERE}")


def _extended_labels(labels_bl, tg_len, blank, n_classes):
    """ext_bs: blank at even positions, the labels at odd ones; positions past a sample's
    2 len + 1 hold blank (their values never reach the loss)."""
    n_batch, longest = labels_bl.shape
    valid_bl = np.arange(longest) < tg_len[:, None]
    bad = valid_bl & ((labels_bl < 0) | (labels_bl >= n_classes))
    if bad.any():
        # torch reads out of bounds here; nnx refuses
        raise RuntimeError(f"ctc_loss: target {labels_bl[bad][0]} is out of bounds for "
                           f"{n_classes} classes")
    ext_bs = np.full((n_batch, 2 * longest + 1), blank, dtype=np.int64)
    ext_bs[:, 1::2] = np.where(valid_bl, labels_bl, blank)
    return ext_bs


# -- the node ------------------------------------------------------------------------------

class CtcLossBackward0(Node):
    """The gradient of the per-sample nll with respect to log_probs (module docstring):
    the beta recursion runs here (nnx/_kernels/ctc.pyx), from what the forward kept."""

    def backward(self, grad):
        lp_tbc, ext_bs, alpha, nll, in_len, tg_len = self.kept
        scale_b = np.ascontiguousarray(_grad.data(grad), dtype=np.float64).reshape(-1)
        grad_tbc = K.ctc_grad(lp_tbc, ext_bs, in_len, tg_len, alpha, nll, scale_b,
                              self.zero_infinity)
        return (_grad.const(grad_tbc, grad), None)


def _ctc_nll(log_probs, targets, in_len, tg_len, blank, zero_infinity):
    """The per-sample negative log likelihood (B,), one node."""
    lp_tbc = log_probs._data
    n_time, n_batch, n_classes = lp_tbc.shape
    if not 0 <= blank < n_classes:
        raise RuntimeError("blank must be in label range")
    labels_bl = _padded_targets(targets._data, in_len, tg_len, n_batch)
    _check_input_lengths(in_len, n_time)
    ext_bs = _extended_labels(labels_bl, tg_len, blank, n_classes)
    lp_c = np.ascontiguousarray(lp_tbc)
    alpha, nll = K.ctc_alpha(lp_c, ext_bs, in_len, tg_len)
    out = wrap(nll)
    if needs_grad(log_probs):
        node = CtcLossBackward0()
        # a copy: log_probs may change in place before the backward
        kept_lp = lp_c.copy() if lp_c is lp_tbc else lp_c
        node.kept = (kept_lp, ext_bs, alpha, nll, in_len, tg_len)
        node.zero_infinity = zero_infinity
        attach(node, (log_probs, targets), out)
    return out


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """The Connectionist Temporal Classification loss: -log of the total probability of
    every alignment of each target to its input (blanks and repeats collapsed).

    Args:
        log_probs (Tensor): (T, N, C) or (T, C) log-probabilities (e.g. log_softmax output).
        targets (Tensor): padded (N, S) or concatenated (sum(target_lengths),) class indices
            (blank excluded); a 1-D tensor is always read as concatenated.
        input_lengths (Tensor or tuple of ints): (N) lengths of the inputs, each <= T.
        target_lengths (Tensor or tuple of ints): (N) lengths of the targets.
        blank (int): the blank label. Default: 0.
        reduction (str): 'none' | 'mean' | 'sum'. 'mean' divides each loss by its target
            length (at least 1), then averages over the batch. Default: 'mean'.
        zero_infinity (bool): zero infinite losses (impossible alignments, e.g. an input
            shorter than its target) and their gradients. Default: False.

    Example::

        >>> lp = nnx.randn(50, 16, 20).log_softmax(2).requires_grad_()
        >>> tg = nnx.randint(1, 20, (16, 30))
        >>> F.ctc_loss(lp, tg, (50,) * 16, tuple(range(15, 31))).backward()
    """
    reduction = R.get_enum(reduction, stacklevel=3)
    # torch.ctc_loss's arguments, for its message on a wrong combination of them
    args = (log_probs, targets, input_lengths, target_lengths, blank, 0, zero_infinity)
    H.check_tensor("ctc_loss", "log_probs", 1, log_probs)
    H.check_tensor("ctc_loss", "targets", 2, targets)
    in_len = _lengths(input_lengths, "input_lengths", args)
    tg_len = _lengths(target_lengths, "target_lengths", args)
    batched = log_probs.dim() == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    H.check_floating("ctc_loss_cpu", lp._data)
    if lp.dim() != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {lp.dim()}-dimensional "
                           f"tensor for argument #1 'log_probs' {_WHERE}")
    nll = _ctc_nll(lp, targets, in_len, tg_len, blank, zero_infinity)
    if zero_infinity:
        nll = nnx.where(nll == float("inf"), nnx.zeros((), dtype=nll.dtype), nll)
    if reduction == R.MEAN:
        divisor = nnx.tensor(np.maximum(tg_len, 1).astype(nll._data.dtype))
        return (nll / divisor).mean()
    if reduction == R.SUM:
        return nll.sum()
    return nll if batched else nll.squeeze(0)
