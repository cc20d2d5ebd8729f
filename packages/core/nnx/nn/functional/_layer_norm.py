"""layer_norm, group_norm and rms_norm: normalization over the trailing dimensions of
each sample (layer, rms) or over groups of channels (group).

Shapes: layer_norm/rms_norm input (*, *normalized_shape), weight/bias normalized_shape;
group_norm input (N, C, *) viewed as (N, G, C/G * prod(*)), weight/bias (C,).
"""

import numbers

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _norm_layouts as L
from nnx.nn.functional import _norm_math as M

__all__ = ["layer_norm", "group_norm", "rms_norm"]


class NativeLayerNormBackward0(M.NormalizeAffineBackward):
    """layer_norm's node: closed-form gradients of input, weight and bias."""


class NativeGroupNormBackward0(M.NormalizeAffineBackward):
    """group_norm's node: closed-form gradients of input, weight and bias."""


def _normalized_shape(fname, normalized_shape):
    """normalized_shape as a tuple of ints, with torch's argument-parser messages."""
    if isinstance(normalized_shape, numbers.Integral) or not hasattr(normalized_shape,
                                                                     "__iter__"):
        raise TypeError(f"{fname}(): argument 'normalized_shape' (position 2) must be tuple of "
                        f"ints, not {type(normalized_shape).__name__}")
    shape = tuple(normalized_shape)
    for pos, s in enumerate(shape):
        if not isinstance(s, numbers.Integral):
            raise TypeError(f"{fname}(): argument 'normalized_shape' (position 2) must be tuple "
                            f"of ints, but found element of type {type(s).__name__} at pos "
                            f"{pos}")
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    return tuple(int(s) for s in shape)


def _check_trailing(x, shape, params, star):
    """weight/bias shapes, then the input's trailing dimensions (torch's order)."""
    for name, p in params:
        if p is not None and p.shape != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(p.shape)} and normalized_shape = "
                               f"{list(shape)}")
    k = len(shape)
    if x.ndim < k or x.shape[x.ndim - k:] != shape:
        dims = ", ".join(map(str, shape))
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[{star}{dims}], but got input of size{list(x.shape)}")


