"""Bad input gets a clear Python exception: never a crash, never a silent wrong result."""

import numpy as np
import pytest

import nnx
import nnx.nn.functional as F

X = nnx.ones(2, 3)
BAD_VALUES = [None, "text", object(), [1, "a"], {"a": 1}, np.array(["x"]), 1j]


def _calls(bad):
    return {
        "add": lambda: X + bad,
        "radd": lambda: bad + X,
        "mul": lambda: X * bad,
        "matmul": lambda: X @ bad,
        "pow": lambda: X ** bad,
        "compare": lambda: X < bad,
        "index": lambda: X[bad],
        "setitem": lambda: X.__setitem__(0, bad),
        "sum_dim": lambda: X.sum(bad),
        "view": lambda: X.view(bad),
        "permute": lambda: X.permute(bad),
        "cat": lambda: nnx.cat([X, bad]),
        "clamp": lambda: X.clamp(bad, 1.0),
        "where": lambda: nnx.where(bad, X, X),
        "tensor": lambda: nnx.tensor(bad),
        "zeros": lambda: nnx.zeros(bad),
        "to": lambda: X.to(bad),
        "backward": lambda: nnx.ones(2, requires_grad=True).sum().backward(bad),
        "relu": lambda: F.relu(bad),
        "linear": lambda: F.linear(X, bad),
        "cross_entropy": lambda: F.cross_entropy(X, bad),
    }


@pytest.mark.parametrize("bad", BAD_VALUES, ids=lambda v: type(v).__name__)
def test_bad_arguments_raise_python_exceptions(bad):
    for name, call in _calls(bad).items():
        try:
            call()
        except (TypeError, ValueError, RuntimeError, IndexError, KeyError, AttributeError,
                NotImplementedError):
            continue
        # A few calls accept some of these values (e.g. X[None] adds a dim): then the
        # result must be a proper tensor.
        result = call()
        assert isinstance(result, (nnx.Tensor, tuple)) or result is None, name


def test_uninitialised_tensor_object_does_not_crash():
    t = nnx._C._C.TensorBase.__new__(nnx.Tensor)
    with pytest.raises(AttributeError):
        t.shape  # noqa: B018
    with pytest.raises(AttributeError):
        t + 1  # noqa: B018


def test_engine_node_constructed_by_hand_does_not_crash():
    node = nnx.autograd.graph.Node()
    with pytest.raises(NotImplementedError):
        node.backward(np.ones(1))
    assert node.saved_tensors == ()


def test_huge_and_empty_shapes():
    empty = nnx.zeros(0, 3, requires_grad=True)
    (empty * 2).sum().backward()
    assert empty.grad.shape == (0, 3)
    with pytest.raises((MemoryError, ValueError, RuntimeError)):
        nnx.zeros(2**40, 2**40)
