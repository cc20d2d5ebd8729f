"""EmbeddingBag and F.embedding_bag beyond the case table: modes, offsets, padding,
per_sample_weights, from_pretrained, messages and reprs (texts and values from torch
2.13.0; nnx names its legacy tensor types nnx.FloatTensor where torch says
torch.FloatTensor)."""

import re

import numpy as np
import pytest

import nnx
import nnx.nn as nn
import nnx.nn.functional as F
from nnx.autograd import gradcheck, gradgradcheck


def raises(exc, message):
    return pytest.raises(exc, match="^" + re.escape(message) + "$")


W = nnx.randn(5, 3)


def test_empty_bags_give_zeros():
    # torch 2.13.0 on arange(12).reshape(4, 3): max of [0], of nothing, of [2, 1, 3]
    weight = nnx.arange(12.0).reshape(4, 3)
    out = F.embedding_bag(nnx.tensor([0, 2, 1, 3]), weight, nnx.tensor([0, 1, 1]), mode="max")
    assert out.tolist() == [[0.0, 1.0, 2.0], [0.0, 0.0, 0.0], [9.0, 10.0, 11.0]]
    mean = F.embedding_bag(nnx.tensor([0, 2, 1, 3]), weight, nnx.tensor([0, 1, 1]))
    assert mean[1].tolist() == [0.0, 0.0, 0.0]
    assert F.embedding_bag(nnx.tensor([0, 1]), W, nnx.tensor([], dtype=nnx.int64)).shape == \
        (0, 3)
    assert F.embedding_bag(nnx.tensor([], dtype=nnx.int64), W, nnx.tensor([0, 0])).tolist() \
        == [[0.0] * 3] * 2
    last_only = F.embedding_bag(nnx.tensor([0, 1]), W, nnx.tensor([0]),
                                include_last_offset=True)
    assert last_only.shape == (0, 3)


def test_per_sample_weights_values_and_gradients_match_torch():
    weight = nnx.arange(12.0).reshape(4, 3).requires_grad_()
    psw = nnx.tensor([1.0, 2.0, -1.0, 0.5], requires_grad=True)
    out = F.embedding_bag(nnx.tensor([0, 2, 1, 3]), weight, nnx.tensor([0, 2]), mode="sum",
                          per_sample_weights=psw)
    out.backward(nnx.tensor([[1.0, 0, 2], [0.5, 1, -1]]))
    assert out.tolist() == [[12.0, 15.0, 18.0], [1.5, 1.0, 0.5]]
    assert weight.grad.tolist() == [[1.0, 0.0, 2.0], [-0.5, -1.0, 1.0], [2.0, 0.0, 4.0],
                                    [0.25, 0.5, -0.5]]
    assert psw.grad.tolist() == [4.0, 22.0, 0.5, 3.5]


def test_max_mode_routes_gradient_to_the_winning_rows():
    # torch 2.13.0: the winner of column 0 is row 2, of column 1 row 0
    weight = nnx.tensor([[1.0, 5.0], [3.0, 2.0], [4.0, -1.0]], requires_grad=True)
    F.embedding_bag(nnx.tensor([[0, 1, 2, 0]]), weight, mode="max").backward(
        nnx.tensor([[1.0, 10.0]]))
    assert weight.grad.tolist() == [[0.0, 10.0], [0.0, 0.0], [1.0, 0.0]]


def test_padding_idx_is_left_out_and_its_row_zeroed():
    bag = nn.EmbeddingBag(4, 2, padding_idx=1, mode="sum")
    assert bag.weight[1].tolist() == [0.0, 0.0]
    bag(nnx.tensor([[1, 2]])).sum().backward()
    assert bag.weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    # a mean leaves padding entries out of its divisor too
    weight = nnx.tensor([[2.0], [100.0], [4.0]])
    out = F.embedding_bag(nnx.tensor([[0, 1, 2], [1, 1, 1]]), weight, padding_idx=1)
    assert out.tolist() == [[3.0], [0.0]]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_gradcheck_every_mode(mode):
    weight = nnx.randn(6, 3, dtype=nnx.float64, requires_grad=True)
    idx, offsets = nnx.tensor([0, 1, 2, 3, 3, 5, 1, 0]), nnx.tensor([0, 2, 2, 5])

    def fn(w):
        return F.embedding_bag(idx, w, offsets, mode=mode, padding_idx=1)

    assert gradcheck(fn, (weight,))
    assert gradgradcheck(lambda w: fn(w) ** 2, (weight,))


def test_gradcheck_per_sample_weights():
    weight = nnx.randn(6, 3, dtype=nnx.float64, requires_grad=True)
    psw = nnx.randn(2, 3, dtype=nnx.float64, requires_grad=True)
    idx = nnx.tensor([[0, 4, 4], [5, 2, 0]])

    def fn(w, p):
        return F.embedding_bag(idx, w, mode="sum", per_sample_weights=p, padding_idx=2)

    assert gradcheck(fn, (weight, psw))
    assert gradgradcheck(fn, (weight, psw))


def test_max_norm_renormalises_rows_of_the_bags():
    weight = nnx.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    F.embedding_bag(nnx.tensor([[0, 1]]), weight, max_norm=1.0, mode="sum")
    np.testing.assert_allclose(weight.tolist(), [[0.6, 0.8], [0.3, 0.4], [6.0, 8.0]],
                               rtol=1e-6)


