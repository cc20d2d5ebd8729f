"""nnx.nn.utils.rnn: packed and padded batches of variable-length sequences.

torch.nn.utils.rnn for nnx, with torch 2.13's arguments, results and error messages.
Dimension legend: T time steps (the longest sequence), B batch, ``*`` trailing feature
dimensions (any number, flattened to F); a padded batch is ``(T, B, *)``, or ``(B, T, *)``
with ``batch_first``; packed data is ``(sum(batch_sizes), *)``, time step after time step.

Every function turns its lengths into index arrays once (vectorised NumPy) and then moves
all rows with a single gather or scatter (``_rnn_rows``), which is also its autograd node:
gradients flow through packing, unpacking, padding and unpadding.
"""

import math
from collections.abc import Iterable

import numpy as np

from nnx._C import _C
from nnx._C._C import wrap
from nnx_layers._packed_sequence import PackedSequence, invert_permutation
from nnx_layers._rnn_args import (
    check_arg,
    check_long_1d,
    dim_range_message,
    is_bool,
    is_float,
    is_int,
    is_number,
    is_tensor,
    lengths_int64,
)
from nnx_layers._rnn_rows import (
    CopySlices,
    IndexSelectBackward0,
    PackPaddedSequenceBackward0,
    place_sequences,
    select_rows,
    split_rows,
)
from nnx_layers._rnn_sort import argsort_descending

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]

_SORTED_MESSAGE = (
    "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
    "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep "
    "this requirement if you do not need ONNX exportability.")

# -- packing ----------------------------------------------------------------------------------

def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    r"""Packs a Tensor containing padded sequences of variable length.

    ``input`` is ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``), ``T`` the longest
    length.  With ``enforce_sorted=True`` the sequences must come sorted by decreasing
    length; otherwise they are sorted here and the permutation is kept in
    ``sorted_indices``.  Steps past a sequence's length are dropped.

    Args:
        input (Tensor): padded batch of variable length sequences.
        lengths (Tensor or list(int)): length of each sequence (a CPU tensor if a tensor).
        batch_first (bool, optional): ``input`` is ``(B, T, *)``. Default: ``False``.
        enforce_sorted (bool, optional): require decreasing lengths. Default: ``True``.

    Returns:
        a :class:`PackedSequence`.

    Example::

        >>> x = nnx.tensor([[1, 4, 6], [2, 5, 0], [3, 0, 0]])      # (T=3, B=3)
        >>> pack_padded_sequence(x, [3, 2, 1]).data
        tensor([1, 4, 6, 2, 5, 3])
    """
    lengths, lengths_device = lengths_int64(lengths)
    check_arg("_pack_padded_sequence", "input", 1, input, is_tensor, "Tensor")
    check_arg("_pack_padded_sequence", "batch_first", 3, batch_first, is_bool, "bool")
    x = input._data
    batch_dim = 0 if batch_first else 1
    columns = None                     # input column of each sorted sequence
    if not enforce_sorted and lengths.ndim > 0:
        if x.ndim <= batch_dim:
            raise IndexError(dim_range_message(x.ndim, batch_dim))
        if lengths.ndim > 1:
            raise IndexError("index_select(): Index is supposed to be a vector")
        columns = argsort_descending(lengths)
        out_of_range = columns[columns >= x.shape[batch_dim]]
        if out_of_range.size:
            raise RuntimeError(f"INDICES element is out of DATA bounds, "
                               f"id={out_of_range[0]} axis_dim={x.shape[batch_dim]}")
        lengths = lengths[columns]
    if batch_first and x.ndim < 2:
        raise IndexError(dim_range_message(x.ndim, 1))
    check_long_1d(lengths, lengths_device)
    if x.ndim < 2:
        raise IndexError(dim_range_message(x.ndim, 1))
    steps, batch = (x.shape[1], x.shape[0]) if batch_first else x.shape[:2]
    n_seq = batch if columns is None else columns.shape[0]
    if steps * n_seq * math.prod(x.shape[2:]) == 0:     # numel after the sort's index_select
        raise RuntimeError("Cannot pack empty tensors.")
    if lengths.shape[0] != n_seq:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.shape[0]} (batch_size={n_seq})")
    if lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if np.any(lengths[1:] > lengths[:-1]):
        raise RuntimeError(_SORTED_MESSAGE)
    if lengths[0] > steps:
        # torch reads past the input here on the CPU; nnx refuses instead
        raise RuntimeError(f"Expected every length to be at most the padded sequence length "
                           f"{steps}, but got a length of {lengths[0]}")

    alive = lengths[None, :] > np.arange(lengths[0])[:, None]      # (T, n_seq)
    t_idx, s_idx = np.nonzero(alive)                 # packed order: step by step, sorted
    col = s_idx if columns is None else columns[s_idx]
    src = col * steps + t_idx if batch_first else t_idx * batch + col
    data = select_rows(input, 2, src, None, (src.shape[0],), 0,
                       node_type=PackPaddedSequenceBackward0)
    batch_sizes = wrap(alive.sum(axis=1, dtype=np.int64))
    sorted_indices = None if columns is None else wrap(columns.astype(np.int64))
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def _size0(seq):
    """``seq.size(0)``, with torch's message for a 0-d tensor."""
    if is_tensor(seq) and seq._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return seq.size(0)


