"""nnx.nn.functional linear, dropout and embedding: values, gradients against NumPy
formulas, torch's errors, and float64 gradcheck / gradgradcheck."""

import numpy as np
import pytest

import nnx
from nnx.autograd import gradcheck, gradgradcheck

F = nnx.nn.functional


def T(a, dtype="float64", requires_grad=False):
    return nnx.tensor(np.asarray(a, dtype=dtype), requires_grad=requires_grad)


def npy(t):
    return t.detach().numpy()


def rnd(*shape, seed=0, dtype="float64"):
    return np.random.default_rng(seed + sum(shape)).normal(size=shape).astype(dtype)


# -- linear ----------------------------------------------------------------------------

LINEAR_SHAPES = [
    ((3, 4), (5, 4), (5,)),
    ((3, 4), (5, 4), None),
    ((2, 3, 4), (5, 4), (5,)),
    ((2, 2, 3, 4), (5, 4), None),
    ((4,), (5, 4), (5,)),
    ((3, 4), (4,), None),
    ((0, 4), (5, 4), (5,)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("xs,ws,bs", LINEAR_SHAPES)
def test_linear_values_and_grads(xs, ws, bs, dtype):
    x, w = rnd(*xs, dtype=dtype), rnd(*ws, seed=1, dtype=dtype)
    b = None if bs is None else rnd(*bs, seed=2, dtype=dtype)
    tx, tw = T(x, dtype, True), T(w, dtype, True)
    tb = None if b is None else T(b, dtype, True)
    out = F.linear(tx, tw, tb)
    ref = x.astype(np.float64) @ w.T.astype(np.float64) + (0 if b is None else b)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    assert out.dtype == getattr(nnx, dtype) and out.shape == ref.shape
    np.testing.assert_allclose(npy(out), ref, **tol)
    g = rnd(*ref.shape, seed=3)
    (out * T(g, dtype)).sum().backward()
    w2 = w.reshape(-1, xs[-1])
    g2 = g.reshape(-1, w2.shape[0])
    np.testing.assert_allclose(npy(tx.grad), (g2 @ w2).reshape(xs), **tol)
    np.testing.assert_allclose(npy(tw.grad), (g2.T @ x.reshape(-1, xs[-1])).reshape(ws), **tol)
    if b is not None:
        np.testing.assert_allclose(npy(tb.grad), g2.sum(0), **tol)
    assert tx.grad.dtype == tw.grad.dtype == getattr(nnx, dtype)


@pytest.mark.parametrize(
    "xs,ws,bs",
    [
        ((3, 4), (5, 4), (5,)),
        ((2, 3, 4), (5, 4), (5,)),
        ((4,), (2, 4), None),
        ((3, 4), (4,), None),
        ((2, 3, 4), (5, 4), (6, 1)),
        ((2, 3, 4), (5, 4), (2, 3, 5)),
        ((3, 4), (5, 4), (3, 5)),
        ((2, 2, 3, 4), (5, 4), (3, 5)),
    ],
)
def test_linear_gradcheck(xs, ws, bs):
    args = [T(rnd(*xs), requires_grad=True), T(rnd(*ws, seed=1), requires_grad=True)]
    if bs is not None:
        args.append(T(rnd(*bs, seed=2), requires_grad=True))
    assert gradcheck(F.linear, tuple(args))
    assert gradgradcheck(F.linear, tuple(args))


def test_linear_partial_requires_grad():
    x, w = T(rnd(3, 4), requires_grad=True), T(rnd(5, 4, seed=1))
    F.linear(x, w, T(rnd(5, seed=2))).sum().backward()
    assert x.grad is not None and w.grad is None
    x2, w2 = T(rnd(3, 4)), T(rnd(5, 4, seed=1), requires_grad=True)
    F.linear(x2, w2).sum().backward()
    np.testing.assert_allclose(npy(w2.grad), np.tile(npy(x2).sum(0), (5, 1)))


def test_linear_grad_fn_names():
    w, b = T(rnd(5, 4), requires_grad=True), T(rnd(5), requires_grad=True)
    name = lambda x, bias: type(F.linear(x, w, bias).grad_fn).__name__  # noqa: E731
    assert name(T(rnd(3, 4)), b) == "AddmmBackward0"
    assert name(T(rnd(3, 4)), None) == "MmBackward0"
    assert name(T(rnd(2, 3, 4)), b) == "ViewBackward0"
    assert name(T(rnd(2, 3, 4)), None) == "UnsafeViewBackward0"


def test_linear_integer():
    out = F.linear(nnx.tensor([[1, 2]]), nnx.tensor([[3, 4], [5, 6]]))
    assert out.dtype == nnx.int64 and out.tolist() == [[11, 17]]


@pytest.mark.parametrize(
    "xs,ws,bs,message",
    [
        ((3, 4), (5, 5), None, "mat1 and mat2 shapes cannot be multiplied (3x4 and 5x5)"),
        ((2, 3, 4), (5, 5), None, "mat1 and mat2 shapes cannot be multiplied (6x4 and 5x5)"),
        ((4,), (5, 5), None, "mat1 and mat2 shapes cannot be multiplied (1x4 and 5x5)"),
        ((3, 4), (5,), None, "size mismatch, got input (3), mat (3x4), vec (5)"),
        (
            (4,),
            (5,),
            None,
            "inconsistent tensor size, expected tensor [4] and src [5] to have the same "
            "number of elements, but got 4 and 5 elements respectively",
        ),
        (
            (),
            (5, 4),
            None,
            "both arguments to linear need to be at least 1D, but they are 0D and 2D",
        ),
        ((3, 4), (2, 5, 4), None, "t() expects a tensor with <= 2 dimensions, but self is 3D"),
        ((3, 4), (4,), (), "mat2 must be a matrix, got 1-D tensor"),
        (
            (3, 4),
            (5, 4),
            (4,),
            "The expanded size of the tensor (5) must match the existing size (4) "
            "at non-singleton dimension 1.  Target sizes: [3, 5].  Tensor sizes: "
            "[4]",
        ),
        (
            (2, 3, 4),
            (5, 4),
            (3, 1),
            "The expanded size of the tensor (6) must match the existing size "
            "(3) at non-singleton dimension 0.  Target sizes: [6, 5].  Tensor "
            "sizes: [3, 1]",
        ),
    ],
)
def test_linear_errors(xs, ws, bs, message):
    args = [T(rnd(*xs)), T(rnd(*ws))] + ([] if bs is None else [T(rnd(*bs))])
    with pytest.raises(RuntimeError) as info:
        F.linear(*args)
    assert str(info.value) == message


def test_linear_dtype_errors():
    with pytest.raises(RuntimeError) as info:
        F.linear(T(rnd(3, 4), "float32"), T(rnd(5, 4)))
    assert str(info.value) == "expected m1 and m2 to have the same dtype, but got: float != double"
    with pytest.raises(RuntimeError) as info:
        F.linear(T(rnd(3, 4)), T(rnd(5, 4)), T(rnd(5), "float32"))
    assert str(info.value) == "self and mat2 must have the same dtype, but got Float and Double"


# -- dropout ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", [1.5, -0.1])
def test_dropout_probability_error(p):
    with pytest.raises(ValueError) as info:
        F.dropout(T(rnd(3)), p)
    assert str(info.value) == f"dropout probability has to be between 0 and 1, but got {p}"
    with pytest.raises(ValueError):
        F.dropout(T(rnd(3)), p, training=False)


def test_dropout_identity_cases():
    x = T(rnd(3, 4), requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, p=0.0, training=True, inplace=True) is x
    empty = T(np.zeros((0, 3)))
    assert F.dropout(empty) is empty


def test_dropout_integer_input():
    ints = nnx.tensor([0, 1, 2])
    assert F.dropout(ints, 0.5, training=False) is ints
    with pytest.raises(
        RuntimeError,
        match=r"^result type Float can't be cast to the desired "
        r"output type Long$",
    ):
        F.dropout(ints, 0.5)


def test_dropout_p1_zeros():
    x = T(rnd(3, 4), requires_grad=True)
    out = F.dropout(x, 1.0)
    assert npy(out).tolist() == [[0.0] * 4] * 3
    out.sum().backward()
    assert npy(x.grad).tolist() == [[0.0] * 4] * 3


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_dropout_mask_and_scale(dtype):
    x = T(np.ones((200, 50)), dtype, requires_grad=True)
    nnx.manual_seed(0)
    out = F.dropout(x, 0.3)
    values = npy(out)
    assert out.dtype == getattr(nnx, dtype) and type(out.grad_fn).__name__ == "MulBackward0"
    scale = np.asarray(1, dtype) / np.asarray(0.7, dtype)
    assert set(np.unique(values).tolist()) == {0.0, float(scale)}
    assert abs((values == 0).mean() - 0.3) < 0.02  # 10000 draws: 0.3 +- 0.005 (1 sigma)
    (out * T(np.arange(values.size).reshape(values.shape), dtype)).sum().backward()
    np.testing.assert_allclose(
        npy(x.grad), values * np.arange(values.size).reshape(values.shape), rtol=1e-6
    )


def test_dropout_follows_manual_seed():
    x = T(rnd(10, 10))
    nnx.manual_seed(7)
    a = npy(F.dropout(x, 0.5))
    nnx.manual_seed(7)
    b = npy(F.dropout(x, 0.5))
    c = npy(F.dropout(x, 0.5))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_dropout_inplace():
    x = T(rnd(4, 5))
    nnx.manual_seed(3)
    expected = npy(F.dropout(x, 0.4))
    nnx.manual_seed(3)
    y = T(rnd(4, 5))
    assert F.dropout(y, 0.4, inplace=True) is y
    np.testing.assert_array_equal(npy(y), expected)
    assert y._version == 1
    leaf = T(rnd(4, 5), requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        F.dropout(leaf, inplace=True)


@pytest.mark.parametrize("inplace", [False, True])
def test_dropout_gradcheck(inplace):
    def fn(a):
        nnx.manual_seed(11)  # the same mask for every evaluation
        return F.dropout(a * 1, 0.4, inplace=inplace)

    x = T(rnd(3, 5), requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


# -- embedding -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("idx", [[[0, 2, 4], [4, 3, 0]], [1, 1, 3], 2, [[]]])
def test_embedding_lookup_and_grad(idx, dtype):
    w = rnd(5, 3, dtype=dtype)
    i = nnx.tensor(np.array(idx, dtype=np.int64))
    tw = T(w, dtype, requires_grad=True)
    out = F.embedding(i, tw)
    ref = w[np.array(idx, dtype=np.int64)]
    assert out.shape == ref.shape and out.dtype == getattr(nnx, dtype)
    np.testing.assert_array_equal(npy(out), ref)
    g = rnd(*ref.shape, seed=4, dtype=dtype)
    (out * T(g, dtype)).sum().backward()
    expected = np.zeros_like(w)
    np.add.at(expected, np.array(idx, dtype=np.int64).reshape(-1), g.reshape(-1, 3))
    np.testing.assert_allclose(npy(tw.grad), expected, rtol=1e-6)
    assert type(out.grad_fn).__name__ == "EmbeddingBackward0"


def test_embedding_int32_indices():
    w = rnd(5, 3)
    out = F.embedding(nnx.tensor(np.array([4, 0], dtype=np.int32)), T(w))
    np.testing.assert_array_equal(npy(out), w[[4, 0]])


@pytest.mark.parametrize("padding_idx,row", [(0, 0), (3, 3), (-1, 4), (-5, 0)])
def test_embedding_padding_idx(padding_idx, row):
    w = T(rnd(5, 3), requires_grad=True)
    idx = nnx.tensor([[0, 1, 4], [3, 0, 4]])
    out = F.embedding(idx, w, padding_idx=padding_idx)
    np.testing.assert_array_equal(npy(out), npy(w)[npy(idx)])  # forward unchanged
    out.sum().backward()
    counts = np.bincount(npy(idx).reshape(-1), minlength=5).astype(float)
    counts[row] = 0
    np.testing.assert_array_equal(npy(w.grad), np.repeat(counts[:, None], 3, axis=1))


def test_embedding_scale_grad_by_freq():
    w = T(rnd(5, 3), requires_grad=True)
    idx = nnx.tensor([[0, 2, 2], [2, 4, 0]])
    g = rnd(2, 3, 3, seed=9)
    (F.embedding(idx, w, scale_grad_by_freq=True) * T(g)).sum().backward()
    flat, g2 = npy(idx).reshape(-1), g.reshape(-1, 3)
    expected = np.zeros((5, 3))
    for j, k in enumerate(flat):
        expected[k] += g2[j] / (flat == k).sum()
    np.testing.assert_allclose(npy(w.grad), expected, rtol=1e-14)


def test_embedding_sparse_gives_dense_grad():
    w = T(rnd(5, 3), requires_grad=True)
    F.embedding(nnx.tensor([1, 1]), w, sparse=True).sum().backward()
    assert w.grad.shape == (5, 3) and npy(w.grad)[1].tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_embedding_max_norm_renormalises_in_place(norm_type):
    w0 = rnd(5, 3) * 3
    w = T(w0.copy(), requires_grad=True)
    idx = nnx.tensor([[0, 1], [1, 3]])
    out = F.embedding(idx, w, max_norm=1.5, norm_type=norm_type)
    assert w._version == 1 and w.is_leaf
    norms = np.linalg.norm(w0, ord=norm_type, axis=1)
    expected = w0.copy()
    for r in (0, 1, 3):
        if norms[r] > 1.5:
            expected[r] = w0[r] * (1.5 / (norms[r] + 1e-7))
    np.testing.assert_allclose(npy(w), expected, rtol=1e-14)  # rows 2 and 4 untouched
    np.testing.assert_allclose(npy(out), expected[npy(idx)], rtol=1e-14)


@pytest.mark.parametrize("kwargs", [{}, {"max_norm": 10.0}, {"padding_idx": None}])
def test_embedding_gradcheck(kwargs):
    idx = nnx.tensor([[0, 2, 2], [4, 0, 1]])
    w = T(rnd(5, 3), requires_grad=True)

    def fn(weight):
        return F.embedding(idx, weight, **kwargs)

    assert gradcheck(fn, (w,))
    assert gradgradcheck(fn, (w,))


def test_embedding_padding_and_freq_second_order():
    idx = nnx.tensor([[0, 2, 2], [4, 0, 1]])
    w = T(rnd(5, 3), requires_grad=True)
    out = F.embedding(idx, w, padding_idx=2, scale_grad_by_freq=True)
    g = T(rnd(2, 3, 3, seed=2), requires_grad=True)
    (gw,) = nnx.autograd.grad(out, w, g, create_graph=True)
    (gw * T(rnd(5, 3, seed=5))).sum().backward()
    first = np.zeros((5, 3))
    flat = npy(idx).reshape(-1)
    v = rnd(5, 3, seed=5)
    for j, k in enumerate(flat):
        if k != 2:
            first[k] += npy(g).reshape(-1, 3)[j] / (flat == k).sum()
    np.testing.assert_allclose(npy(gw), first, rtol=1e-14)
    expected_g = np.stack([v[k] / (flat == k).sum() if k != 2 else np.zeros(3) for k in flat])
    np.testing.assert_allclose(npy(g.grad).reshape(-1, 3), expected_g, rtol=1e-14)


def test_embedding_errors():
    w = T(rnd(5, 3))
    with pytest.raises(IndexError, match=r"^index out of range in self$"):
        F.embedding(nnx.tensor([1, 5]), w)
    with pytest.raises(IndexError, match=r"^index out of range in self$"):
        F.embedding(nnx.tensor([1, -1]), w)
    for bad, name in [
        (T([1.0, 2.0], "float32"), "FloatTensor"),
        (nnx.tensor(np.array([1, 2], dtype=np.int16)), "ShortTensor"),
    ]:
        with pytest.raises(RuntimeError) as info:
            F.embedding(bad, w)
        assert str(info.value) == (
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got nnx.{name} instead (while checking arguments for embedding)"
        )
    with pytest.raises(RuntimeError, match=r"^'weight' must be 2-D$"):
        F.embedding(nnx.tensor([1]), T(rnd(5)))
    for padding_idx in (5, -6):
        with pytest.raises(AssertionError, match=r"^Padding_idx must be within num_embeddings$"):
            F.embedding(nnx.tensor([1]), w, padding_idx=padding_idx)
