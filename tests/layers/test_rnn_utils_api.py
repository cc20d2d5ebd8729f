"""nnx.nn.utils.rnn's public surface: how it is imported, PackedSequence as torch's
NamedTuple (construction, casts, repr), round trips at realistic sizes, and the tie order
of the length sort.  Expected reprs and orders were printed by torch==2.13.0."""

import copy
import pickle
import sys

import numpy as np
import pytest

import nnx
import nnx.nn
from nnx.nn.utils import rnn as R

TORCH_NAMES = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
               "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
               "unpack_sequence"]


def _packed():
    return R.pack_sequence([nnx.tensor([1, 2, 3]), nnx.tensor([4, 5]), nnx.tensor([6])])


# -- import forms -------------------------------------------------------------------------

def test_import_forms_match_torch():
    import nnx_layers.rnn_utils as impl
    from nnx.nn.utils.rnn import PackedSequence, pack_padded_sequence  # noqa: F401

    assert nnx.nn.utils.rnn is R
    assert sorted(R.__all__) == sorted(TORCH_NAMES) == sorted(impl.__all__)
    for name in TORCH_NAMES:
        assert getattr(nnx.nn.utils.rnn, name) is getattr(impl, name)
    assert set(TORCH_NAMES) <= set(dir(R))
    namespace = {}
    exec("from nnx.nn.utils.rnn import *", namespace)
    assert set(TORCH_NAMES) <= set(namespace)


def test_unknown_name():
    with pytest.raises(AttributeError, match="module 'nnx.nn.utils.rnn' has no attribute 'x'"):
        R.x  # noqa: B018


@pytest.fixture
def uncached(monkeypatch):
    """nnx.nn.utils.rnn as before its first lookup (names not yet cached in it)."""
    for name in TORCH_NAMES:
        monkeypatch.delattr(R, name, raising=False)
    return R


def test_missing_nnx_layers_names_the_package(monkeypatch, uncached):
    monkeypatch.setitem(sys.modules, "nnx_layers.rnn_utils", None)
    with pytest.raises(AttributeError) as info:
        uncached.pack_sequence  # noqa: B018
    assert str(info.value) == (
        "nnx.nn.utils.rnn.pack_sequence is part of the nnx-layers package, which is not "
        "installed; install it with `pip install nnx-layers` (in an nnx clone: "
        "`pip install packages/layers`)")
    monkeypatch.setitem(sys.modules, "nnx_layers", None)
    with pytest.raises(AttributeError, match="pip install nnx-layers"):
        uncached.PackedSequence  # noqa: B018


def test_broken_dependency_is_not_reported_as_missing(monkeypatch, uncached):
    monkeypatch.delitem(sys.modules, "nnx_layers.rnn_utils")
    monkeypatch.setitem(sys.modules, "nnx_layers._rnn_sort", None)   # a missing internal
    with pytest.raises(ModuleNotFoundError, match="nnx_layers._rnn_sort"):
        uncached.pad_sequence  # noqa: B018


# -- PackedSequence -----------------------------------------------------------------------

def test_repr_and_fields_match_torch():
    packed = _packed()
    assert repr(packed) == (
        "PackedSequence(data=tensor([1, 4, 6, 2, 5, 3]), batch_sizes=tensor([3, 2, 1]), "
        "sorted_indices=None, unsorted_indices=None)")
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert packed[0] is data and sorted_indices is None and unsorted_indices is None
    assert batch_sizes.dtype == nnx.int64 and str(batch_sizes.device) == "cpu"


def test_unsorted_pack_sequence_indices():
    packed = R.pack_sequence([nnx.tensor([1, 2]), nnx.tensor([3, 4, 5]), nnx.tensor([6])],
                             enforce_sorted=False)
    # torch: sorted_indices=unsorted_indices=[1, 0, 2]
    assert packed.sorted_indices.tolist() == [1, 0, 2]
    assert packed.unsorted_indices.tolist() == [1, 0, 2]
    assert packed.data.tolist() == [3, 1, 6, 4, 2, 5]


def test_construction_forms():
    data, batch_sizes = nnx.ones(3), nnx.tensor([2, 1])
    from_tuple = R.PackedSequence((data, batch_sizes), sorted_indices=nnx.tensor([1, 0]))
    assert from_tuple.data is data and from_tuple.batch_sizes is batch_sizes
    assert from_tuple.unsorted_indices.tolist() == [1, 0]
    given = R.PackedSequence(data, batch_sizes, nnx.tensor([1, 0]), nnx.tensor([0, 1]))
    assert given.unsorted_indices.tolist() == [0, 1]   # trusted, as in torch
    assert isinstance(given, tuple) and len(given) == 4


