"""nnx.optim.lr_scheduler: the learning-rate sequences of every scheduler against torch
2.13's (golden runs of SCHED_STEPS steps over a two-group SGD, tests/golden/optim_golden.npz),
then the base class's bookkeeping, state_dict round trips, messages and warnings."""

import copy
import warnings

import numpy as np
import pytest
from _optim_helpers import load_golden, meta, param, raises

import nnx
from nnx import optim
from nnx.optim import lr_scheduler

GOLDEN = load_golden()
SCHEDULERS = [str(c) for c in GOLDEN["__meta__/schedulers"]]


def _two_group_sgd(lrs=(0.1, 0.05)):
    return optim.SGD([{"params": [param(2)], "lr": lr} for lr in lrs])


def _build(spec, opt):
    kwargs = dict(spec["kwargs"])
    if "lr_lambda" in kwargs:
        source = kwargs["lr_lambda"]
        kwargs["lr_lambda"] = (
            [eval(s) for s in source] if isinstance(source, list) else eval(source)
        )
    return getattr(lr_scheduler, spec["scheduler"])(opt, **kwargs)


def test_fixture_covers_every_scheduler():
    names = {meta(GOLDEN, c)["scheduler"] for c in SCHEDULERS}
    assert names == {
        "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
        "ReduceLROnPlateau",
    }  # fmt: skip


@pytest.mark.parametrize("case", SCHEDULERS)
def test_lr_sequence_matches_torch(case):
    spec = meta(GOLDEN, case)
    opt = _two_group_sgd(spec["lrs"])
    for group, initial in zip(opt.param_groups, spec.get("initial_lr", [])):
        group["initial_lr"] = initial
    sched = _build(spec, opt)
    lrs = [[g["lr"] for g in opt.param_groups]]
    expected = GOLDEN[f"{case}/lr"]
    for i in range(len(expected) - 1):
        opt.step()
        if "metrics" in spec:
            sched.step(spec["metrics"][i])
        elif "epochs" in spec:
            with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step"):
                sched.step(spec["epochs"][i])
        else:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        assert sched.get_last_lr() == lrs[-1]
        assert all(isinstance(lr, float) for lr in lrs[-1])
    np.testing.assert_allclose(np.array(lrs), expected, rtol=1e-12, atol=0)


def test_constructor_bookkeeping():
    opt = _two_group_sgd()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert sched.base_lrs == [0.1, 0.05] and sched.last_epoch == 0
    assert sched._step_count == 1 and sched.get_last_lr() == [0.1, 0.05]
    assert isinstance(sched, lr_scheduler.LRScheduler)
    assert issubclass(lr_scheduler._LRScheduler, lr_scheduler.LRScheduler)
    # a second scheduler keeps the recorded initial_lr
    opt.param_groups[0]["lr"] = 0.3
    assert lr_scheduler.ExponentialLR(opt, 0.5).base_lrs == [0.1, 0.05]


def test_state_dict_keys_and_round_trip():
    opt = _two_group_sgd()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=0.01)
    for _ in range(3):
        opt.step()
        sched.step()
    sd = sched.state_dict()
    assert list(sd) == [
        "T_max", "eta_min", "base_lrs", "last_epoch", "_step_count", "_is_initial",
        "_get_lr_called_within_step", "_last_lr",
    ]  # fmt: skip
    saved_opt = copy.deepcopy(opt.state_dict())
    expected = []
    for _ in range(4):
        opt.step()
        sched.step()
        expected.append(sched.get_last_lr())

    opt2 = _two_group_sgd((0.7, 0.7))
    sched2 = lr_scheduler.CosineAnnealingLR(opt2, T_max=6, eta_min=0.01)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(sd)
    resumed = []
    for _ in range(4):
        opt2.step()
        sched2.step()
        resumed.append(sched2.get_last_lr())
    assert resumed == expected


def test_lambdalr_state_dict_saves_callable_objects_only():
    class Factor:
        def __init__(self):
            self.base = 0.5

        def __call__(self, epoch):
            return self.base**epoch

    opt = _two_group_sgd()
    sched = lr_scheduler.LambdaLR(opt, [Factor(), lambda epoch: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"base": 0.5}, None]
    sd["lr_lambdas"][0]["base"] = 0.25
    other = lr_scheduler.LambdaLR(_two_group_sgd(), [Factor(), lambda epoch: 2.0])
    other.load_state_dict(sd)
    assert other.lr_lambdas[0].base == 0.25 and "lr_lambdas" in sd
    other.optimizer.step()
    other.step()
    assert other.get_last_lr() == [0.1 * 0.25, 0.05 * 2.0]  # epoch 1


