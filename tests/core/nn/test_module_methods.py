"""Module's other methods: traversal orders, modes, gradients, casts, repr, copies, and the
seed's examples (contract §1, §2.4, §2.7)."""

import copy
import pickle

import numpy as np
import pytest
from _nn_helpers import Lin, ReLU, raises

import nnx
from nnx import nn


class Seq(nn.Module):
    """A chain of children named 0..n-1 (the containers have their own tests)."""

    def __init__(self, *mods):
        super().__init__()
        for i, mod in enumerate(mods):
            self.add_module(str(i), mod)

    def forward(self, x):
        for mod in self._modules.values():
            x = mod(x)
        return x


class Tanh(nn.Module):
    def forward(self, x):
        return nnx.tanh(x)


def test_modules_preorder_apply_postorder():
    relu, tanh = ReLU(), Tanh()
    inner = Seq(relu)
    outer = Seq(inner, tanh)
    assert list(outer.modules()) == [outer, inner, relu, tanh]
    assert [n for n, _ in outer.named_modules(prefix="net")] == ["net", "net.0", "net.0.0",
                                                                 "net.1"]
    visited = []
    assert outer.apply(visited.append) is outer
    assert visited == [relu, inner, tanh, outer]


def test_modules_remove_duplicate():
    relu = ReLU()
    inner = Seq(relu)
    outer = Seq(relu, inner)
    assert list(outer.modules()) == [outer, relu, inner]
    assert list(outer.modules(remove_duplicate=False)) == [outer, relu, inner, relu]


def test_named_members_prefix_and_recurse():
    m = Seq(Lin(1, 1), ReLU())
    m.register_buffer("steps", nnx.zeros(1))
    assert [n for n, _ in m.named_parameters(prefix="net")] == ["net.0.weight", "net.0.bias"]
    assert list(m.named_parameters(recurse=False)) == []
    assert [n for n, _ in m.named_buffers()] == ["steps"]
    assert list(m.buffers(recurse=False)) == [m.steps]


def test_train_eval():
    m = Seq(Seq(ReLU()), Tanh())
    assert all(mod.training for mod in m.modules())
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())
    with raises(ValueError, "training mode is expected to be boolean"):
        m.train(3)


