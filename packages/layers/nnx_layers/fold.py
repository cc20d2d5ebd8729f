"""Fold and Unfold (torch.nn.modules.fold): F.fold / F.unfold as modules."""

from nnx.nn import Module
from nnx.nn import functional as F

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Combine sliding blocks (N, C * prod(kernel_size), L) into (N, C, *output_size),
    summing overlaps; the adjoint of :class:`Unfold`.

    Example::

        >>> nn.Fold(output_size=(4, 5), kernel_size=2)(nnx.randn(1, 12, 12)).shape
        nnx.Size([1, 3, 4, 5])
    """
    __constants__ = ["output_size", "kernel_size", "dilation", "padding", "stride"]

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self):
        return ("output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, "
                "padding={padding}, stride={stride}".format(**self.__dict__))


class Unfold(Module):
    """Extract sliding blocks: (N, C, H, W) -> (N, C * prod(kernel_size), L).

    Example::

        >>> nn.Unfold(kernel_size=(2, 3))(nnx.randn(2, 5, 3, 4)).shape
        nnx.Size([2, 30, 4])
    """
    __constants__ = ["kernel_size", "dilation", "padding", "stride"]

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return ("kernel_size={kernel_size}, dilation={dilation}, padding={padding}, "
                "stride={stride}".format(**self.__dict__))
