# ruff: noqa: UP008, E741  (the seed's examples as written: super(Cls, self), l)
"""The seed document's examples that use concrete layers, as written with ``torch``
replaced by ``nnx`` (Module, add_module, children, modules, state_dict, Sequential,
ModuleList, ParameterList sections).  The printed outputs are PyTorch 2.x's (no space before
``(`` in reprs, see the README), which the seed's 0.x outputs otherwise equal."""

from __future__ import annotations

from collections import OrderedDict

import nnx
import nnx.nn as nn
import nnx.nn.functional as F
from nnx.autograd import Variable


class SeedModel(nn.Module):
    """torch.nn.Module's introductory example."""

    def __init__(self):
        super(SeedModel, self).__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)  # submodule: Conv2d
        self.conv2 = nn.Conv2d(20, 20, 5)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        return F.relu(self.conv2(x))


def test_module_example_runs_forward_and_backward():
    model = SeedModel()
    out = model(nnx.randn(2, 1, 28, 28))
    assert out.shape == (2, 20, 20, 20)
    assert float(out.min()) >= 0.0
    out.sum().backward()
    assert model.conv1.weight.grad.shape == (20, 1, 5, 5)
    assert model.conv2.bias.grad.shape == (20,)


def test_add_module_example(capsys):
    class Model(nn.Module):
        def __init__(self):
            super(Model, self).__init__()
            self.add_module("conv", nn.Conv2d(10, 20, 4))

    model = Model()
    print(model.conv)
    assert capsys.readouterr().out == "Conv2d(10, 20, kernel_size=(4, 4), stride=(1, 1))\n"


class TwoConvs(nn.Module):
    def __init__(self):
        super(TwoConvs, self).__init__()
        self.add_module("conv", nn.Conv2d(10, 20, 4))
        self.add_module("conv1", nn.Conv2d(20, 10, 4))


def test_children_example(capsys):
    model = TwoConvs()
    for sub_module in model.children():
        print(sub_module)
    assert capsys.readouterr().out == (
        "Conv2d(10, 20, kernel_size=(4, 4), stride=(1, 1))\n"
        "Conv2d(20, 10, kernel_size=(4, 4), stride=(1, 1))\n"
    )


def test_modules_example(capsys):
    model = TwoConvs()
    for module in model.modules():
        print(module)
    assert capsys.readouterr().out == (
        "TwoConvs(\n"
        "  (conv): Conv2d(10, 20, kernel_size=(4, 4), stride=(1, 1))\n"
        "  (conv1): Conv2d(20, 10, kernel_size=(4, 4), stride=(1, 1))\n"
        ")\n"
        "Conv2d(10, 20, kernel_size=(4, 4), stride=(1, 1))\n"
        "Conv2d(20, 10, kernel_size=(4, 4), stride=(1, 1))\n"
    )


def test_shared_submodule_is_returned_once(capsys):
    class Model(nn.Module):
        def __init__(self):
            super(Model, self).__init__()
            submodule = nn.Conv2d(10, 20, 4)
            self.add_module("conv", submodule)
            self.add_module("conv1", submodule)

    model = Model()
    for module in model.modules():
        print(module)
    assert capsys.readouterr().out == (
        "Model(\n"
        "  (conv): Conv2d(10, 20, kernel_size=(4, 4), stride=(1, 1))\n"
        "  (conv1): Conv2d(10, 20, kernel_size=(4, 4), stride=(1, 1))\n"
        ")\n"
        "Conv2d(10, 20, kernel_size=(4, 4), stride=(1, 1))\n"
    )


def test_named_children_example(capsys):
    model = nn.Sequential(OrderedDict(
        (f"conv{i}", nn.Conv2d(3, 3, 1)) for i in range(1, 7)))
    for name, module in model.named_children():
        if name in ["conv4", "conv5"]:
            print(module)
    assert capsys.readouterr().out == "Conv2d(3, 3, kernel_size=(1, 1), stride=(1, 1))\n" * 2


def test_parameters_example(capsys):
    model = nn.Sequential(nn.Conv2d(1, 20, 5))
    for param in model.parameters():
        print(type(param.data), param.size())
    assert capsys.readouterr().out == (
        "<class 'nnx.Tensor'> nnx.Size([20, 1, 5, 5])\n"
        "<class 'nnx.Tensor'> nnx.Size([20])\n"
    )


def test_state_dict_example():
    class Model(nn.Module):
        def __init__(self):
            super(Model, self).__init__()
            self.conv2 = nn.Linear(1, 2)
            self.vari = Variable(nnx.rand([1]))
            self.par = nn.Parameter(nnx.rand([1]))
            self.register_buffer("buffer", nnx.randn([2, 3]))

    model = Model()
    assert str(model.state_dict().keys()) == (
        "odict_keys(['par', 'buffer', 'conv2.weight', 'conv2.bias'])")


def test_sequential_examples():
    model = nn.Sequential(
        nn.Conv2d(1, 20, 5),
        nn.ReLU(),
        nn.Conv2d(20, 64, 5),
        nn.ReLU(),
    )
    named = nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 20, 5)),
        ("relu1", nn.ReLU()),
        ("conv2", nn.Conv2d(20, 64, 5)),
        ("relu2", nn.ReLU()),
    ]))
    x = nnx.randn(1, 1, 16, 16)
    assert model(x).shape == named(x).shape == (1, 64, 8, 8)
    assert list(named.state_dict()) == ["conv1.weight", "conv1.bias", "conv2.weight",
                                        "conv2.bias"]
    named.load_state_dict(OrderedDict(zip(named.state_dict(), model.state_dict().values())))
    assert nnx.equal(model(x), named(x))


def test_module_list_example():
    class MyModule(nn.Module):
        def __init__(self):
            super(MyModule, self).__init__()
            self.linears = nn.ModuleList([nn.Linear(10, 10) for i in range(10)])

        def forward(self, x):
            # ModuleList can act as an iterable, or be indexed using ints
            for i, l in enumerate(self.linears):
                x = self.linears[i // 2](x) + l(x)
            return x

    module = MyModule()
    out = module(nnx.randn(4, 10))
    assert out.shape == (4, 10)
    out.sum().backward()
    assert all(p.grad is not None for p in module.parameters())
    assert len(list(module.parameters())) == 20


def test_parameter_list_example():
    class MyModule(nn.Module):
        def __init__(self):
            super(MyModule, self).__init__()
            self.params = nn.ParameterList([nn.Parameter(nnx.randn(10, 10)) for i in range(10)])

        def forward(self, x):
            # ParameterList can act as an iterable, or be indexed using ints
            for i, p in enumerate(self.params):
                x = self.params[i // 2].mm(x) + p.mm(x)
            return x

    module = MyModule()
    out = module(nnx.randn(10, 3) * 0.01)
    assert out.shape == (10, 3)
