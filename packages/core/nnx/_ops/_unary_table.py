"""Less common elementwise functions, table-driven: each row names the NumPy forward and
the derivative, and becomes an op plus a Node class with torch's grad_fn name.
"""

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, needs_grad, wrap
from nnx._ops import _grad as G
from nnx._ops._pointwise_base import _float_input

# name: (grad_fn name, forward(x), derivative(x, out) or None for piecewise-constant ops,
#        integer inputs promote to float)


def _deriv_erf(x, out):
    return 2.0 / np.sqrt(np.pi) * G.math("exp", -(x * x))


_UNARY_TABLE = {
    "log2": ("Log2Backward0", np.log2, lambda x, out: 1.0 / (x * np.log(2.0)), True),
    "log10": ("Log10Backward0", np.log10, lambda x, out: 1.0 / (x * np.log(10.0)), True),
    "log1p": ("Log1PBackward0", np.log1p, lambda x, out: 1.0 / (x + 1), True),
    "expm1": ("Expm1Backward0", np.expm1, lambda x, out: out + 1, True),
    "exp2": ("Exp2Backward0", np.exp2, lambda x, out: out * np.log(2.0), True),
    "square": ("PowBackward0", np.square, lambda x, out: 2 * x, False),
    "tan": ("TanBackward0", np.tan, lambda x, out: 1 + out * out, True),
    "asin": (
        "AsinBackward0",
        np.arcsin,
        lambda x, out: (
            G.math("rsqrt", G.const(1.0, x) - x * x) if G.is_tensor(x) else 1 / np.sqrt(1 - x * x)
        ),
        True,
    ),
    "acos": (
        "AcosBackward0",
        np.arccos,
        lambda x, out: (
            -(G.math("rsqrt", G.const(1.0, x) - x * x))
            if G.is_tensor(x)
            else -1 / np.sqrt(1 - x * x)
        ),
        True,
    ),
    "atan": ("AtanBackward0", np.arctan, lambda x, out: 1 / (1 + x * x), True),
    "sinh": ("SinhBackward0", np.sinh, lambda x, out: G.math("cosh", x), True),
    "cosh": ("CoshBackward0", np.cosh, lambda x, out: G.math("sinh", x), True),
    "erf": ("ErfBackward0", _C.erf_array, _deriv_erf, True),
    "sign": ("SignBackward0", np.sign, None, False),
    "floor": ("FloorBackward0", np.floor, None, False),
    "ceil": ("CeilBackward0", np.ceil, None, False),
    "round": ("RoundBackward0", np.round, None, False),
    "trunc": ("TruncBackward0", np.trunc, None, False),
    "frac": ("FracBackward0", lambda x: x - np.trunc(x), "identity", False),
}


class _TableUnaryBackward(Node):
    derivative = None

    def backward(self, grad):
        if self.derivative is None:  # piecewise constant: zero gradient
            return (grad * 0,)
        if self.derivative == "identity":
            return (grad,)
        x, out = self.saved_tensors
        return (grad * type(self).derivative(x, out),)


def _make_unary(name):
    node_name, forward, derivative, promote = _UNARY_TABLE[name]
    node_type = type(
        node_name,
        (_TableUnaryBackward,),
        {
            "derivative": staticmethod(derivative) if callable(derivative) else derivative,
            "__module__": __name__,
        },
    )

    def op(input):
        x = input._data
        if promote:
            x = _float_input(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            res = np.asarray(forward(x))
        if res.dtype != x.dtype:
            res = res.astype(x.dtype)
        out = wrap(res)
        if needs_grad(input):
            node = node_type()
            attach(node, (input,), out)
            if callable(derivative):
                node.save_for_backward(input, out)
        return out

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} (torch.{name})."
    return op


log2 = _make_unary("log2")
log10 = _make_unary("log10")
log1p = _make_unary("log1p")
expm1 = _make_unary("expm1")
exp2 = _make_unary("exp2")
square = _make_unary("square")
tan = _make_unary("tan")
asin = _make_unary("asin")
acos = _make_unary("acos")
atan = _make_unary("atan")
sinh = _make_unary("sinh")
cosh = _make_unary("cosh")
erf = _make_unary("erf")
sign = _make_unary("sign")
floor = _make_unary("floor")
ceil = _make_unary("ceil")
round = _make_unary("round")
trunc = _make_unary("trunc")
frac = _make_unary("frac")


