"""Elementwise losses: mse_loss, l1_loss, smooth_l1_loss, binary_cross_entropy and
binary_cross_entropy_with_logits.

Each is one node.  Backward formulas recompute the cheap difference ``d = x - t`` from
the saved inputs (so they also run on Tensors under create_graph) and scale by the
reduction: ``g`` is 0-d for 'mean' / 'sum' and broadcasts against the elementwise terms.
"""

import warnings

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _reduction as R
from nnx.nn.functional._activation import softplus

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]

MSE, L1, SMOOTH_L1 = "mse", "l1", "smooth_l1"


def _warn_size(input, target):
    if input._data.shape != target._data.shape:
        warnings.warn(f"Using a target size ({H.size_of(target._data)}) that is different to the "
                      f"input size ({H.size_of(input._data)}). This will likely lead to incorrect "
                      "results due to broadcasting. Please ensure they have the same size.",
                      stacklevel=4)     # the caller of mse_loss (etc.)


def _clamp_min(v, low):
    return v.clamp(min=low) if _grad.is_tensor(v) else np.maximum(v, low)


def _log_sigmoid(x):
    return -softplus(-x) if _grad.is_tensor(x) else H.log_sigmoid_array(x)


def _grads_to_inputs(node, gd, gt):
    """Sum broadcast gradients down to the inputs' shapes and dtypes (None where unused)."""
    gx = gtt = None
    if node.need_x:
        gx = _grad.cast(_grad.sum_to(gd, node.x_shape), node.x_dtype)
    if node.need_t and gt is not None:
        gtt = _grad.cast(_grad.sum_to(gt, node.t_shape), node.t_dtype)
    return gx, gtt


def _attach_xtw(node, input, target, weight, out):
    """Attach ``node`` as the grad_fn of ``out`` over (input, target, weight) (weight may
    be None), with what ``_grads_to_inputs`` and the weight gradient read: which inputs
    need a gradient and their shapes and dtypes.  The caller saves the tensors."""
    node.need_x, node.need_t, node.need_w = (needs_grad(input), needs_grad(target),
                                              needs_grad(weight))
    x, t = input._data, target._data
    node.x_shape, node.t_shape, node.x_dtype, node.t_dtype = x.shape, t.shape, x.dtype, t.dtype
    node.w_shape = None if weight is None else weight._data.shape
    node.w_dtype = None if weight is None else weight._data.dtype
    attach(node, (input, target, weight), out)


# -- mse / l1 / smooth_l1 -------------------------------------------------------------------

def _regression_terms(kind, d, beta):
    """The elementwise loss of the difference ``d`` (arrays only)."""
    if kind == MSE:
        return d * d
    ad = np.abs(d)
    if kind == L1:
        return ad
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ad < beta, d * d * (0.5 / beta) if beta else ad, ad - 0.5 * beta)


def _regression_derivative(kind, d, beta):
    """d loss / d d, on arrays or Tensors."""
    if kind == MSE:
        return d * 2
    sign = _grad.math("sign", d)
    if kind == L1 or beta == 0:
        return sign
    return _grad.where(_grad.math("abs", d) < beta, d * (1.0 / beta), sign)


class _RegressionLossBackward(Node):
    """dx = g w l'(x - t) * scale, dt = -dx (before summing to each shape); with weights,
    the weighted mean's dw = g (l - loss) / sum(w)."""

    def backward(self, grad):
        x, t, w, out = self.saved_tensors
        d = x - t
        dl = _regression_derivative(self.kind, d, self.beta)
        if w is not None and self.reduction == R.MEAN:
            g = grad / w.sum()              # from w itself: a weighted mean's scale depends on w
        else:
            g = grad * self.scale if self.scale != 1.0 else grad
        if w is not None:
            dl = dl * w
        gd = g * dl
        gx, gt = _grads_to_inputs(self, gd, -gd if self.need_t else None)
        gw = None
        if self.need_w:
            terms = d * d if self.kind == MSE else _grad.math("abs", d)    # mse or l1
            gw = g * (terms - out) if self.reduction == R.MEAN else g * terms
            gw = _grad.cast(_grad.sum_to(gw, self.w_shape), self.w_dtype)
        return (gx, gt, gw)


