"""Distance layers: PairwiseDistance and CosineSimilarity (torch's attribute names: the
degree of PairwiseDistance is stored as ``norm``; neither has an extra_repr)."""

from nnx.nn import Module
from nnx.nn import functional as F

__all__ = ["PairwiseDistance", "CosineSimilarity"]


class PairwiseDistance(Module):
    """The p-norm of ``x1 - x2 + eps`` over the last dimension.

    Args:
        p (float): the norm degree. Default: 2.
        eps (float): added to the difference. Default: 1e-6.
        keepdim (bool): keep the reduced dimension. Default: False.

    Shape: x1, x2 (N, D) or (D,) (broadcastable); output (N) or () ((N, 1) with keepdim).
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """Cosine similarity of ``x1`` and ``x2`` along ``dim``, each norm clamped below by
    ``eps``.

    Args:
        dim (int): the vector dimension, removed from the output. Default: 1.
        eps (float): lower bound of the norms. Default: 1e-8.
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
