"""nll_loss and cross_entropy over class scores.

Shapes: input (C), (N, C) or (N, C, d1, ..., dk); class-index target (), (N) or
(N, d1, ..., dk); class-probability target the input's shape.  Kernels work on the
input flattened to x_nc (n rows = N d1 ... dk, C classes) with t_n the target rows.

Both losses are linear in the log-probabilities: loss = sum A_nc logp_nc, A the
coefficients that weights, ignore_index, label smoothing and the reduction give.  So
backward is dx = g A for nll_loss and dx = g A - p rowsum(g A) for cross_entropy (p the
softmax).  cross_entropy is one node with logp as a hidden second output: backward reads
it, and under create_graph it comes back as a Tensor whose history is this node.
"""

import numpy as np

from nnx._C._C import attach, needs_grad, wrap
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _reduction as R
from nnx.nn.functional._class_loss import (
    AddBackward0,
    DivBackward1,
    NegBackward0,
    NllLoss2DBackward0,
    NllLossBackward0,
    _new_node,
    _to_rows,
)
from nnx.nn.functional._nll_fast import _FAST_REDUCTIONS, _fast_index_loss
from nnx.nn.functional._softmax import log_softmax_array

__all__ = ["nll_loss", "cross_entropy"]


# -- argument checks (torch's nll_loss_nd) --------------------------------------------------------

def _check_index_target(x, t, w):
    ndim = x.ndim
    if ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {ndim})")
    if ndim != 1 and (t.ndim == 0 or x.shape[0] != t.shape[0]):
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 0}).")
    n_classes = x.shape[1] if ndim > 1 else x.shape[0]
    if ndim <= 2:
        if t.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if ndim == 1 and t.ndim == 1 and t.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{t.shape[0]}")
    elif ndim == 4:
        if t.ndim != 3:
            raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got "
                               f"targets of dimension: {t.ndim}")
        if t.shape[1:] != x.shape[2:]:
            raise RuntimeError(f"size mismatch (got input: {list(x.shape)} , target: "
                               f"{list(t.shape)}")
    elif t.shape[1:] != x.shape[2:]:
        raise RuntimeError(f"Expected target size {[x.shape[0], *x.shape[2:]]}, got "
                           f"{list(t.shape)}")
    if t.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {H.scalar_name(t)}")
    if w is not None:
        if ndim <= 2 and (w.ndim != 1 or w.size != n_classes):
            raise RuntimeError(f"weight tensor should be defined either for all {n_classes} "
                               f"classes or no classes but got weight tensor of shape: "
                               f"{list(w.shape)}")
        if ndim > 2 and w.size != n_classes:
            raise RuntimeError("weight tensor should be defined either for all or no classes")
    return n_classes


def _check_weight_dtype(x, w):
    if w is not None and w.dtype != x.dtype:
        raise RuntimeError(f"expected scalar type {H.scalar_name(x)} but found "
                           f"{H.scalar_name(w)}")


def _class_weights(weight):
    if weight is None:
        return None
    H.check_tensor("nll_loss", "weight", 3, weight)
    return weight._data


