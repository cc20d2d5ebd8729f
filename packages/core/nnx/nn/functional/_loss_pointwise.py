"""Pointwise losses with a kernel of their own in torch: huber_loss and soft_margin_loss.

Each is one node (torch's HuberLossBackward0, SoftMarginLossBackward0).  Inputs broadcast
against each other as in torch; backward sums the gradient back to each input's shape.
The formulas run on arrays and, under create_graph, on Tensors (``nnx._ops._grad``).
"""

import warnings

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _reduction as R

__all__ = ["huber_loss", "soft_margin_loss"]


def _clip(d, bound):
    """d clamped to [-bound, bound], on an array or a Tensor."""
    return d.clamp(-bound, bound) if _grad.is_tensor(d) else np.clip(d, -bound, bound)


# -- huber_loss ----------------------------------------------------------------------------

class HuberLossBackward0(Node):
    """dx = g clamp(x - t, -delta, delta) (/ numel for 'mean'); dt = -dx."""

    def backward(self, grad):
        if self.x_dtype != self.t_dtype:
            # torch's huber_loss_backward kernel wants input and target of one dtype: that of
            # the argument whose gradient it computes first (input's, when it needs one)
            this, other = ((self.x_dtype, self.t_dtype) if self.need_x
                           else (self.t_dtype, self.x_dtype))
            raise RuntimeError(f"Found dtype {H.scalar_name(np.empty(0, other))} but expected "
                               f"{H.scalar_name(np.empty(0, this))}")
        x, t = self.saved_tensors
        g = grad * self.scale if self.scale != 1.0 else grad
        gd = g * _clip(x - t, self.delta)
        gx = gt = None
        if self.need_x:
            gx = _grad.cast(_grad.sum_to(gd, self.x_shape), self.x_dtype)
        if self.need_t:
            gt = _grad.cast(_grad.sum_to(-gd, self.t_shape), self.t_dtype)
        return gx, gt


def _huber_unweighted(input, target, reduction, delta):
    x, t = input._data, target._data
    shape = H.broadcast_shapes(x.shape, t.shape)
    H.check_floating("huber_cpu", x)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = np.subtract(x, t, dtype=x.dtype)          # torch computes in the input's dtype
    ad = np.abs(d)
    terms = np.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta)).astype(x.dtype)
    out = wrap(R.apply(terms, reduction, x.dtype))
    if needs_grad(input, target):
        node = HuberLossBackward0()
        node.delta, node.scale = delta, R.grad_scale(reduction, int(np.prod(shape)))
        node.need_x, node.need_t = needs_grad(input), needs_grad(target)
        node.x_shape, node.t_shape, node.x_dtype, node.t_dtype = x.shape, t.shape, x.dtype, t.dtype
        attach(node, (input, target), out)
        node.save_for_backward(input, target)
    return out


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 (x - t)^2 where |x - t| < delta, else delta (|x - t| - 0.5 delta).

    Args:
        delta (float): where the loss turns from quadratic to linear, > 0. Default: 1.0.
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.
        weight (Tensor, optional): input's shape; multiplies the elementwise loss ('mean'
            then averages the weighted terms over their number, as torch does).

    Example::

        >>> F.huber_loss(nnx.tensor([0.0, 3.0]), nnx.tensor([0.5, 0.0]))
        tensor(1.3125)
    """
    H.check_tensor("huber_loss", "input", 1, input)
    H.check_tensor("huber_loss", "target", 2, target)
    if input._data.shape != target._data.shape:
        warnings.warn(f"Using a target size ({H.size_of(target._data)}) that is different to the "
                      f"input size ({H.size_of(input._data)}). This will likely lead to incorrect "
                      "results due to broadcasting. Please ensure they have the same size.",
                      stacklevel=2)
    H.broadcast_shapes(input._data.shape, target._data.shape)
    if weight is None:
        return _huber_unweighted(input, target, R.get_enum(reduction, stacklevel=3), delta)
    H.check_tensor("huber_loss", "weight", 5, weight)
    if weight._data.shape != input._data.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = _huber_unweighted(input, target, R.NONE, delta) * weight
    if reduction == R.NONE:
        return weighted
    if reduction == R.SUM:
        return weighted.sum()
    if reduction == R.MEAN:
        return weighted.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


# -- soft_margin_loss ----------------------------------------------------------------------

class SoftMarginLossBackward0(Node):
    """dx = -g t z / (1 + z), z = exp(-t x) (/ numel for 'mean')."""

    def backward(self, grad):
        x, t = self.saved_tensors
        t = _grad.const(_grad.data(t), grad)        # the target is not differentiable
        g = grad * self.scale if self.scale != 1.0 else grad
        z = _grad.math("exp", -(x * t))
        gx = -(g * t) * z / (z + 1)
        return (_grad.cast(_grad.sum_to(gx, self.x_shape), self.x_dtype), None)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss log(1 + exp(-y x)) for labels y = 1 or -1.

    Args:
        input (Tensor): scores, any shape.
        target (Tensor): labels (1 or -1), broadcastable to input; not differentiated.
        reduction (str): 'none' | 'mean' | 'sum'. Default: 'mean'.
    """
    H.check_tensor("soft_margin_loss", "input", 1, input)
    H.check_tensor("soft_margin_loss", "target", 2, target)
    reduction = R.resolve(size_average, reduce, reduction)
    H.forbid_grad("soft_margin_loss", "target", target)
    x, t = input._data, target._data
    shape = H.broadcast_shapes(x.shape, t.shape)
    if tuple(shape) != x.shape:           # torch writes the loss into an input-shaped output
        raise RuntimeError(f"output with shape {list(x.shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")
    if x.dtype.kind != "f":
        result = H.scalar_name(t) if t.dtype.kind == "f" else "Float"
        raise RuntimeError(f"result type {result} can't be cast to the desired output type "
                           f"{H.scalar_name(x)}")
    with np.errstate(over="ignore"):
        terms = np.log1p(np.exp(-(x * t))).astype(x.dtype, copy=False)
    out = wrap(R.apply(terms, reduction, x.dtype))
    if needs_grad(input):
        node = SoftMarginLossBackward0()
        node.scale = R.grad_scale(reduction, int(np.prod(shape)))
        node.x_shape, node.x_dtype = x.shape, x.dtype
        attach(node, (input, target), out)
        node.save_for_backward(input, target)
    return out
