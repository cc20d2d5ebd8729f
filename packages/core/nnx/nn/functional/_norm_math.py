"""The math the normalization functions share: statistics over some axes, the closed-form
gradient of x_hat = (x - mean) * invstd, the affine map and its parameter gradients.

Every function works on NumPy arrays (forward and ordinary backward) and on Tensors
(a ``create_graph=True`` backward recomputes the statistics from the saved input as
Tensors, so the gradient is itself differentiable).  float16 inputs are computed in
float32 and the results rounded once, as torch's CPU kernels do.

Legend: ``axes`` are the reduced axes of x (kept as size-1 axes), ``n`` the number of
elements each statistic is taken over; ``param_shape`` the broadcast shape of weight/bias.
"""

import math

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad


def compute_dtype(arr):
    """float16 runs in float32 (torch's opmath type); other floats in themselves."""
    return np.dtype(np.float32) if arr.dtype == np.float16 else arr.dtype


def upcast(arr):
    dtype = compute_dtype(arr)
    return arr if arr.dtype == dtype else arr.astype(dtype)


def count(shape, axes):
    return math.prod(shape[a] for a in axes)


def mean_over(a, axes):
    """Mean over ``axes``, kept as size-1 axes (array or Tensor)."""
    n = count(a.shape, axes)
    return _grad.reduce_sum(a, axes, keepdim=True) / max(n, 1)


def moments(x, axes):
    """(mean, biased variance) over ``axes``, kept as size-1 axes.

    Arrays accumulate in float64, as torch's CPU kernels do (acc_type of float is
    double), then round to x's dtype; Tensors use Tensor ops so the graph is recorded.
    """
    if _grad.is_tensor(x):
        mean = mean_over(x, axes)
        centered = x - mean
        return mean, mean_over(centered * centered, axes)
    if count(x.shape, axes) == 0:       # no values: NaN statistics, as torch's
        shape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
        nan = np.full(shape, np.nan, dtype=x.dtype)
        return nan, nan.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        mean64 = np.mean(x, axis=axes, dtype=np.float64, keepdims=True)
        var64 = np.mean(np.square(x - mean64), axis=axes, keepdims=True)
    return mean64.astype(x.dtype), var64.astype(x.dtype)


def inv_std(var, eps):
    """1 / sqrt(var + eps) (array or Tensor)."""
    if _grad.is_tensor(var):
        return (var + eps).rsqrt()
    with np.errstate(divide="ignore", invalid="ignore"):
        return (1.0 / np.sqrt(var + var.dtype.type(eps))).astype(var.dtype)


def normalize(x, axes, eps):
    """x_hat, mean, biased var and invstd of x over ``axes``."""
    if _grad.is_tensor(x) or count(x.shape, axes) == 0:
        mean, var = moments(x, axes)
        invstd = inv_std(var, eps)
        return (x - mean) * invstd, mean, var, invstd
    # arrays: one centered copy serves the variance and becomes x_hat in place (no
    # float64 temporaries: the sums alone accumulate in float64)
    mean = np.mean(x, axis=axes, dtype=np.float64, keepdims=True).astype(x.dtype)
    x_hat = x - mean
    var = np.mean(np.square(x_hat), axis=axes, dtype=np.float64, keepdims=True)
    var = var.astype(x.dtype)
    invstd = inv_std(var, eps)
    x_hat *= invstd
    return x_hat, mean, var, invstd


def normalized_backward(g_hat, x_hat, invstd, axes):
    """dL/dx from dL/dx_hat for x_hat = (x - mean(x)) * invstd(x) over ``axes``:

        dx = invstd * (g - mean(g) - x_hat * mean(g * x_hat))
    """
    return (g_hat - mean_over(g_hat, axes) - x_hat * mean_over(g_hat * x_hat, axes)) * invstd


def affine(x_hat, weight, bias, shape):
    """x_hat * weight + bias, the parameters viewed as ``shape`` (arrays)."""
    out = x_hat
    if weight is not None:
        out = out * weight.reshape(shape).astype(x_hat.dtype, copy=False)
    if bias is not None:
        out = out + bias.reshape(shape).astype(x_hat.dtype, copy=False)
    return out


def affine_output(node_type, input, weight, bias, x_hat, stats, param_shape, eps, batch_stats):
    """The normalization functions' last step: ``x_hat * weight + bias`` (``x_hat`` in any
    view of the input's shape) rounded to the input's dtype and wrapped; when a gradient
    is needed, a ``node_type`` node (a NormalizeAffineBackward) recorded with ``stats`` =
    (stat_shape, axes, mean, invstd) and the other attributes its backward reads."""
    x = input._data
    x_hat = x_hat.reshape(x.shape)
    out = affine(x_hat, data(weight), data(bias), param_shape).astype(x.dtype)
    return record(node_type, input, weight, bias, out, stats, param_shape, eps, batch_stats)


