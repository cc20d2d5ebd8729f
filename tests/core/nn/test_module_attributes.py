"""Parameter, Buffer and Module's registration and attribute rules (contract §1, §2.3).

Messages are torch 2.13's verbatim, with ``torch`` spelled ``nnx`` where they name a type.
"""

import copy
import pickle

import pytest
from _nn_helpers import Lin, ReLU, raises

import nnx
from nnx import nn


def test_parameter_is_a_tensor_that_shares_data():
    data = nnx.zeros(2)
    p = nn.Parameter(data)
    assert isinstance(p, nnx.Tensor) and p.requires_grad and p.is_leaf
    data.add_(1)
    assert p.tolist() == [1.0, 1.0]
    assert repr(p) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    assert repr(nn.Parameter(nnx.zeros(2), requires_grad=False)) == (
        "Parameter containing:\ntensor([0., 0.])")
    assert tuple(nn.Parameter().shape) == (0,)


def test_parameter_results_are_plain_tensors_but_copies_stay_parameters():
    p = nn.Parameter(nnx.ones(2))
    for t in (p * 2, p.data, p.detach()):
        assert type(t) is nnx.Tensor
    for clone in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(clone) is nn.Parameter and clone.requires_grad
        assert clone.tolist() == [1.0, 1.0]


def test_parameter_deepcopy_drops_grad_like_torch():
    p = nn.Parameter(nnx.ones(2))
    p.grad = nnx.ones(2)
    p.note = "kept by pickle, not by deepcopy"
    clone = copy.deepcopy(p)
    assert clone.grad is None and not hasattr(clone, "note") and clone.requires_grad
    clone.data.add_(1)
    assert p.tolist() == [1.0, 1.0]  # the data was copied


def test_parameter_rejects_non_tensors():
    with raises(TypeError, "Parameter(): argument 'data' must be Tensor, not list"):
        nn.Parameter([1.0])


class Model(nn.Module):
    """The seed's state_dict example: a plain tensor attribute is not state."""

    def __init__(self):
        super().__init__()
        self.conv2 = Lin(1, 2)
        self.vari = nnx.autograd.Variable(nnx.rand(1))
        self.par = nn.Parameter(nnx.rand(1))
        self.register_buffer("buffer", nnx.randn(2, 3))


def test_parameter_assignment_registers_plain_tensor_does_not():
    m = Model()
    assert [name for name, _ in m.named_parameters()] == ["par", "conv2.weight", "conv2.bias"]
    assert "vari" in m.__dict__ and "vari" not in m._parameters
    assert list(m.state_dict()) == ["par", "buffer", "conv2.weight", "conv2.bias"]


def test_lookup_order_and_missing_attribute():
    m = Model()
    assert m.par is m._parameters["par"] and m.buffer is m._buffers["buffer"]
    assert m.conv2 is m._modules["conv2"]
    with raises(AttributeError, "'Model' object has no attribute 'foo'"):
        _ = m.foo


def test_assignment_moves_a_name_between_registries():
    m = nn.Module()
    m.x = nnx.ones(1)
    m.x = nn.Parameter(nnx.ones(1))
    assert "x" not in m.__dict__ and "x" in m._parameters
    m.y = ReLU()
    m.y = nn.Parameter(nnx.ones(1))
    assert "y" not in m._modules and "y" in m._parameters
    m.register_buffer("b", nnx.ones(1))
    m.b = nnx.zeros(2)  # a tensor over an existing buffer replaces the buffer
    assert m._buffers["b"].tolist() == [0.0, 0.0]
    m.b = ReLU()
    assert "b" not in m._buffers and "b" in m._modules


def test_none_slots():
    m = nn.Module()
    m.register_parameter("w", None)
    m.register_buffer("b", None)
    m.a = ReLU()
    m.a = None
    assert m.w is None and m.b is None and m.a is None
    assert m._modules == {"a": None}
    assert list(m.children()) == [] and list(m.parameters()) == []
    assert list(m.state_dict()) == []


def test_buffer_class_and_non_persistent_buffers():
    m = nn.Module()
    m.x = nn.Buffer(nnx.ones(2))
    m.y = nn.Buffer(nnx.zeros(1), persistent=False)
    m.register_buffer("z", nnx.ones(1), persistent=False)
    assert [n for n, _ in m.named_buffers()] == ["x", "y", "z"]
    assert list(m.state_dict()) == ["x"]
    m.z = nnx.zeros(3)  # reassigning keeps it non-persistent
    assert list(m.state_dict()) == ["x"]


def test_delattr():
    lin = Lin(2, 2)
    del lin.weight
    assert list(lin.state_dict()) == ["bias"]
    lin.register_buffer("b", nnx.ones(1), persistent=False)
    del lin.b
    assert "b" not in lin._non_persistent_buffers_set
    with raises(AttributeError, "'Lin' object has no attribute 'foo'"):
        del lin.foo


class Early(nn.Module):
    def __init__(self, what):
        if what == "parameter":
            self.p = nn.Parameter(nnx.ones(1))
        elif what == "module":
            self.m = ReLU()
        else:
            self.register_buffer("b", nnx.ones(1))
        super().__init__()


@pytest.mark.parametrize("what, message", [
    ("parameter", "cannot assign parameters before Module.__init__() call"),
    ("module", "cannot assign module before Module.__init__() call"),
    ("buffer", "cannot assign buffer before Module.__init__() call"),
])
def test_assigning_before_init(what, message):
    with raises(AttributeError, message):
        Early(what)


