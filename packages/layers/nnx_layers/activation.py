"""Activation layers: thin Modules over nnx.nn.functional, with torch's arguments,
attributes and extra_repr (``inplace=True`` is shown only when set)."""

import warnings

import nnx
from nnx.nn import Module, Parameter, init
from nnx.nn import functional as F

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU",
           "SiLU", "Mish", "Tanh", "Sigmoid", "Hardtanh", "Hardsigmoid", "Hardswish",
           "Softplus", "Softsign", "Softmax", "LogSoftmax", "Softmin", "Softmax2d",
           "Threshold", "GLU", "LogSigmoid", "Hardshrink", "Softshrink", "Tanhshrink"]


def _inplace_suffix(inplace, first=False):
    """torch's ``inplace=True`` tail of an extra_repr (nothing when False)."""
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class _Inplace(Module):
    """An activation whose only argument is ``inplace`` (repr shows it when True)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return _inplace_suffix(self.inplace, first=True)


class ReLU(_Inplace):
    """ReLU(x) = max(0, x).  Args: inplace (bool, default False)."""

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)


class SiLU(_Inplace):
    """SiLU(x) = x * sigmoid(x).  Args: inplace (bool, default False)."""

    def forward(self, input):
        return F.silu(input, inplace=self.inplace)


class Mish(_Inplace):
    """Mish(x) = x * tanh(softplus(x)).  Args: inplace (bool, default False)."""

    def forward(self, input):
        return F.mish(input, inplace=self.inplace)


class SELU(_Inplace):
    """SELU(x) = scale * (max(0, x) + min(0, alpha * (exp(x) - 1))).
    Args: inplace (bool, default False)."""

    def forward(self, input):
        return F.selu(input, self.inplace)


class Hardsigmoid(_Inplace):
    """Hardsigmoid(x) = min(max(x + 3, 0), 6) / 6.  Args: inplace (bool, default False);
    like torch, the repr never shows it."""

    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)

    def extra_repr(self):
        return ""


class Hardswish(Hardsigmoid):
    """Hardswish(x) = x * min(max(x + 3, 0), 6) / 6.  Args: inplace (bool, default False);
    like torch, the repr never shows it."""

    def forward(self, input):
        return F.hardswish(input, self.inplace)


class Threshold(Module):
    """y = x if x > threshold else value.

    Args:
        threshold (float): the value to threshold at.
        value (float): the replacement for x <= threshold.
        inplace (bool): modify the input in place. Default: False.
    """

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}{_inplace_suffix(self.inplace)}"


class RReLU(Module):
    """Randomized leaky ReLU: slopes ~ U(lower, upper) for x < 0 in training mode, their
    mean (lower + upper) / 2 in eval mode.

    Args:
        lower (float): Default: 1/8.   upper (float): Default: 1/3.
        inplace (bool): Default: False.
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}{_inplace_suffix(self.inplace)}"


class Hardtanh(Module):
    """HardTanh(x) = min(max(x, min_val), max_val).

    Args:
        min_val (float): Default: -1.   max_val (float): Default: 1.
        inplace (bool): Default: False.
        min_value, max_value: deprecated spellings of min_val / max_val (FutureWarning).
    """

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None,
                 max_value=None):
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError(f"max_val ({self.max_val}) must be greater than min_val "
                                 f"({self.min_val})")

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_suffix(self.inplace)}"


class ReLU6(Hardtanh):
    """ReLU6(x) = min(max(0, x), 6).  Args: inplace (bool, default False)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_suffix(self.inplace, first=True)


class _Alpha(Module):
    """ELU / CELU: ``alpha`` and ``inplace``."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class ELU(_Alpha):
    """ELU(x) = x if x > 0 else alpha * (exp(x) - 1).
    Args: alpha (float, default 1.0), inplace (bool, default False)."""

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)


class CELU(_Alpha):
    """CELU(x) = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
    Args: alpha (float, default 1.0), inplace (bool, default False)."""

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class LeakyReLU(Module):
    """LeakyReLU(x) = x if x > 0 else negative_slope * x.
    Args: negative_slope (float, default 0.01), inplace (bool, default False)."""

    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}{_inplace_suffix(self.inplace)}"


class PReLU(Module):
    """PReLU(x) = max(0, x) + a * min(0, x) with a learnt slope ``weight``, one for all
    channels or one per channel (dim 1 of the input).

    Args:
        num_parameters (int): 1 or the number of channels. Default: 1.
        init (float): the initial slope. Default: 0.25.
        device, dtype: of ``weight``.
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(nnx.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class GELU(Module):
    """GELU(x) = x * Phi(x).  Args: approximate ('none' or 'tanh', default 'none')."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """Softplus(x) = log(1 + exp(beta x)) / beta, linear above ``threshold``.
    Args: beta (float, default 1.0), threshold (float, default 20.0)."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class _Shrink(Module):
    """Hardshrink / Softshrink: ``lambd``, shown bare in the repr (as torch)."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def extra_repr(self):
        return f"{self.lambd}"


class Hardshrink(_Shrink):
    """x if |x| > lambd else 0.  Args: lambd (float, default 0.5)."""

    def forward(self, input):
        return F.hardshrink(input, self.lambd)


class Softshrink(_Shrink):
    """x - lambd above lambd, x + lambd below -lambd, else 0.
    Args: lambd (float, default 0.5)."""

    def forward(self, input):
        return F.softshrink(input, self.lambd)


class GLU(Module):
    """GLU(a, b) = a * sigmoid(b) over the halves along ``dim`` (default -1)."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class _Pointwise(Module):
    """Argument-free activations (empty repr)."""


class Tanh(_Pointwise):
    """Elementwise tanh."""

    def forward(self, input):
        return F.tanh(input)


class Sigmoid(_Pointwise):
    """Elementwise 1 / (1 + exp(-x))."""

    def forward(self, input):
        return F.sigmoid(input)


class Softsign(_Pointwise):
    """x / (1 + |x|)."""

    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(_Pointwise):
    """x - tanh(x)."""

    def forward(self, input):
        return F.tanhshrink(input)


class LogSigmoid(_Pointwise):
    """log(sigmoid(x))."""

    def forward(self, input):
        return F.logsigmoid(input)


class _SoftmaxLike(Module):
    """Softmax / LogSoftmax / Softmin along ``dim`` (None: torch's implicit choice, with a
    deprecation warning pointing at the caller of the module)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_SoftmaxLike):
    """exp(x_i) / sum_j exp(x_j) along ``dim``."""

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)


class LogSoftmax(_SoftmaxLike):
    """log(softmax(x)) along ``dim``."""

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)


class Softmin(_SoftmaxLike):
    """softmax(-x) along ``dim``."""

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of (N, C, H, W) or (C, H, W) input."""

    def forward(self, input):
        ndim = input.dim()
        if ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {ndim}D instead")
        return F.softmax(input, -3, _stacklevel=5)