def test_zero_grad_sets_none_by_default_or_zeros():
    m = Lin(2, 1)
    m(nnx.ones(3, 2)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert m.weight.grad.tolist() == [[0.0, 0.0]]
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None


def test_requires_grad_():
    m = Lin(2, 1)
    assert m.requires_grad_(False) is m
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    assert all(p.requires_grad for p in m.parameters())


class WithBuffers(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = Lin(2, 2)
        self.register_buffer("running", nnx.zeros(2))
        self.register_buffer("count", nnx.zeros(1, dtype=nnx.int64))


@pytest.mark.parametrize("cast, dtype", [
    (lambda m: m.double(), nnx.float64),
    (lambda m: m.half(), nnx.float16),
    (lambda m: m.to(nnx.float64), nnx.float64),
    (lambda m: m.to("cpu", nnx.float64), nnx.float64),
    (lambda m: m.to(dtype=nnx.float64), nnx.float64),
    (lambda m: m.to(nnx.zeros(1, dtype=nnx.float64)), nnx.float64),
    (lambda m: m.double().float(), nnx.float32),
])
def test_float_casts_keep_int_buffers_and_parameter_identity(cast, dtype):
    m = WithBuffers()
    weight = m.lin.weight
    m.lin(nnx.ones(1, 2)).sum().backward()
    assert cast(m) is m
    assert m.lin.weight is weight and isinstance(weight, nn.Parameter)
    assert weight.dtype == dtype and weight.grad.dtype == dtype and weight.requires_grad
    assert m.running.dtype == dtype and m.count.dtype == nnx.int64


def test_type_casts_everything():
    m = WithBuffers()
    m.type(nnx.float64)
    assert m.count.dtype == nnx.float64 and m.lin.weight.dtype == nnx.float64


def test_to_rejects_integer_dtype_and_gpu():
    with raises(TypeError, "nn.Module.to only accepts floating point or complex dtypes, but got "
                           "desired dtype=nnx.int32"):
        Lin(1, 1).to(nnx.int32)
    if not nnx.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            Lin(1, 1).cuda()
        with pytest.raises(RuntimeError, match="cuda"):
            Lin(1, 1).to("cuda")
    assert Lin(1, 1).cpu().to("cpu").weight.device.type == "cpu"


def test_forward_not_implemented():
    with raises(NotImplementedError, 'Module [Module] is missing the required "forward" function'):
        nn.Module()(nnx.ones(1))


class B(nn.Module):
    def __init__(self, k=1):
        super().__init__()
        self.k = k

    def extra_repr(self):
        return f"k={self.k}"


class TwoLines(nn.Module):
    def extra_repr(self):
        return "first\nsecond"


def test_repr_formats():
    assert repr(B()) == "B(k=1)"
    assert repr(nn.Module()) == "Module()"
    assert repr(ReLU()) == "ReLU()"
    assert repr(Lin(2, 2)) == "Lin(in_features=2, out_features=2, bias=True)"
    nested = Seq(Seq(B(), ReLU()), Lin(2, 3))
    assert repr(nested) == (
        "Seq(\n"
        "  (0): Seq(\n"
        "    (0): B(k=1)\n"
        "    (1): ReLU()\n"
        "  )\n"
        "  (1): Lin(in_features=2, out_features=3, bias=True)\n"
        ")"
    )
    assert repr(TwoLines()) == "TwoLines(\n  first\n  second\n)"
    with_child = B(2)
    with_child.inner = ReLU()
    assert repr(with_child) == "B(\n  k=2\n  (inner): ReLU()\n)"


def no_op_hook(*args):
    return None


def test_deepcopy_and_pickle_copy_everything():
    m = WithBuffers()
    m.register_forward_hook(no_op_hook)
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert clone.lin.weight is not m.lin.weight
        assert isinstance(clone.lin.weight, nn.Parameter) and clone.lin.weight.requires_grad
        np.testing.assert_array_equal(clone.lin.weight.detach().numpy(),
                                      m.lin.weight.detach().numpy())
        assert list(clone.state_dict()) == list(m.state_dict())
        assert len(clone._forward_hooks) == 1


def test_share_memory_and_to_empty():
    m = WithBuffers()
    assert m.share_memory() is m
    m.to_empty(device="cpu")
    assert m.lin.weight.shape == (2, 2) and m.count.dtype == nnx.int64


@pytest.mark.parametrize("move", ["ipu", "xpu", "mtia"])
def test_other_accelerators_are_refused_clearly(move):
    with raises(RuntimeError, f"nnx has no {move} backend"):
        getattr(Lin(1, 1), move)()


def test_bfloat16_is_refused_clearly():
    with raises(TypeError, "nnx has no bfloat16 dtype"):
        Lin(1, 1).bfloat16()


# -- the seed's examples (with the test Lin standing in for Conv2d) --------------------


class SeedModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.add_module("conv", Lin(10, 20))
        self.add_module("conv1", Lin(20, 10))


def test_seed_children_and_modules():
    model = SeedModel()
    assert [repr(m) for m in model.children()] == [
        "Lin(in_features=10, out_features=20, bias=True)",
        "Lin(in_features=20, out_features=10, bias=True)",
    ]
    assert [type(m).__name__ for m in model.modules()] == ["SeedModel", "Lin", "Lin"]
    assert repr(model) == (
        "SeedModel(\n"
        "  (conv): Lin(in_features=10, out_features=20, bias=True)\n"
        "  (conv1): Lin(in_features=20, out_features=10, bias=True)\n"
        ")"
    )


def test_seed_shared_submodule_listed_once():
    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            sub = Lin(10, 20)
            self.add_module("conv", sub)
            self.add_module("conv1", sub)

    model = Shared()
    assert len(list(model.modules())) == 2
    assert "(conv1): Lin(in_features=10, out_features=20, bias=True)" in repr(model)


def test_seed_named_children_and_parameters_loop():
    model = SeedModel()
    picked = [m for name, m in model.named_children() if name in ["conv1"]]
    assert picked == [model.conv1]
    sizes = [tuple(p.size()) for p in model.parameters()]
    assert sizes == [(20, 10), (20,), (10, 20), (10,)]
    assert all(type(p.data) is nnx.Tensor for p in model.parameters())


def test_seed_register_buffer_example():
    class BN(nn.Module):
        def __init__(self, num_features):
            super().__init__()
            self.register_buffer("running_mean", nnx.zeros(num_features))

    assert BN(3).running_mean.tolist() == [0.0, 0.0, 0.0]


def test_training_step_with_module_parameters():
    nnx.manual_seed(0)
    model = Seq(Lin(3, 4, dtype=nnx.float64), ReLU(), Lin(4, 1, dtype=nnx.float64))
    x = nnx.randn(8, 3, dtype=nnx.float64)
    y = nnx.randn(8, 1, dtype=nnx.float64)
    losses = []
    for _ in range(20):
        model.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        with nnx.no_grad():
            for p in model.parameters():
                p.sub_(0.1 * p.grad)
        losses.append(loss.item())
    assert losses[-1] < losses[0]
