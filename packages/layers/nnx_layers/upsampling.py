"""Upsample, UpsamplingNearest2d and UpsamplingBilinear2d, as torch.nn.modules.upsampling
defines them (stored arguments, extra_repr, forward through ``F.interpolate``)."""

from nnx.nn import Module
from nnx.nn import functional as F

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """Resamples (N, C, W), (N, C, H, W) or (N, C, D, H, W) input to ``size`` or by
    ``scale_factor`` (see ``nnx.nn.functional.interpolate``).

    Args:
        size (int or tuple, optional): output spatial size.
        scale_factor (float or tuple, optional): multiplier of the spatial size.
        mode (str): 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' |
            'trilinear'. Default: 'nearest'.
        align_corners (bool, optional): for the interpolating modes. Default: None (False).
        recompute_scale_factor (bool, optional): derive the coordinate scale from the
            output size.

    Example::

        >>> nn.Upsample(scale_factor=2, mode="bilinear")
        Upsample(scale_factor=2.0, mode='bilinear')
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of (N, C, H, W) input: ``Upsample(mode='nearest')``.

    Example::

        >>> nn.UpsamplingNearest2d(scale_factor=2)(nnx.ones(1, 1, 2, 2)).shape
        nnx.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of (N, C, H, W) input with ``align_corners=True``.

    Example::

        >>> nn.UpsamplingBilinear2d(scale_factor=2)(nnx.ones(1, 1, 2, 2)).shape
        nnx.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
