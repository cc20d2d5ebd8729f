"""PackedSequence: a batch of variable-length sequences stored time step by time step.

torch.nn.utils.rnn's class, field for field: a NamedTuple of ``data`` (the live rows of
every step, concatenated), ``batch_sizes`` (CPU int64: sequences alive at each step),
``sorted_indices`` and ``unsorted_indices`` (int64 permutations, or None when the batch
came in sorted).  Construction rules and casts follow torch 2.13.
"""

from typing import Any, NamedTuple

import numpy as np

import nnx
from nnx._C import _C
from nnx._C._C import wrap
from nnx_layers._rnn_args import dim_range_message

__all__ = ["PackedSequence", "invert_permutation"]


class PackedSequence_(NamedTuple):
    data: Any
    batch_sizes: Any
    sorted_indices: Any
    unsorted_indices: Any


def _bind(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(PackedSequence_):
    r"""Holds the data and list of :attr:`batch_sizes` of a packed sequence.

    All RNN modules accept packed sequences as inputs.  Instances are meant to be made by
    :func:`pack_padded_sequence` or :func:`pack_sequence`, not by hand.

    Batch sizes are the number of sequences alive at each time step, not the sequence
    lengths: data ``abc`` and ``x`` pack to ``axbc`` with ``batch_sizes=[2, 1, 1]``.

    Attributes:
        data (Tensor): the packed rows, ``(sum(batch_sizes), *)``.
        batch_sizes (Tensor): CPU int64, the batch size at each step.
        sorted_indices (Tensor, optional): int64, how the batch was sorted by length.
        unsorted_indices (Tensor, optional): int64, the inverse of ``sorted_indices``.

    ``PackedSequence(data, batch_sizes, sorted_indices=None, unsorted_indices=None)`` and
    ``PackedSequence((data, batch_sizes), sorted_indices=...)`` both work; a missing
    ``unsorted_indices`` is computed from ``sorted_indices``.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        return super().__new__(cls, *_packed_sequence_init_args(
            data, batch_sizes, sorted_indices, unsorted_indices))

    def pin_memory(self):
        pin = getattr(self.data, "pin_memory", None)
        if pin is None:  # nnx tensors on the CPU backend have no pinned memory
            raise RuntimeError("Cannot access accelerator device when none is available.")
        return type(self)(pin(), self.batch_sizes,
                          _bind(self.sorted_indices, lambda t: t.pin_memory()),
                          _bind(self.unsorted_indices, lambda t: t.pin_memory()))

    def to(self, *args, **kwargs):
        r"""Dtype and/or device conversion of ``self.data`` (as :meth:`Tensor.to`).

        The indices follow ``data`` to its device; ``batch_sizes`` stays on the CPU.
        Returns ``self`` when ``data`` already has the asked dtype and device.
        """
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices = _bind(self.sorted_indices, lambda t: t.to(data.device))
        unsorted_indices = _bind(self.unsorted_indices, lambda t: t.to(data.device))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, *args, **kwargs):
        ex = nnx.tensor((), dtype=self.data.dtype).to(*args, **kwargs)
        if ex.is_cuda:
            return self.to(*args, **kwargs)
        kwargs["device"] = "cuda"
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs):
        ex = nnx.tensor((), dtype=self.data.dtype).to(*args, **kwargs)
        if ex.device.type == "cpu":
            return self.to(*args, **kwargs)
        kwargs["device"] = "cpu"
        return self.to(*args, **kwargs)

    def double(self):
        return self.to(dtype=nnx.float64)

    def float(self):
        return self.to(dtype=nnx.float32)

    def half(self):
        return self.to(dtype=nnx.float16)

    def long(self):
        return self.to(dtype=nnx.int64)

    def int(self):
        return self.to(dtype=nnx.int32)

    def short(self):
        return self.to(dtype=nnx.int16)

    def char(self):
        return self.to(dtype=nnx.int8)

    def byte(self):
        return self.to(dtype=nnx.uint8)

    @property
    def is_cuda(self):
        r"""Whether ``self.data`` is stored on a GPU."""
        return self.data.is_cuda

    def is_pinned(self):
        r"""Whether ``self.data`` is stored in pinned memory."""
        is_pinned = getattr(self.data, "is_pinned", None)
        return False if is_pinned is None else is_pinned()


def _packed_sequence_init_args(data, batch_sizes=None, sorted_indices=None,
                               unsorted_indices=None):
    # unsorted_indices, when given, should invert sorted_indices; like torch, not checked
    if unsorted_indices is None:
        unsorted_indices = invert_permutation(sorted_indices)
    if batch_sizes is not None:
        if batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never "
                "be created manually. They should be instantiated by functions like "
                "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return data, batch_sizes, sorted_indices, unsorted_indices
    if not (isinstance(data, (list, tuple)) and len(data) == 2):
        raise AssertionError("Expected data to be a list or tuple of length 2")
    return data[0], data[1], sorted_indices, unsorted_indices


def invert_permutation(permutation):
    """The inverse of ``permutation`` (a 1-D int64 Tensor), or None for None.

    Converts between the sorted and unsorted indices of a :class:`PackedSequence`:
    ``out[permutation[i]] = i``.

    Example::

        >>> invert_permutation(nnx.tensor([2, 0, 1]))
        tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    if not isinstance(permutation, _C.TensorBase):
        raise TypeError("empty_like(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(permutation).__name__}")
    perm = permutation._data
    # torch scatters arange(n) (int64) into empty_like(permutation): its checks, its order
    if perm.dtype != np.int64 and perm.dtype != np.int32:
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if perm.dtype != np.int64:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if perm.ndim > 1:
        raise IndexError(dim_range_message(1, 1))
    flat = perm.reshape(-1)
    n = flat.shape[0]
    bad = flat[(flat < 0) | (flat >= n)]
    if bad.size:
        raise RuntimeError(
            f"index {bad[0]} is out of bounds for dimension 0 with size {n}")
    out = np.zeros(n, dtype=np.int64)
    out[flat] = np.arange(n, dtype=np.int64)
    return wrap(out.reshape(perm.shape))
