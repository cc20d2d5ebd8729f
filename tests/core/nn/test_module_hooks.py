"""Module hooks: forward pre-hooks, forward hooks, full and legacy backward hooks, handles
(contract §2.6)."""

import pickle
import warnings

import numpy as np
import pytest
from _nn_helpers import Lin, ReLU, raises

import nnx
from nnx import nn
from nnx.nn.modules import module as module_mod


class Two(nn.Module):
    """Two inputs, two outputs, two layers: the module-level grads differ from any node's."""

    def __init__(self):
        super().__init__()
        self.a = Lin(2, 3, dtype=nnx.float64)
        self.b = Lin(3, 1, dtype=nnx.float64)

    def forward(self, x, y):
        h = self.a(x) * y
        return self.b(h), h.sum(1)


def shapes(grads):
    return [None if g is None else tuple(g.shape) for g in grads]


def test_call_order_and_prepend():
    calls = []
    m = ReLU()
    m.register_forward_pre_hook(lambda mod, args: calls.append("pre1"))
    m.register_forward_pre_hook(lambda mod, args: calls.append("pre0"), prepend=True)
    m.register_forward_hook(lambda mod, args, out: calls.append("fwd1"))
    m.register_forward_hook(lambda mod, args, out: calls.append("fwd0"), prepend=True)
    g_pre = module_mod.register_module_forward_pre_hook(lambda mod, args: calls.append("gpre"))
    g_fwd = module_mod.register_module_forward_hook(lambda mod, a, o: calls.append("gfwd"))
    try:
        m(nnx.ones(1))
    finally:
        g_pre.remove()
        g_fwd.remove()
    assert calls == ["gpre", "pre0", "pre1", "gfwd", "fwd0", "fwd1"]


def test_pre_hook_replaces_args_and_forward_hook_replaces_output():
    m = ReLU()
    m.register_forward_pre_hook(lambda mod, args: -args[0])  # non-tuple: wrapped
    m.register_forward_hook(lambda mod, args, out: out + 1)
    assert m(nnx.tensor([-2.0, 3.0])).tolist() == [3.0, 1.0]


def test_with_kwargs_hooks():
    class Scale(nn.Module):
        def forward(self, x, *, factor=1.0):
            return x * factor

    m = Scale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}),
                                with_kwargs=True)
    seen = []
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.append(kwargs),
                            with_kwargs=True)
    assert m(nnx.ones(1)).item() == 3.0 and seen == [{"factor": 3.0}]
    m2 = Scale()
    m2.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with raises(RuntimeError, "forward pre-hook must return None or a tuple of (new_args, "
                              "new_kwargs), but got 5."):
        m2(nnx.ones(1))


def test_always_call_hook_runs_when_forward_raises():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    seen = []
    m = Boom()
    m.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    m.register_forward_hook(lambda mod, args, out: seen.append("normal"))
    with raises(ValueError, "boom"):
        m(nnx.ones(1))
    assert seen == [None]


def test_handle_remove_and_context_manager():
    calls = []
    m = ReLU()
    handle = m.register_forward_hook(lambda *a: calls.append(1))
    m(nnx.ones(1))
    handle.remove()
    handle.remove()  # twice is fine
    m(nnx.ones(1))
    with m.register_forward_pre_hook(lambda *a: calls.append(2)):
        m(nnx.ones(1))
    m(nnx.ones(1))
    assert calls == [1, 2]
    assert not m._forward_hooks and not m._forward_pre_hooks
    assert isinstance(pickle.loads(pickle.dumps(handle)).id, int)


def test_full_backward_hook_gets_module_grads():
    m = Two()
    x = nnx.randn(4, 2, dtype=nnx.float64, requires_grad=True)
    y = nnx.randn(4, 3, dtype=nnx.float64)
    seen = []
    m.register_full_backward_hook(lambda mod, gin, gout: seen.append((gin, gout)))
    out, side = m(x, y)
    (out.sum() * 2 + side.sum()).backward()
    (gin, gout), = seen
    # y does not require grad: torch 2.13 reports the zeros its identity node was given
    assert shapes(gin) == [(4, 2), (4, 3)] and shapes(gout) == [(4, 1), (4,)]
    assert gin[1].dtype == nnx.float64 and not gin[1].numpy().any()
    np.testing.assert_allclose(gout[0].numpy(), 2.0)
    np.testing.assert_allclose(gin[0].numpy(), x.grad.numpy())


def test_full_backward_hook_replaces_grad_input_and_keeps_values():
    m = Lin(2, 3, dtype=nnx.float64)
    x = nnx.randn(4, 2, dtype=nnx.float64, requires_grad=True)
    m(x).sum().backward()
    expected = x.grad.clone()
    x.grad = None
    with m.register_full_backward_hook(lambda mod, gin, gout: None):
        m(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected.numpy())
    x.grad = None
    m.register_full_backward_hook(lambda mod, gin, gout: (gin[0] * 10,))
    m(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected.numpy() * 10)


