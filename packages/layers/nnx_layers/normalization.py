"""Per-sample normalization layers: LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm."""

import numbers

import nnx
from nnx.nn import Module, Parameter, init
from nnx.nn import functional as F

__all__ = ["LayerNorm", "GroupNorm", "LocalResponseNorm", "RMSNorm"]


def _as_shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (normalized_shape,)
    return tuple(normalized_shape)


def _affine_parameters(module, enabled, shape, bias, factory):
    """torch's optional affine parameters: when ``enabled``, weight and (if ``bias``) bias
    of ``shape``, left for ``_reset_affine``; the others registered as None, so that the
    state_dict keeps torch's names and order."""
    if enabled:
        module.weight = Parameter(nnx.empty(shape, **factory))
        if bias:
            module.bias = Parameter(nnx.empty(shape, **factory))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _reset_affine(enabled, weight, bias):
    """weight = 1 and bias = 0 (when ``enabled``; bias when it exists)."""
    if enabled:
        init.ones_(weight)
        if bias is not None:
            init.zeros_(bias)


class LocalResponseNorm(Module):
    r"""Normalizes each element by the mean square of its neighbours across channels.

    .. math:: b_c = a_c \left(k + \frac{\alpha}{n} \sum_{c'} a_{c'}^2\right)^{-\beta}

    Args:
        size (int): number of neighbouring channels.
        alpha (float): multiplicative factor. Default: 1e-4.
        beta (float): exponent. Default: 0.75.
        k (float): additive factor. Default: 1.

    Example::

        >>> nn.LocalResponseNorm(2)(nnx.randn(2, 4, 3, 3)).shape
        nnx.Size([2, 4, 3, 3])
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class LayerNorm(Module):
    r"""Layer normalization over the last dimensions (``normalized_shape``).

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta

    Args:
        normalized_shape (int or tuple of ints): the trailing shape normalized over.
        eps (float): added to the variance. Default: 1e-5.
        elementwise_affine (bool): learnable weight (ones) and bias (zeros) of shape
            ``normalized_shape``. Default: True.
        bias (bool): learn the bias (when ``elementwise_affine``). Default: True.

    Example::

        >>> nn.LayerNorm(5)(nnx.randn(2, 5)).shape
        nnx.Size([2, 5])
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, elementwise_affine, self.normalized_shape, bias, factory)
        self.reset_parameters()

    def reset_parameters(self):
        """weight = 1, bias = 0."""
        _reset_affine(self.elementwise_affine, self.weight, self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    r"""Group normalization: channels split into ``num_groups`` groups, each normalized
    over its channels and spatial elements per sample, then a per-channel affine.

    Args:
        num_groups (int): number of groups; must divide ``num_channels``.
        num_channels (int): C of the (N, C, *) input.
        eps (float): added to the variance. Default: 1e-5.
        affine (bool): learnable per-channel weight (ones) and bias (zeros). Default: True.
        bias (bool, keyword only): learn the bias (when ``affine``). Default: True.

    Example::

        >>> nn.GroupNorm(2, 4)(nnx.randn(3, 4, 5)).shape
        nnx.Size([3, 4, 5])
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, affine, num_channels, bias, factory)
        self.reset_parameters()

    def reset_parameters(self):
        """weight = 1, bias = 0."""
        _reset_affine(self.affine, self.weight, self.bias)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    r"""Root-mean-square normalization over the last dimensions.

    .. math:: y = \frac{x}{\sqrt{\mathrm{E}[x^2] + \epsilon}} \gamma

    Args:
        normalized_shape (int or tuple of ints): the trailing shape normalized over.
        eps (float, optional): added to the mean square; None uses the machine epsilon
            of the input's compute dtype. Default: None.
        elementwise_affine (bool): learnable weight (ones). Default: True.

    Example::

        >>> nn.RMSNorm(5)(nnx.randn(2, 5)).shape
        nnx.Size([2, 5])
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if self.elementwise_affine:
            self.weight = Parameter(nnx.empty(self.normalized_shape, **factory))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self):
        """weight = 1."""
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
