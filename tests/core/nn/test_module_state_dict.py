"""state_dict content, order and sharing; load_state_dict results, errors and atomicity
(contract §2.1, §2.2, §2.5)."""

from collections import OrderedDict

import numpy as np
import pytest
from _nn_helpers import Lin, ReLU, raises

import nnx
from nnx import nn


class Ordered(nn.Module):
    """Registers conv1, par, buffer, conv2, then a non-persistent buffer."""

    def __init__(self):
        super().__init__()
        self.conv1 = Lin(2, 3)
        self.par = nn.Parameter(nnx.zeros(1))
        self.register_buffer("buffer", nnx.zeros(2))
        self.conv2 = Lin(3, 1)
        self.register_buffer("np", nnx.zeros(1), persistent=False)


def test_order_own_tensors_first_then_children():
    sd = Ordered().state_dict()
    assert type(sd) is OrderedDict
    assert list(sd) == ["par", "buffer", "conv1.weight", "conv1.bias",
                        "conv2.weight", "conv2.bias"]
    assert sd._metadata == OrderedDict(
        [("", {"version": 1}), ("conv1", {"version": 1}), ("conv2", {"version": 1})])


def test_prefix_and_version():
    class V2(Lin):
        _version = 2

    sd = V2(1, 1).state_dict(prefix="pre.")
    assert list(sd) == ["pre.weight", "pre.bias"]
    assert sd._metadata == OrderedDict([("pre", {"version": 2})])


def test_values_detached_unless_keep_vars():
    m = Ordered()
    sd = m.state_dict()
    assert type(sd["par"]) is nnx.Tensor and not sd["par"].requires_grad
    sd["par"].add_(5)  # detached, not copied: shares the parameter's memory
    assert m.par.item() == 5.0
    kept = m.state_dict(keep_vars=True)
    assert kept["par"] is m.par and kept["conv1.weight"] is m.conv1.weight


def test_positional_arguments_warn():
    with pytest.warns(FutureWarning, match="Positional args are being deprecated"):
        sd = Lin(1, 1).state_dict(None, "p.")
    assert list(sd) == ["p.weight", "p.bias"]


def test_same_module_twice():
    shared = Lin(1, 1)
    m = nn.Module()
    m.add_module("0", shared)
    m.add_module("1", shared)
    assert list(m.modules()) == [m, shared]
    assert list(m.children()) == [shared]
    assert [n for n, _ in m.named_children()] == ["0"]
    assert [n for n, _ in m.named_modules()] == ["", "0"]
    assert [n for n, _ in m.named_modules(remove_duplicate=False)] == ["", "0", "1"]
    assert [n for n, _ in m.named_parameters()] == ["0.weight", "0.bias"]
    assert list(m.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_tied_weight():
    m = nn.Module()
    m.a, m.b = Lin(2, 2), Lin(2, 2)
    m.b.weight = m.a.weight
    assert [n for n, _ in m.named_parameters()] == ["a.weight", "a.bias", "b.bias"]
    assert len(list(m.named_parameters(remove_duplicate=False))) == 4
    assert list(m.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]


def test_extra_state():
    class WithExtra(Lin):
        def get_extra_state(self):
            return {"note": self.note}

        def set_extra_state(self, state):
            self.note = state["note"]

    a, b = WithExtra(1, 1), WithExtra(1, 1)
    a.note, b.note = "saved", "fresh"
    sd = a.state_dict()
    assert list(sd) == ["weight", "bias", "_extra_state"]
    b.load_state_dict(sd)
    assert b.note == "saved"
    with raises(RuntimeError, 'Missing key(s) in state_dict: "_extra_state". '):
        b.load_state_dict({"weight": sd["weight"], "bias": sd["bias"]})
    with raises(RuntimeError, 'Unexpected key(s) in state_dict: "_extra_state". '):
        Lin(1, 1).load_state_dict(sd)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = Lin(2, 3)
        self.register_buffer("count", nnx.zeros(1, dtype=nnx.int64))
        self.register_buffer("np", nnx.zeros(1), persistent=False)


def snapshot(module):
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def assert_unchanged(module, before, params):
    after = snapshot(module)
    assert list(after) == list(before)
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])
    assert list(module.parameters()) == params  # same Parameter objects