def test_full_backward_pre_hook_replaces_grad_output():
    m = Lin(2, 1, dtype=nnx.float64)
    x = nnx.randn(3, 2, dtype=nnx.float64, requires_grad=True)
    m(x).sum().backward()
    expected = x.grad.clone()
    x.grad = None
    m.register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 3,))
    m(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected.numpy() * 3)


def test_full_backward_hook_without_input_grads_warns():
    m = Lin(2, 3)
    seen = []
    m.register_full_backward_hook(lambda mod, gin, gout: seen.append((gin, shapes(gout))))
    with pytest.warns(UserWarning, match="Full backward hook is firing when gradients are "
                                         "computed with respect to module outputs"):
        m(nnx.randn(4, 2)).sum().backward()
    assert seen == [((None,), [(4, 3)])]


def test_full_backward_hook_wrong_count():
    m = Lin(2, 3)
    m.register_full_backward_hook(lambda mod, gin, gout: (None, None))
    with raises(RuntimeError, "Backward hook returned an invalid number of grad_input, got 2, "
                              "but expected 1"):
        m(nnx.randn(4, 2, requires_grad=True)).sum().backward()


def test_legacy_backward_hook_sees_last_node_and_warns():
    m = Two()
    seen = []
    m.register_backward_hook(lambda mod, gin, gout: seen.append((shapes(gin), shapes(gout))))
    x = nnx.randn(4, 2, dtype=nnx.float64, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out, _ = m(x, nnx.ones(4, 3, dtype=nnx.float64))
    assert any(issubclass(w.category, FutureWarning) and "non-full backward hook" in str(w.message)
               for w in caught)
    out.sum().backward()
    (gin, gout), = seen
    assert gout == [(4, 1)]  # the last node's output: b's linear, not the module's outputs
    assert (4, 3) in gin  # grad of b's input h


def test_legacy_hook_may_replace_node_grads():
    m = ReLU()
    m.register_backward_hook(lambda mod, gin, gout: tuple(g * 0 for g in gin))
    x = nnx.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_mixing_backward_hook_kinds_raises():
    message = ("Cannot use both regular backward hooks and full backward hooks on a single "
               "Module. Please use only one of them.")
    a, b = ReLU(), ReLU()
    a.register_backward_hook(lambda *args: None)
    with raises(RuntimeError, message):
        a.register_full_backward_hook(lambda *args: None)
    b.register_full_backward_hook(lambda *args: None)
    with raises(RuntimeError, message):
        b.register_backward_hook(lambda *args: None)


def test_hooks_do_not_change_gradients():
    base = Two()
    x = nnx.randn(5, 2, dtype=nnx.float64, requires_grad=True)
    y = nnx.randn(5, 3, dtype=nnx.float64, requires_grad=True)

    def grads():
        for t in (x, y, *base.parameters()):
            t.grad = None
        out, side = base(x, y)
        (out.sum() + (side * side).sum()).backward()
        return [t.grad.numpy().copy() for t in (x, y, *base.parameters())]

    plain = grads()
    base.register_full_backward_hook(lambda *a: None)
    base.register_forward_hook(lambda *a: None)
    for a, b in zip(plain, grads()):
        np.testing.assert_array_equal(a, b)


def test_gradcheck_through_a_hooked_module():
    m = Two()
    m.register_full_backward_hook(lambda *a: None)
    x = nnx.randn(3, 2, dtype=nnx.float64, requires_grad=True)
    y = nnx.randn(3, 3, dtype=nnx.float64, requires_grad=True)
    assert nnx.autograd.gradcheck(lambda x, y: m(x, y)[0], (x, y))


class ListOut(nn.Module):
    def forward(self, x):
        return [x * 2]


class ExtraArg(nn.Module):
    def forward(self, x, k):
        return x * k


@pytest.mark.parametrize("module, args, message", [
    (ListOut(), (), "does not return a single Tensor or a tuple of Tensors"),
    (ExtraArg(), (3,), "does not take as input a single Tensor or a tuple of Tensors"),
])
def test_legacy_hook_warns_about_unsupported_signatures(module, args, message):
    module.register_backward_hook(lambda *a: None)
    with pytest.warns(FutureWarning, match=message):
        module(nnx.ones(1, requires_grad=True), *args)


# -- behaviours checked against torch 2.13 (tests/parity/test_live_nn.py) -----------------


def test_full_backward_hooks_see_none_for_an_unused_output():
    """grad_output of an output no gradient reached is None (not zeros), in the pre-hooks
    and the hooks, and no gradient flows on from it."""
    m = Two()
    seen = []
    m.register_full_backward_pre_hook(lambda mod, gout: seen.append(("pre", shapes(gout))))
    m.register_full_backward_hook(lambda mod, gin, gout: seen.append(("full", shapes(gout))))
    x = nnx.randn(4, 2, dtype=nnx.float64, requires_grad=True)
    y = nnx.randn(4, 3, dtype=nnx.float64, requires_grad=True)
    out, side = m(x, y)
    side.sum().backward()
    assert seen == [("pre", [None, (4,)]), ("full", [None, (4,)])]
    assert m.b.weight.grad is None and m.a.weight.grad is not None


def test_always_call_hooks_get_the_result_when_a_forward_hook_raises():
    """After forward succeeded and a later hook raised, the always_call hooks not yet run
    see forward's result (torch passes the result so far), and args as the pre-hooks left
    them."""
    calls = []
    m = ReLU()
    m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))

    def failing(mod, args, out):
        raise KeyError("hook")

    m.register_forward_hook(failing)
    m.register_forward_hook(lambda mod, args, out: calls.append((args[0].item(), out.item())),
                            always_call=True)
    with raises(KeyError, "hook"):
        m(nnx.tensor(3.0))
    assert calls == [(6.0, 6.0)]


