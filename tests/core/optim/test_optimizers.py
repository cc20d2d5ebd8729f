"""The five optimizers' options: defaults and signatures, argument checks (torch 2.13's
messages verbatim), state entries (keys in torch's order, dtypes, version counters),
implementation flags. The update arithmetic itself is checked against torch's recorded
runs in test_golden_optim.py."""

import copy
import inspect

import numpy as np
import pytest
from _optim_helpers import numpy, param, raises

import nnx
from nnx import optim

DEFAULTS = {
    optim.SGD: {
        "lr": 1e-3, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False,
        "maximize": False, "foreach": None, "differentiable": False, "fused": None,
    },
    optim.Adam: {
        "lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": False,
        "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
        "fused": None, "decoupled_weight_decay": False,
    },
    optim.AdamW: {
        "lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False,
        "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
        "fused": None, "decoupled_weight_decay": True,
    },
    optim.RMSprop: {
        "lr": 1e-2, "momentum": 0, "alpha": 0.99, "eps": 1e-8, "centered": False,
        "weight_decay": 0, "capturable": False, "foreach": None, "maximize": False,
        "differentiable": False,
    },
    optim.Adagrad: {
        "lr": 1e-2, "lr_decay": 0, "eps": 1e-10, "weight_decay": 0,
        "initial_accumulator_value": 0, "foreach": None, "maximize": False,
        "differentiable": False, "fused": None,
    },
}  # fmt: skip

# torch's parameter lists: (positional-or-keyword, keyword-only)
SIGNATURES = {
    optim.SGD: (
        ["params", "lr", "momentum", "dampening", "weight_decay", "nesterov"],
        ["maximize", "foreach", "differentiable", "fused"],
    ),
    optim.Adam: (
        ["params", "lr", "betas", "eps", "weight_decay", "amsgrad"],
        ["foreach", "maximize", "capturable", "differentiable", "fused", "decoupled_weight_decay"],
    ),
    optim.AdamW: (
        ["params", "lr", "betas", "eps", "weight_decay", "amsgrad"],
        ["maximize", "foreach", "capturable", "differentiable", "fused"],
    ),
    optim.RMSprop: (
        ["params", "lr", "alpha", "eps", "weight_decay", "momentum", "centered", "capturable",
         "foreach", "maximize", "differentiable"],
        [],
    ),
    optim.Adagrad: (
        ["params", "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps",
         "foreach"],
        ["maximize", "differentiable", "fused"],
    ),
}  # fmt: skip

ALL = list(DEFAULTS)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_defaults_and_group_keys(cls):
    opt = cls([param(2)])
    assert opt.defaults == DEFAULTS[cls]
    assert list(opt.defaults) == list(DEFAULTS[cls])  # torch's order (repr, state_dict)
    assert list(opt.param_groups[0]) == ["params", *DEFAULTS[cls]]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_signature(cls):
    parameters = inspect.signature(cls).parameters.values()
    positional = [p.name for p in parameters if p.kind == p.POSITIONAL_OR_KEYWORD]
    keyword = [p.name for p in parameters if p.kind == p.KEYWORD_ONLY]
    assert (positional, keyword) == SIGNATURES[cls]


