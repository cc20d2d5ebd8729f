"""Gradients through nnx.nn.utils.rnn: float64 gradcheck (and gradgradcheck) of packing,
unpacking, padding and unpadding, and the graph each records."""

import numpy as np
import pytest

import nnx
from nnx.autograd import gradcheck, gradgradcheck
from nnx.nn.utils import rnn as R


def _leaf(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return nnx.from_numpy(rng.standard_normal(shape)).requires_grad_(True)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_gradcheck_pack_then_pad(batch_first, enforce_sorted):
    lengths = [4, 2, 1] if enforce_sorted else [2, 4, 1]
    x = _leaf(3, 4, 2) if batch_first else _leaf(4, 3, 2)

    def pack_pad(x):
        packed = R.pack_padded_sequence(x, lengths, batch_first=batch_first,
                                        enforce_sorted=enforce_sorted)
        padded, _ = R.pad_packed_sequence(packed, batch_first=not batch_first,
                                          padding_value=0.25, total_length=5)
        return packed.data, padded

    assert gradcheck(pack_pad, (x,))
    assert gradgradcheck(pack_pad, (x,))


def test_gradcheck_pad_from_packed_data():
    data = _leaf(6, 3)                 # batch_sizes [3, 2, 1]: sequences of 3, 2, 1 steps

    def pad(data):
        seq = R.PackedSequence(data, nnx.tensor([3, 2, 1]), nnx.tensor([2, 0, 1]))
        return R.pad_packed_sequence(seq, batch_first=True)[0]

    assert gradcheck(pad, (data,))
    assert gradgradcheck(pad, (data,))


def test_gradcheck_repeated_unsorted_indices_sum():
    data = _leaf(3, 2)

    def pad(data):
        seq = R.PackedSequence(data, nnx.tensor([2, 1]), None, nnx.tensor([1, 1, 0]))
        return R.pad_packed_sequence(seq)[0]

    assert gradcheck(pad, (data,))
    assert gradgradcheck(pad, (data,))


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_gradcheck_pad_sequence(side, batch_first):
    a, b, c = _leaf(2, 3, seed=1), _leaf(4, 3, seed=2), _leaf(1, 3, seed=3)

    def pad(a, b, c):
        return R.pad_sequence([a, b, c], batch_first=batch_first, padding_value=-1.0,
                              padding_side=side)

    assert gradcheck(pad, (a, b, c))
    assert gradgradcheck(pad, (a, b, c))


def test_gradcheck_pad_sequence_broadcast_and_pack_sequence():
    a, b = _leaf(3, 2, seed=4), _leaf(2, 1, seed=5)
    assert gradcheck(lambda a, b: R.pad_sequence([a, b]), (a, b))
    c = _leaf(3, 2, seed=6)
    assert gradcheck(lambda a, c: R.pack_sequence([c[:1], a], enforce_sorted=False).data,
                     (a, c))


def test_gradcheck_unpack_and_unpad_sequence():
    a, b, c = _leaf(2, 2, seed=7), _leaf(3, 2, seed=8), _leaf(1, 2, seed=9)

    def unpack(a, b, c):
        return tuple(R.unpack_sequence(R.pack_sequence([a, b, c], enforce_sorted=False)))

    assert gradcheck(unpack, (a, b, c))
    assert gradgradcheck(unpack, (a, b, c))
    x = _leaf(4, 3, 2, seed=10)

    def unpad(x):
        return tuple(R.unpad_sequence(x, nnx.tensor([4, 1, 3]), batch_first=False))

    assert gradcheck(unpad, (x,))
    assert gradgradcheck(unpad, (x,))


def test_unused_pieces_get_zero_gradient():
    x = _leaf(3, 2, 2)
    pieces = R.unpad_sequence(x, nnx.tensor([3, 2]))
    pieces[1].sum().backward()
    expected = np.zeros((3, 2, 2))
    expected[:2, 1] = 1.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_graph_node_names():
    x = _leaf(3, 2, 2)
    packed = R.pack_padded_sequence(x, [2, 3], enforce_sorted=False)
    assert packed.data.grad_fn.name() == "PackPaddedSequenceBackward0"
    assert R.pad_packed_sequence(packed)[0].grad_fn.name() == "IndexSelectBackward0"
    plain = R.pack_padded_sequence(x, [3, 2])
    assert R.pad_packed_sequence(plain)[0].grad_fn.name() == "CopySlices"
    assert R.pad_packed_sequence(plain, batch_first=True)[0].grad_fn.name() == (
        "TransposeBackward0")
    for name in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        assert not getattr(packed, name).requires_grad


def test_no_graph_without_grad():
    x = _leaf(3, 2, 2)
    with nnx.no_grad():
        packed = R.pack_padded_sequence(x, [3, 2])
        padded, _ = R.pad_packed_sequence(packed)
        padded_list = R.pad_sequence([x[0], x[1]])
    for t in (packed.data, padded, padded_list):
        assert t.grad_fn is None and not t.requires_grad


def test_int_sequences_do_not_record():
    ints = [nnx.tensor([1, 2, 3]), nnx.tensor([4, 5])]
    floats = _leaf(2)
    out = R.pad_sequence([ints[0], floats])   # int64 result: first sequence's dtype
    assert out.dtype == nnx.int64 and not out.requires_grad
