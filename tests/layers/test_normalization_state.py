"""State of the batch and instance norm layers: buffers, num_batches_tracked, momentum=None
(cumulative average), train vs eval, checkpoint versions, reprs (texts from torch 2.13.0)."""

from collections import OrderedDict

import numpy as np
import pytest

import nnx
import nnx.nn as nn


def test_buffers_and_state_dict_layout():
    bn = nn.BatchNorm2d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    nbt = bn.num_batches_tracked
    assert nbt.dtype == nnx.int64 and nbt.shape == () and nbt.item() == 0
    assert bn.state_dict()._metadata[""]["version"] == 2
    assert nn.BatchNorm1d(3, bias=False).bias is None
    plain = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert plain.running_mean is None and plain.num_batches_tracked is None
    assert list(plain.state_dict()) == []
    assert list(nn.InstanceNorm1d(3).state_dict()) == []


def test_num_batches_tracked_counts_training_passes_only():
    bn = nn.BatchNorm1d(2)
    x = nnx.randn(4, 2)
    bn(x)
    bn(x)
    assert bn.num_batches_tracked.item() == 2
    bn.eval()
    before = bn.running_mean.tolist()
    bn(x)
    assert bn.num_batches_tracked.item() == 2
    assert bn.running_mean.tolist() == before


def test_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    batches = [np.random.default_rng(i).standard_normal((5, 2)) for i in range(3)]
    for b in batches:
        bn(nnx.from_numpy(b))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([b.mean(0) for b in batches], 0),
                               rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(),
                               np.mean([b.var(0, ddof=1) for b in batches], 0), rtol=1e-12)


def test_functional_running_stats_match_torch():
    # torch 2.13.0: F.batch_norm(x, rm, rv, training=True, momentum=0.3) and then eval
    rm, rv = nnx.zeros(2), nnx.ones(2)
    x = nnx.tensor([[1.0, 2.0], [3.0, 5.0], [4.0, -1.0]])
    nn.functional.batch_norm(x, rm, rv, training=True, momentum=0.3)
    np.testing.assert_allclose(rm.tolist(), [0.8000000715255737, 0.6000000238418579], rtol=1e-6)
    np.testing.assert_allclose(rv.tolist(), [1.4000000953674316, 3.4000000953674316], rtol=1e-6)
    out = nn.functional.batch_norm(x, rm, rv, nnx.tensor([2.0, 3.0]), nnx.tensor([1.0, -1.0]),
                                   training=False)
    np.testing.assert_allclose(out.tolist(), [[1.3380603790283203, 1.2777663469314575],
                                              [4.71866512298584, 6.158694267272949],
                                              [6.4089674949646, -3.6031618118286133]],
                               rtol=1e-6)
    # instance_norm averages the per-sample updates over the batch
    rm, rv = nnx.zeros(2), nnx.ones(2)
    nn.functional.instance_norm(nnx.arange(12.0).reshape(2, 2, 3) ** 1.5, rm, rv, momentum=0.3)
    np.testing.assert_allclose(rm.tolist(), [2.983652114868164, 5.97410774230957], rtol=1e-6)
    np.testing.assert_allclose(rv.tolist(), [3.368053913116455, 5.4175519943237305], rtol=1e-6)


def test_running_stats_update_bumps_the_version():
    rm, rv = nnx.zeros(2), nnx.ones(2)
    v = rm._version
    nn.functional.batch_norm(nnx.randn(3, 2), rm, rv, training=True)
    assert rm._version > v


def test_no_running_stats_uses_batch_statistics_in_eval():
    bn = nn.BatchNorm1d(3, track_running_stats=False).eval()
    x = nnx.randn(6, 3)
    np.testing.assert_allclose(bn(x).detach().numpy(), bn.train()(x).detach().numpy(),
                               rtol=1e-6)


def test_reset_running_stats():
    bn = nn.BatchNorm1d(2)
    bn(nnx.randn(4, 2) + 3)
    bn.reset_running_stats()
    assert bn.running_mean.tolist() == [0.0, 0.0] and bn.running_var.tolist() == [1.0, 1.0]
    assert bn.num_batches_tracked.item() == 0