def test_load_copies_in_place_keeping_identity_and_dtype():
    src, dst = Net(), Net()
    weight = dst.fc.weight
    sd = src.state_dict()
    sd["fc.weight"] = nnx.tensor(np.arange(6.0).reshape(3, 2))  # float64 into float32
    result = dst.load_state_dict(sd)
    assert repr(result) == "<All keys matched successfully>" and result
    assert dst.fc.weight is weight and weight.dtype == nnx.float32
    assert weight.tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    assert weight.requires_grad


def test_load_assign_replaces_parameters():
    dst = Net()
    new_weight = nnx.ones(3, 2, dtype=nnx.float64)
    sd = dict(Net().state_dict(), **{"fc.weight": new_weight})
    dst.load_state_dict(sd, assign=True)
    assert isinstance(dst.fc.weight, nn.Parameter) and dst.fc.weight.requires_grad
    assert dst.fc.weight.dtype == nnx.float64  # assign keeps the checkpoint's tensor


def test_scalar_parameter_loads_from_one_element_vector():
    m = nn.Module()
    m.s = nn.Parameter(nnx.tensor(0.0))
    m.load_state_dict({"s": nnx.tensor([3.0])})
    assert m.s.item() == 3.0 and m.s.ndim == 0


def test_non_strict_reports_keys():
    sd = Net().state_dict()
    del sd["fc.bias"]
    sd["extra"] = nnx.ones(1)
    sd["fc.extra"] = nnx.ones(1)
    sd["np"] = nnx.ones(1)  # a non-persistent buffer's key is unexpected
    result = Net().load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc.bias"]
    assert result.unexpected_keys == ["extra", "np", "fc.extra"]
    assert repr(result) == ("_IncompatibleKeys(missing_keys=['fc.bias'], "
                            "unexpected_keys=['extra', 'np', 'fc.extra'])")
    with raises(RuntimeError, "Error(s) in loading state_dict for Net:\n\t"
                              'Missing key(s) in state_dict: "fc.bias". \n\t'
                              'Unexpected key(s) in state_dict: "extra", "np", "fc.extra". '):
        Net().load_state_dict(sd)


def failing_inputs():
    good = Net().state_dict()
    shape = dict(good, **{"fc.weight": nnx.ones(4, 2)})
    not_tensor = dict(good, **{"fc.weight": 3})
    missing = {k: v for k, v in good.items() if k != "fc.bias"}
    unexpected = dict(good, extra=nnx.ones(1))
    return {
        "size mismatch": (shape, True, "size mismatch for fc.weight: copying a param with "
                          "shape nnx.Size([4, 2]) from checkpoint, the shape in current model "
                          "is nnx.Size([3, 2])."),
        "size mismatch non-strict": (shape, False, "size mismatch for fc.weight"),
        "not a tensor": (not_tensor, True, 'While copying the parameter named "fc.weight", '
                         "expected nnx.Tensor or Tensor-like object from checkpoint but "
                         "received <class 'int'>"),
        "missing": (missing, True, 'Missing key(s) in state_dict: "fc.bias". '),
        "unexpected": (unexpected, True, 'Unexpected key(s) in state_dict: "extra". '),
    }


@pytest.mark.parametrize("case", list(failing_inputs()))
@pytest.mark.parametrize("assign", [False, True])
def test_failed_load_changes_nothing(case, assign):
    sd, strict, message = failing_inputs()[case]
    sd = {k: v for k, v in sd.items()}
    for key in ("fc.weight", "count"):  # values that would be loaded before the failure
        if isinstance(sd.get(key), nnx.Tensor) and sd[key].shape == Net().state_dict()[key].shape:
            sd[key] = nnx.full(sd[key].shape, 7, dtype=sd[key].dtype)
    model = Net()
    before, params = snapshot(model), list(model.parameters())
    buffers = dict(model._buffers)
    with raises(RuntimeError, message):
        model.load_state_dict(sd, strict=strict, assign=assign)
    assert_unchanged(model, before, params)
    assert all(model._buffers[k] is v for k, v in buffers.items())


