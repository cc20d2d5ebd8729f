"""nnx.optim.Optimizer, the base class: parameter groups and their checks, zero_grad, step's
closure and hooks, state_dict / load_state_dict in torch's format, repr, copying. Expected
messages and reprs are torch 2.13's, verbatim."""

import copy
import pickle
import warnings

import numpy as np
import pytest
from _optim_helpers import numpy, param, raises

import nnx
from nnx import optim
from nnx.optim import optimizer as optimizer_module


def test_exports():
    names = {"Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"}
    assert names <= set(dir(optim))
    assert optim.lr_scheduler.StepLR.__module__ == "nnx.optim.lr_scheduler"
    for cls in (optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad):
        assert issubclass(cls, optim.Optimizer)
        assert cls.__doc__ and "Example" in cls.__doc__


# -- construction and parameter groups ----------------------------------------------------


def test_params_given_as_a_tensor():
    p = param(2)
    with raises(
        TypeError,
        "params argument given to the optimizer should be an iterable of Tensors or dicts, "
        "but got nnx.DoubleTensor",
    ):
        optim.SGD(p, lr=0.1)


def test_empty_params():
    with raises(ValueError, "optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)


def test_non_tensor_param():
    with raises(TypeError, "optimizer can only optimize Tensors, but one of the params is int"):
        optim.SGD([param(2), 1])


def test_non_leaf_param():
    p = param(2)
    with raises(ValueError, "can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2])
    q = p * 2
    q.retain_grad()  # a non-leaf that retains its grad is accepted, as in torch
    optim.SGD([q])


def test_param_in_two_groups():
    p = param(2)
    with raises(ValueError, "some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": p}])


def test_duplicate_param_warns():
    p = param(2)
    with pytest.warns(UserWarning, match="duplicate parameters; in future, this will cause"):
        optim.SGD([p, p])


def test_group_params_as_a_set():
    with raises(
        TypeError,
        "optimizer parameters need to be organized in ordered collections, but the ordering "
        "of tensors in sets will change between runs. Please use a list instead.",
    ):
        optim.SGD([{"params": {param(2)}}])


def test_add_param_group_needs_a_dict():
    opt = optim.SGD([param(2)])
    with raises(TypeError, "param_group must be a dict, but got <class 'list'>"):
        opt.add_param_group([param(2)])


