"""Dropout: zero elements (or whole channels) with probability p during training.

- ``dropout``: each element independently, survivors scaled by 1 / (1 - p);
- ``dropout1d/2d/3d``: whole channels (the noise has shape (N, C, 1, ...));
- ``alpha_dropout`` / ``feature_alpha_dropout``: for SELU networks; dropped values are set
  to SELU's negative saturation and an affine map a * x + b keeps a standard normal input's
  mean 0 and variance 1.

All masks come from nnx's global generator, so ``nnx.manual_seed`` makes them repeatable.
The arithmetic follows torch's ``_dropout_impl`` (aten/src/ATen/native/Dropout.cpp).
"""

import math
import warnings

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx.nn.functional import _helpers as H

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

# SELU's -alpha * scale: the value alpha dropout gives dropped elements before the affine map
_SELU_NEGATIVE_SATURATION = 1.7580993408473766


class MulBackward0(Node):
    """dx = g * mask (mask holds 0 or 1 / (1 - p), in the input's dtype)."""

    def backward(self, grad):
        return (grad * self.mask,)


class AddBackward0(MulBackward0):
    """alpha dropout's a * mask * x + b: dx = g * (a * mask)."""


class SqueezeBackward1(MulBackward0):
    """Channel dropout of an unbatched input (torch unsqueezes it, then squeezes)."""


def dropout_mask(shape, p, dtype):
    """Bernoulli(1 - p) noise divided by 1 - p, from nnx's global generator."""
    if p == 1:
        return np.zeros(shape, dtype=dtype)
    mask = _bernoulli(shape, p, dtype)
    mask *= np.asarray(1, dtype=dtype) / np.asarray(1 - p, dtype=dtype)
    return mask


def _bernoulli(shape, p, dtype):
    """1 with probability 1 - p, else 0."""
    keep = H.generator().random(shape, dtype=np.float32) < (1 - p)
    return keep.astype(dtype)


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _noise_shape(shape, feature, batched):
    """Elementwise noise, or one value per (sample, channel) for feature dropout; an
    unbatched input is treated as a batch of one (torch unsqueezes dim 0)."""
    if not feature:
        return shape
    full = shape if batched else (1,) + tuple(shape)
    if len(full) < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    noise = full[:2] + (1,) * (len(full) - 2)
    return noise if batched else noise[1:]


def _noise(shape, p, dtype, alpha):
    """(multiplier, offset) of torch's _dropout_impl for 0 < p < 1: plain dropout
    multiplies by mask / (1 - p); alpha dropout maps x to a * mask * x + b."""
    if not alpha:
        return dropout_mask(shape, p, dtype), None
    mask = _bernoulli(shape, p, dtype)
    t = np.dtype(dtype).type
    a = 1.0 / math.sqrt((_SELU_NEGATIVE_SATURATION ** 2 * p + 1) * (1 - p))
    offset = (mask - t(1)) * t(_SELU_NEGATIVE_SATURATION * a) + t(_SELU_NEGATIVE_SATURATION * a * p)
    mask *= t(a)
    return mask, offset


def _dropout_impl(input, p, training, inplace, feature=False, alpha=False, batched=True):
    """torch's _dropout_impl: input itself when nothing is dropped; else the product with
    the noise (plus the offset for alpha dropout), recorded or written in place."""
    x = input._data
    if p == 0 or not training or x.size == 0:
        return input
    if p == 1:                      # torch multiplies by a zero scalar: any rank, any dtype
        multiplier, offset = np.zeros((), dtype=x.dtype), None
    else:
        if x.dtype.kind != "f":
            raise RuntimeError(f"result type Float can't be cast to the desired output type "
                               f"{H.scalar_name(x)}")
        multiplier, offset = _noise(_noise_shape(x.shape, feature, batched), p, x.dtype, alpha)
    if inplace:
        # torch: input.mul_(noise)[.add_(b)]; the engine's in-place ops record and check leaves
        out = input.mul_(wrap(multiplier))
        return out if offset is None else out.add_(wrap(offset))
    y = x * multiplier
    if offset is not None:
        y += offset
    out = wrap(y)
    if needs_grad(input):
        node_type = MulBackward0 if offset is None else AddBackward0
        node = node_type() if batched else SqueezeBackward1()
        node.mask = multiplier
        attach(node, (input,), out)
    return out


