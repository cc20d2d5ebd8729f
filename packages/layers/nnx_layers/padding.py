"""Padding layers (torch.nn.modules.padding): constant / zero, reflection, replication and
circular padding of the last one, two or three dimensions, each a call of ``F.pad``."""


from nnx.nn import Module
from nnx.nn import functional as F
from nnx_layers._utils import _ntuple, _pair, _quadruple

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]

_sextuple = _ntuple(6)


class _ConstantPadNd(Module):
    __constants__ = ["padding", "value"]

    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with ``value``: padding int or (left, right).

    Example::

        >>> nn.ConstantPad1d(2, 3.5)(nnx.zeros(1, 2)).tolist()
        [[3.5, 3.5, 0.0, 0.0, 3.5, 3.5]]
    """

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _pair(padding)


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with ``value``: padding int or (left, right, top, bottom)."""

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _quadruple(padding)


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with ``value``: padding int or (left, right, top,
    bottom, front, back).

    Example::

        >>> nn.ConstantPad3d((1, 0, 0, 2, 1, 1), 0.5)(nnx.ones(1, 2, 2, 2)).shape
        nnx.Size([1, 4, 4, 3])
    """

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _sextuple(padding)


class ZeroPad1d(ConstantPad1d):
    """Pad the last dimension with zeros: padding int or (left, right)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dimensions with zeros: padding int or (left, right, top, bottom).

    Example::

        >>> nn.ZeroPad2d((1, 1, 2, 0))(nnx.ones(1, 1, 2, 2)).shape
        nnx.Size([1, 1, 4, 4])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dimensions with zeros: padding int or (left, right, top, bottom,
    front, back)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class _ModePadNd(Module):
    __constants__ = ["padding"]
    _mode = None

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Pad (C, W) or (N, C, W) input with the reflection of its last dimension (the edge
    itself not repeated); padding int or (left, right), each smaller than W."""
    _mode = "reflect"

    def __init__(self, padding):
        super().__init__()
        self.padding = _pair(padding)


class ReflectionPad2d(_ModePadNd):
    """Reflection padding of the last two dimensions of 3-D or 4-D input; padding int or
    (left, right, top, bottom).

    Example::

        >>> nn.ReflectionPad2d(1)(nnx.arange(9.0).reshape(1, 1, 3, 3)).shape
        nnx.Size([1, 1, 5, 5])
    """
    _mode = "reflect"

    def __init__(self, padding):
        super().__init__()
        self.padding = _quadruple(padding)


class ReflectionPad3d(_ModePadNd):
    """Reflection padding of the last three dimensions of 4-D or 5-D input; padding int or
    (left, right, top, bottom, front, back), each smaller than its dimension.

    Example::

        >>> nn.ReflectionPad3d(1)(nnx.ones(1, 1, 2, 2, 2)).shape
        nnx.Size([1, 1, 4, 4, 4])
    """
    _mode = "reflect"

    def __init__(self, padding):
        super().__init__()
        self.padding = _sextuple(padding)


class ReplicationPad1d(_ModePadNd):
    """Pad the last dimension of 2-D or 3-D input by repeating its edge values."""
    _mode = "replicate"

    def __init__(self, padding):
        super().__init__()
        self.padding = _pair(padding)


class ReplicationPad2d(_ModePadNd):
    """Pad the last two dimensions of 3-D or 4-D input by repeating the edge values."""
    _mode = "replicate"

    def __init__(self, padding):
        super().__init__()
        self.padding = _quadruple(padding)


class ReplicationPad3d(_ModePadNd):
    """Pad the last three dimensions of 4-D or 5-D input by repeating the edge values;
    padding int or (left, right, top, bottom, front, back)."""
    _mode = "replicate"

    def __init__(self, padding):
        super().__init__()
        self.padding = _sextuple(padding)


class _CircularPadNd(_ModePadNd):
    _mode = "circular"
    _dims = ()

    def forward(self, input):
        if input.dim() not in self._dims:
            raise ValueError(f"expected {self._dims[0]}D or {self._dims[1]}D input (got "
                             f"{input.dim()}D input)")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Pad the last dimension of 2-D or 3-D input with the values of its other end
    (wrapping around, at most once)."""
    _dims = (2, 3)

    def __init__(self, padding):
        super().__init__()
        self.padding = _pair(padding)


class CircularPad2d(_CircularPadNd):
    """Circular padding of the last two dimensions of 3-D or 4-D input."""
    _dims = (3, 4)

    def __init__(self, padding):
        super().__init__()
        self.padding = _quadruple(padding)


class CircularPad3d(_CircularPadNd):
    """Circular padding of the last three dimensions of 4-D or 5-D input; padding int or
    (left, right, top, bottom, front, back)."""
    _dims = (4, 5)

    def __init__(self, padding):
        super().__init__()
        self.padding = _sextuple(padding)
