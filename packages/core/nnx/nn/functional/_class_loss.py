"""The node behind nll_loss and cross_entropy, and the (N, C) row layout both work in.

Both losses are linear in the log-probabilities: loss = sum A_nc logp_nc.  Backward is
dx = g A for nll_loss and dx = g A - p rowsum(g A) for cross_entropy (p the softmax).
"""

import numpy as np

from nnx._C._C import Node
from nnx._ops import _grad
from nnx.nn.functional import _reduction as R

# -- layout --------------------------------------------------------------------------------

def _to_rows(x):
    """(C) -> (1, C); (N, C) as is; (N, C, d...) -> (N d..., C)."""
    if x.ndim == 1:
        return _grad.reshape(x, (1, -1))
    if x.ndim == 2:
        return x
    c = x.shape[1]
    moved = _grad.permute(x, (0,) + tuple(range(2, x.ndim)) + (1,))
    return _grad.reshape(moved, (-1, c))


def _from_rows(g_nc, shape):
    """The inverse of _to_rows, for a gradient of the input's ``shape``."""
    if len(shape) <= 2:
        return _grad.reshape(g_nc, shape)
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    ndim = len(shape)
    return _grad.permute(_grad.reshape(g_nc, moved), (0, ndim - 1) + tuple(range(1, ndim - 1)))


# -- the node ------------------------------------------------------------------------------

class _ClassLossBackward(Node):
    """Gradient of sum A logp through log_softmax (cross_entropy) or directly (nll_loss).

    Index targets keep A compact: a_n at the target class (one scalar for all rows when
    they share it) plus r_n * v_c (smoothing).
    """

    logp_exposed = False
    r_n = v = weight = None

    def backward(self, grad, grad_logp=None):
        tensor_mode = _grad.is_tensor(grad)
        saved = self.saved_tensors
        logp = saved[0] if self.softmax else None
        target = saved[-1] if self.probs else None
        if tensor_mode and self.softmax:
            self.logp_exposed = True        # later passes may send gradient into logp
        g_rows = _grad.reshape(grad, (-1, 1)) if self.reduction == R.NONE else grad
        gt = gw = None
        if self.probs:
            t_nc = _to_rows(target)
            smoothed = t_nc * (1 - self.ls) + self.ls / self.n_classes if self.ls > 0 else t_nc
            a = smoothed * (-self.scale)
            if self.weight is not None:
                a = a * _grad.const(self.weight, grad)
            gx_nc = self._through_softmax(g_rows * a, logp)
            if self.need_t:
                gt_nc = g_rows * logp * (-(1 - self.ls) * self.scale)
                if self.weight is not None:
                    gt_nc = gt_nc * _grad.const(self.weight, grad)
                gt = _grad.cast(_from_rows(gt_nc, self.t_shape), self.t_dtype)
            if self.need_w:
                gw = _grad.reduce_sum(g_rows * logp * smoothed, (0,)) * (-self.scale)
                gw = _grad.cast(gw, self.w_dtype)
        elif tensor_mode:
            a = _grad.const(self._dense_coefficients(), grad)
            gx_nc = self._through_softmax(g_rows * a, logp)
        else:
            gx_nc = self._index_grad_array(grad, logp)
        if self.logp_exposed and grad_logp is not None:
            gx_nc = gx_nc + self._through_softmax(grad_logp, logp)
        gx = _grad.cast(_from_rows(gx_nc, self.x_shape), self.x_dtype)
        return (gx, gt, gw) if self.probs else (gx,)

    def _through_softmax(self, ga, logp):
        if not self.softmax:
            return ga
        return ga - _grad.math("exp", logp) * _grad.reduce_sum(ga, (1,), keepdim=True)

    def _dense_coefficients(self):
        a = np.zeros((self.tc.size, self.n_classes), dtype=self.x_dtype)
        if self.r_n is not None:
            a += self.r_n[:, None] * self.v[None, :]
        a[np.arange(self.tc.size), self.tc] += self.a_n
        return a

    def _index_grad_array(self, grad, logp):
        g_n = grad.reshape(-1) if self.reduction == R.NONE else grad
        ag = self.a_n * g_n
        rows = np.arange(self.tc.size)
        if not self.softmax:
            gx_nc = np.zeros((self.tc.size, self.n_classes), dtype=self.x_dtype)
            gx_nc[rows, self.tc] = ag
            return gx_nc
        rowsum = ag
        rg = None
        if self.r_n is not None:
            rg = self.r_n * g_n
            rowsum = ag + rg * self.v.sum()
        gx_nc = np.exp(logp)
        gx_nc *= -np.reshape(rowsum, (-1, 1))         # rowsum is a scalar when a_n is
        if rg is not None:
            gx_nc += rg[:, None] * self.v[None, :]
        gx_nc[rows, self.tc] += ag
        return gx_nc


class NllLossBackward0(_ClassLossBackward):
    pass


class NllLoss2DBackward0(_ClassLossBackward):
    pass


class AddBackward0(_ClassLossBackward):
    pass


class DivBackward1(_ClassLossBackward):
    pass


class NegBackward0(_ClassLossBackward):
    pass


def _new_node(node_type, x, reduction, softmax, probs):
    node = node_type()
    node.x_shape, node.x_dtype = x.shape, x.dtype
    node.reduction, node.softmax, node.probs = reduction, softmax, probs
    node.n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    return node
