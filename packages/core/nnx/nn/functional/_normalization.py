"""Normalization functions: batch_norm and instance_norm here; layer_norm, group_norm and
rms_norm in _layer_norm; local_response_norm in _lrn (all re-exported from here).

Shapes: input (N, C, *); per-channel vectors (C,): weight, bias, running_mean,
running_var.  batch_norm normalizes each channel over N and *, instance_norm each
(sample, channel) over *.  Statistics accumulate in float64 (torch's CPU acc_type of
float); float16 input computes in float32.  The running statistics are updated in place
(``running = (1 - momentum) * running + momentum * batch``, the variance unbiased).
"""

import numbers

import numpy as np

from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _norm_layouts as L
from nnx.nn.functional import _norm_math as M
from nnx.nn.functional._layer_norm import group_norm, layer_norm, rms_norm
from nnx.nn.functional._lrn import local_response_norm

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "local_response_norm"]


class NativeBatchNormBackward0(M.NormalizeAffineBackward):
    """batch_norm's node: closed-form gradients of input, weight and bias."""


class ViewBackward0(M.NormalizeAffineBackward):
    """instance_norm's node (torch records a batch_norm viewed back to the input's shape,
    so its grad_fn is a ViewBackward0)."""


def _check_floats(fname, momentum, eps):
    """torch's argument parser: momentum and eps must be numbers (None is refused)."""
    for name, position, value in (("momentum", 7, momentum), ("eps", 8, eps)):
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise TypeError(f"{fname}(): argument '{name}' (position {position}) must be "
                            f"float, not {type(value).__name__}")


def _check_stat_args(x, running_mean, running_var, weight, bias, training, channels, repeat):
    """torch's batch_norm checks, sizes counted after instance_norm's repeat by N."""
    if not training:
        if running_mean is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        if running_var is None:
            raise RuntimeError("running_var must be defined in evaluation mode")
    if (running_mean is None) != (running_var is None):
        raise ValueError(
            "running_mean and running_var must either both be None or neither be None")
    H.check_floating("batch_norm", x)
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.size * repeat != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not "
                               f"{t.size * repeat}")
    for t in (running_mean, running_var):
        if t is not None and t.ndim != 1:
            raise RuntimeError(f"TensorAccessor expected 1 dims but tensor has {t.ndim}")
    M.check_param_dtypes(x, (weight, bias, running_mean, running_var))


def _update_running(running, batch, momentum, correction):
    """running = (1 - momentum) * running + momentum * batch * correction, in place."""
    r = running._data
    batch64 = batch.reshape(-1).astype(np.float64) * correction
    new = (1.0 - momentum) * r.reshape(-1).astype(np.float64) + momentum * batch64
    r[...] = new.reshape(r.shape).astype(r.dtype)
    running._vc.version += 1


def _normalize_affine(node_type, input, weight, bias, stats, param_shape, batch_stats, eps):
    """Normalize ``input`` (batch statistics over ``stats[1]`` axes of the view
    ``stats[0]``, or the constant ``stats[2:]`` mean/invstd), apply weight and bias, and
    record the node.  Returns (output, mean, var) with mean/var in the stat view."""
    x = input._data
    stat_shape, axes = stats[0], stats[1]
    if x.ndim >= 2 and L.usable(x):
        # planes grouped per channel (batch statistics over N, or constant (1, C, ...)
        # statistics) or per plane (instance statistics)
        per_channel = 0 in axes or not batch_stats
        planes = L.Planes(x.shape, x.shape[:2], (0,) if per_channel else ())
        return L.planes_normalize(node_type, input, weight, bias, planes, stats, param_shape,
                                  eps, batch_stats)
    xc = M.upcast(x).reshape(stat_shape)
    if batch_stats:
        x_hat, mean, var, invstd = M.normalize(xc, axes, eps)
    else:
        mean, invstd = stats[2], stats[3]
        var = None
        x_hat = (xc - mean) * invstd
    out = M.affine_output(node_type, input, weight, bias, x_hat,
                          (stat_shape, axes, mean, invstd), param_shape, eps, batch_stats)
    return out, mean, var