def test_casts_and_devices():
    packed = R.pack_sequence([nnx.ones(3), nnx.ones(2) * 2], enforce_sorted=False)
    assert packed.to(nnx.float32) is packed and packed.float() is packed
    assert packed.cpu() is packed and packed.to("cpu") is packed
    double = packed.to(nnx.float64)
    assert double.data.dtype == nnx.float64 and double.data.tolist() == [1, 2, 1, 2, 1]
    assert double.sorted_indices.dtype == nnx.int64 and double.batch_sizes is packed.batch_sizes
    for method, dtype in [("double", nnx.float64), ("half", nnx.float16), ("long", nnx.int64),
                          ("int", nnx.int32), ("short", nnx.int16), ("char", nnx.int8),
                          ("byte", nnx.uint8)]:
        cast = getattr(packed, method)()
        assert type(cast) is R.PackedSequence and cast.data.dtype == dtype, method
    assert packed.is_cuda is False and packed.is_pinned() is False


def test_copy_and_pickle():
    packed = R.pack_sequence([nnx.ones(3), nnx.ones(2) * 2], enforce_sorted=False)
    for clone in (copy.deepcopy(packed), pickle.loads(pickle.dumps(packed))):
        assert type(clone) is R.PackedSequence
        for a, b in zip(clone, packed, strict=True):
            assert a.tolist() == b.tolist()


def test_invert_permutation():
    assert R.invert_permutation(None) is None
    assert R.invert_permutation(nnx.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert R.invert_permutation(nnx.tensor([], dtype=nnx.int64)).tolist() == []


# -- behaviour at realistic sizes ----------------------------------------------------------

@pytest.mark.parametrize("batch_first", [False, True])
def test_round_trip_large_batch(batch_first):
    rng = np.random.default_rng(3)
    steps, batch = 50, 64
    lengths = rng.integers(1, steps + 1, batch)
    lengths[0] = steps
    x = rng.standard_normal((batch, steps, 8) if batch_first else (steps, batch, 8))
    packed = R.pack_padded_sequence(nnx.from_numpy(x), nnx.from_numpy(lengths),
                                    batch_first=batch_first, enforce_sorted=False)
    bs = packed.batch_sizes.numpy()
    assert bs.sum() == lengths.sum() and bs[0] == batch and np.all(np.diff(bs) <= 0)
    padded, out_lengths = R.pad_packed_sequence(packed, batch_first=batch_first,
                                                padding_value=np.nan)
    np.testing.assert_array_equal(out_lengths.numpy(), lengths)
    mask = np.arange(steps)[None, :] < lengths[:, None]                 # (B, T)
    mask = mask if batch_first else mask.T
    np.testing.assert_array_equal(padded.numpy()[mask], x[mask])
    assert np.isnan(padded.numpy()[~mask]).all()
    pieces = R.unpack_sequence(packed)
    for b, piece in enumerate(pieces):
        want = x[b, :lengths[b]] if batch_first else x[:lengths[b], b]
        np.testing.assert_array_equal(piece.numpy(), want)


def test_pack_lengths_fewer_than_batch_when_unsorted():
    # torch packs only the selected columns here: batch_sizes [1, 1, 1], sorted_indices [0]
    x = nnx.arange(12.0).reshape(3, 2, 2)
    packed = R.pack_padded_sequence(x, [3], enforce_sorted=False)
    assert packed.data.tolist() == [[0, 1], [4, 5], [8, 9]]
    assert packed.batch_sizes.tolist() == [1, 1, 1]
    assert packed.sorted_indices.tolist() == [0] and packed.unsorted_indices.tolist() == [0]


def test_pad_packed_batch_first_is_a_transposed_view():
    # torch returns the (T, B, *) buffer transposed: strides (2, 4, 1) here
    padded, _ = R.pad_packed_sequence(R.pack_padded_sequence(nnx.ones(3, 2, 1), [3, 2]),
                                      batch_first=True)
    assert padded.shape == (2, 3, 1) and padded.stride() == (1, 2, 1)


# -- the order of tied lengths ---------------------------------------------------------------

def test_sort_ties_torch_orders():
    from nnx_layers._rnn_sort import argsort_descending

    # printed by torch.sort(torch.tensor(keys), descending=True)[1] (torch 2.13, CPU)
    keys = [2, 1, 2, 2, 1, 3, 3, 1, 2, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 2]
    assert argsort_descending(keys).tolist() == [5, 6, 11, 21, 20, 19, 18, 17, 12, 0, 10, 9,
                                                 8, 3, 2, 13, 14, 15, 16, 7, 4, 1]
    assert argsort_descending([2, 1, 2, 2, 1]).tolist() == [0, 2, 3, 1, 4]   # <= 16: stable


def test_sort_heap_fallback_sorts():
    from nnx_layers._rnn_sort import _StdSort

    rng = np.random.default_rng(0)
    keys = rng.integers(0, 5, 100).tolist()
    sorter = _StdSort(list(keys))
    sorter._heap_sort(0, len(keys))        # the depth-limit path, rarely reached otherwise
    order = sorter.v
    assert sorted(order) == list(range(100))
    assert [keys[i] for i in order] == sorted(keys, reverse=True)
