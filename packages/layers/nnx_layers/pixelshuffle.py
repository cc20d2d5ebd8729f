"""PixelShuffle and PixelUnshuffle, as torch.nn.modules.pixelshuffle defines them."""

from nnx.nn import Module
from nnx.nn import functional as F

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """(*, C r^2, H, W) -> (*, C, H r, W r): channel blocks become r x r pixel blocks
    (sub-pixel convolution, Shi et al. 2016).

    Args:
        upscale_factor (int): r.

    Example::

        >>> nn.PixelShuffle(3)(nnx.ones(1, 9, 4, 4)).shape
        nnx.Size([1, 1, 12, 12])
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of ``PixelShuffle``.

    Args:
        downscale_factor (int): r.

    Example::

        >>> nn.PixelUnshuffle(3)(nnx.ones(1, 1, 12, 12)).shape
        nnx.Size([1, 9, 4, 4])
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"