def _trailing_args(fname, kernel_name, input, normalized_shape, params, star):
    """layer_norm's and rms_norm's checks in torch's order (input, normalized_shape,
    ``params`` = (name, Tensor or None) pairs, trailing dimensions, floating dtype);
    returns (x, normalized shape, its axes in x, the parameters' broadcast shape)."""
    H.check_tensor(fname, "input", 1, input)
    shape = _normalized_shape(fname, normalized_shape)
    x = input._data
    _check_trailing(x, shape, [(name, M.data(p)) for name, p in params], star)
    H.check_floating(kernel_name, x)
    lead = x.ndim - len(shape)
    return x, shape, tuple(range(lead, x.ndim)), (1,) * lead + shape


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    r"""Layer normalization over the last ``len(normalized_shape)`` dimensions.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta

    Args:
        input (Tensor): (*, *normalized_shape).
        normalized_shape (tuple of ints): the trailing shape normalized over.
        weight, bias (Tensor, optional): of shape ``normalized_shape``.
        eps (float): added to the (biased) variance. Default: 1e-5.

    Example::

        >>> F.layer_norm(nnx.randn(2, 5), (5,)).shape
        nnx.Size([2, 5])
    """
    x, shape, axes, param_shape = _trailing_args("layer_norm", "LayerNormKernelImpl", input,
                                                 normalized_shape,
                                                 (("weight", weight), ("bias", bias)), "*, ")
    M.check_param_dtypes(x, (M.data(weight), M.data(bias)))
    if L.usable(x):
        return L.rows_normalize(NativeLayerNormBackward0, input, weight, bias, axes,
                                param_shape, eps)
    x_hat, mean, _, invstd = M.normalize(M.upcast(x), axes, eps)
    return M.affine_output(NativeLayerNormBackward0, input, weight, bias, x_hat,
                           (x.shape, axes, mean, invstd), param_shape, eps, True)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization: the channels of each sample split into ``num_groups`` groups,
    each normalized over its channels and spatial elements; then a per-channel affine.

    Args:
        input (Tensor): (N, C, *), C divisible by ``num_groups``.
        num_groups (int): number of groups.
        weight, bias (Tensor, optional): (C,).
        eps (float): added to the variance. Default: 1e-5.

    Example::

        >>> F.group_norm(nnx.randn(2, 4, 3), 2).shape
        nnx.Size([2, 4, 3])
    """
    H.check_tensor("group_norm", "input", 1, input)
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {x.ndim}")
    n, c = x.shape[0], x.shape[1]
    M.verify_batch_size([n * c // num_groups, num_groups] + list(x.shape[2:]))
    if c % num_groups != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(x.shape)} and "
                           f"num_groups={num_groups}")
    w, b = M.data(weight), M.data(bias)
    shown = list(w.shape) if w is not None else [0]   # torch shows weight's shape for both
    for name, p in (("weight", w), ("bias", b)):
        if p is not None and (p.ndim != 1 or p.size != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {shown} and input "
                               f"of shape {list(x.shape)}")
    H.check_floating("GroupNormKernelImpl", x)
    M.check_param_dtypes(x, (w, b))
    stat_shape = (n, num_groups, (c // num_groups) * M.count(x.shape, range(2, x.ndim)))
    param_shape = M.channel_shape(x.ndim, c)
    if L.usable(x):
        planes = L.Planes(x.shape, (n, num_groups, c // num_groups), (2,))
        out, _, _ = L.planes_normalize(NativeGroupNormBackward0, input, weight, bias, planes,
                                       (stat_shape, (2,)), param_shape, eps, True)
        return out
    x_hat, mean, _, invstd = M.normalize(M.upcast(x).reshape(stat_shape), (2,), eps)
    return M.affine_output(NativeGroupNormBackward0, input, weight, bias, x_hat,
                           (stat_shape, (2,), mean, invstd), param_shape, eps,
                           True)


# -- rms_norm ------------------------------------------------------------------------------

class MulBackward0(Node):
    """rms_norm's node (torch composes it, ending in a multiplication):
    y0 = x r, r = (mean(x^2) + eps)^-1/2, y = y0 w;
    dx = r (g w - y0 mean(g w y0)), dw = sum(g y0) over the leading dimensions."""

    def backward(self, grad):
        x, w = self.saved_tensors
        if _grad.is_tensor(x):
            y0, r = _rms(x, self.axes, self.eps)
            g = grad
        else:
            r = self.r
            y0 = M.upcast(x) * r
            g = M.as_compute(grad, y0.dtype)
        need_x, need_w = self.need
        gx = gw = None
        if need_x:
            g_hat = g if w is None else g * _param(w, self.param_shape, g)
            gx = (g_hat - y0 * M.mean_over(g_hat * y0, self.axes)) * r
            gx = _grad.cast(gx, _grad.data(x).dtype)
        if need_w:
            lead = tuple(range(len(self.param_shape) - len(self.axes)))
            gw = _grad.reshape(_grad.reduce_sum(g * y0, lead), _grad.data(w).shape)
            gw = _grad.cast(gw, _grad.data(w).dtype)
        return gx, gw


def _param(w, shape, like):
    w = w.reshape(shape)
    if _grad.is_tensor(w) or _grad.is_tensor(like):
        return w
    return w.astype(like.dtype, copy=False)


def _rms(x, axes, eps):
    """(x * r, r) with r = 1 / sqrt(mean(x^2) + eps) (array or Tensor)."""
    if _grad.is_tensor(x):
        r = (M.mean_over(x * x, axes) + eps).rsqrt()
        return x * r, r
    ms = np.mean(np.square(x, dtype=np.float64), axis=axes, keepdims=True).astype(x.dtype)
    r = (1.0 / np.sqrt(ms + x.dtype.type(eps))).astype(x.dtype)
    return x * r, r


def rms_norm(input, normalized_shape, weight=None, eps=None):
    r"""Root-mean-square normalization over the last ``len(normalized_shape)`` dimensions.

    .. math:: y = \frac{x}{\sqrt{\mathrm{E}[x^2] + \epsilon}} \gamma

    Args:
        input (Tensor): (*, *normalized_shape).
        normalized_shape (tuple of ints): the trailing shape normalized over.
        weight (Tensor, optional): of shape ``normalized_shape``.
        eps (float, optional): added to the mean square; None means the machine epsilon
            of the compute dtype (float32's for float16 input). Default: None.

    Example::

        >>> F.rms_norm(nnx.randn(2, 5), (5,)).shape
        nnx.Size([2, 5])
    """
    x, shape, axes, param_shape = _trailing_args("rms_norm", "rms_norm", input,
                                                 normalized_shape, (("weight", weight),), "*")
    w = M.data(weight)
    xc = M.upcast(x)
    if eps is None:
        eps = float(np.finfo(xc.dtype).eps)
    y0, r = _rms(xc, axes, eps)
    y = y0 if w is None else y0 * w.reshape(param_shape).astype(y0.dtype, copy=False)
    out = wrap(np.ascontiguousarray(y.astype(x.dtype, copy=False)))
    if needs_grad(input, weight):
        node = MulBackward0()
        node.axes, node.param_shape, node.eps, node.r = axes, param_shape, eps, r
        node.need = (needs_grad(input), needs_grad(weight))
        attach(node, (input, weight), out)
        node.save_for_backward(input, weight)
    return out