def test_multisteplr_state_dict_keeps_the_counter():
    sched = lr_scheduler.MultiStepLR(_two_group_sgd(), [3, 1, 3])
    assert dict(sched.state_dict()["milestones"]) == {3: 2, 1: 1}


def test_plateau_state_dict_and_tensor_metric():
    opt = _two_group_sgd()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    assert list(sched.state_dict()) == [
        "factor", "default_min_lr", "min_lrs", "patience", "cooldown", "eps", "last_epoch",
        "_last_lr", "mode_worse", "mode", "threshold", "threshold_mode", "best",
        "cooldown_counter", "num_bad_epochs",
    ]  # fmt: skip
    sched.step(nnx.tensor(1.0))
    sched.step(nnx.tensor(2.0))
    assert sched.best == 1.0 and sched.get_last_lr() == [0.05, 0.025]
    sd = sched.state_dict()
    other = lr_scheduler.ReduceLROnPlateau(_two_group_sgd(), mode="max")
    other.load_state_dict(sd)
    assert other.mode == "min" and other.mode_worse == float("inf")


def test_scheduler_errors():
    opt = _two_group_sgd()
    with raises(TypeError, "int is not an Optimizer"):
        lr_scheduler.StepLR(1, 2)
    with raises(TypeError, "int is not an Optimizer"):
        lr_scheduler.ReduceLROnPlateau(1)
    with pytest.raises(KeyError) as info:
        lr_scheduler.StepLR(opt, 2, last_epoch=3)
    assert info.value.args[0] == (
        "param 'initial_lr' is not specified in param_groups[0] when resuming scheduler with "
        "last_epoch >= 0.\nThis typically happens when:\n1. You're trying to resume training "
        "from a checkpoint but haven't properly loaded the optimizer state\n2. You're using "
        "last_epoch >= 0 for a fresh training run (not recommended)"
    )
    with raises(ValueError, "Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1])
    with raises(ValueError, "Factor should be < 1.0."):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with raises(ValueError, "mode avg is unknown!"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="avg")
    with raises(ValueError, "threshold mode x is unknown!"):
        lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="x")
    with raises(ValueError, "expected 2 min_lrs, got 1"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1])


def test_plateau_new_group_with_per_group_min_lr():
    opt = _two_group_sgd()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
    opt.add_param_group({"params": [param(1)], "lr": 0.2})
    sched.step(1.0)
    with raises(
        RuntimeError,
        "The number of param groups in the `optimizer` (3) differs from when "
        "`ReduceLROnPlateau` was initialized (2), usually due to a new param group being "
        "added to the optimizer. Please modify the `min_lrs` field to match the length of "
        "the `optimizer` param groups.",
    ):
        sched.step(2.0)
    scalar = lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=0.01)
    opt.add_param_group({"params": [param(1)], "lr": 0.2})
    scalar.step(1.0)
    scalar.step(2.0)  # a scalar min_lr follows the groups
    assert scalar.min_lrs == [0.01] * 4


def test_warnings():
    opt = _two_group_sgd()
    sched = lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before"):
        sched.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()  # optimizer first: quiet
        fresh = lr_scheduler.StepLR(opt, 2)
        opt.step()
        fresh.step()
    opt3 = _two_group_sgd()
    late = lr_scheduler.StepLR(opt3, 2)
    opt3.step = lambda closure=None: None  # replaced after the scheduler wrapped it
    with pytest.warns(UserWarning, match="Seems like `optimizer.step\\(\\)` has been overridden"):
        late.step()


def test_optimizer_step_wrapped_once_and_still_hooked():
    opt = _two_group_sgd()
    lr_scheduler.StepLR(opt, 2)
    wrapped = opt.step
    lr_scheduler.ExponentialLR(opt, 0.5)
    assert opt.step is wrapped and opt.step._wrapped_by_lr_sched
    calls = []
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(1))
    opt.step()
    assert calls == [1] and opt._opt_called


def test_tensor_lr_is_updated_in_place():
    lr = nnx.tensor(0.1, dtype=nnx.float64)
    opt = optim.SGD([param(2)], lr=lr)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    assert isinstance(opt.param_groups[0]["initial_lr"], nnx.Tensor)
    assert opt.param_groups[0]["initial_lr"] is not lr
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and lr.item() == 0.05
    last = sched.get_last_lr()[0]
    assert isinstance(last, nnx.Tensor) and last is not lr and last.item() == 0.05


def test_closed_form_and_chainable_agree_for_step_lr():
    opt = _two_group_sgd()
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    for epoch in range(1, 10):
        opt.step()
        sched.step()
        assert sched._get_closed_form_lr() == pytest.approx(sched.get_last_lr(), rel=1e-15)
        assert sched.last_epoch == epoch