def record(node_type, input, weight, bias, out, stats, param_shape, eps, batch_stats,
           layout=None):
    """Wrap the output array ``out``; when a gradient is needed, record a ``node_type``
    node (a NormalizeAffineBackward) with ``stats`` = (stat_shape, axes, mean, invstd) and
    ``layout`` (a Planes or Rows the kernels' backward reads, or None)."""
    out = wrap(np.ascontiguousarray(out))
    if needs_grad(input, weight, bias):
        node = node_type()
        node.stat_shape, node.axes, node.mean, node.invstd = stats
        node.param_shape, node.eps, node.batch_stats = param_shape, eps, batch_stats
        node.bias_array, node.layout = data(bias), layout
        node.need = (needs_grad(input), needs_grad(weight), needs_grad(bias))
        attach(node, (input, weight, bias), out)
        node.save_for_backward(input, weight)
    return out


def verify_batch_size(size):
    """torch's training check: each channel needs more than one value (the product of
    ``size`` without its dimension 1)."""
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {size}")


def param_grads(grad, x_hat, param_shape, weight, bias, need_w, need_b):
    """dL/dweight = sum(g * x_hat), dL/dbias = sum(g) over the axes the parameters
    broadcast along (those of size 1 in ``param_shape``), in the parameters' own shapes
    and dtypes (``weight``/``bias`` are the arrays, or None)."""
    axes = tuple(i for i, size in enumerate(param_shape) if size == 1)
    gw = gb = None
    if need_w:
        gw = _grad.reduce_sum(grad * x_hat, axes, keepdim=True)
        gw = _grad.cast(_grad.reshape(gw, weight.shape), weight.dtype)
    if need_b:
        gb = _grad.reduce_sum(grad, axes, keepdim=True)
        gb = _grad.cast(_grad.reshape(gb, bias.shape), bias.dtype)
    return gw, gb


class NormalizeAffineBackward(Node):
    """Backward of y = x_hat * weight + bias, x_hat the input normalized over ``axes`` of
    its view as ``stat_shape`` (batch, instance, layer and group norm).

    Attributes set by the forward: ``stat_shape``, ``axes``, ``param_shape`` (weight and
    bias broadcast on the input's shape), ``eps``, ``batch_stats`` (False: x_hat used the
    constant running statistics ``mean``/``invstd``), ``mean`` and ``invstd`` (arrays in
    the compute dtype, shaped for the stat view), ``need`` (x, weight, bias).
    Saved: input, weight.
    """

    def backward(self, grad):
        x, w = self.saved_tensors
        if self.layout is not None and not _grad.is_tensor(x):
            return self.layout.backward(self, x, w, grad)
        x_hat_v, invstd = self._x_hat(x)
        x_shape = tuple(x.shape)
        x_hat = _grad.reshape(x_hat_v, x_shape)
        g = as_compute(grad, x_hat.dtype if not _grad.is_tensor(x_hat) else None)
        need_x, need_w, need_b = self.need
        gx = None
        if need_x:
            g_hat = g if w is None else g * self._as_param(w, g)
            if self.batch_stats:
                g_hat_v = _grad.reshape(g_hat, self.stat_shape)
                gx = _grad.reshape(normalized_backward(g_hat_v, x_hat_v, invstd, self.axes),
                                   x_shape)
            else:
                gx = g_hat * _grad.reshape(invstd, self.param_shape)
            gx = _grad.cast(gx, _grad.data(x).dtype)
        w_arr = None if w is None else _grad.data(w)
        gw, gb = param_grads(g, x_hat, self.param_shape, w_arr, self.bias_array, need_w, need_b)
        return gx, gw, gb

    def _x_hat(self, x):
        """x_hat in the stat view and the invstd it used: from the saved statistics
        (arrays), or recomputed from x as Tensors under create_graph."""
        if _grad.is_tensor(x):
            x_v = x.reshape(self.stat_shape)
            if self.batch_stats:
                x_hat_v, _, _, invstd = normalize(x_v, self.axes, self.eps)
                return x_hat_v, invstd
            mean, invstd = _grad.const(self.mean, x), _grad.const(self.invstd, x)
            return (x_v - mean) * invstd, invstd
        x_v = upcast(x).reshape(self.stat_shape)
        return (x_v - self.mean) * self.invstd, self.invstd

    def _as_param(self, w, like):
        w = w.reshape(self.param_shape)
        if _grad.is_tensor(w):
            return w
        return w.astype(like.dtype, copy=False) if not _grad.is_tensor(like) else w


def channel_shape(ndim, channels):
    """(1, C, 1, ...): a per-channel vector broadcast over an (N, C, *) input."""
    return (1, channels) + (1,) * (ndim - 2)


def check_param_dtypes(x, params):
    """torch's CPU mixed-dtype rules: parameters share the input's dtype, or are all
    float32 under a float16 input."""
    dtypes = {p.dtype for p in params if p is not None}
    if not dtypes or dtypes == {x.dtype}:
        return
    if x.dtype == np.float16 and dtypes == {np.dtype(np.float32)}:
        return
    first = next(p for p in params if p is not None)
    if x.dtype == np.float16 and first.dtype == np.float16:
        raise RuntimeError("expected scalar type Half but found Float")
    if x.dtype in (np.float16, np.float32):
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def data(t):
    """The array of a Tensor argument that may be None."""
    return None if t is None else t._data


def as_compute(g, like_dtype):
    """An incoming gradient (array or Tensor) in the forward's compute dtype."""
    if _grad.is_tensor(g) or like_dtype is None:
        return g
    return g if g.dtype == like_dtype else g.astype(like_dtype)