class MseLossBackward0(_RegressionLossBackward):
    pass


class SmoothL1LossBackward0(_RegressionLossBackward):
    pass


class MeanBackward0(_RegressionLossBackward):
    pass


class SumBackward0(_RegressionLossBackward):
    pass


class AbsBackward0(_RegressionLossBackward):
    pass


class DivBackward0(_RegressionLossBackward):
    pass


class MulBackward0(_RegressionLossBackward):
    pass


_UNWEIGHTED_NODES = {
    (MSE, R.MEAN): MseLossBackward0, (MSE, R.SUM): MseLossBackward0,
    (MSE, R.NONE): MseLossBackward0,
    (L1, R.MEAN): MeanBackward0, (L1, R.SUM): SumBackward0, (L1, R.NONE): AbsBackward0,
}
_WEIGHTED_NODES = {R.MEAN: DivBackward0, R.SUM: SumBackward0, R.NONE: MulBackward0}


def _regression_loss(kind, input, target, size_average, reduce, reduction, beta=1.0,
                     weight=None):
    name = {MSE: "mse_loss", L1: "l1_loss", SMOOTH_L1: "smooth_l1_loss"}[kind]
    H.check_tensor(name, "input", 1, input)
    H.check_tensor(name, "target", 2, target)
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = R.legacy_get_string(size_average, reduce, stacklevel=4)
    x, t = input._data, target._data
    H.broadcast_shapes(x.shape, t.shape)
    w = None
    if weight is not None:
        if weight._data.shape != x.shape:
            raise ValueError("Weights and input must have the same size.")
        if reduction not in (R.NONE, R.MEAN, R.SUM):
            raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', "
                             "'mean', 'sum'.")
        w = weight._data
    else:
        reduction = R.get_enum(reduction, stacklevel=4)
    if kind == SMOOTH_L1 and beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    dtype = H.result_float_dtype(x, t, *(() if w is None else (w,)))
    if dtype is None:
        if kind == L1 and reduction != R.MEAN and w is None:   # torch keeps integer l1
            return wrap(R.apply(np.abs(x - t), reduction, np.result_type(x, t)))
        if kind == L1:
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either "
                               f"a floating point or complex dtype. Got: {H.scalar_name(x)}")
        H.check_floating(f"{kind}_cpu", x)
    d = np.subtract(x, t, dtype=dtype)
    terms = _regression_terms(kind, d, beta)
    if w is None:
        out = wrap(R.apply(terms, reduction, dtype))
        scale = R.grad_scale(reduction, terms.size)
    else:
        weighted = terms * w
        if reduction == R.MEAN:
            out = wrap(np.asarray(weighted.sum(dtype=dtype) / w.sum(dtype=dtype), dtype=dtype))
        else:
            out = wrap(R.apply(weighted, reduction, dtype))
        scale = 1.0
    if needs_grad(input, target, weight):
        if w is not None:
            node = _WEIGHTED_NODES[reduction]()
        elif kind == SMOOTH_L1 and beta != 0:
            node = SmoothL1LossBackward0()
        else:
            node = _UNWEIGHTED_NODES[(MSE if kind == MSE else L1, reduction)]()
        node.kind, node.beta, node.reduction, node.scale = kind, beta, reduction, scale
        _attach_xtw(node, input, target, weight, out)
        node.save_for_backward(input, target, weight,
                               out if node.need_w and reduction == R.MEAN else None)
    return out


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error: (x - t)^2 reduced by ``reduction`` ('none' | 'mean' | 'sum').

    With ``weight`` (input's shape) the terms are weighted and 'mean' divides by sum(weight).
    """
    return _regression_loss(MSE, input, target, size_average, reduce, reduction, weight=weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error: |x - t| reduced by ``reduction``; ``weight`` as in mse_loss."""
    return _regression_loss(L1, input, target, size_average, reduce, reduction, weight=weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 (x - t)^2 / beta where |x - t| < beta, else |x - t| - 0.5 beta (beta = 0: l1)."""
    return _regression_loss(SMOOTH_L1, input, target, size_average, reduce, reduction, beta=beta)


# -- binary cross entropy ------------------------------------------------------------------

def _binary_reduction(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return R.legacy_get_string(size_average, reduce, stacklevel=5)
    return R.get_enum(reduction, stacklevel=5)


def _check_expandable(w_shape, shape):
    """binary_cross_entropy's message for a weight that does not broadcast to the input."""
    for i in range(1, min(len(w_shape), len(shape)) + 1):
        if w_shape[-i] not in (1, shape[-i]):
            raise RuntimeError(f"Attempting to broadcast a dimension of length {w_shape[-i]} at "
                               f"-{i}! Mismatching argument at index 1 had "
                               f"{H.Size(w_shape)}; but expected shape "
                               f"should be broadcastable to {list(shape)}")


def _loss_weight(weight, shape, fname, argname):
    """A weight broadcast to the loss ``shape`` (it may not enlarge it)."""
    if weight is None:
        return None
    H.check_tensor(fname, argname, 3, weight)
    H.forbid_grad(fname, argname, weight)
    if fname == "binary_cross_entropy":
        _check_expandable(weight._data.shape, shape)
    # torch meets pos_weight first as (pos_weight - 1) * target, a weight as loss *= weight
    pair = (weight._data.shape, shape) if argname == "pos_weight" else (shape, weight._data.shape)
    full = H.broadcast_shapes(*pair)
    if tuple(full) != tuple(shape):
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape "
                           f"{list(full)}")
    return weight._data


class BinaryCrossEntropyBackward0(Node):
    """dx = g w (x - t) / max(x (1 - x), 1e-12); dt = g w (log(1 - x) - log(x))."""

    def backward(self, grad):
        x, t = self.saved_tensors
        g = grad * self.scale if self.scale != 1.0 else grad
        if self.weight is not None:
            g = g * _grad.const(self.weight, grad)
        gx = gt = None
        if self.need_x:
            gx = g * (x - t) / _clamp_min((1 - x) * x, 1e-12)
        if self.need_t:
            with np.errstate(divide="ignore"):
                gt = g * (_grad.math("log1p", -x) - _grad.math("log", x))
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-w (t log(x) + (1 - t) log(1 - x)) with each log clamped to >= -100.

    Args:
        input (Tensor): probabilities in [0, 1].
        target (Tensor): same shape as input, values in [0, 1].
        weight (Tensor, optional): broadcast to the input's shape.
    """
    H.check_tensor("binary_cross_entropy", "input", 1, input)
    H.check_tensor("binary_cross_entropy", "target", 2, target)
    reduction = _binary_reduction(size_average, reduce, reduction)
    x, t = input._data, target._data
    if t.shape != x.shape:
        raise ValueError(f"Using a target size ({H.size_of(t)}) that is different to the input "
                         f"size ({H.size_of(x)}) is deprecated. Please ensure they have the same "
                         "size.")
    w = _loss_weight(weight, x.shape, "binary_cross_entropy", "weight")
    H.check_floating("binary_cross_entropy", x)
    if t.dtype != x.dtype:
        raise RuntimeError(f"Found dtype {H.scalar_name(t)} but expected {H.scalar_name(x)}")
    if not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if not ((t >= 0) & (t <= 1)).all():
        raise RuntimeError("all elements of target should be between 0 and 1")
    with np.errstate(divide="ignore"):
        terms = (t - 1) * np.maximum(np.log1p(-x), -100) - t * np.maximum(np.log(x), -100)
    if w is not None:
        terms = terms * w.astype(x.dtype, copy=False)
    out = wrap(R.apply(terms, reduction, x.dtype))
    if needs_grad(input, target):
        node = BinaryCrossEntropyBackward0()
        node.need_x, node.need_t = needs_grad(input), needs_grad(target)
        node.scale = R.grad_scale(reduction, terms.size)
        node.weight = None if w is None else w.astype(x.dtype, copy=False)
        attach(node, (input, target), out)
        node.save_for_backward(input, target)
    return out


class BinaryCrossEntropyWithLogitsBackward0(Node):
    """dx = g w (lw sigmoid(x) - pw t), lw = (pw - 1) t + 1 (pw = 1 without pos_weight);
    dt = g w (log_sigmoid(-x) - pw log_sigmoid(x))."""

    def backward(self, grad):
        x, t = self.saved_tensors
        g = grad * self.scale if self.scale != 1.0 else grad
        if self.weight is not None:
            g = g * _grad.const(self.weight, grad)
        pw = None if self.pos_weight is None else _grad.const(self.pos_weight, grad)
        gx = gt = None
        if self.need_x:
            s = H.sigmoid(x)
            if pw is None:
                gx = g * (s - t)
            else:
                pwt = t * pw
                gx = g * ((pwt - t + 1) * s - pwt)
            gx = _grad.cast(_grad.sum_to(gx, self.x_shape), self.x_dtype)
        if self.need_t:
            if pw is None:
                gt = g * -x
            else:
                gt = g * (_log_sigmoid(-x) - _log_sigmoid(x) * pw)
            # torch accumulates this gradient in place on a tensor of the input's dtype
            gt = _grad.cast(_grad.cast(_grad.sum_to(gt, self.x_shape), self.x_dtype), self.t_dtype)
        return gx, gt


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(x), t) computed stably from the logits x:
    w ((1 - t) x - lw log_sigmoid(x)), lw = (pos_weight - 1) t + 1.  The result has the
    target's dtype, as in torch.

    Args:
        input (Tensor): logits.
        target (Tensor): same shape as input.
        weight (Tensor, optional): broadcast to the input's shape.
        pos_weight (Tensor, optional): weight of positive examples, broadcast against target.
    """
    fname = "binary_cross_entropy_with_logits"
    H.check_tensor(fname, "input", 1, input)
    H.check_tensor(fname, "target", 2, target)
    reduction = _binary_reduction(size_average, reduce, reduction)
    x, t = input._data, target._data
    if t.shape != x.shape:
        raise ValueError(f"Target size ({H.size_of(t)}) must be the same as input size "
                         f"({H.size_of(x)})")
    w = _loss_weight(weight, x.shape, fname, "weight")
    pw = _loss_weight(pos_weight, x.shape, fname, "pos_weight")
    H.check_floating("log_sigmoid_cpu", x)
    if t.dtype.kind != "f":
        raise RuntimeError(f"result type {H.scalar_name(x)} can't be cast to the desired output "
                           f"type {H.scalar_name(t)}")
    dtype = t.dtype                      # torch builds the loss in place on (1 - target)
    log_sig = H.log_sigmoid_array(x)     # ... from log_sigmoid(input), in the input's dtype
    if pw is None:
        terms = (1 - t) * x - log_sig
    else:
        terms = (1 - t) * x - ((pw - 1) * t + 1) * log_sig
    if w is not None:
        terms = terms * w
    out = wrap(R.apply(terms, reduction, dtype))
    if needs_grad(input, target):
        node = BinaryCrossEntropyWithLogitsBackward0()
        node.need_x, node.need_t = needs_grad(input), needs_grad(target)
        node.scale = R.grad_scale(reduction, terms.size)
        node.weight, node.pos_weight = w, pw
        node.x_shape, node.x_dtype, node.t_dtype = x.shape, x.dtype, t.dtype
        attach(node, (input, target), out)
        node.save_for_backward(input, target)
    return out
