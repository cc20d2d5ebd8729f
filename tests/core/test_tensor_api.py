"""Tensor construction, metadata, conversion and printing."""

import copy
import pickle
import re

import numpy as np
import pytest

import nnx


def test_tensor_infers_torch_dtypes():
    assert nnx.tensor([1.0, 2.0]).dtype == nnx.float32
    assert nnx.tensor([1, 2]).dtype == nnx.int64
    assert nnx.tensor([True, False]).dtype == nnx.bool
    assert nnx.tensor([1, 2.5]).dtype == nnx.float32
    assert nnx.tensor(np.array([1.0])).dtype == nnx.float64
    assert nnx.tensor(3.5).shape == nnx.Size([])
    assert nnx.tensor([[1, 2], [3, 4]], dtype=nnx.float64).dtype == nnx.float64


def test_tensor_copies_but_from_numpy_shares():
    arr = np.zeros(3, dtype=np.float32)
    t = nnx.tensor(arr)
    s = nnx.from_numpy(arr)
    arr[0] = 5
    assert t[0].item() == 0.0 and s[0].item() == 5.0
    s.add_(1)
    assert arr[1] == 1.0


def test_from_numpy_rejects_unsupported_dtype():
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.uint16"):
        nnx.from_numpy(np.zeros(2, dtype=np.uint16))
    with pytest.raises(TypeError, match="expected np.ndarray"):
        nnx.from_numpy([1, 2])


def test_numpy_refuses_grad_tensors():
    x = nnx.ones(2, requires_grad=True)
    with pytest.raises(
        RuntimeError,
        match=re.escape(
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
        ),
    ):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]


def test_item_tolist_and_python_conversions():
    t = nnx.tensor([[1.5]])
    assert t.item() == 1.5 and float(t) == 1.5 and int(t) == 1
    assert nnx.tensor([[1, 2]]).tolist() == [[1, 2]]
    with pytest.raises(
        RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"
    ):
        nnx.tensor([1, 2]).item()
    with pytest.raises(
        RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"
    ):
        bool(nnx.tensor([1, 2]))
    assert f"{nnx.tensor(2.5):.2f}" == "2.50"


def test_size_device_and_metadata():
    t = nnx.zeros(2, 3)
    assert t.shape == (2, 3) and repr(t.shape) == "nnx.Size([2, 3])"
    assert t.size() == nnx.Size([2, 3]) and t.size(1) == 3 and t.size(-1) == 3
    assert t.dim() == 2 and t.ndim == 2 and t.numel() == 6 and t.element_size() == 4
    assert t.device == nnx.device("cpu") and str(t.device) == "cpu"
    assert repr(nnx.device("cpu")) == "device(type='cpu')"
    assert t.stride() == (3, 1) and t.is_contiguous()
    assert t.is_leaf and t.grad_fn is None and not t.requires_grad
    assert len(t) == 2


def test_dtype_objects():
    assert repr(nnx.float32) == "nnx.float32"
    assert nnx.float32.is_floating_point and not nnx.int64.is_floating_point
    assert nnx.float16.itemsize == 2 and nnx.int64.is_signed and not nnx.uint8.is_signed
    assert nnx.promote_types(nnx.uint8, nnx.int8) == nnx.int16
    assert nnx.get_default_dtype() == nnx.float32
    assert pickle.loads(pickle.dumps(nnx.float16)) is nnx.float16


def test_default_dtype_switch():
    nnx.set_default_dtype(nnx.float64)
    try:
        assert nnx.tensor([1.0]).dtype == nnx.float64
        assert nnx.zeros(1).dtype == nnx.float64
        assert (nnx.tensor([1]) / 2).dtype == nnx.float64
    finally:
        nnx.set_default_dtype(nnx.float32)


def test_factories():
    assert nnx.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert nnx.ones((2,), dtype=nnx.int32).dtype == nnx.int32
    assert nnx.full((2,), 7).dtype == nnx.int64
    assert nnx.full((2,), 7.0).dtype == nnx.float32
    assert nnx.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert nnx.arange(1, 2, 0.25).tolist() == [1.0, 1.25, 1.5, 1.75]
    assert nnx.arange(1, 2, 0.25).dtype == nnx.float32
    assert nnx.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert nnx.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    x = nnx.ones(2, 3, dtype=nnx.float64)
    assert nnx.zeros_like(x).dtype == nnx.float64 and nnx.full_like(x, 2).tolist()[0] == [2.0] * 3
    with pytest.raises(
        RuntimeError, match=re.escape("Trying to create tensor with negative dimension -1: [-1]")
    ):
        nnx.zeros(-1)


