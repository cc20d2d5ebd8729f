"""The two bases of torch.nn's loss modules.

``_Loss`` keeps the ``reduction`` string (the legacy ``size_average`` / ``reduce`` flags,
when given, decide it, with torch's deprecation warning); ``_WeightedLoss`` adds the
class ``weight`` as a buffer, so it moves with ``.to()`` and appears in ``state_dict()``
when set (a ``None`` buffer is left out of it, as in torch).  Losses have no
``extra_repr``: they print as ``MSELoss()``.
"""

from nnx.nn import Module
from nnx.nn.functional import _reduction

__all__ = ["_Loss", "_WeightedLoss"]


class _Loss(Module):
    """Base of the loss modules: holds ``reduction`` ('none' | 'mean' | 'sum')."""

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = _reduction.legacy_get_string(size_average, reduce, stacklevel=3)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with a per-class ``weight`` buffer (None when not given)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
