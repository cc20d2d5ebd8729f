"""Loss reductions: the ``reduction=`` strings and the legacy ``size_average`` / ``reduce``
flags they replaced (torch.nn._reduction)."""

import warnings

import numpy as np

NONE, MEAN, SUM = "none", "mean", "sum"


def get_enum(reduction, stacklevel=3):
    """Validate ``reduction``; 'elementwise_mean' is the deprecated spelling of 'mean'."""
    if reduction in (NONE, MEAN, SUM):
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=stacklevel)
        return MEAN
    raise ValueError(f"{reduction} is not a valid value for reduction")


def legacy_get_string(size_average, reduce, emit_warning=True, stacklevel=3):
    """The reduction the legacy flags mean (both default to True), with torch's warning."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = MEAN
    elif reduce:
        ret = SUM
    else:
        ret = NONE
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=stacklevel)
    return ret


def resolve(size_average, reduce, reduction):
    """The reduction a loss applies; the legacy flags, when given, override ``reduction``.

    Warnings point at the caller of the loss function (stacklevel 4 from here).
    """
    if size_average is not None or reduce is not None:
        return legacy_get_string(size_average, reduce, stacklevel=4)
    return get_enum(reduction, stacklevel=4)


def apply(loss, reduction, dtype):
    """Reduce an elementwise loss array: 'none' keeps it, 'sum' sums, 'mean' averages
    (nan for an empty loss, as torch gives)."""
    if reduction == NONE:
        return np.asarray(loss, dtype=dtype)
    total = loss.sum(dtype=dtype)
    if reduction == MEAN:
        with np.errstate(invalid="ignore", divide="ignore"):
            total = total / loss.size if loss.size else np.asarray(np.nan, dtype=dtype)
    return np.asarray(total, dtype=dtype)


def grad_scale(reduction, numel):
    """The factor the gradient of a mean gets (1 otherwise)."""
    return 1.0 / numel if reduction == MEAN and numel else 1.0


def apply_tensor(loss, reduction):
    """torch's apply_loss_reduction on a recorded (Tensor) elementwise loss: the losses
    torch composes from differentiable ops reduce the same way, so the graph matches."""
    if reduction == MEAN:
        return loss.mean()
    if reduction == SUM:
        return loss.sum()
    return loss