def test_random_factories_are_seeded():
    nnx.manual_seed(0)
    a = nnx.randn(3)
    nnx.manual_seed(0)
    assert nnx.randn(3).tolist() == a.tolist()
    r = nnx.rand(1000)
    assert 0.0 <= r.min().item() and r.max().item() < 1.0
    i = nnx.randint(3, 7, (100,))
    assert i.dtype == nnx.int64 and 3 <= i.min().item() and i.max().item() < 7
    assert sorted(nnx.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    g = nnx.Generator().manual_seed(1)
    assert (
        nnx.rand(2, generator=g).tolist()
        == nnx.rand(2, generator=nnx.Generator().manual_seed(1)).tolist()
    )


def test_legacy_constructor():
    assert nnx.Tensor(2, 3).shape == (2, 3) and nnx.Tensor(2, 3).dtype == nnx.float32
    assert nnx.Tensor([1, 2]).dtype == nnx.float32
    assert nnx.Tensor().shape == (0,)


def test_repr_like_torch():
    assert (
        repr(nnx.tensor([[1.0, 2.0]], requires_grad=True))
        == "tensor([[1., 2.]], requires_grad=True)"
    )
    assert repr(nnx.tensor([1, 2], dtype=nnx.int32)) == "tensor([1, 2], dtype=nnx.int32)"
    assert repr(nnx.tensor(2.5, dtype=nnx.float64)) == "tensor(2.5000, dtype=nnx.float64)"
    x = nnx.tensor([1.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2.], grad_fn=<MulBackward0>)"


def test_deepcopy_and_pickle_keep_values():
    x = nnx.tensor([1.0, 2.0], requires_grad=True)
    y = copy.deepcopy(x)
    assert y.requires_grad and y.tolist() == [1.0, 2.0]
    assert not np.shares_memory(y.detach().numpy(), x.detach().numpy())
    z = pickle.loads(pickle.dumps(x))
    assert z.requires_grad and z.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
        copy.deepcopy(x * 2)


def test_cuda_is_unavailable_with_clear_error():
    assert nnx.cuda.is_available() is False
    with pytest.raises(RuntimeError, match="no CUDA backend"):
        nnx.ones(1).cuda()
    with pytest.raises(RuntimeError, match="no CUDA backend"):
        nnx.ones(1).to("cuda")
    for factory in (nnx.zeros, nnx.ones, nnx.randn, nnx.rand, nnx.empty):
        with pytest.raises(RuntimeError, match="no CUDA backend"):
            factory(2, device="cuda")
    with pytest.raises(RuntimeError, match="no CUDA backend"):
        nnx.tensor([1.0], device="cuda:0")
    assert nnx.zeros(2, device="cpu").device == nnx.device("cpu")
    assert nnx.cuda.device_count() == 0 and not nnx.ones(1).is_cuda


def test_backend_registry_is_the_device_seam():
    from nnx import _backend

    assert _backend.for_array(np.zeros(1)).device_type == "cpu"
    with pytest.raises(TypeError, match="no nnx backend holds arrays of type list"):
        _backend.for_array([1.0])


class Cube(nnx.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2


class SplitScale(nnx.autograd.Function):
    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        return x * factor, x + 1

    @staticmethod
    def backward(ctx, g1, g2):
        return g1 * ctx.factor + g2, None


def test_custom_function():
    x = nnx.tensor([1.0, 2.0], dtype=nnx.float64, requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    assert nnx.autograd.gradcheck(Cube.apply, (x,))
    assert nnx.autograd.gradgradcheck(Cube.apply, (x,))


def test_custom_function_multiple_outputs_and_non_tensor_args():
    x = nnx.tensor([1.0, 2.0], dtype=nnx.float64, requires_grad=True)
    a, b = SplitScale.apply(x, 3.0)
    (a.sum() + 2 * b.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])
    x.grad = None
    a, _ = SplitScale.apply(x, 3.0)
    a.sum().backward()  # the unused output's gradient is materialised as zeros
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_custom_function_wrong_gradient_count():
    class Bad(nnx.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    x = nnx.ones(2, requires_grad=True)
    with pytest.raises(
        RuntimeError,
        match=re.escape("returned an incorrect number of gradients (expected 2, got 1)"),
    ):
        Bad.apply(x, x).sum().backward()


def test_tensor_with_dtype_converts_python_floats_directly():
    # 0.1 as float64 is the double nearest 0.1, not float32(0.1) widened (torch agrees).
    assert nnx.tensor([0.1], dtype=nnx.float64).item() == 0.1
    assert nnx.tensor(0.1, dtype=nnx.float64).item() == 0.1
    assert nnx.tensor([[1, 2]], dtype=nnx.float64).dtype == nnx.float64


def test_clamp_of_zero_dim_tensor():
    assert nnx.clamp(nnx.tensor(2.0), max=1.0).item() == 1.0
    assert nnx.clamp(nnx.tensor(-2.0), min=0.5).item() == 0.5


@pytest.mark.parametrize("data, dtype", [
    (np.float64(0.1), nnx.float64),     # np.float64 is also a Python float: still float64
    ([np.float64(0.1)], nnx.float64),
    (np.float32(0.1), nnx.float32),
    (np.int32(3), nnx.int32),
    ([np.int32(3)], nnx.int32),
    ([1.5, 2], nnx.float32),
    ([1, 2], nnx.int64),
    ([nnx.tensor(1.0), 2.0], nnx.float32),
])
def test_tensor_infers_numpy_scalar_dtypes_like_torch(data, dtype):
    assert nnx.tensor(data).dtype == dtype


def test_float_and_int_of_many_elements_raise_value_error():
    for convert in (float, int):
        with pytest.raises(ValueError, match="only one element tensors can be converted to "
                                             "Python scalars"):
            convert(nnx.ones(2))
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted"):
        nnx.ones(2).item()


@pytest.mark.parametrize("dtype, name", [(nnx.int64, "Long"), (nnx.bool, "Bool"),
                                         (nnx.uint8, "Byte")])
def test_random_fills_refuse_integer_and_bool_tensors(dtype, name):
    with pytest.raises(NotImplementedError,
                       match=f'"check_uniform_bounds" not implemented for \'{name}\''):
        nnx.zeros(2, dtype=dtype).uniform_()
    with pytest.raises(NotImplementedError,
                       match=f'"normal_kernel_cpu" not implemented for \'{name}\''):
        nnx.zeros(2, dtype=dtype).normal_()