def test_global_always_call_hook_warning_names_it_global():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    def raising(mod, args, out):
        raise KeyError("global")

    handle = module_mod.register_module_forward_hook(raising, always_call=True)
    try:
        with pytest.warns(UserWarning, match="^global module forward hook with ``always_call="
                                             "True`` raised an exception that was silenced"):
            with raises(ValueError, "boom"):
                Boom()(nnx.ones(1))
    finally:
        handle.remove()


def test_global_forward_hook_with_kwargs():
    class Scale(nn.Module):
        def forward(self, x, *, factor=1.0):
            return x * factor

    seen = []
    handle = module_mod.register_module_forward_hook(
        lambda mod, args, kwargs, out: seen.append(kwargs) or out + 1, with_kwargs=True)
    try:
        assert Scale()(nnx.ones(1), factor=3.0).item() == 4.0
    finally:
        handle.remove()
    assert seen == [{"factor": 3.0}] and Scale()(nnx.ones(1)).item() == 1.0


def test_backward_hooks_warn_about_an_output_they_cannot_see():
    m = ReLU()
    m.register_full_backward_hook(lambda *args: None)
    m.register_forward_hook(lambda mod, args, out: [out])
    with pytest.warns(UserWarning, match="For backward hooks to be called, module output "
                                         "should be a Tensor or a tuple of Tensors but "
                                         "received <class 'list'>"):
        m(nnx.ones(1, requires_grad=True))


@pytest.fixture
def no_global_backward_kind():
    module_mod._hooks._global_is_full_backward_hook = None
    yield
    module_mod._hooks._global_is_full_backward_hook = None


def test_global_backward_hooks(no_global_backward_kind):
    calls = []
    handles = [
        module_mod.register_module_full_backward_hook(
            lambda mod, gin, gout: calls.append(("global", type(mod).__name__))),
        module_mod.register_module_full_backward_pre_hook(
            lambda mod, gout: calls.append(("global pre", type(mod).__name__))),
    ]
    try:
        m = Lin(2, 1)
        m.register_full_backward_hook(lambda mod, gin, gout: calls.append(("local", None)))
        m.register_full_backward_pre_hook(lambda mod, gout: calls.append(("local pre", None)))
        m(nnx.ones(1, 2, requires_grad=True)).sum().backward()
        with raises(RuntimeError, "Cannot use both regular backward hooks and full backward "
                                  "hooks as a global Module hook. Please use only one of them."):
            module_mod.register_module_backward_hook(lambda *args: None)
    finally:
        for handle in handles:
            handle.remove()
    assert calls == [("global pre", "Lin"), ("local pre", None), ("global", "Lin"),
                     ("local", None)]
    calls.clear()
    m(nnx.ones(1, 2, requires_grad=True)).sum().backward()
    assert calls == [("local pre", None), ("local", None)]


def test_registration_hooks_may_replace_what_is_registered():
    seen = []

    def buffer_hook(module, name, value):
        seen.append(("buffer", name))
        return None if value is None else value * 2

    def module_hook(module, name, value):
        seen.append(("module", name))
        return ReLU() if name == "swap" else None

    def param_hook(module, name, value):
        seen.append(("param", name))

    handles = [module_mod.register_module_buffer_registration_hook(buffer_hook),
               module_mod.register_module_module_registration_hook(module_hook),
               module_mod.register_module_parameter_registration_hook(param_hook)]
    try:
        m = nn.Module()
        m.register_buffer("b", nnx.ones(1))
        m.b = nnx.ones(1) * 3
        m.register_parameter("none", None)        # None parameters skip the hooks
        m.p = nn.Parameter(nnx.ones(1))
        m.swap = Tanh()
        m.add_module("kept", Tanh())
        m.kept = None
    finally:
        for handle in handles:
            handle.remove()
    m.register_buffer("after", nnx.ones(1))
    assert seen == [("buffer", "b"), ("buffer", "b"), ("param", "p"), ("module", "swap"),
                    ("module", "kept"), ("module", "kept")]
    assert m.b.item() == 6.0 and m.after.item() == 1.0
    assert isinstance(m.swap, ReLU) and m.kept is None


class Tanh(nn.Module):
    def forward(self, x):
        return nnx.tanh(x)
