"""Identity, Linear, Bilinear, Flatten and Unflatten, as torch.nn.modules.linear and
torch.nn.modules.flatten define them (arguments, parameter shapes, init, extra_repr)."""

import math

import nnx
from nnx.nn import Module, Parameter, init
from nnx.nn import functional as F

__all__ = ["Identity", "Linear", "Bilinear", "Flatten", "Unflatten"]


class Identity(Module):
    """Returns its input; accepts and ignores any constructor arguments (a placeholder
    that keeps a model's structure)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b.

    Args:
        in_features (int): size of each input sample.
        out_features (int): size of each output sample.
        bias (bool): learn an additive bias. Default: True.
        device, dtype: of the parameters.

    Attributes:
        weight: (out_features, in_features), U(-1/sqrt(in_features), 1/sqrt(in_features))
            (kaiming_uniform_ with a = sqrt(5)).
        bias: (out_features,), U(-1/sqrt(in_features), 1/sqrt(in_features)).

    Shape: input (*, in_features), output (*, out_features).

    Example::

        >>> nn.Linear(3, 4)
        Linear(in_features=3, out_features=4, bias=True)
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(nnx.empty((out_features, in_features), device=device,
                                          dtype=dtype))
        if bias:
            self.bias = Parameter(nnx.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # a = sqrt(5) makes kaiming_uniform_ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        # (pytorch/pytorch#57109)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """y = x1^T A x2 + b.

    Args:
        in1_features (int), in2_features (int), out_features (int).
        bias (bool): Default: True.
        device, dtype: of the parameters.

    Attributes:
        weight: (out_features, in1_features, in2_features), U(-k, k), k = 1/sqrt(in1_features).
        bias: (out_features,), U(-k, k).

    Shape: input1 (*, in1_features), input2 (*, in2_features), output (*, out_features).
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(nnx.empty((out_features, in1_features, in2_features),
                                          device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(nnx.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.in1_features <= 0:
            raise ValueError(f"in1_features must be > 0, but got "
                             f"(in1_features={self.in1_features})")
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Flatten(Module):
    """Flattens dimensions ``start_dim`` to ``end_dim`` into one (default: all but the
    batch dimension).

    Args:
        start_dim (int): Default: 1.   end_dim (int): Default: -1.
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dimension ``dim`` into ``unflattened_size`` (one entry may be -1).

    Args:
        dim (int): the dimension to unflatten.
        unflattened_size (tuple or list of ints): its new shape.
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self._require_tuple_int(unflattened_size)
        self.dim = dim
        self.unflattened_size = unflattened_size

    def _require_tuple_int(self, input):
        if isinstance(input, (tuple, list)):
            for idx, elem in enumerate(input):
                if not isinstance(elem, int):
                    raise TypeError("unflattened_size must be tuple of ints, but found element "
                                    f"of type {type(elem).__name__} at pos {idx}")
            return
        raise TypeError(f"unflattened_size must be a tuple of ints, but found type "
                        f"{type(input).__name__}")

    def forward(self, input):
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
