"""Batch normalization layers: BatchNorm1d, BatchNorm2d, BatchNorm3d.

Parameters weight (C,) = 1 and bias (C,) = 0 when ``affine``; buffers running_mean (C,)
= 0, running_var (C,) = 1 and num_batches_tracked (0-d int64) when
``track_running_stats``.  ``_version = 2``: checkpoints of version 1 lack
num_batches_tracked, which loading fills in (as torch does).
"""

import nnx
from nnx.nn import Module
from nnx.nn import functional as F
from nnx_layers.normalization import _affine_parameters, _reset_affine

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _NormBase(Module):
    """The state shared by batch and instance normalization (torch's _NormBase)."""

    _version = 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, affine, num_features, bias, factory)
        if self.track_running_stats:
            self.register_buffer("running_mean", nnx.zeros(num_features, **factory))
            self.register_buffer("running_var", nnx.ones(num_features, **factory))
            self.register_buffer("num_batches_tracked",
                                 nnx.tensor(0, dtype=nnx.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """Reset the running statistics; weight = 1 and bias = 0."""
        self.reset_running_stats()
        _reset_affine(self.affine, self.weight, self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs):
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            # version 2 added num_batches_tracked; older checkpoints start it at 0
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = (self.num_batches_tracked
                                   if self.num_batches_tracked is not None
                                   else nnx.tensor(0, dtype=nnx.int64))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys, error_msgs)


class _BatchNorm(_NormBase):
    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:      # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        # batch statistics in training, and in eval when there are no running ones
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    r"""Batch normalization over a 2D (N, C) or 3D (N, C, L) input.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta

    The statistics are taken per channel over the batch (and length); in training the
    running estimates are updated with the unbiased variance, in eval they normalize.

    Args:
        num_features (int): C.
        eps (float): added to the variance. Default: 1e-5.
        momentum (float or None): weight of each batch in the running estimates; None for
            a cumulative average. Default: 0.1.
        affine (bool): learnable weight and bias. Default: True.
        track_running_stats (bool): keep running estimates. Default: True.
        bias (bool, keyword only): learn the bias (when ``affine``). Default: True.

    Example::

        >>> nn.BatchNorm1d(3)(nnx.randn(4, 3)).shape
        nnx.Size([4, 3])
    """

    def _check_input_dim(self, input):
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    r"""Batch normalization over a 4D (N, C, H, W) input; see :class:`BatchNorm1d`.

    Example::

        >>> nn.BatchNorm2d(3)(nnx.randn(2, 3, 4, 4)).shape
        nnx.Size([2, 3, 4, 4])
    """

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    r"""Batch normalization over a 5D (N, C, D, H, W) input; see :class:`BatchNorm1d`.

    Example::

        >>> nn.BatchNorm3d(3)(nnx.randn(2, 3, 2, 2, 2)).shape
        nnx.Size([2, 3, 2, 2, 2])
    """

    def _check_input_dim(self, input):
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")
