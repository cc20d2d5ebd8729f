"""Multi-class and multi-label margin losses: multi_margin_loss, multilabel_margin_loss and
multilabel_soft_margin_loss.

Shapes: input x_nc (N, C), or (C) / () for one sample; multi_margin_loss takes one class
index per sample, multilabel_margin_loss a row of class indices ended by the first -1,
multilabel_soft_margin_loss a 0/1 matrix of the input's shape.  The two margin losses
are one node each (torch's MultiMarginLossBackward0, MultilabelMarginLossBackward0; like
torch's, their backward is first order only), vectorised over samples and classes.
"""

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _reduction as R
from nnx.nn.functional._loss import _attach_xtw, _log_sigmoid

__all__ = ["multi_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss"]


def _check_scores(x):
    """torch's multi(label)_margin_loss_shape_check on the input: (N, C>0), (C>0) or ()."""
    if not ((x.ndim == 2 and x.shape[1] != 0) or (x.ndim == 1 and x.shape[0] != 0)
            or x.ndim == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(x.shape)}")


def _check_long(t):
    if t.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {H.scalar_name(t)}")


def _reduce_rows(loss_n, reduction, dtype, keep_rows):
    """Reduce the per-sample losses; 'none' keeps (N,) only when ``keep_rows``."""
    if reduction == R.NONE:
        return np.asarray(loss_n if keep_rows else loss_n.reshape(()), dtype=dtype)
    return R.apply(loss_n, reduction, dtype)


class _MarginBackward(Node):
    """dx = G (the forward's d loss_n / dx_nc) times the incoming gradient per sample."""

    def backward(self, grad):
        g = _grad.data(grad)
        g_n = np.reshape(g, (-1, 1)) if self.reduction == R.NONE else g * self.scale
        gx = (self.dloss_nc * g_n).astype(self.x_dtype, copy=False).reshape(self.x_shape)
        return (_grad.const(gx, grad), None, None)


class MultiMarginLossBackward0(_MarginBackward):
    pass


class MultilabelMarginLossBackward0(_MarginBackward):
    pass


def _attach_margin_node(node, input, target, weight, out, dloss_nc, reduction, n_rows):
    node.dloss_nc, node.reduction = dloss_nc, reduction
    node.scale = R.grad_scale(reduction, n_rows)
    node.x_shape, node.x_dtype = input._data.shape, input._data.dtype
    attach(node, (input, target, weight), out)


# -- multi_margin_loss ---------------------------------------------------------------------

