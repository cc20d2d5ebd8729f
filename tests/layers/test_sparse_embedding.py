"""Embedding and F.embedding beyond the case table: padding_idx, max_norm renormalisation,
from_pretrained and freezing, messages and reprs (texts and values from torch 2.13.0;
torch.FloatTensor reads nnx.FloatTensor here)."""

import re

import numpy as np
import pytest

import nnx
import nnx.nn as nn
import nnx.nn.functional as F
from nnx.autograd import gradcheck


def raises(exc, message):
    return pytest.raises(exc, match="^" + re.escape(message) + "$")


def test_padding_idx_row_is_zero_at_init_and_gets_no_gradient():
    emb = nn.Embedding(4, 2, padding_idx=0)
    assert emb.weight[0].tolist() == [0.0, 0.0]
    emb(nnx.tensor([[0, 1], [0, 3]])).sum().backward()
    assert emb.weight.grad[0].tolist() == [0.0, 0.0]
    assert emb.weight.grad[1].tolist() == [1.0, 1.0]
    assert nn.Embedding(5, 3, padding_idx=-2).padding_idx == 3


def test_max_norm_renormalises_looked_up_rows_in_place():
    emb = nn.Embedding(5, 4, max_norm=1.0)
    before = emb.weight.detach().numpy().copy()
    norms = np.linalg.norm(before, axis=1)
    out = emb(nnx.tensor([0, 0, 3]))
    after = emb.weight.detach().numpy()
    for row in range(5):
        if row in (0, 3) and norms[row] > 1.0:
            np.testing.assert_allclose(after[row], before[row] / (norms[row] + 1e-7), rtol=1e-6)
        else:
            np.testing.assert_array_equal(after[row], before[row])
    np.testing.assert_array_equal(out.detach().numpy(), after[[0, 0, 3]])
    assert np.linalg.norm(after[[0, 3]], axis=1).max() <= 1.0 + 1e-6


def test_max_norm_with_p1_norm():
    weight = nnx.tensor([[3.0, -1.0], [0.2, 0.1], [2.0, 2.0]])
    F.embedding(nnx.tensor([0, 1]), weight, max_norm=2.0, norm_type=1.0)
    np.testing.assert_allclose(weight.tolist(), [[1.5, -0.5], [0.2, 0.1], [2.0, 2.0]],
                               rtol=1e-6)


def test_scale_grad_by_freq_divides_by_the_count():
    weight = nnx.randn(4, 2, dtype=nnx.float64, requires_grad=True)
    F.embedding(nnx.tensor([1, 1, 1, 2]), weight, scale_grad_by_freq=True).sum().backward()
    np.testing.assert_allclose(weight.grad.numpy(), [[0, 0], [1, 1], [1, 1], [0, 0]])


def test_embedding_gradcheck_and_gradgradcheck():
    idx = nnx.tensor([[0, 2, 2], [3, 1, 0]])
    weight = nnx.randn(4, 3, dtype=nnx.float64, requires_grad=True)
    assert gradcheck(lambda w: F.embedding(idx, w), (weight,))
    from nnx.autograd import gradgradcheck
    assert gradgradcheck(lambda w: F.embedding(idx, w) ** 2, (weight,))


def test_sparse_flag_is_accepted_with_a_dense_gradient():
    emb = nn.Embedding(4, 2, sparse=True)
    emb(nnx.tensor([1, 3])).sum().backward()
    assert emb.weight.grad.shape == (4, 2)


def test_from_pretrained_freezes_and_shares():
    table = nnx.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad
    assert frozen(nnx.tensor([2])).tolist() == [[5.0, 6.0]]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    padded = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=1)
    # torch keeps the pretrained row (no zeroing) but gives it no gradient
    assert padded.weight[1].tolist() == [3.0, 4.0]
    padded(nnx.tensor([1, 2])).sum().backward()
    assert padded.weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]
    with raises(AssertionError, "Embeddings parameter is expected to be 2-dimensional"):
        nn.Embedding.from_pretrained(nnx.ones(4))
    assert not nn.Embedding(3, 2, _freeze=True).weight.requires_grad


def test_constructor_messages():
    with raises(AssertionError, "Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 3, padding_idx=5)
    with raises(AssertionError, "Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 3, padding_idx=-6)
    with raises(AssertionError, "Shape of weight does not match num_embeddings and "
                                "embedding_dim"):
        nn.Embedding(5, 3, _weight=nnx.ones(4, 3))


def test_functional_messages():
    weight = nnx.randn(5, 3)
    with raises(RuntimeError, "Expected tensor for argument #1 'indices' to have one of the "
                              "following scalar types: Long, Int; but got nnx.FloatTensor "
                              "instead (while checking arguments for embedding)"):
        F.embedding(nnx.tensor([0.0, 1.0]), weight)
    with raises(IndexError, "index out of range in self"):
        F.embedding(nnx.tensor([0, 7]), weight)
    with raises(RuntimeError, "'weight' must be 2-D"):
        F.embedding(nnx.tensor([0, 1]), nnx.ones(5))
    with raises(AssertionError, "Padding_idx must be within num_embeddings"):
        F.embedding(nnx.tensor([0, 1]), weight, padding_idx=5)


@pytest.mark.parametrize("fn", [F.embedding, lambda i, w, **kw: F.embedding_bag(i[None], w, **kw)])
def test_max_norm_selects_rows_before_the_lookup_checks(fn):
    # torch 2.13 runs embedding_renorm_ first: it selects the used rows in ascending order,
    # so the smallest index outside [-5, 5) fails as select() does
    weight = nnx.randn(5, 3)
    for indices, bad in (([1, -7, 10], -7), ([10, 7], 7)):
        with raises(IndexError, f"select(): index {bad} out of range for tensor of size "
                                "[5, 3] at dimension 0"):
            fn(nnx.tensor(indices), weight, max_norm=1.0)
    with raises(IndexError, "index out of range in self"):      # -1 selects fine
        F.embedding(nnx.tensor([-1, 2]), weight, max_norm=1.0)


@pytest.mark.parametrize("module, text", [
    (lambda: nn.Embedding(3, 4), "Embedding(3, 4)"),
    (lambda: nn.Embedding(5, 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True,
                          padding_idx=2, sparse=True),
     "Embedding(5, 3, padding_idx=2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, "
     "sparse=True)"),
    (lambda: nn.Embedding(5, 3, padding_idx=-2), "Embedding(5, 3, padding_idx=3)"),
])
def test_reprs_match_torch(module, text):
    assert repr(module()) == text


def test_default_init_is_standard_normal():
    # torch: init.normal_(weight) then the padding row zeroed
    nnx.manual_seed(0)
    weight = nn.Embedding(2000, 8, padding_idx=5).weight.detach().numpy()
    assert not weight[5].any()
    values = np.delete(weight, 5, axis=0)
    assert abs(values.mean()) < 0.03 and 0.97 < values.std() < 1.03
    nnx.manual_seed(0)
    bag = nn.EmbeddingBag(2000, 8).weight.detach().numpy()
    assert abs(bag.mean()) < 0.03 and 0.97 < bag.std() < 1.03
