"""The differentiable convolution primitives behind F.conv* (arguments already validated).

Three ops on Tensors, each the adjoint or the derivative of another, so that every
gradient is again one of them and backward can be taken any number of times:

    convolution(x, W, b)           conv:        y = W @ im2col(x) + b
                                   transposed:  y = col2im(W^T @ x) + b
    weight_gradient(g, x)          dW = sum_n g_n @ im2col(x_n)^T   (conv geometry, x -> g)

    d conv / dx       = transposed(g; W)         d conv / dW       = weight_gradient(g, x)
    d transposed / dx = conv(g; W)               d transposed / dW = weight_gradient(x, g)
    d weight_gradient(g, x) / dg = conv(x; V)    d weight_gradient(g, x) / dx = transposed(g; V)

First-order backward runs on arrays (chunked im2col + GEMM, _conv_compute); under
create_graph the same formulas are recorded as these ops.  ``geometry`` is
(stride, pad_before, dilation, groups) with 3-tuples lifted to three spatial dimensions;
``out_spatial`` is the output's (unlifted) spatial size.
"""

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx.nn.functional import _conv_compute as C


def _lifted(array, spatial, cdtype):
    return np.ascontiguousarray(C.lift(array, spatial).astype(cdtype, copy=False))


class ConvolutionBackward0(Node):
    """dx = col2im(W^T g) (or conv(g; W)), dW = sum_n g_n cols_n^T, db = sum of g."""

    def backward(self, grad):
        x, w = self.saved_tensors
        if _grad.is_tensor(grad):
            return self._recorded(grad, x, w)
        g5 = _lifted(grad, self.spatial, self.cdtype)
        x5, w5 = (_lifted(a, self.spatial, self.cdtype) for a in (x, w))
        grads = C.transpose_grads if self.transposed else C.conv_grads
        dx, dw = grads(g5, x5, w5, self.stride, self.pad, self.dilation, self.groups,
                       self.need_x, self.need_w)
        db = g5.sum(axis=(0, 2, 3, 4)) if self.need_b else None
        return tuple(None if a is None else C.cast_back(a.reshape(shape), self.dtype)
                     for a, shape in ((dx, self.x_shape), (dw, self.w_shape),
                                      (db, self.b_shape)))

    def _recorded(self, g, x, w):
        """The same gradients as ops on Tensors (create_graph=True)."""
        geometry = (self.stride, self.pad, self.dilation, self.groups)
        dx = dw = db = None
        if self.need_x:
            dx = convolution(g, w, None, geometry, self.x_shape[2:], not self.transposed)
        if self.need_w:
            dw = (weight_gradient(x, g, geometry, self.w_shape) if self.transposed
                  else weight_gradient(g, x, geometry, self.w_shape))
        if self.need_b:
            db = g.sum(dim=(0,) + tuple(range(2, g.dim())))
        return dx, dw, db


class ConvolutionBackwardBackward0(Node):
    """Gradients of dW = weight_gradient(g, x): conv(x; V) for g, transposed(g; V) for x."""

    def backward(self, grad):
        g, x = self.saved_tensors
        v = grad if _grad.is_tensor(grad) else wrap(np.asarray(grad))
        g_t = g if _grad.is_tensor(g) else wrap(g)
        x_t = x if _grad.is_tensor(x) else wrap(x)
        dg = dx = None
        if self.need_g:
            dg = convolution(x_t, v, None, self.geometry, g_t.shape[2:], False)
        if self.need_x:
            dx = convolution(g_t, v, None, self.geometry, x_t.shape[2:], True)
        if not _grad.is_tensor(grad):
            dg, dx = (None if t is None else t._data for t in (dg, dx))
        return dg, dx


def convolution(input, weight, bias, geometry, out_spatial, transposed):
    """y = conv(x; W) + b, or the transposed convolution, recorded for autograd."""
    stride, pad, dilation, groups = geometry
    x, w = input._data, weight._data
    spatial = x.ndim - 2
    cdtype = C.compute_dtype(x.dtype)
    forward = C.transpose_forward if transposed else C.conv_forward
    y5 = forward(_lifted(x, spatial, cdtype), _lifted(w, spatial, cdtype), stride, pad,
                 dilation, C.lift_params(out_spatial, 1), groups)
    if bias is not None:     # a transposed convolution casts a bias of another dtype
        y5 += bias._data.astype(cdtype, copy=False).reshape(-1, 1, 1, 1)
    out = wrap(C.cast_back(y5.reshape(y5.shape[:2] + tuple(out_spatial)), x.dtype))
    if needs_grad(input, weight, bias):
        node = ConvolutionBackward0()
        node.need_x, node.need_w = needs_grad(input), needs_grad(weight)
        node.need_b = needs_grad(bias)
        node.spatial, node.transposed = spatial, transposed
        node.stride, node.pad, node.dilation, node.groups = geometry
        node.dtype, node.cdtype = x.dtype, cdtype
        node.x_shape, node.w_shape = x.shape, w.shape
        node.b_shape = None if bias is None else bias._data.shape
        attach(node, (input, weight, bias), out)
        # dW reads x (its columns are rebuilt chunk by chunk), dx reads W: torch keeps both
        node.save_for_backward(input, weight)
    return out


def weight_gradient(grad, input, geometry, w_shape):
    """dW (w_shape) of conv(input; W) given the output gradient ``grad``, recorded."""
    stride, pad, dilation, groups = geometry
    g, x = grad._data, input._data
    spatial = x.ndim - 2
    cdtype = C.compute_dtype(x.dtype)
    kernel = C.lift_params(w_shape[2:], 1)
    dw = C.weight_grad(_lifted(g, spatial, cdtype), _lifted(x, spatial, cdtype), kernel,
                       stride, pad, dilation, groups)
    out = wrap(C.cast_back(dw.reshape(w_shape), x.dtype))
    if needs_grad(grad, input):
        node = ConvolutionBackwardBackward0()
        node.need_g, node.need_x = needs_grad(grad), needs_grad(input)
        node.geometry = geometry
        attach(node, (grad, input), out)
        node.save_for_backward(grad, input)
    return out
