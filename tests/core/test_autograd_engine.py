"""The backward engine: accumulation, graph freeing, errors, hooks, grad(), create_graph."""

import gc
import re
import weakref

import numpy as np
import pytest

import nnx


def leaf(values, dtype=nnx.float64):
    return nnx.tensor(values, dtype=dtype, requires_grad=True)


def test_backward_accumulates_into_leaf_grad():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0, 9.0])


def test_shared_subexpression_sums_both_paths():
    x = leaf([0.5, -1.0])
    y = x.tanh()
    (y * y + y).sum().backward()
    t = np.tanh([0.5, -1.0])
    np.testing.assert_allclose(x.grad.numpy(), (2 * t + 1) * (1 - t * t))


def test_grads_of_two_leaves_do_not_alias():
    a, b = leaf([1.0]), leaf([2.0])
    (a + b).sum().backward()
    a.grad.add_(10)
    assert b.grad.item() == 1.0


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp([1.0, 2.0]))


def test_graph_without_saved_tensors_can_run_twice():
    x = leaf([1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_non_scalar_backward_needs_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(
        RuntimeError, match="grad can be implicitly created only for scalar outputs"
    ):
        (x * 2).backward()
    (x * 2).backward(nnx.tensor([1.0, 0.5], dtype=nnx.float64))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 1.0])


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(
        RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"
    ):
        nnx.ones(2).sum().backward()


def test_no_grad_and_enable_grad():
    x = leaf([1.0])
    with nnx.no_grad():
        y = x * 2
        with nnx.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @nnx.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    assert nnx.is_grad_enabled()


def test_set_grad_enabled_function_and_context():
    x = leaf([1.0])
    with nnx.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert nnx.is_grad_enabled()
    nnx.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        nnx.set_grad_enabled(True)


def test_grad_mode_decorators_restore_mode():
    x = leaf([1.0])

    @nnx.set_grad_enabled(False)
    def without(t):
        return t * 2

    @nnx.no_grad
    def bare(t):
        return t * 2

    @nnx.enable_grad()
    def with_grad(t):
        return t * 2

    assert nnx.is_grad_enabled()
    assert not without(x).requires_grad and not bare(x).requires_grad
    with nnx.no_grad():
        assert with_grad(x).requires_grad
    assert nnx.is_grad_enabled()

    @nnx.no_grad()
    def generator(t):
        yield t * 2
        yield t * 3

    assert not any(y.requires_grad for y in generator(x))
    assert nnx.is_grad_enabled()


def test_detach_shares_data_and_version():
    x = leaf([1.0, 2.0])
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    assert np.shares_memory(d.numpy(), x.detach().numpy())
    d.add_(1)
    assert x._version == 1


def test_requires_grad_rules():
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        nnx.tensor([1, 2]).requires_grad_()
    y = leaf([1.0]) * 2
    with pytest.raises(
        RuntimeError, match="you can only change requires_grad flags of leaf variables"
    ):
        y.requires_grad_(False)


def test_inplace_on_leaf_requiring_grad_raises():
    x = leaf([1.0])
    with pytest.raises(
        RuntimeError,
        match=re.escape(
            "a leaf Variable that requires grad is being used in an in-place operation."
        ),
    ):
        x.add_(1)
    with nnx.no_grad():
        x.add_(1)
    assert x.item() == 2.0


def test_modifying_saved_tensor_raises_on_backward():
    x = leaf([1.0, 2.0])
    y = x.exp()
    z = y * x
    y.mul_(2)
    with pytest.raises(
        RuntimeError,
        match="modified by an inplace operation: .*is at version 1; expected version 0 instead",
    ):
        z.sum().backward()


def test_inplace_on_non_leaf_rebases_history():
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    y = x * 2
    y.add_(x)  # y = 3x
    y.mul_(w)  # y = 3xw: mul_ saves the value of y from before the write
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [9.0, 12.0])
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 6.0])


def test_inplace_with_itself_as_operand_raises_like_torch():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.mul_(y)  # `other` is y itself, saved and then overwritten
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_through_view_rebases_base():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = y[0]
    z.mul_(3)
    assert y.grad_fn.name() == "nnx::autograd::CopySlices"
    assert z.grad_fn.name() == "AsStridedBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 2.0])


def test_tensor_hook_can_replace_grad():
    x = leaf([1.0, 2.0])
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 2)
    y.sum().backward()
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_leaf_hook_and_remove():
    x = leaf([1.0])
    handle = x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    assert x.grad.item() == 10.0
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert x.grad.item() == 1.0


def test_retain_grad():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [4.0, 8.0])


def test_non_leaf_grad_access_warns():
    y = leaf([1.0]) * 2
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert y.grad is None


def test_autograd_grad_does_not_touch_leaf_grads():
    x = leaf([1.0, 2.0])
    y = (x**2).sum()
    (g,) = nnx.autograd.grad(y, x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])
    assert x.grad is None


def test_autograd_grad_unused_input():
    x, w = leaf([1.0]), leaf([2.0])
    y = (x * 3).sum()
    with pytest.raises(RuntimeError, match="The differentiated Tensor at index 1 appears to "
                                           "not have been used in the graph"):
        nnx.autograd.grad(y, (x, w), retain_graph=True)
    gx, gw = nnx.autograd.grad(y, (x, w), allow_unused=True)
    assert gw is None and gx.item() == 3.0


def test_autograd_grad_wrt_intermediate():
    x = leaf([1.0, 2.0])
    h = x * 2
    y = (h * h).sum()
    (gh,) = nnx.autograd.grad(y, h)
    np.testing.assert_allclose(gh.numpy(), [4.0, 8.0])