def test_failed_load_after_a_migration_hook_wrote_changes_nothing():
    class Migrating(Net):
        def _load_from_state_dict(self, state_dict, prefix, *args):
            self.fc.weight.data.fill_(42)  # a layer that writes before validation ends
            super()._load_from_state_dict(state_dict, prefix, *args)

    model = Migrating()
    before, params = snapshot(model), list(model.parameters())
    with raises(RuntimeError, "Missing key(s)"):
        model.load_state_dict({})
    assert_unchanged(model, before, params)


def test_non_mapping():
    with raises(TypeError, "Expected state_dict to be dict-like, got <class 'list'>."):
        Net().load_state_dict([])


def test_version_migration_through_local_metadata():
    class Renamed(Lin):
        """Version 2 renamed ``w`` to ``weight``; old checkpoints still load."""

        _version = 2

        def _load_from_state_dict(self, state_dict, prefix, local_metadata, *args):
            if local_metadata.get("version", 1) < 2 and prefix + "w" in state_dict:
                state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")
            super()._load_from_state_dict(state_dict, prefix, local_metadata, *args)

    old = OrderedDict([("layer.w", nnx.ones(1, 1)), ("layer.bias", nnx.zeros(1))])
    old._metadata = OrderedDict([("", {"version": 1}), ("layer", {"version": 1})])
    model = nn.Module()
    model.layer = Renamed(1, 1)
    model.load_state_dict(old)
    assert model.layer.weight.tolist() == [[1.0]]


def test_load_hooks():
    calls = []
    m = Net()
    m.register_load_state_dict_pre_hook(lambda mod, sd, prefix, *rest: calls.append(
        ("pre", mod is m, prefix)))
    m.register_load_state_dict_post_hook(lambda mod, keys: calls.append(
        ("post", list(keys.missing_keys))))
    m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: calls.append("save-pre"))

    def drop_count(module, state_dict, prefix, local_metadata):
        del state_dict[prefix + "count"]

    m.register_state_dict_post_hook(drop_count)
    sd = m.state_dict()
    assert "count" not in sd
    m.load_state_dict(sd, strict=False)
    assert calls == ["save-pre", ("pre", True, ""), ("post", ["count"])]


def test_state_dict_round_trip_through_children():
    a, b = nn.Module(), nn.Module()
    for m in (a, b):
        m.enc = Net()
        m.act = ReLU()
    b.load_state_dict(a.state_dict())
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and va.tolist() == vb.tolist()


def test_failed_post_hook_changes_nothing():
    model = Net()
    before, params = snapshot(model), list(model.parameters())
    model.fc.register_load_state_dict_post_hook(lambda module, keys: "new keys")
    sd = {k: nnx.full(v.shape, 3, dtype=v.dtype) for k, v in Net().state_dict().items()}
    with raises(AssertionError, "Hooks registered with ``register_load_state_dict_post_hook`` "
                                "are not expected to return new values"):
        model.load_state_dict(sd)
    assert_unchanged(model, before, params)


def test_interrupted_load_changes_nothing():
    class Interrupting(Net):
        def _load_from_state_dict(self, *args):
            super()._load_from_state_dict(*args)
            raise KeyboardInterrupt  # after this module's tensors were copied

    model = nn.Module()
    model.first = Net()
    model.second = Interrupting()
    before, params = snapshot(model), list(model.parameters())
    sd = {k: nnx.full(v.shape, 3, dtype=v.dtype) for k, v in model.state_dict().items()}
    with pytest.raises(KeyboardInterrupt):
        model.load_state_dict(sd)
    assert_unchanged(model, before, params)