def test_assignment_type_errors():
    lin = Lin(2, 2)
    with raises(TypeError, "cannot assign 'nnx.FloatTensor' as parameter 'weight' "
                           "(nnx.nn.Parameter or None expected)"):
        lin.weight = nnx.ones(2)
    m = nn.Module()
    m.p = nn.Parameter(nnx.ones(1))
    with raises(TypeError, "cannot assign '_nn_helpers.Lin' as parameter 'p' "
                           "(nnx.nn.Parameter or None expected)"):
        m.p = Lin(1, 1)
    m.add_module("0", ReLU())
    with raises(TypeError, "cannot assign 'int' as child module '0' "
                           "(nnx.nn.Module or None expected)"):
        setattr(m, "0", 3)
    m.register_buffer("b", nnx.ones(1))
    with raises(TypeError, "cannot assign 'int' as buffer 'b' "
                           "(nnx.nn.Buffer, nnx.Tensor or None expected)"):
        m.b = 3


@pytest.mark.parametrize("call, exc, message", [
    (lambda m: m.register_buffer("b", 3), TypeError,
     "cannot assign 'int' object to buffer 'b' (nnx Tensor or None required)"),
    (lambda m: m.register_buffer("a.b", nnx.ones(1)), KeyError, 'buffer name can\'t contain "."'),
    (lambda m: m.register_buffer("", nnx.ones(1)), KeyError,
     'buffer name can\'t be empty string ""'),
    (lambda m: m.register_buffer(1, nnx.ones(1)), TypeError,
     "buffer name should be a string. Got int"),
    (lambda m: m.register_parameter("p", nnx.ones(1)), TypeError,
     "cannot assign 'nnx.FloatTensor' object to parameter 'p' "
     "(nnx.nn.Parameter or None required)"),
    (lambda m: m.register_parameter("a.b", None), KeyError, 'parameter name can\'t contain "."'),
    (lambda m: m.register_parameter("", None), KeyError,
     'parameter name can\'t be empty string ""'),
    (lambda m: m.register_parameter(1, None), TypeError,
     "parameter name should be a string. Got int"),
    (lambda m: m.add_module("a", 3), TypeError, "int is not a Module subclass"),
    (lambda m: m.add_module("a.b", ReLU()), KeyError, 'module name can\'t contain ".", got: a.b'),
    (lambda m: m.add_module("", ReLU()), KeyError, 'module name can\'t be empty string ""'),
    (lambda m: m.add_module(1, ReLU()), TypeError, "module name should be a string. Got int"),
    (lambda m: m.register_buffer("x", nnx.ones(1)), KeyError, "attribute 'x' already exists"),
    (lambda m: m.register_parameter("x", None), KeyError, "attribute 'x' already exists"),
    (lambda m: m.add_module("x", ReLU()), KeyError, "attribute 'x' already exists"),
    (lambda m: m.register_buffer("training", None), KeyError,
     "attribute 'training' already exists"),
])
def test_registration_errors(call, exc, message):
    m = nn.Module()
    m.x = 1
    with raises(exc, message):
        call(m)


def test_register_parameter_rejects_non_leaf():
    p = nn.Parameter(nnx.ones(1))
    q = nn.Parameter(nnx.ones(1))
    q._grad_fn = (p * 2).grad_fn  # a Parameter with history: torch refuses to register it
    with raises(ValueError, "Cannot assign non-leaf Tensor to parameter 'q'"):
        nn.Module().register_parameter("q", q)


def test_register_module_is_add_module():
    m = nn.Module()
    m.register_module("act", ReLU())
    assert isinstance(m.act, ReLU)


def test_module_init_rejects_arguments():
    with raises(TypeError, "Module.__init__() got an unexpected keyword argument 'a'"):
        nn.Module(a=1)
    with raises(TypeError, "Module.__init__() takes 1 positional argument but 2 were given"):
        nn.Module(1)


def test_dir_lists_registered_names_without_digit_keys():
    m = Model()
    m.add_module("0", ReLU())
    names = dir(m)
    assert {"par", "buffer", "conv2", "vari", "state_dict", "training"} <= set(names)
    assert "0" not in names and names == sorted(names)


def test_get_submodule_parameter_buffer():
    m = nn.Module()
    m.enc = nn.Module()
    m.enc.add_module("0", Lin(2, 2))
    m.enc.register_buffer("rb", nnx.ones(1))
    assert m.get_submodule("") is m and m.get_submodule("enc.0") is m.enc._modules["0"]
    assert m.get_parameter("enc.0.weight") is m.enc._modules["0"].weight
    assert m.get_buffer("enc.rb") is m.enc.rb
    with raises(AttributeError, "Module has no attribute `5`"):
        m.get_submodule("enc.5")
    with raises(AttributeError, "`weight` is not an nn.Module"):
        m.get_submodule("enc.0.weight")
    with raises(AttributeError, "`rb` is not an nn.Parameter"):
        m.get_parameter("enc.rb")
    with raises(AttributeError, "`weight` is not a buffer"):
        m.get_buffer("enc.0.weight")
    with raises(AttributeError, "Lin has no attribute `foo`"):
        m.get_parameter("enc.0.foo")


def test_set_submodule():
    m = nn.Module()
    m.enc = nn.Module()
    new = ReLU()
    m.set_submodule("enc.act", new)
    assert m.enc.act is new
    with raises(AttributeError, "Module has no attribute `other`"):
        m.set_submodule("enc.other", ReLU(), strict=True)