def _check_multi_margin(x, t, w):
    _check_scores(x)
    n_rows = x.shape[0] if x.ndim == 2 else 1
    n_classes = x.shape[-1] if x.ndim else 1
    if t.ndim > 1 or t.size != n_rows:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"[{n_rows}], but got {list(t.shape)}. Input has shape "
                           f"{list(x.shape)}.")
    _check_long(t)
    H.check_floating("multi_margin_loss_cpu_kernel", x)
    if w is not None:
        if w.size != n_classes:
            raise RuntimeError(f"inconsistent weight size, expected {n_classes} but got "
                               f"{list(w.shape)}")
        if w.dtype != x.dtype:
            raise RuntimeError(f"expected scalar type {H.scalar_name(x)} but found "
                               f"{H.scalar_name(w)}")
    t_n = t.reshape(-1)
    if ((t_n < 0) | (t_n >= n_classes)).any():
        raise RuntimeError("target out of range")
    return n_rows, n_classes, t_n


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge loss: per sample n with class y,
    sum over i != y of w[y] max(0, margin - x[y] + x[i])^p / C.

    Args:
        input (Tensor): scores (N, C), (C) or ().
        target (Tensor): int64 class indices (N) (or (), (1) for one sample).
        p (int): 1 or 2. Default: 1.
        margin (float): Default: 1.0.
        weight (Tensor, optional): (C,) weight of each target class; not differentiated.
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.
    """
    H.check_tensor("multi_margin_loss", "input", 1, input)
    H.check_tensor("multi_margin_loss", "target", 2, target)
    reduction = R.resolve(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None:
        H.check_tensor("multi_margin_loss", "weight", 5, weight)
        if weight.dim() != 1:
            raise ValueError("weight must be one-dimensional")
        H.forbid_grad("multi_margin_loss", "weight", weight)
    x, t = input._data, target._data
    w = None if weight is None else weight._data
    n_rows, n_classes, t_n = _check_multi_margin(x, t, w)
    x_nc = x.reshape(n_rows, n_classes)
    rows = np.arange(n_rows)
    z_nc = margin - x_nc[rows, t_n][:, None] + x_nc           # margin violation per class
    active = z_nc > 0
    active[rows, t_n] = False                                 # the target's own term
    h_nc = np.where(active, z_nc if p == 1 else z_nc * z_nc, 0)
    w_n = np.ones(n_rows, dtype=x.dtype) if w is None else w[t_n]
    h_nc = h_nc * (w_n / n_classes)[:, None]
    loss_n = h_nc.sum(axis=1, dtype=x.dtype)
    out = wrap(_reduce_rows(loss_n, reduction, x.dtype, keep_rows=t.ndim > 0))
    if needs_grad(input):
        slope_nc = np.where(active, 1.0 if p == 1 else 2 * z_nc, 0) * (w_n / n_classes)[:, None]
        slope_nc[rows, t_n] = -slope_nc.sum(axis=1)
        _attach_margin_node(MultiMarginLossBackward0(), input, target, weight, out, slope_nc,
                            reduction, n_rows)
    return out


# -- multilabel_margin_loss ----------------------------------------------------------------

def _check_multilabel(x, t):
    _check_scores(x)
    if x.ndim <= 1:
        n_classes = x.shape[0] if x.ndim else 1
        ok = t.ndim <= 1 and t.size == n_classes
    else:
        n_classes = x.shape[1]
        ok = t.ndim == 2 and t.shape == x.shape
    if not ok:
        raise RuntimeError(f"inconsistent target size: {list(t.shape)} for input of size: "
                           f"{list(x.shape)}")
    _check_long(t)
    H.check_floating("multilabel_margin_loss_forward_out_frame", x)
    if ((t < -1) | (t >= n_classes)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    return n_classes


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss: per sample, over its target classes j (the target row up to
    the first -1) and non-target classes i, sum of max(0, 1 - (x[j] - x[i])) / C.

    Args:
        input (Tensor): scores (N, C), (C) or ().
        target (Tensor): int64, input's shape: class indices, padded with -1.
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.
    """
    H.check_tensor("multilabel_margin_loss", "input", 1, input)
    H.check_tensor("multilabel_margin_loss", "target", 2, target)
    reduction = R.resolve(size_average, reduce, reduction)
    x, t = input._data, target._data
    n_classes = _check_multilabel(x, t)
    x_nc = x.reshape(-1, n_classes)
    t_nj = t.reshape(x_nc.shape)
    n_rows = x_nc.shape[0]
    # the labels of a row are its entries before the first -1
    listed_nj = np.cumprod(t_nj >= 0, axis=1).astype(bool)
    labels_nj = np.where(listed_nj, t_nj, 0)
    rows = np.arange(n_rows)[:, None]
    is_target_nc = np.zeros(x_nc.shape, dtype=bool)
    is_target_nc[np.broadcast_to(rows, t_nj.shape)[listed_nj], labels_nj[listed_nj]] = True
    x_target_nj = x_nc[rows, labels_nj]
    z_nji = 1 - x_target_nj[:, :, None] + x_nc[:, None, :]
    active_nji = (z_nji > 0) & listed_nj[:, :, None] & ~is_target_nc[:, None, :]
    loss_n = np.where(active_nji, z_nji, 0).sum(axis=(1, 2), dtype=x.dtype) / x.dtype.type(
        n_classes)
    out = wrap(_reduce_rows(loss_n, reduction, x.dtype, keep_rows=t.ndim > 1))
    if needs_grad(input):
        slope_nc = active_nji.sum(axis=1).astype(x.dtype)            # + for each x[i]
        pulls_nj = active_nji.sum(axis=2).astype(x.dtype)            # - for each x[j]
        np.add.at(slope_nc, (np.broadcast_to(rows, t_nj.shape), labels_nj), -pulls_nj)
        _attach_margin_node(MultilabelMarginLossBackward0(), input, target, None, out,
                            slope_nc / n_classes, reduction, n_rows)
    return out