def dropout(input, p=0.5, training=True, inplace=False):
    """During training, zero each element with probability ``p`` and scale the others by
    ``1 / (1 - p)``; outside training (or with p = 0) return ``input`` itself.

    Args:
        input (Tensor): any shape.
        p (float): probability of an element being zeroed. Default: 0.5.
        training (bool): apply dropout only if True. Default: True.
        inplace (bool): write the result into ``input``. Default: False.

    The mask comes from nnx's global generator, so ``nnx.manual_seed`` makes it repeatable.
    """
    _check_p(p)
    H.check_tensor("dropout", "input", 1, input)
    return _dropout_impl(input, p, training, inplace)


def _channel_dropout(input, p, training, inplace, batched):
    """Feature dropout of a batched input, or of an unbatched one as a batch of one."""
    out = _dropout_impl(input, p, training, inplace, feature=True, batched=batched)
    if out is input and not batched and not inplace:
        return input.unsqueeze(0).squeeze(0)      # torch returns a (squeezed) view
    return out


def _warn_unusual_rank(spatial, ndim):
    """torch's deprecation warning of dropout2d/dropout3d for an input that is neither
    batched nor unbatched (``spatial`` + 1 or + 2 dimensions), raised at their caller."""
    if ndim in (spatial + 1, spatial + 2):
        return
    fname = f"dropout{spatial}d"
    warnings.warn(
        f"{fname}: Received a {ndim}-D input to {fname}, which is deprecated and will "
        "result in an error in a future release. To retain the behavior and silence this "
        f"warning, please use dropout instead. Note that {fname} exists to provide "
        f"channel-wise dropout on inputs with {spatial} spatial dimensions, a channel "
        "dimension, and an optional batch dimension (i.e. "
        f"{spatial + 1}D or {spatial + 2}D inputs).", stacklevel=3)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) input with probability ``p`` (during
    training), scaling the kept channels by 1 / (1 - p).

    Args: as :func:`dropout`.
    """
    _check_p(p)
    H.check_tensor("dropout1d", "input", 1, input)
    ndim = input._data.ndim
    if ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs).")
    return _channel_dropout(input, p, training, inplace, batched=ndim == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input with probability ``p`` (during training),
    scaling the kept channels by 1 / (1 - p).

    As in torch, a 3-D input is read as (N, C, L) (with a warning), and other ranks warn
    that they are deprecated.

    Args: as :func:`dropout`.
    """
    _check_p(p)
    H.check_tensor("dropout2d", "input", 1, input)
    ndim = input._data.ndim
    _warn_unusual_rank(2, ndim)
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    return _dropout_impl(input, p, training, inplace, feature=True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability ``p``
    (during training), scaling the kept channels by 1 / (1 - p).

    Args: as :func:`dropout`.
    """
    _check_p(p)
    H.check_tensor("dropout3d", "input", 1, input)
    ndim = input._data.ndim
    _warn_unusual_rank(3, ndim)
    return _channel_dropout(input, p, training, inplace, batched=ndim == 5)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout (for SELU networks): with s = 1.7580993408473766 (SELU's negative
    saturation) and a = 1 / sqrt((s^2 p + 1)(1 - p)), a kept element x becomes
    a x + a s p and a dropped one -a s (1 - p), which keeps a standard normal input's
    mean 0 and variance 1.  Each element is dropped with probability ``p``.

    Args:
        input (Tensor): any shape.
        p (float): probability of an element being dropped. Default: 0.5.
        training (bool): apply it only if True. Default: **False** (as torch).
        inplace (bool): write the result into ``input``. Default: False.
    """
    _check_p(p)
    H.check_tensor("alpha_dropout", "input", 1, input)
    return _dropout_impl(input, p, training, inplace, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (dim 1) of an input of at least 2 dimensions.

    Args: as :func:`alpha_dropout`.
    """
    _check_p(p)
    H.check_tensor("feature_alpha_dropout", "input", 1, input)
    return _dropout_impl(input, p, training, inplace, feature=True, alpha=True)
