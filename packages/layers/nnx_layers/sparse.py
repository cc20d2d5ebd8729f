"""Lookup-table layers: Embedding and EmbeddingBag.

weight (num_embeddings, embedding_dim) ~ N(0, 1); the padding_idx row is zeroed at init
and gets no gradient.  ``sparse=True`` is accepted for torch compatibility: nnx has no
sparse tensors, so the weight gradient is dense.
"""

import nnx
from nnx.nn import Module, Parameter, init
from nnx.nn import functional as F

__all__ = ["Embedding", "EmbeddingBag"]


def _wrap_padding_idx(padding_idx, num_embeddings, name):
    """A negative padding_idx counts from the end; out of range is an AssertionError."""
    if padding_idx is None:
        return None
    if padding_idx > 0 and padding_idx >= num_embeddings:
        raise AssertionError(f"{name} must be within num_embeddings")
    if padding_idx < 0:
        if padding_idx < -num_embeddings:
            raise AssertionError(f"{name} must be within num_embeddings")
        padding_idx = num_embeddings + padding_idx
    return padding_idx


class _LookupTable(Module):
    """The weight shared by Embedding and EmbeddingBag."""

    def _init_weight(self, _weight, requires_grad, factory):
        if _weight is None:
            self.weight = Parameter(
                nnx.empty((self.num_embeddings, self.embedding_dim), **factory),
                requires_grad=requires_grad)
            self.reset_parameters()
        else:
            if list(_weight.shape) != [self.num_embeddings, self.embedding_dim]:
                raise AssertionError(
                    "Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(_weight, requires_grad=requires_grad)

    def reset_parameters(self):
        """weight ~ N(0, 1), then the padding_idx row zeroed."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            with nnx.no_grad():
                self.weight[self.padding_idx].fill_(0)


class Embedding(_LookupTable):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``.

    Args:
        num_embeddings (int): size of the dictionary.
        embedding_dim (int): size of each vector.
        padding_idx (int, optional): this row is zeroed at init and never updated by the
            gradient (a negative value counts from the end).
        max_norm (float, optional): rows looked up with a larger ``norm_type``-norm are
            renormalized to it, in place in ``weight``.
        norm_type (float): the p of the p-norm for ``max_norm``. Default: 2.
        scale_grad_by_freq (bool): divide gradients by the index frequencies in the batch.
        sparse (bool): accepted; the gradient is dense in nnx.

    Shapes: input (*) int64/int32, output (*, embedding_dim).

    Example::

        >>> nn.Embedding(10, 3)(nnx.tensor([[1, 2], [4, 5]])).shape
        nnx.Size([2, 2, 3])
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _wrap_padding_idx(padding_idx, num_embeddings, "Padding_idx")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self._init_weight(_weight, not _freeze, {"device": device, "dtype": dtype})
        self.sparse = sparse

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is ``embeddings`` (2-D; shared, not copied), frozen
        (requires_grad=False) unless ``freeze=False``.

        Example::

            >>> nn.Embedding.from_pretrained(nnx.eye(3))(nnx.tensor([1])).tolist()
            [[0.0, 1.0, 0.0]]
        """
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings,
                   _freeze=freeze, padding_idx=padding_idx, max_norm=max_norm,
                   norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


class EmbeddingBag(_LookupTable):
    """Sums, means or maxima of bags of embeddings, without the intermediate lookup.

    Args:
        num_embeddings, embedding_dim, max_norm, norm_type, scale_grad_by_freq, sparse:
            as for :class:`Embedding`.
        mode (str): 'sum', 'mean' (default) or 'max' over each bag.
        include_last_offset (bool): ``offsets`` carries the end of the last bag too.
        padding_idx (int, optional): entries with this index are left out of the bags
            (and of a mean's divisor); its row is zeroed at init.

    Shapes: input (B, L) without offsets, or (n,) with offsets (B,); output
    (B, embedding_dim).  ``per_sample_weights`` (like input) scales entries in 'sum' mode.

    Example::

        >>> bag = nn.EmbeddingBag(10, 3, mode="sum")
        >>> bag(nnx.tensor([1, 2, 4, 5, 4]), nnx.tensor([0, 2])).shape
        nnx.Size([2, 3])
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, device=None, dtype=None):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = _wrap_padding_idx(padding_idx, num_embeddings, "padding_idx")
        self._init_weight(_weight, True, {"device": device, "dtype": dtype})
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def forward(self, input, offsets=None, per_sample_weights=None):
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse,
                               per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings!r}, {self.embedding_dim!r}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, mode="mean", sparse=False,
                        include_last_offset=False, padding_idx=None):
        """An EmbeddingBag whose weight is ``embeddings`` (2-D), frozen unless
        ``freeze=False``.

        Example::

            >>> bag = nn.EmbeddingBag.from_pretrained(nnx.eye(3), mode="sum")
            >>> bag(nnx.tensor([[0, 2]])).tolist()
            [[1.0, 0.0, 1.0]]
        """
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings,
                  max_norm=max_norm, norm_type=norm_type,
                  scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