def test_create_graph_double_backward():
    x = leaf([0.5, 1.5])
    y = (x**3).sum()
    (g,) = nnx.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.numpy(force=True), 3 * np.array([0.5, 1.5]) ** 2)
    assert g.requires_grad
    (gg,) = nnx.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * np.array([0.5, 1.5]))


def test_create_graph_through_tanh_and_mul():
    x = leaf([0.3, -0.7])
    y = (x.tanh() * x).sum()
    (g,) = nnx.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    t = np.tanh([0.3, -0.7])
    d1 = 1 - t * t
    # d/dx [d1*x + t] = -2 t d1 x + d1 + d1
    np.testing.assert_allclose(x.grad.numpy(), -2 * t * d1 * np.array([0.3, -0.7]) + 2 * d1)


def test_graph_is_freed_without_gc():
    """No reference cycles: dropping the output frees nodes and saved arrays at once."""
    gc.disable()
    try:
        x = leaf(np.ones(8))
        y = (x.exp() * x).tanh()
        node_ref = weakref.ref(y.grad_fn)
        del y
        assert node_ref() is None
        z = (x.exp() * x).tanh().sum()
        z.backward()
        ref = weakref.ref(z.grad_fn)
        del z
        assert ref() is None
    finally:
        gc.enable()


def test_leaf_edge_keeps_no_cycle():
    gc.disable()
    try:
        x = leaf([1.0])
        (x * 2).sum().backward()
        ref = weakref.ref(x)
        del x
        assert ref() is None
    finally:
        gc.enable()


def test_variable_alias():
    v = nnx.autograd.Variable(nnx.ones(2), requires_grad=True)
    assert isinstance(v, nnx.Tensor) and v.requires_grad and v.is_leaf
    assert isinstance(nnx.ones(1), nnx.autograd.Variable)
    (v * 2).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [2.0, 2.0])


def test_grad_fn_names_and_next_functions():
    x = leaf([1.0])
    y = x * 2 + x
    assert y.grad_fn.name() == "AddBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "MulBackward0"
    assert y.grad_fn.next_functions[1][0].name() == "nnx::autograd::AccumulateGrad"
    assert y.grad_fn.next_functions[1][0].variable is x
    assert repr(y).endswith("grad_fn=<AddBackward0>)")


@pytest.mark.parametrize("expr, name, edges", [
    # torch 2.13: a scalar operand is a wrapped tensor with edge (None, 0), tensor first,
    # except for rsub and pow; scalar / x is reciprocal(x) * scalar.
    ("x + 1", "AddBackward0", ["nnx::autograd::AccumulateGrad", None]),
    ("1 + x", "AddBackward0", ["nnx::autograd::AccumulateGrad", None]),
    ("x * 2", "MulBackward0", ["nnx::autograd::AccumulateGrad", None]),
    ("2 * x", "MulBackward0", ["nnx::autograd::AccumulateGrad", None]),
    ("x - 1", "SubBackward0", ["nnx::autograd::AccumulateGrad", None]),
    ("1 - x", "RsubBackward1", ["nnx::autograd::AccumulateGrad"]),
    ("x / 2", "DivBackward0", ["nnx::autograd::AccumulateGrad", None]),
    ("2 / x", "MulBackward0", ["ReciprocalBackward0", None]),
    ("x ** 2", "PowBackward0", ["nnx::autograd::AccumulateGrad"]),
    ("2 ** x", "PowBackward2", ["nnx::autograd::AccumulateGrad"]),
    ("x ** x", "PowBackward1", ["nnx::autograd::AccumulateGrad", "nnx::autograd::AccumulateGrad"]),
    ("x * x", "MulBackward0", ["nnx::autograd::AccumulateGrad", "nnx::autograd::AccumulateGrad"]),
    ("-x", "NegBackward0", ["nnx::autograd::AccumulateGrad"]),
])
def test_graph_shape_matches_torch(expr, name, edges):
    y = eval(expr, {"x": leaf([1.0, 2.0])})
    assert y.grad_fn.name() == name
    assert [None if n is None else n.name() for n, _ in y.grad_fn.next_functions] == edges
    y.sum().backward()                                   # and the gradient still flows


def test_anomaly_mode_names_nan_producing_node():
    x = leaf([0.0, 1.0])
    with nnx.autograd.detect_anomaly():
        y = (x.sqrt() * 0).sum()
        with pytest.warns(UserWarning, match="Error detected in SqrtBackward0"):
            with pytest.raises(RuntimeError, match="returned nan values"):
                y.backward()


def test_double_backward_through_a_write_into_a_view():
    x = nnx.tensor(np.random.default_rng(1).random((3, 4)), dtype=nnx.float64, requires_grad=True)
    v = leaf([1.0, 2.0])
    y = x * 1
    row = y[1]
    row[0:2] = v * v
    (gv,) = nnx.autograd.grad((y * y).sum(), v, create_graph=True)  # 4 v^3
    (ggv,) = nnx.autograd.grad(gv.sum(), v)  # 12 v^2
    np.testing.assert_allclose(ggv.numpy(), [12.0, 48.0])


def test_gradcheck_rejects_wrongly_detached_outputs():
    x = leaf([1.0, 2.0])
    with pytest.raises(nnx.autograd.GradcheckError, match="expected to be zero"):
        nnx.autograd.gradcheck(lambda a: (a * 2).detach(), (x,))


def test_grad_mode_is_per_thread():
    import threading

    x = leaf([1.0])
    seen = {}

    def worker():
        seen["default"] = nnx.is_grad_enabled()
        seen["records"] = (x * 2).requires_grad

    with nnx.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert not (x * 2).requires_grad
    assert seen == {"default": True, "records": True}