def pack_sequence(sequences, enforce_sorted=True):
    r"""Packs a list of variable length Tensors: :func:`pad_sequence` then
    :func:`pack_padded_sequence`.

    Args:
        sequences (list[Tensor]): sequences ``(L, *)``, by decreasing length unless
            ``enforce_sorted=False``.
        enforce_sorted (bool, optional): require decreasing lengths. Default: ``True``.

    Returns:
        a :class:`PackedSequence`.

    Example::

        >>> pack_sequence([nnx.tensor([1, 2, 3]), nnx.tensor([4, 5]), nnx.tensor([6])])
        PackedSequence(data=tensor([1, 4, 6, 2, 5, 3]), batch_sizes=tensor([3, 2, 1]), sorted_indices=None, unsorted_indices=None)
    """  # noqa: E501
    lengths = [_size0(v) for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


# -- unpacking --------------------------------------------------------------------------------

def _check_packed_tensors(sequence):
    check_arg("_pad_packed_sequence", "data", 1, sequence.data, is_tensor, "Tensor")
    check_arg("_pad_packed_sequence", "batch_sizes", 2, sequence.batch_sizes, is_tensor,
              "Tensor")


def _packed_layout(sequence):
    """(batch_sizes array, offsets of each step's rows, lengths in sorted order), checked."""
    _check_packed_tensors(sequence)
    data, batch_sizes = sequence.data, sequence.batch_sizes
    bs = batch_sizes._data
    check_long_1d(bs, batch_sizes.device)
    if bs.shape[0] == 0:
        raise RuntimeError("batch_sizes can not be empty")
    if bs[-1] < 0 or np.any(bs[1:] > bs[:-1]):
        raise RuntimeError(f"batch_sizes must be non-increasing and non-negative, but got "
                           f"{bs.tolist()}")
    n_rows = int(bs.sum())
    if data._data.ndim == 0 or data._data.shape[0] < n_rows:
        raise RuntimeError(f"Expected data to have at least sum(batch_sizes) = {n_rows} rows, "
                           f"but got shape {list(data._data.shape)}")
    offsets = np.cumsum(bs) - bs
    lengths = (bs[None, :] > np.arange(bs[0])[:, None]).sum(axis=1, dtype=np.int64)  # sorted
    return bs, offsets, lengths


def _unsorted_columns(sequence, n_sorted):
    """The sorted column behind each output column, and whether it is a permutation."""
    unsorted = sequence.unsorted_indices
    if unsorted is None:
        return None, True
    u = unsorted._data
    if u.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    u = u.reshape(-1).astype(np.intp)
    if u.size and (u.min() < 0 or u.max() >= n_sorted):
        raise IndexError("index out of range in self")
    is_perm = u.shape[0] == n_sorted and np.bincount(u, minlength=n_sorted).max(initial=1) == 1
    return u, is_perm


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    r"""Pads a packed batch of variable length sequences (the inverse of
    :func:`pack_padded_sequence`).

    Args:
        sequence (PackedSequence): batch to pad.
        batch_first (bool, optional): output ``(B, T, *)`` instead of ``(T, B, *)``.
        padding_value (float, optional): value of the padded elements. Default: ``0.0``.
        total_length (int, optional): pad to this length (at least the longest sequence)
            instead of the longest sequence's length.

    Returns:
        Tuple of the padded Tensor and the int64 Tensor of lengths, both in the batch
        order given to :func:`pack_padded_sequence` or :func:`pack_sequence`.

    Example::

        >>> seq = nnx.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
        >>> packed = pack_padded_sequence(seq, [2, 1, 3], batch_first=True,
        ...                               enforce_sorted=False)
        >>> pad_packed_sequence(packed, batch_first=True)[1]
        tensor([2, 1, 3])
    """
    max_seq_length = sequence.batch_sizes.size(0)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{max_seq_length}")
        max_seq_length = total_length
    _check_packed_tensors(sequence)             # the argument parser's order
    check_arg("_pad_packed_sequence", "batch_first", 3, batch_first, is_bool, "bool")
    check_arg("_pad_packed_sequence", "padding_value", 4, padding_value, is_number, "Number")
    check_arg("_pad_packed_sequence", "total_length", 5, max_seq_length, is_int, "int")
    bs, offsets, lengths = _packed_layout(sequence)
    data = sequence.data
    columns, is_perm = _unsorted_columns(sequence, int(bs[0]))
    if columns is None:
        # torch fills (T, B, *) and returns its transpose for batch_first: same strides here
        alive = np.arange(bs[0])[None, :] < bs[:, None]                 # (T, B)
        t_idx, s_idx = np.nonzero(alive)
        rows = None if data._data.shape[0] == t_idx.shape[0] else np.arange(t_idx.shape[0])
        padded = select_rows(data, 1, rows, t_idx * int(bs[0]) + s_idx,
                             (max_seq_length, int(bs[0])), padding_value, node_type=CopySlices)
        return (padded.transpose(0, 1) if batch_first else padded), wrap(lengths)
    out_lengths = lengths[columns]
    n_out, steps = columns.shape[0], bs.shape[0]
    if batch_first:
        j_idx, t_idx = np.nonzero(out_lengths[:, None] > np.arange(steps)[None, :])
        dst, out_lead = j_idx * max_seq_length + t_idx, (n_out, max_seq_length)
    else:
        t_idx, j_idx = np.nonzero(np.arange(steps)[:, None] < out_lengths[None, :])
        dst, out_lead = t_idx * n_out + j_idx, (max_seq_length, n_out)
    padded = select_rows(data, 1, offsets[t_idx] + columns[j_idx], dst, out_lead,
                         padding_value, src_repeats=not is_perm,
                         node_type=IndexSelectBackward0)
    return padded, wrap(out_lengths)


def unpack_sequence(packed_sequences):
    r"""Unpacks a :class:`PackedSequence` into a list of variable length Tensors, in the
    original batch order.

    Example::

        >>> seqs = [nnx.tensor([1, 2, 3]), nnx.tensor([4, 5]), nnx.tensor([6])]
        >>> unpack_sequence(pack_sequence(seqs))
        [tensor([1, 2, 3]), tensor([4, 5]), tensor([6])]
    """
    bs, offsets, lengths = _packed_layout(packed_sequences)
    columns, is_perm = _unsorted_columns(packed_sequences, int(bs[0]))
    if columns is None:
        columns = np.arange(bs[0])
    counts = lengths[columns]
    j_idx = np.repeat(np.arange(columns.shape[0]), counts)
    t_idx = np.arange(j_idx.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
    return split_rows(packed_sequences.data, 1, offsets[t_idx] + columns[j_idx], counts,
                      src_repeats=not is_perm)


# -- padding ----------------------------------------------------------------------------------

def _sequence_slots(sequences, batch_first, padding_side):
    """Output shape and, for each sequence, the index of its slot; torch's checks."""
    first = sequences[0]._data
    if first.ndim == 0:
        raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")
    for seq in sequences:
        if seq._data.ndim == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    max_len = max(seq._data.shape[0] for seq in sequences)
    trailing = first.shape[1:]
    batch = len(sequences)
    out_shape = (batch, max_len) if batch_first else (max_len, batch)
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    slots = []
    for i, seq in enumerate(sequences):
        shape = seq._data.shape
        start = max_len - shape[0] if padding_side == "left" else 0
        target = (shape[0],) + trailing
        try:
            broadcast = np.broadcast_shapes(target, shape)
        except ValueError:
            raise RuntimeError(_C.broadcast_message(target, shape)) from None
        if broadcast != target:
            raise RuntimeError(f"output with shape {list(target)} doesn't match the broadcast "
                               f"shape {list(broadcast)}")
        steps = slice(start, start + shape[0])
        slots.append((i, steps) if batch_first else (steps, i))
    return out_shape + trailing, slots


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    r"""Pads a list of variable length Tensors with ``padding_value``.

    Stacks sequences ``(L_i, *)`` along a new batch dimension after padding each to the
    longest length ``T``: the result is ``(T, B, *)``, or ``(B, T, *)`` with
    ``batch_first``.  The trailing shape and dtype are the first sequence's.

    Args:
        sequences (list[Tensor]): variable length sequences.
        batch_first (bool, optional): output ``(B, T, *)``. Default: ``False``.
        padding_value (float, optional): value of the padded elements. Default: ``0.0``.
        padding_side (str, optional): pad on the ``'left'`` or the ``'right'``.
            Default: ``'right'``.

    Example::

        >>> pad_sequence([nnx.ones(25, 300), nnx.ones(22, 300), nnx.ones(15, 300)]).size()
        nnx.Size([25, 3, 300])
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    sequences = tuple(sequences)
    for i, seq in enumerate(sequences):
        if not is_tensor(seq):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(seq).__name__}")
    check_arg("pad_sequence", "batch_first", 2, batch_first, is_bool, "bool")
    check_arg("pad_sequence", "padding_value", 3, padding_value, is_float, "float")
    check_arg("pad_sequence", "padding_side", 4, padding_side, lambda v: isinstance(v, str),
               "str")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    out_shape, slots = _sequence_slots(sequences, batch_first, padding_side)
    return place_sequences(sequences, out_shape, slots, padding_value)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    r"""Unpads a padded Tensor into a list of variable length Tensors.

    The inverse of :func:`pad_sequence` (right padding): sequence ``i`` is the first
    ``lengths[i]`` steps of column ``i``.  Unlike torch, the input is left as it is
    (torch transposes a time-major input in place, which fails on leaves that require
    grad).

    Args:
        padded_sequences (Tensor): ``(T, B, *)``, or ``(B, T, *)`` with ``batch_first``.
        lengths (Tensor): the length of each sequence.
        batch_first (bool, optional): whether the batch dimension comes first.

    Example::

        >>> padded = pad_sequence([nnx.ones(3, 2), nnx.ones(1, 2)])
        >>> [s.shape for s in unpad_sequence(padded, nnx.tensor([3, 1]))]
        [nnx.Size([3, 2]), nnx.Size([1, 2])]
    """
    x = padded_sequences._data
    if x.ndim < 2:
        raise IndexError(dim_range_message(x.ndim, 1))
    batch, steps = x.shape[:2] if batch_first else (x.shape[1], x.shape[0])
    lens = lengths._data if is_tensor(lengths) else np.asarray(lengths)
    if lens.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    if lens.ndim > 1:
        raise ValueError(f"unpad_sequence: expected 1-D lengths, but got shape {list(lens.shape)}")
    if lens.shape[0] != batch:
        raise ValueError(f"zip() argument 2 is {'shorter' if lens.shape[0] < batch else 'longer'}"
                         f" than argument 1")
    # torch keeps the steps t with t < length: a count, whatever the lengths' dtype
    counts = (np.arange(steps)[None, :] < lens[:, None]).sum(axis=1)
    seq_idx = np.repeat(np.arange(batch), counts)
    t_idx = np.arange(seq_idx.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
    src = seq_idx * steps + t_idx if batch_first else t_idx * batch + seq_idx
    return split_rows(padded_sequences, 2, src, counts)