def test_version_1_checkpoint_without_num_batches_tracked_loads():
    src = nn.BatchNorm1d(3)
    src(nnx.randn(4, 3))
    state = src.state_dict()
    del state["num_batches_tracked"]
    state._metadata[""]["version"] = 1
    dst = nn.BatchNorm1d(3)
    dst(nnx.randn(4, 3))
    dst(nnx.randn(4, 3))
    result = dst.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(dst.running_mean.numpy(), src.running_mean.numpy())
    assert dst.num_batches_tracked.item() == 2      # kept, as torch keeps it
    # no metadata at all counts as an old checkpoint too
    plain = OrderedDict((k, v) for k, v in state.items())
    nn.BatchNorm1d(3).load_state_dict(plain)
    # nested modules get their own version entry
    model = nn.Sequential(nn.BatchNorm1d(3))
    nested = model.state_dict()
    del nested["0.num_batches_tracked"]
    nested._metadata["0"]["version"] = 1
    model.load_state_dict(nested)


def test_version_2_checkpoint_missing_num_batches_tracked_fails():
    state = nn.BatchNorm1d(3).state_dict()
    del state["num_batches_tracked"]
    with pytest.raises(RuntimeError) as err:
        nn.BatchNorm1d(3).load_state_dict(state)
    assert str(err.value) == ('Error(s) in loading state_dict for BatchNorm1d:\n\tMissing '
                              'key(s) in state_dict: "num_batches_tracked". ')


def test_old_instance_norm_checkpoint_with_running_stats_is_refused():
    state = OrderedDict(running_mean=nnx.zeros(3), running_var=nnx.ones(3))
    state._metadata = {"": {}}
    with pytest.raises(RuntimeError) as err:
        nn.InstanceNorm1d(3).load_state_dict(state)
    assert str(err.value) == (
        'Error(s) in loading state_dict for InstanceNorm1d:\n\tUnexpected running stats '
        'buffer(s) "running_mean" and "running_var" for InstanceNorm1d with '
        'track_running_stats=False. If state_dict is a checkpoint saved before 0.4.0, this '
        'may be expected because InstanceNorm1d does not track running stats by default '
        'since 0.4.0. Please remove these keys from state_dict. If the running stats are '
        'actually needed, instead set track_running_stats=True in InstanceNorm1d to enable '
        'them. See the documentation of InstanceNorm1d for details.')


def test_instance_norm_unbatched_equals_batch_of_one():
    layer = nn.InstanceNorm2d(2, affine=True)
    x = nnx.randn(2, 3, 3)
    np.testing.assert_allclose(layer(x).detach().numpy(),
                               layer(x.unsqueeze(0))[0].detach().numpy(), rtol=1e-6)


def test_instance_norm_eval_uses_running_stats_when_tracked():
    layer = nn.InstanceNorm1d(2, track_running_stats=True)
    x = nnx.randn(3, 2, 5) * 2 + 1
    layer(x)
    layer.eval()
    mean = layer.running_mean.numpy()[None, :, None]
    var = layer.running_var.numpy()[None, :, None]
    expected = (x.numpy() - mean) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("module, text", [
    (lambda: nn.BatchNorm2d(64),
     "BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, bias=True, "
     "track_running_stats=True)"),
    (lambda: nn.BatchNorm1d(3, momentum=None, eps=1e-3, affine=False,
                            track_running_stats=False),
     "BatchNorm1d(3, eps=0.001, momentum=None, affine=False, bias=False, "
     "track_running_stats=False)"),
    (lambda: nn.InstanceNorm2d(3),
     "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, "
     "track_running_stats=False)"),
    (lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True, bias=False),
     "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=False, "
     "track_running_stats=True)"),
    (lambda: nn.LayerNorm([2, 3], elementwise_affine=False, bias=False),
     "LayerNorm((2, 3), eps=1e-05, elementwise_affine=False, bias=False)"),
    (lambda: nn.GroupNorm(1, 2, affine=False), "GroupNorm(1, 2, eps=1e-05, affine=False, "
     "bias=False)"),
    (lambda: nn.RMSNorm(3, eps=1e-6, elementwise_affine=False),
     "RMSNorm((3,), eps=1e-06, elementwise_affine=False)"),
    (lambda: nn.LocalResponseNorm(3, 1e-3, 0.5, 2), "LocalResponseNorm(3, alpha=0.001, "
     "beta=0.5, k=2)"),
])
def test_reprs_match_torch(module, text):
    assert repr(module()) == text
