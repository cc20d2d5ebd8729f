"""local_response_norm: each element divided by a power of the mean square of its
neighbours across channels.

Shapes: input (N, C, *).  With S_c the sum of x^2 over the channel window
[c - size // 2, c + (size - 1) // 2] (zeros outside), B = k + alpha * S / size:

    y = x * B^-beta
    dx_i = g_i B_i^-beta - (2 alpha beta / size) x_i * sum over the windows holding i of
           g_c x_c B_c^(-beta - 1)

The window sums add ``size`` shifted copies of the padded array (a loop over the window
offsets, never over elements).
"""

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _norm_math as M

__all__ = ["local_response_norm"]


def _window_sum(a, before, after, size):
    """sum_{j=c-before}^{c+after} a[:, j] for every channel c (zero padding)."""
    channels = a.shape[1]
    pad = [(0, 0)] * a.ndim
    pad[1] = (before, after)
    padded = np.pad(a, pad)
    total = padded[:, 0:channels].copy()
    for offset in range(1, size):
        total += padded[:, offset:offset + channels]
    return total


def _band(channels, before, after, dtype):
    """The (C, C) matrix A with (a @ A)[c] = the same window sum, for Tensors."""
    i = np.arange(channels)
    d = i[:, None] - i[None, :]        # source j minus target c
    return ((d >= -before) & (d <= after)).astype(dtype)


def _window_sum_tensor(a, before, after):
    band = _grad.const(_band(a.shape[1], before, after, a._data.dtype), a)
    return (a.movedim(1, -1) @ band).movedim(-1, 1)


class DivBackward0(Node):
    """local_response_norm's node (torch composes it, ending in a division)."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        size, alpha, beta, k = self.size, self.alpha, self.beta, self.k
        front, back = size // 2, (size - 1) // 2
        if _grad.is_tensor(x):
            base = _window_sum_tensor(x * x, front, back) * (alpha / size) + k
            div = base ** beta
            t = grad * x / (div * base)
            back_sum = _window_sum_tensor(t, back, front)
            return (grad / div - x * back_sum * (2.0 * alpha * beta / size),)
        xc = M.upcast(x) if x.dtype.kind == "f" else x.astype(np.float32)
        g = M.as_compute(grad, xc.dtype)
        base, div = self.base, self.div
        t = g * xc / (div * base)
        gx = g / div - xc * _window_sum(t, back, front, size) * (2.0 * alpha * beta / size)
        return (gx.astype(x.dtype, copy=False),)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    r"""Local response normalization across channels.

    .. math:: b_c = a_c \left(k + \frac{\alpha}{n} \sum_{c'} a_{c'}^2\right)^{-\beta}

    Args:
        input (Tensor): (N, C, *), at least 3-D.
        size (int): number of neighbouring channels in the window.
        alpha (float): multiplicative factor. Default: 1e-4.
        beta (float): exponent. Default: 0.75.
        k (float): additive factor. Default: 1.

    Example::

        >>> F.local_response_norm(nnx.randn(2, 4, 3), 2).shape
        nnx.Size([2, 4, 3])
    """
    H.check_tensor("local_response_norm", "input", 1, input)
    x = input._data
    if x.ndim < 3:
        raise ValueError("Expected 3D or higher dimensionality" + " " * 26
                         + f"input (got {x.ndim} dimensions)")
    if x.size == 0:
        return input
    if size <= 0:
        kernel = (f"kH: {size} kW: 1" if x.ndim == 3 else f"kT: {size} kH: 1 kW: 1")
        raise RuntimeError(f"kernel size should be greater than zero, but got {kernel}")
    # integers divide into the default float dtype, as torch's x / div does
    xc = M.upcast(x) if x.dtype.kind == "f" else x.astype(np.float32)
    front, back = size // 2, (size - 1) // 2
    base = _window_sum(xc * xc, front, back, size) * xc.dtype.type(alpha / size)
    base += xc.dtype.type(k)
    div = base ** xc.dtype.type(beta)
    out_dtype = x.dtype if x.dtype.kind == "f" else np.float32
    out = wrap(np.ascontiguousarray((xc / div).astype(out_dtype, copy=False)))
    if needs_grad(input):
        node = DivBackward0()
        node.size, node.alpha, node.beta, node.k = size, alpha, beta, k
        node.base, node.div = base, div
        attach(node, (input,), out)
        node.save_for_backward(input)
    return out