def _index_rows(x, t, w, ignore_index, n_classes):
    """Per-row target class (0 where ignored), weight of the target (0 where ignored), mask."""
    t_n = t.reshape(-1).astype(np.int64)
    valid = t_n != ignore_index
    bad = valid & ((t_n < 0) | (t_n >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t_n[np.argmax(bad)]} is out of bounds.")
    tc = np.where(valid, t_n, 0)
    wt = (w[tc] if w is not None else np.ones(tc.shape, dtype=x.dtype)) * valid
    return tc, wt.astype(x.dtype, copy=False), valid


# -- index targets -------------------------------------------------------------------------

def _index_loss(input, target, w, ignore_index, reduction, label_smoothing, softmax):
    """nll_loss (softmax False) or cross_entropy with class-index targets."""
    x, t = input._data, target._data
    n_classes = _check_index_target(x, t, w)
    _check_weight_dtype(x, w)
    tc, wt, valid = _index_rows(x, t, w, ignore_index, n_classes)
    x_nc = _to_rows(x)
    logp = log_softmax_array(x_nc, 1) if softmax else x_nc
    rows = np.arange(tc.size)
    with np.errstate(invalid="ignore"):
        nll_n = np.where(valid, -(wt * logp[rows, tc]), 0).astype(x.dtype, copy=False)
    ls = label_smoothing if softmax and label_smoothing > 0 else 0.0
    smooth_n = None
    if ls:
        with np.errstate(invalid="ignore"):
            per_row = -(logp @ w) if w is not None else -logp.sum(axis=1)
        smooth_n = np.where(valid, per_row, 0).astype(x.dtype, copy=False)
    total_weight = wt.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        if reduction == R.NONE:
            loss = nll_n if smooth_n is None else (1 - ls) * nll_n + smooth_n * (ls / n_classes)
            out = loss.reshape(t.shape if x.ndim > 1 else ())
        else:
            out = nll_n.sum()
            if reduction == R.MEAN:
                out = out / total_weight
            if smooth_n is not None:
                smooth = smooth_n.sum() / total_weight if reduction == R.MEAN else smooth_n.sum()
                out = (1 - ls) * out + smooth * (ls / n_classes)
    out = wrap(np.asarray(out, dtype=x.dtype))
    if needs_grad(input):
        node_type = (AddBackward0 if ls else NllLoss2DBackward0 if x.ndim > 2
                     else NllLossBackward0)
        node = _new_node(node_type, x, reduction, softmax, False)
        with np.errstate(divide="ignore"):
            scale = float(1.0 / total_weight) if reduction == R.MEAN else 1.0
        node.tc = tc
        with np.errstate(invalid="ignore"):      # scale is inf when every target is ignored
            node.a_n = np.where(valid, wt * x.dtype.type(-(1 - ls) * scale), 0).astype(x.dtype)
            if ls:
                node.r_n = np.where(valid, x.dtype.type(-(ls / n_classes) * scale),
                                    0).astype(x.dtype)
            node.v = w if w is not None else np.ones(n_classes, dtype=x.dtype)
        if softmax:
            logp_t = wrap(logp)
            attach(node, (input,), (out, logp_t))
            node.save_for_backward(logp_t)
        else:
            attach(node, (input,), out)
    return out


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood: -w[t_n] x[n, t_n], reduced by ``reduction``; 'mean' divides by
    the summed weights of the targets that are not ``ignore_index``.

    Args:
        input (Tensor): log-probabilities, (C), (N, C) or (N, C, d1, ..., dk).
        target (Tensor): class indices (int64 or uint8), (), (N) or (N, d1, ..., dk).
        weight (Tensor, optional): (C,) rescaling of each class.
        ignore_index (int): targets with this value contribute nothing. Default: -100.
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.
    """
    if (weight is None and size_average is None and reduce is None
            and reduction in _FAST_REDUCTIONS):
        out = _fast_index_loss(input, target, ignore_index, reduction, softmax=False)
        if out is not None:
            return out
    H.check_tensor("nll_loss", "input", 1, input)
    H.check_tensor("nll_loss", "target", 2, target)
    if size_average is not None or reduce is not None:
        reduction = R.legacy_get_string(size_average, reduce, stacklevel=3)
    reduction = R.get_enum(reduction, stacklevel=3)
    H.forbid_grad("nll_loss_forward", "weight", weight)
    H.check_floating("nll_loss_out_frame", input._data)
    return _index_loss(input, target, _class_weights(weight), ignore_index, reduction, 0.0,
                       softmax=False)


# -- probability targets -------------------------------------------------------------------

def _prob_loss(input, target, weight, reduction, label_smoothing):
    x, t = input._data, target._data
    w = _class_weights(weight)
    if x.ndim == 0:
        raise IndexError("Dimension specified as 1 but tensor has no dimensions")
    if t.dtype.kind != "f":
        raise RuntimeError(f"Expected floating point type for target with class probabilities, "
                           f"got {H.scalar_name(t)}")
    n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    if w is not None and (w.ndim != 1 or w.size != n_classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all "
                           f"{n_classes} classes or no classes but got weight tensor of shape: "
                           f"{list(w.shape)}")
    ls = label_smoothing if label_smoothing > 0 else 0.0
    if ls > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    dtype = H.result_float_dtype(x, t)
    logp = log_softmax_array(_to_rows(x), 1)
    t_nc = _to_rows(t)
    if ls:
        t_nc = t_nc * (1 - ls) + ls / n_classes
    prod = logp * t_nc
    if w is not None:
        prod = prod * w
    loss_n = -prod.sum(axis=1, dtype=dtype)
    n_rows = loss_n.size
    if reduction == R.NONE:
        out = loss_n.reshape(x.shape[:1] + x.shape[2:] if x.ndim > 1 else ())
    elif reduction == R.SUM:
        out = loss_n.sum()
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            out = loss_n.sum() / n_rows if n_rows else np.nan
    out = wrap(np.asarray(out, dtype=dtype))
    if needs_grad(input, target, weight):
        node_type = DivBackward1 if reduction == R.MEAN else NegBackward0
        node = _new_node(node_type, x, reduction, True, True)
        node.ls, node.weight = ls, w
        node.scale = R.grad_scale(reduction, n_rows)
        node.need_t, node.t_shape, node.t_dtype = needs_grad(target), t.shape, t.dtype
        node.need_w = needs_grad(weight)
        node.w_dtype = None if w is None else w.dtype
        logp_t = wrap(logp)
        attach(node, (input, target, weight), (out, logp_t))
        node.save_for_backward(logp_t, target)
    return out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross entropy between the softmax of ``input`` (unnormalised scores) and ``target``.

    Args:
        input (Tensor): (C), (N, C) or (N, C, d1, ..., dk) scores.
        target (Tensor): class indices (int64 or uint8) of shape (), (N) or (N, d1, ..., dk),
            or class probabilities of the input's shape.
        weight (Tensor, optional): (C,) rescaling of each class.
        ignore_index (int): index targets with this value contribute nothing. Default: -100.
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.
        label_smoothing (float): in [0, 1]; mixes the target with the uniform distribution
            (1 - ls) * target + ls / C, as torch does. Default: 0.0.

    'mean' divides by the summed weights of the non-ignored targets (index targets) or by
    the number of samples N d1 ... dk (probability targets).

    Example::

        >>> F.cross_entropy(nnx.zeros(2, 4), nnx.tensor([1, 3]))
        tensor(1.3863)
    """
    if (weight is None and size_average is None and reduce is None
            and reduction in _FAST_REDUCTIONS and label_smoothing == 0.0):
        out = _fast_index_loss(input, target, ignore_index, reduction, softmax=True)
        if out is not None:
            return out
    H.check_tensor("cross_entropy_loss", "input", 1, input)
    H.check_tensor("cross_entropy_loss", "target", 2, target)
    if size_average is not None or reduce is not None:
        reduction = R.legacy_get_string(size_average, reduce, stacklevel=3)
    reduction = R.get_enum(reduction, stacklevel=3)
    w = _class_weights(weight)
    x, t = input._data, target._data
    if x.shape == t.shape:
        if t.dtype.kind != "f":     # torch checks the target's dtype before ignore_index
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {H.scalar_name(t)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        _check_floating_scores(x, 1 if x.ndim > 1 else 0)
        return _prob_loss(input, target, weight, reduction, label_smoothing)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    _check_floating_scores(x, 1 if x.ndim > 1 else 0)
    H.forbid_grad("nll_loss_forward", "weight", weight)
    return _index_loss(input, target, w, ignore_index, reduction, label_smoothing, softmax=True)


def _check_floating_scores(x, class_axis):
    last = "lastdim_" if class_axis == max(x.ndim, 1) - 1 else ""
    H.check_floating(f"log_softmax_{last}kernel_impl", x)