# -- multilabel_soft_margin_loss -----------------------------------------------------------

class _SoftMarginRowsBackward(Node):
    """loss_n = sum over classes of w l_nc / C, l_nc = -(t log s(x) + (1 - t) log s(-x)):
    dx = g w (s(x) - t) / C, dt = -g w x / C, dw = g l_nc / C (summed to w's shape)."""

    def backward(self, grad):
        x, t, w = self.saved_tensors
        g = grad * self.scale if self.scale != 1.0 else grad
        if self.reduction == R.NONE and self.x_ndim:       # one gradient per row: add the
            g = _grad.unsqueeze_dims(g, (self.x_ndim - 1,), self.x_ndim)   # class axis back
        gw = None
        if self.need_w:
            terms = -(t * _log_sigmoid(x) + (1 - t) * _log_sigmoid(-x))
            gw = _grad.cast(_grad.sum_to(g * terms, self.w_shape), self.w_dtype)
        if w is not None:
            g = g * w
        gx = gt = None
        if self.need_x:
            gx = _grad.cast(_grad.sum_to(g * (H.sigmoid(x) - t), self.x_shape), self.x_dtype)
        if self.need_t:
            gt = _grad.cast(_grad.sum_to(g * -x, self.t_shape), self.t_dtype)
        return gx, gt, gw


class DivBackward0(_SoftMarginRowsBackward):
    pass


class MeanBackward0(_SoftMarginRowsBackward):
    pass


class SumBackward0(_SoftMarginRowsBackward):
    pass


_ROWS_NODES = {R.NONE: DivBackward0, R.MEAN: MeanBackward0, R.SUM: SumBackward0}


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Multi-label one-versus-all logistic loss: per sample, the mean over the C classes
    (last dimension) of -w (t log sigmoid(x) + (1 - t) log sigmoid(-x)).

    Args:
        input (Tensor): scores (N, C) (any shape; classes along the last dimension).
        target (Tensor): 0/1 labels, input's shape.
        weight (Tensor, optional): broadcast against the elementwise loss, e.g. (C,).
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.
    """
    H.check_tensor("multilabel_soft_margin_loss", "input", 1, input)
    H.check_tensor("multilabel_soft_margin_loss", "target", 2, target)
    if size_average is not None or reduce is not None:
        reduction = R.legacy_get_string(size_average, reduce, stacklevel=3)
    if weight is not None:
        H.check_tensor("multilabel_soft_margin_loss", "weight", 3, weight)
    x, t = input._data, target._data
    H.check_floating("log_sigmoid_forward", x)
    w = None if weight is None else weight._data
    shape = H.broadcast_shapes(x.shape, t.shape, *(() if w is None else (w.shape,)))
    dtype = H.result_float_dtype(x, t, *(() if w is None else (w,)))
    if x.ndim == 0:     # torch reads input.size(input.dim() - 1)
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    n_classes = x.shape[-1]
    terms = -(t * H.log_sigmoid_array(x) + (1 - t) * H.log_sigmoid_array(-x))
    if w is not None:
        terms = terms * w
    with np.errstate(invalid="ignore", divide="ignore"):    # C = 0: nan, as torch
        loss_n = terms.sum(axis=-1) / n_classes
    if reduction not in (R.NONE, R.MEAN, R.SUM):
        raise ValueError(f"{reduction} is not valid")
    out = wrap(R.apply(np.asarray(loss_n, dtype=dtype), reduction, dtype))
    if needs_grad(input, target, weight):
        node = _ROWS_NODES[reduction]()
        node.reduction, node.x_ndim = reduction, len(shape)
        # C = 0: torch's loss is nan and the gradient empty (any finite scale will do)
        node.scale = R.grad_scale(reduction, loss_n.size) / max(n_classes, 1)
        _attach_xtw(node, input, target, weight, out)
        node.save_for_backward(input, target, weight)
    return out