INVALID = [
    (optim.SGD, {"lr": -1}, "Invalid learning rate: -1"),
    (optim.SGD, {"lr": -0.5}, "Invalid learning rate: -0.5"),
    (optim.SGD, {"momentum": -0.1}, "Invalid momentum value: -0.1"),
    (optim.SGD, {"weight_decay": -1e-3}, "Invalid weight_decay value: -0.001"),
    (optim.SGD, {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    (
        optim.SGD,
        {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
        "Nesterov momentum requires a momentum and zero dampening",
    ),
    (optim.Adam, {"lr": -1}, "Invalid learning rate: -1"),
    (optim.Adam, {"eps": -1}, "Invalid epsilon value: -1"),
    (optim.Adam, {"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0: 1.0"),
    (optim.Adam, {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    (optim.Adam, {"weight_decay": -1}, "Invalid weight_decay value: -1"),
    (optim.Adam, {"betas": (0, 0.9)}, "betas must be either both floats or both Tensors"),
    (optim.AdamW, {"lr": -1e-3}, "Invalid learning rate: -0.001"),
    (optim.AdamW, {"betas": (0.5, 1)}, "Invalid beta parameter at index 1: 1"),
    (optim.RMSprop, {"lr": -1}, "Invalid learning rate: -1"),
    (optim.RMSprop, {"alpha": -0.5}, "Invalid alpha value: -0.5"),
    (optim.RMSprop, {"eps": -0.5}, "Invalid epsilon value: -0.5"),
    (optim.RMSprop, {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    (optim.RMSprop, {"weight_decay": -0.5}, "Invalid weight_decay value: -0.5"),
    (optim.Adagrad, {"lr": -1}, "Invalid learning rate: -1"),
    (optim.Adagrad, {"lr_decay": -0.5}, "Invalid lr_decay value: -0.5"),
    (optim.Adagrad, {"weight_decay": -0.5}, "Invalid weight_decay value: -0.5"),
    (
        optim.Adagrad,
        {"initial_accumulator_value": -0.5},
        "Invalid initial_accumulator_value value: -0.5",
    ),
    (optim.Adagrad, {"eps": -0.5}, "Invalid epsilon value: -0.5"),
]


@pytest.mark.parametrize(("cls", "kwargs", "message"), INVALID)
def test_invalid_arguments(cls, kwargs, message):
    with raises(ValueError, message):
        cls([param(2)], **kwargs)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_nan_lr(cls):
    # torch's SGD checks ``lr < 0.0``, which a NaN passes; the others ``not 0.0 <= lr``
    if cls is optim.SGD:
        assert np.isnan(cls([param(2)], lr=float("nan")).defaults["lr"])
    else:
        with raises(ValueError, "Invalid learning rate: nan"):
            cls([param(2)], lr=float("nan"))


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_tensor_lr_must_have_one_element(cls):
    with raises(ValueError, "Tensor lr must be 1-element"):
        cls([param(2)], lr=nnx.tensor([0.1, 0.2]))
    cls([param(2)], lr=nnx.tensor([0.1]))


def test_adam_tensor_hyperparameters_and_foreach():
    lr, b1, b2 = nnx.tensor(0.1), nnx.tensor(0.9), nnx.tensor(0.99)
    message = "lr as a Tensor is not supported for capturable=False and foreach=True"
    with raises(ValueError, message):
        optim.Adam([param(2)], lr=lr, foreach=True)
    with raises(
        ValueError, "betas[0] as a Tensor is not supported for capturable=False and foreach=True"
    ):
        optim.Adam([param(2)], betas=(b1, b2), foreach=True)
    with raises(ValueError, "betas must be either both floats or both Tensors"):
        optim.Adam([param(2)], betas=(b1, 0.99))
    # a 1-element beta of any rank is kept as a 0-d tensor
    opt = optim.Adam([param(2)], betas=(nnx.tensor([0.9]), b2))
    assert all(b.dim() == 0 for b in opt.defaults["betas"])


def test_adam_tensor_betas_match_float_betas():
    w, v = param(3), param(3)
    optim.Adam([w], lr=0.1, betas=(nnx.tensor(0.5, dtype=nnx.float64), nnx.tensor(0.75))).step()
    optim.Adam([v], lr=0.1, betas=(0.5, 0.75)).step()
    np.testing.assert_allclose(numpy(w), numpy(v), rtol=1e-7)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.Adagrad])
def test_fused_flag_checks(cls):
    with raises(RuntimeError, "`fused` and `foreach` cannot be `True` together."):
        cls([param(2)], fused=True, foreach=True)
    with raises(RuntimeError, "`fused` does not support `differentiable`"):
        cls([param(2)], fused=True, differentiable=True)
    ints = nnx.nn.Parameter(nnx.tensor([1, 2]), requires_grad=False)
    ints.grad = nnx.tensor([1, 1])
    opt = cls([ints], fused=True)
    with raises(RuntimeError, "`fused=True` requires all the params to be floating point"):
        opt.step()


def test_fused_and_foreach_give_the_same_steps():
    results = []
    for flags in ({}, {"foreach": True}, {"foreach": False}, {"fused": True}):
        w = param(4)
        opt = optim.Adam([w], lr=0.1, **flags)
        opt.step()
        opt.step()
        results.append(numpy(w))
        assert opt.state[w]["step"].dtype == nnx.float32
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_differentiable_is_not_supported(cls):
    with raises(NotImplementedError, "differentiable=True"):
        cls([param(2)], differentiable=True)


@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW, optim.RMSprop])
def test_capturable_needs_an_accelerator(cls):
    opt = cls([param(2)], capturable=True)
    with raises(
        AssertionError,
        "If capturable=True, params and state_steps must be on supported devices: "
        "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla'].",
    ):
        opt.step()


# state entries: (options, keys in torch's order); after two steps, torch's version counters
STATE = [
    (optim.SGD, {}, {}, 2),
    (optim.SGD, {"momentum": 0.9, "weight_decay": 0.1}, {"momentum_buffer": 2}, 2),
    (optim.Adam, {}, {"step": 2, "exp_avg": 2, "exp_avg_sq": 4}, 2),
    (
        optim.Adam,
        {"amsgrad": True},
        {"step": 2, "exp_avg": 2, "exp_avg_sq": 4, "max_exp_avg_sq": 2},
        2,
    ),
    (
        optim.Adam,
        {"weight_decay": 0.1, "decoupled_weight_decay": True},
        {"step": 2, "exp_avg": 2, "exp_avg_sq": 4},
        4,
    ),
    (optim.AdamW, {}, {"step": 2, "exp_avg": 2, "exp_avg_sq": 4}, 4),
    (optim.RMSprop, {}, {"step": 2, "square_avg": 4}, 2),
    (
        optim.RMSprop,
        {"momentum": 0.9, "centered": True},
        {"step": 2, "square_avg": 4, "momentum_buffer": 4, "grad_avg": 2},
        2,
    ),
    (optim.Adagrad, {}, {"step": 2, "sum": 2}, 2),
]


@pytest.mark.parametrize(("cls", "kwargs", "versions", "param_version"), STATE)
def test_state_entries_and_versions(cls, kwargs, versions, param_version):
    w = param(2)
    opt = cls([w], **kwargs)
    opt.step()
    opt.step()
    state = opt.state.get(w, {})
    assert {k: v._version for k, v in state.items()} == versions
    assert list(state) == list(versions)
    assert w._version == param_version
    if "step" in state:
        assert state["step"].dim() == 0 and state["step"].dtype == nnx.float32
        assert state["step"].item() == 2.0
    for key, value in state.items():
        if key != "step":
            assert value.dtype == w.dtype and value.shape == w.shape and not value.requires_grad


def test_step_is_float64_when_that_is_the_default_dtype():
    nnx.set_default_dtype(nnx.float64)
    try:
        w = param(2)
        opt = optim.RMSprop([w])
        opt.step()
        assert opt.state[w]["step"].dtype == nnx.float64
    finally:
        nnx.set_default_dtype(nnx.float32)


def test_sgd_momentum_buffer_starts_as_the_gradient():
    w = param(2)
    opt = optim.SGD([w], lr=1.0, momentum=0.9, dampening=0.5)
    opt.step()
    buf = opt.state[w]["momentum_buffer"]
    np.testing.assert_array_equal(numpy(buf), [0.5, 0.5])  # not dampened on the first step
    assert buf is not w.grad
    opt.step()
    np.testing.assert_allclose(numpy(buf), [0.9 * 0.5 + 0.5 * 0.5] * 2)


def test_adamw_stays_decoupled_after_loading():
    w = param(2)
    opt = optim.AdamW([w])
    sd = copy.deepcopy(opt.state_dict())
    sd["param_groups"][0]["decoupled_weight_decay"] = False
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_loading_old_checkpoints_fills_missing_options_and_number_steps():
    w = param(2)
    opt = optim.Adam([w])
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    del sd["param_groups"][0]["amsgrad"], sd["param_groups"][0]["decoupled_weight_decay"]
    sd["state"][0]["step"] = 1  # saved as a number by old versions of torch
    opt.load_state_dict(sd)
    group = opt.param_groups[0]
    assert group["amsgrad"] is False and group["decoupled_weight_decay"] is False
    step = opt.state[w]["step"]
    assert isinstance(step, nnx.Tensor) and step.dtype == nnx.float32 and step.item() == 1.0


def test_adagrad_creates_its_state_in_the_constructor():
    w, b = param(2), param(3)
    opt = optim.Adagrad([{"params": [w]}, {"params": [b], "initial_accumulator_value": 0.7}],
                        initial_accumulator_value=0.2)
    for p in (w, b):  # the constructor's value, whatever the group says (as torch)
        assert opt.state[p]["step"].item() == 0.0
        np.testing.assert_array_equal(numpy(opt.state[p]["sum"]), np.full(p.shape, 0.2))
    late = param(1)
    opt.add_param_group({"params": [late], "initial_accumulator_value": 0.9})
    assert late not in opt.state
    opt.step()
    np.testing.assert_array_equal(numpy(opt.state[late]["sum"]), [0.2 + 0.25])


def test_rmsprop_positional_flags():
    w = param(2)
    opt = optim.RMSprop([w], 0.01, 0.99, 1e-8, 0, 0, False, False, None, True)
    assert opt.param_groups[0]["maximize"] is True
    opt.step()
    assert (numpy(w) > [1.0, 2.0]).all()  # maximize: moves up the gradient
