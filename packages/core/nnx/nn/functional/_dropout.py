"""dropout: zero each element with probability p, scale the survivors by 1 / (1 - p)."""

import numpy as np

from nnx._C._C import Node, attach, needs_grad, wrap
from nnx.nn.functional import _helpers as H

__all__ = ["dropout"]


class MulBackward0(Node):
    """dx = g * mask (mask holds 0 or 1 / (1 - p), in the input's dtype)."""

    def backward(self, grad):
        return (grad * self.mask,)


def dropout_mask(shape, p, dtype):
    """Bernoulli(1 - p) noise divided by 1 - p, from nnx's global generator."""
    if p == 1:
        return np.zeros(shape, dtype=dtype)
    keep = H.generator().random(shape, dtype=np.float32) < (1 - p)
    mask = keep.astype(dtype)
    mask *= np.asarray(1, dtype=dtype) / np.asarray(1 - p, dtype=dtype)
    return mask


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
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    H.check_tensor("dropout", "input", 1, input)
    x = input._data
    if p == 0 or not training or x.size == 0:
        return input
    if x.dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{H.scalar_name(x)}")
    mask = dropout_mask(x.shape, p, x.dtype)
    if inplace:
        # torch: input.mul_(noise); the engine's mul_ records the product (and checks leaves)
        return input.mul_(wrap(mask))
    out = wrap(x * mask)
    if needs_grad(input):
        node = MulBackward0()
        node.mask = mask
        attach(node, (input,), out)
    return out
