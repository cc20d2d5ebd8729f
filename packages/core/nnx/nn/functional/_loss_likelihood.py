"""Likelihood losses: kl_div, poisson_nll_loss and gaussian_nll_loss.

torch builds all three from differentiable primitives (ATen composites or Python), and so
does nnx: the graph they record is torch's (its grad_fn names, its gradient with respect
to the target and the variance, nan where torch gives nan, e.g. d kl_div / d target at a
zero target).  Only ``xlogy(t, t)`` has no nnx primitive; it is one node here.
"""

import math
import warnings

import numpy as np

import nnx
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _reduction as R

__all__ = ["kl_div", "poisson_nll_loss", "gaussian_nll_loss"]

_KL_MEAN_WARNING = (
    "reduction: 'mean' divides the total loss by both the batch size and the support size."
    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
    "'mean' will be changed to behave the same as 'batchmean' in the next major release.")


# -- kl_div --------------------------------------------------------------------------------

class XlogyBackward0(Node):
    """d xlogy(t, t) / dt = xlogy(t != 0, t) + t / t: log(t) + 1, and nan at t = 0 as torch."""

    def backward(self, grad):
        (t,) = self.saved_tensors
        t = _grad.data(t)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(t != 0, np.log(t), 0) + t / t
        return (grad * _grad.const(slope.astype(t.dtype, copy=False), grad),)


def _xlogy_self(target):
    """t log(t), 0 where t = 0 (torch.xlogy(t, t))."""
    t = target._data
    with np.errstate(divide="ignore", invalid="ignore"):
        out = wrap(np.where(t == 0, 0, t * np.log(t)).astype(t.dtype, copy=False))
    if needs_grad(target):
        node = XlogyBackward0()
        attach(node, (target,), out)
        node.save_for_backward(target)
    return out


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence of ``target`` from ``input`` (log-probabilities):
    t (log t - x), or exp(t) (t - x) with ``log_target``.

    Args:
        input (Tensor): log-probabilities, any shape.
        target (Tensor): probabilities (log-probabilities with ``log_target``), broadcastable.
        reduction (str): 'none' | 'batchmean' | 'sum' | 'mean'. 'batchmean' divides the sum
            by the batch size input.size(0), the KL divergence of the math definition;
            'mean' divides by the number of elements (and warns, as torch does).
        log_target (bool): whether ``target`` holds log-probabilities. Default: False.

    Both ``input`` and ``target`` are differentiated.
    """
    H.check_tensor("kl_div", "input", 1, input)
    H.check_tensor("kl_div", "target", 2, target)
    batchmean = False
    if size_average is not None or reduce is not None:
        reduction = R.legacy_get_string(size_average, reduce, stacklevel=3)
    else:
        if reduction == R.MEAN:
            warnings.warn(_KL_MEAN_WARNING, stacklevel=2)
        batchmean = reduction == "batchmean"
        reduction = R.SUM if batchmean else R.get_enum(reduction, stacklevel=3)
    x, t = input._data, target._data
    if x.dtype.kind != "f" or t.dtype.kind != "f":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _xlogy_self(target) - target * input
    out = R.apply_tensor(loss, reduction)
    if batchmean and x.ndim != 0:
        out = out / x.shape[0]
    return out


# -- poisson_nll_loss ----------------------------------------------------------------------

def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Negative log likelihood of ``target`` under Poisson(rate):
    exp(x) - t x with ``log_input`` (x = log rate), else x - t log(x + eps).

    Args:
        full (bool): add Stirling's approximation of log(t!),
            t log t - t + 0.5 log(2 pi t), for targets > 1. Default: False.
        eps (float): keeps log(x + eps) finite when ``log_input`` is False. Default: 1e-8.
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.
    """
    H.check_tensor("poisson_nll_loss", "input", 1, input)
    H.check_tensor("poisson_nll_loss", "target", 2, target)
    if size_average is not None or reduce is not None:
        reduction = R.legacy_get_string(size_average, reduce, stacklevel=3)
    if reduction not in (R.NONE, R.MEAN, R.SUM):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        with np.errstate(divide="ignore", invalid="ignore"):     # 0 log 0, masked below
            stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return R.apply_tensor(loss, reduction)


# -- gaussian_nll_loss ---------------------------------------------------------------------

def _gaussian_var(input, var):
    """``var`` as a Tensor broadcastable to ``input`` (torch's checks and messages)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        return nnx.ones_like(input) * var
    if not _grad.is_tensor(var):
        # torch calls torch.any(var < 0) on it, which only takes a Tensor
        raise TypeError(f"any() received an invalid combination of arguments - got "
                        f"({type(var < 0).__name__}), but expected one of: (Tensor input)")
    if (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    x_shape, v_shape = input._data.shape, var._data.shape
    if v_shape != x_shape:
        if x_shape[:-1] == v_shape:           # homoscedastic: one variance per row
            var = var.unsqueeze(-1)
        elif not (len(x_shape) == len(v_shape)
                  and sum(v for x, v in zip(x_shape, v_shape) if x != v) == 1):
            raise ValueError("var is of incorrect size")
    return var


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log likelihood of ``target`` under N(input, var):
    0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)) (+ 0.5 log(2 pi) if ``full``).

    Args:
        input (Tensor): expectations, (N, *) or (*).
        target (Tensor): samples, input's shape (or broadcastable).
        var (Tensor or float): variances, non-negative: input's shape, input's shape with
            the last dimension dropped or of size 1 (one variance per row), or with one
            other dimension of size 1.
        eps (float): the variance is clamped to at least eps; the clamp is invisible to
            autograd, as in torch (the gradient is that at the clamped value). Default: 1e-6.
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.

    input, target and var are all differentiated.
    """
    H.check_tensor("gaussian_nll_loss", "input", 1, input)
    H.check_tensor("gaussian_nll_loss", "target", 2, target)
    var = _gaussian_var(input, var)
    if reduction not in (R.NONE, R.MEAN, R.SUM):
        raise ValueError(f"{reduction} is not valid")
    var = var.clone()
    with nnx.no_grad():
        var.clamp_(min=eps)
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return R.apply_tensor(loss, reduction)