def test_from_pretrained():
    table = nnx.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    bag = nn.EmbeddingBag.from_pretrained(table, mode="sum")
    assert not bag.weight.requires_grad
    assert bag(nnx.tensor([[0, 2]])).tolist() == [[3.0, 2.0]]
    assert nn.EmbeddingBag.from_pretrained(table, freeze=False).weight.requires_grad
    with raises(AssertionError, "Embeddings parameter is expected to be 2-dimensional"):
        nn.EmbeddingBag.from_pretrained(nnx.ones(3))


def test_python_level_messages():
    idx2 = nnx.tensor([[0, 1]])
    with raises(ValueError, "offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(nnx.tensor([0, 1, 2, 3]), W)
    with raises(ValueError, "if input is 2D, then offsets has to be None, as input is treated "
                            "is a mini-batch of fixed length sequences. However, found offsets "
                            f"of type {nnx.Tensor}"):
        F.embedding_bag(nnx.tensor([[0, 1], [2, 3]]), W, nnx.tensor([0, 1]))
    with raises(ValueError, "offsets has to be a 1D Tensor"):
        F.embedding_bag(nnx.tensor([0, 1, 2, 3]), W, nnx.tensor([[0, 1]]))
    with raises(ValueError, "input has to be 1D or 2D Tensor, but got Tensor of dimension 3"):
        F.embedding_bag(nnx.tensor([[[0, 1]]]), W)
    with raises(ValueError, "mode has to be one of sum, mean or max"):
        F.embedding_bag(idx2, W, mode="min")
    with raises(ValueError, "max mode does not support scaling the gradient by the frequency"):
        F.embedding_bag(idx2, W, mode="max", scale_grad_by_freq=True)
    with raises(ValueError, "max mode does not support sparse weights"):
        F.embedding_bag(idx2, W, mode="max", sparse=True)
    with raises(NotImplementedError, "embedding_bag: per_sample_weights was not None. "
                                     "per_sample_weights is only supported for mode='sum' (got "
                                     "mode='mean'). Please open a feature request on GitHub."):
        F.embedding_bag(idx2, W, per_sample_weights=nnx.ones(1, 2))
    with raises(ValueError, "embedding_bag: If per_sample_weights (nnx.Size([2])) is not None, "
                            "then it must have the same shape as the input (nnx.Size([1, 2]))"):
        F.embedding_bag(idx2, W, mode="sum", per_sample_weights=nnx.ones(2))
    with raises(ValueError, "weight has to be a 2D Tensor, but got Tensor of dimension 1"):
        F.embedding_bag(idx2, nnx.randn(5))
    with raises(RuntimeError, "step must be nonzero"):
        F.embedding_bag(nnx.zeros(2, 0, dtype=nnx.int64), W)


def test_kernel_messages():
    idx = nnx.tensor([0, 1, 2, 3])
    with raises(RuntimeError, "Index 1 of input takes value 7 which is not in the valid range "
                              "[0, 5)"):
        F.embedding_bag(nnx.tensor([[0, 7]]), W)
    with raises(RuntimeError, "Index 1 of input takes value -1 which is not in the valid range "
                              "[0, 5)"):
        F.embedding_bag(nnx.tensor([[0, -1]]), W)
    with raises(RuntimeError, "Expected tensor for argument #1 'indices' to have one of the "
                              "following scalar types: Long, Int; but got nnx.FloatTensor "
                              "instead (while checking arguments for embedding_bag)"):
        F.embedding_bag(nnx.tensor([[0.0, 1.0]]), W)
    with raises(RuntimeError, "offsets[0] has to be 0, i.e., the first sequence in the "
                              "mini-batch has to start from position 0. However, got 1\n"
                              "[ nnx.LongTensor{} ]"):
        F.embedding_bag(idx, W, nnx.tensor([1, 2]))
    with raises(RuntimeError, "offsets[-1] can not be greater than input's length 4 but got "
                              "offsets[-1] of 5"):
        F.embedding_bag(idx, W, nnx.tensor([0, 5]))
    with raises(RuntimeError, "padding_idx must be within the number of embeddings, -5 through "
                              "4, but got 7"):
        F.embedding_bag(idx, W, nnx.tensor([0, 2]), padding_idx=7)
    with raises(RuntimeError, "Expected tensor for argument #1 'weight' to have the same type as "
                              "tensor for argument #1 'per_sample_weights'; but type "
                              "nnx.FloatTensor does not equal nnx.DoubleTensor (while "
                              "checking arguments for embedding_bag)"):
        F.embedding_bag(nnx.tensor([[0, 1]]), W, mode="sum",
                        per_sample_weights=nnx.ones(1, 2, dtype=nnx.float64))
    # int32 offsets with int64 indices are fine
    assert F.embedding_bag(idx, W, nnx.tensor([0, 2], dtype=nnx.int32)).shape == (2, 3)


def test_layer_messages_and_reprs():
    with raises(AssertionError, "padding_idx must be within num_embeddings"):
        nn.EmbeddingBag(5, 3, padding_idx=5)
    assert repr(nn.EmbeddingBag(3, 4)) == "EmbeddingBag(3, 4, mode='mean')"
    assert repr(nn.EmbeddingBag(5, 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True,
                                mode="sum", padding_idx=2, sparse=True)) == (
        "EmbeddingBag(5, 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, mode='sum', "
        "padding_idx=2)")
    assert repr(nn.EmbeddingBag(5, 3, mode="max", padding_idx=-1)) == \
        "EmbeddingBag(5, 3, mode='max', padding_idx=4)"