def _running_stats(running_mean, running_var, shape, dtype, eps):
    mean = M.data(running_mean).reshape(shape).astype(dtype)
    var = M.data(running_var).reshape(shape).astype(dtype)
    return mean, M.inv_std(var, eps)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    r"""Batch normalization over each channel of an (N, C, *) input.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta

    Args:
        input (Tensor): (N, C, *).
        running_mean, running_var (Tensor or None): (C,) statistics; used for
            normalization when ``training`` is False, updated in place when it is True.
        weight, bias (Tensor, optional): (C,) affine parameters.
        training (bool): use the batch statistics (biased variance) and update the running
            ones (unbiased variance). Default: False.
        momentum (float): weight of the batch statistics in the update. Default: 0.1.
        eps (float): added to the variance. Default: 1e-5.

    Example::

        >>> F.batch_norm(nnx.randn(8, 3), None, None, training=True).shape
        nnx.Size([8, 3])
    """
    H.check_tensor("batch_norm", "input", 1, input)
    x = input._data
    if training:
        M.verify_batch_size(H.size_of(x))
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    _check_floats("batch_norm", momentum, eps)
    if x.ndim < 2 and training:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but "
                         "got 1)")
    channels = x.shape[1] if x.ndim >= 2 else 0
    _check_stat_args(x, M.data(running_mean), M.data(running_var), M.data(weight),
                     M.data(bias), training, channels, 1)
    param_shape = M.channel_shape(x.ndim, channels)
    axes = (0,) + tuple(range(2, x.ndim))
    if training:
        stats = (x.shape, axes)
    else:
        stats = (x.shape, axes) + _running_stats(running_mean, running_var, param_shape,
                                                 M.compute_dtype(x), eps)
    out, mean, var = _normalize_affine(NativeBatchNormBackward0, input, weight, bias, stats,
                                       param_shape, training, eps)
    n = M.count(x.shape, axes)
    if training and running_mean is not None and n > 0:
        _update_running(running_mean, mean, momentum, 1.0)
        _update_running(running_var, var, momentum, n / max(n - 1, 1))
    return out


def _verify_spatial_size(size):
    prod = 1
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {size}")


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    r"""Instance normalization: each channel of each sample normalized over its spatial
    elements (the statistics of an (N, C, *) input are (N, C)).

    Args:
        input (Tensor): (N, C, *).
        running_mean, running_var (Tensor, optional): (C,) statistics; updated in place
            (averaged over the batch) when ``use_input_stats``, else used to normalize.
        weight, bias (Tensor, optional): (C,) affine parameters.
        use_input_stats (bool): normalize with each instance's statistics. Default: True.
        momentum (float): weight of the batch statistics in the update. Default: 0.1.
        eps (float): added to the variance. Default: 1e-5.

    Example::

        >>> F.instance_norm(nnx.randn(2, 3, 5)).shape
        nnx.Size([2, 3, 5])
    """
    H.check_tensor("instance_norm", "input", 1, input)
    x = input._data
    if use_input_stats:
        _verify_spatial_size(H.size_of(x))
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    if x.ndim < 2:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but "
                         "got 1)")
    _check_floats("instance_norm", momentum, eps)
    batch, channels = x.shape[0], x.shape[1]
    if any(t is not None and t.ndim > 1 for t in (weight, bias, running_mean, running_var)):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    _check_stat_args(x, M.data(running_mean), M.data(running_var), M.data(weight),
                     M.data(bias), use_input_stats, batch * channels, batch)
    param_shape = M.channel_shape(x.ndim, channels)
    axes = tuple(range(2, x.ndim))
    if use_input_stats:
        stats = (x.shape, axes)
    else:
        stats = (x.shape, axes) + _running_stats(running_mean, running_var, param_shape,
                                                 M.compute_dtype(x), eps)
    out, mean, var = _normalize_affine(ViewBackward0, input, weight, bias, stats, param_shape,
                                       use_input_stats, eps)
    if use_input_stats and running_mean is not None and batch > 0:
        n = M.count(x.shape, axes)
        # torch updates a copy repeated per sample, then averages the copies over N
        _update_running(running_mean, mean.mean(axis=0, dtype=np.float64), momentum, 1.0)
        _update_running(running_var, var.mean(axis=0, dtype=np.float64), momentum,
                        n / max(n - 1, 1))
    return out