def test_required_option():
    class Needy(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": optimizer_module.required})

    with raises(
        ValueError,
        "parameter group didn't specify a value of required optimization parameter lr",
    ):
        Needy([param(2)])
    opt = Needy([{"params": [param(2)], "lr": 0.5}])
    assert opt.param_groups[0]["lr"] == 0.5
    assert repr(optimizer_module.required) == "<required parameter>"


def test_groups_override_defaults():
    w, b, extra = param(2), param(3), param(1)
    opt = optim.SGD([{"params": [w]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.9]
    assert opt.param_groups[1]["params"] == [b]
    assert opt.defaults["lr"] == 0.1
    opt.add_param_group({"params": [extra], "nesterov": True, "momentum": 0.5})
    group = opt.param_groups[2]
    assert group["params"][0] is extra and group["nesterov"] and group["lr"] == 0.1
    with raises(ValueError, "some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [w]})


def test_named_parameters():
    w, b = param(2), param(3)
    opt = optim.SGD([("w", w), ("b", b)], lr=0.1)
    group = opt.param_groups[0]
    assert group["params"][0] is w and group["param_names"] == ["w", "b"]
    packed = opt.state_dict()["param_groups"][0]
    assert list(packed)[0] == "param_names" and list(packed)[-1] == "params"  # torch's order
    assert packed["param_names"] == ["w", "b"] and packed["params"] == [0, 1]
    with raises(
        ValueError,
        "all optimizer params should be with/without names. Some param names are missing",
    ):
        optim.SGD([("w", param(2)), param(2)])
    with raises(
        ValueError,
        "all optimizer param groups should be with/without names. cannot add param group "
        "without names to the optimizer",
    ):
        opt.add_param_group({"params": [param(2)]})


def test_repr():
    opt = optim.SGD([{"params": [param(2)]}, {"params": [param(1)], "lr": 0.5}], lr=0.1)
    assert repr(opt) == (
        "SGD (\n"
        "Parameter Group 0\n"
        "    dampening: 0\n    differentiable: False\n    foreach: None\n    fused: None\n"
        "    lr: 0.1\n    maximize: False\n    momentum: 0\n    nesterov: False\n"
        "    weight_decay: 0\n"
        "\n"
        "Parameter Group 1\n"
        "    dampening: 0\n    differentiable: False\n    foreach: None\n    fused: None\n"
        "    lr: 0.5\n    maximize: False\n    momentum: 0\n    nesterov: False\n"
        "    weight_decay: 0\n"
        ")"
    )


# -- zero_grad and step ---------------------------------------------------------------------


def test_zero_grad_set_to_none():
    w, b = param(2), param(3)
    b.grad = None
    opt = optim.SGD([w, b])
    opt.zero_grad()
    assert w.grad is None and b.grad is None


def test_zero_grad_to_zeros_keeps_the_tensor():
    w = param(2)
    grad = w.grad
    optim.SGD([w]).zero_grad(set_to_none=False)
    assert w.grad is grad
    np.testing.assert_array_equal(numpy(w.grad), [0.0, 0.0])


def test_zero_grad_detaches_a_grad_with_history():
    w = nnx.nn.Parameter(nnx.ones(2, dtype=nnx.float64))
    (w * w).sum().backward(create_graph=True)
    w.grad = w.grad * 1  # a grad with a grad_fn
    assert w.grad.grad_fn is not None
    optim.SGD([w]).zero_grad(set_to_none=False)
    assert w.grad.grad_fn is None and not w.grad.requires_grad
    np.testing.assert_array_equal(numpy(w.grad), [0.0, 0.0])


def test_step_skips_params_without_grad():
    w, b = param(2), param(2)
    b.grad = None
    before = numpy(b).copy()
    opt = optim.Adam([w, b], lr=0.1)
    opt.step()
    np.testing.assert_array_equal(numpy(b), before)
    assert b not in opt.state and w in opt.state
    assert b._version == 0 and w._version > 0


def test_step_updates_in_place_under_no_grad():
    w = param(2)
    data_ptr, version = w.data_ptr(), w._version
    opt = optim.SGD([w], lr=0.1)
    assert opt.step() is None
    assert w.data_ptr() == data_ptr and w._version == version + 1  # one add_, as in torch
    assert w.grad_fn is None and w.is_leaf and w.requires_grad
    assert isinstance(w, nnx.nn.Parameter)


def test_closure_loss_is_returned_and_computed_with_grad():
    w = param(2)
    w.grad = None
    opt = optim.SGD([w], lr=0.1)
    calls = []

    def closure():
        calls.append(nnx.is_grad_enabled())
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with nnx.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert loss.item() == 5.0  # 1 + 4, before the step
    np.testing.assert_allclose(numpy(w), [0.8, 1.6])


def test_step_hooks():
    w = param(2)
    opt = optim.SGD([w], lr=0.1)
    seen = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: seen.append(("pre", o, args)))
    post = opt.register_step_post_hook(lambda o, args, kwargs: seen.append(("post", kwargs)))
    glob = optimizer_module.register_optimizer_step_pre_hook(
        lambda o, args, kwargs: seen.append(("global",))
    )
    opt.step()
    assert [s[0] for s in seen] == ["global", "pre", "post"]
    assert seen[1][1] is opt and seen[1][2] == (opt,)
    for handle in (pre, post, glob):
        handle.remove()
    seen.clear()
    opt.step()
    assert seen == []


def test_step_pre_hook_can_replace_the_arguments():
    w = param(2)
    opt = optim.SGD([w], lr=0.1)
    opt.register_step_pre_hook(lambda o, args, kwargs: (args, {"closure": lambda: 7}))
    assert opt.step() == 7


def test_step_pre_hook_bad_return():
    opt = optim.SGD([param(2)], lr=0.1)
    opt.register_step_pre_hook(lambda o, args, kwargs: 3)
    with raises(RuntimeError, "must return None or a tuple of (new_args, new_kwargs), but got 3."):
        opt.step()


# -- state_dict / load_state_dict ---------------------------------------------------------


def _momentum_sgd():
    w, b = param(2, 2), param(3)
    opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    opt.step()
    return opt, w, b


def test_state_dict_format():
    opt, w, b = _momentum_sgd()
    sd = opt.state_dict()
    assert list(sd) == ["state", "param_groups"]
    assert list(sd["state"]) == [0, 1]
    assert list(sd["state"][0]) == ["momentum_buffer"]
    assert sd["state"][0]["momentum_buffer"] is opt.state[w]["momentum_buffer"]
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1] == {
        "lr": 0.5, "momentum": 0.9, "dampening": 0, "weight_decay": 0, "nesterov": False,
        "maximize": False, "foreach": None, "differentiable": False, "fused": None,
        "params": [1],
    }  # fmt: skip


def test_state_dict_without_momentum_has_no_state():
    w = param(2)
    opt = optim.SGD([w], lr=0.1)
    opt.step()
    assert opt.state_dict()["state"] == {}


def test_load_state_dict_group_count_and_size():
    opt, w, b = _momentum_sgd()
    sd = opt.state_dict()
    with raises(ValueError, "loaded state dict has a different number of parameter groups"):
        optim.SGD([param(2)], lr=0.1).load_state_dict(sd)
    with raises(
        ValueError,
        "loaded state dict contains a parameter group that doesn't match the size of "
        "optimizer's group",
    ):
        optim.SGD([{"params": [param(2)]}, {"params": [param(1), param(1)]}]).load_state_dict(sd)


def test_load_state_dict_takes_the_saved_options_and_keeps_the_params():
    opt, w, b = _momentum_sgd()
    sd = copy.deepcopy(opt.state_dict())
    w2, b2 = param(2, 2), param(3)
    opt2 = optim.SGD([{"params": [w2]}, {"params": [b2]}], lr=0.01)
    opt2.load_state_dict(sd)
    assert [g["lr"] for g in opt2.param_groups] == [0.1, 0.5]
    assert opt2.param_groups[0]["params"][0] is w2 and opt2.param_groups[1]["params"] == [b2]
    np.testing.assert_array_equal(
        numpy(opt2.state[w2]["momentum_buffer"]), numpy(opt.state[w]["momentum_buffer"])
    )
    assert sd["param_groups"][0]["params"] == [0]  # the given dict is not modified


def test_load_state_dict_casts_to_the_param_dtype_but_not_step():
    w = param(3)
    opt = optim.Adam([w], lr=0.1)
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    w32 = param(3, dtype=nnx.float32)
    opt32 = optim.Adam([w32], lr=0.1)
    opt32.load_state_dict(sd)
    state = opt32.state[w32]
    assert state["exp_avg"].dtype == nnx.float32 and state["exp_avg_sq"].dtype == nnx.float32
    assert state["step"].dtype == nnx.float32 and state["step"].item() == 1.0
    np.testing.assert_allclose(numpy(state["exp_avg"]), [0.05] * 3, rtol=1e-6)


def test_load_state_dict_fused_casts_step_to_float32():
    nnx.set_default_dtype(nnx.float64)
    try:
        w = param(2)
        opt = optim.Adam([w])
        opt.step()
        assert opt.state[w]["step"].dtype == nnx.float64  # follows the default dtype
        sd = opt.state_dict()
    finally:
        nnx.set_default_dtype(nnx.float32)
    sd["param_groups"][0]["fused"] = True
    w2 = param(2)
    opt2 = optim.Adam([w2])
    opt2.load_state_dict(sd)
    assert opt2.state[w2]["step"].dtype == nnx.float32


def test_load_state_dict_keeps_unknown_ids_and_nested_values():
    w = param(2)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    sd = {
        "state": {0: {"momentum_buffer": nnx.ones(2), "extra": [nnx.ones(1), 3]}, 7: {"x": 1}},
        "param_groups": [{**opt.param_groups[0], "params": [0]}],
    }
    opt.load_state_dict(sd)
    assert opt.state[w]["momentum_buffer"].dtype == nnx.float64
    extra = opt.state[w]["extra"]
    assert isinstance(extra, list) and extra[0].dtype == nnx.float64 and extra[1] == 3
    assert opt.state[7] == {"x": 1}


def test_state_dict_hooks():
    opt, w, b = _momentum_sgd()
    order = []
    opt.register_state_dict_pre_hook(lambda o: order.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "tag": 1})
    sd = opt.state_dict()
    assert order == ["pre"] and sd["tag"] == 1
    opt.register_load_state_dict_pre_hook(lambda o, sd: order.append("load-pre"))
    opt.register_load_state_dict_post_hook(lambda o: order.append("load-post"), prepend=True)
    opt.load_state_dict(sd)
    assert order == ["pre", "load-pre", "load-post"]


def test_deepcopy_and_pickle():
    opt, w, b = _momentum_sgd()
    clone = copy.deepcopy(opt)
    assert clone.param_groups[0]["lr"] == 0.1
    (w2,) = clone.param_groups[0]["params"]
    assert w2 is not w
    np.testing.assert_array_equal(numpy(clone.state[w2]["momentum_buffer"]), [[0.5] * 2] * 2)
    restored = pickle.loads(pickle.dumps(opt))
    assert repr(restored) == repr(opt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored.step()  # hooks dicts recreated by __setstate__
