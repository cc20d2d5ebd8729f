"""The normalization functions directly: float64 gradcheck (batch_norm in training mode
included) and gradgradcheck, torch's grad_fn names, and values pasted from torch 2.13.0."""

import numpy as np
import pytest

import nnx
import nnx.nn.functional as F
from nnx.autograd import gradcheck, gradgradcheck


def _r(*shape, grad=True, seed=0):
    rng = np.random.default_rng(seed + sum(shape))
    return nnx.from_numpy(rng.standard_normal(shape)).requires_grad_(grad)


X = _r(4, 3, 5)
W3, B3 = _r(3, seed=1), _r(3, seed=2)


def _bn_train(x, w, b):
    return F.batch_norm(x, nnx.zeros(3, dtype=nnx.float64), nnx.ones(3, dtype=nnx.float64),
                        w, b, training=True, momentum=0.2)


FUNCTIONS = {
    "batch_norm_train": (_bn_train, (X, W3, B3)),
    "batch_norm_train_no_stats": (lambda x: F.batch_norm(x, None, None, training=True), (X,)),
    "batch_norm_eval": (lambda x, w, b: F.batch_norm(
        x, nnx.tensor([0.3, -0.2, 0.1], dtype=nnx.float64),
        nnx.tensor([2.0, 0.5, 1.0], dtype=nnx.float64), w, b, training=False), (X, W3, B3)),
    "batch_norm_4d": (lambda x, w: F.batch_norm(x, None, None, w, training=True, eps=1e-3),
                      (_r(2, 3, 2, 2), W3)),
    "instance_norm": (lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (X, W3, B3)),
    "instance_norm_running": (lambda x, w: F.instance_norm(
        x, nnx.zeros(3, dtype=nnx.float64), nnx.ones(3, dtype=nnx.float64), w,
        use_input_stats=False), (X, W3)),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (3, 5), w, b), (X, _r(3, 5), _r(3, 5))),
    "layer_norm_no_affine": (lambda x: F.layer_norm(x, (5,), eps=1e-3), (X,)),
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), (_r(2, 4, 3), _r(4), _r(4))),
    "group_norm_one_group": (lambda x: F.group_norm(x, 1), (_r(2, 3, 2, 2),)),
    "rms_norm": (lambda x, w: F.rms_norm(x, (5,), w), (X, _r(5))),
    "rms_norm_eps": (lambda x: F.rms_norm(x, (3, 5), eps=0.1), (X,)),
    "lrn": (lambda x: F.local_response_norm(x, 3, alpha=0.5, beta=0.6, k=1.5), (_r(2, 5, 3),)),
    "lrn_4d_even": (lambda x: F.local_response_norm(x, 2, alpha=0.3, beta=1.1, k=2.0),
                    (_r(2, 4, 2, 3),)),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_gradcheck(name):
    fn, inputs = FUNCTIONS[name]
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("name", ["batch_norm_train", "batch_norm_eval", "instance_norm",
                                  "layer_norm", "group_norm", "rms_norm", "lrn"])
def test_gradgradcheck(name):
    fn, inputs = FUNCTIONS[name]
    assert gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)


def test_grad_fn_names_match_torch():
    x = nnx.randn(3, 4, 5, requires_grad=True)
    assert F.batch_norm(x, None, None, training=True).grad_fn.name() == \
        "NativeBatchNormBackward0"
    assert F.instance_norm(x).grad_fn.name() == "ViewBackward0"
    assert F.layer_norm(x, (5,)).grad_fn.name() == "NativeLayerNormBackward0"
    assert F.group_norm(x, 2).grad_fn.name() == "NativeGroupNormBackward0"
    assert F.rms_norm(x, (5,)).grad_fn.name() == "MulBackward0"
    assert F.local_response_norm(x, 2).grad_fn.name() == "DivBackward0"


def test_running_stats_never_get_gradients():
    rm = nnx.zeros(3, requires_grad=False)
    x = nnx.randn(4, 3, requires_grad=True)
    F.batch_norm(x, rm, nnx.ones(3), training=True).sum().backward()
    assert rm.grad is None and x.grad is not None


def test_values_match_torch():
    # each expected list printed by torch 2.13.0 for the same call
    x = nnx.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]])
    np.testing.assert_allclose(F.rms_norm(x, (3,)).tolist(), [
        [0.4629100561141968, 0.9258201122283936, 1.3887301683425903],
        [0.20851440727710724, -0.4170288145542145, 1.668115258216858]], rtol=1e-6)
    lrn = F.local_response_norm(nnx.arange(12.0).reshape(1, 4, 3), 3, alpha=0.5, beta=0.6,
                                k=1.5)
    np.testing.assert_allclose(lrn.tolist(), [[
        [0.0, 0.41486498713493347, 0.6607704162597656],
        [0.802741527557373, 0.8788483738899231, 0.9134833812713623],
        [0.9264921545982361, 0.928237795829773, 0.9240899682044983],
        [1.4484747648239136, 1.4050651788711548, 1.3664772510528564]]], rtol=1e-6)
    gn = F.group_norm(nnx.arange(8.0).reshape(1, 4, 2), 2, nnx.tensor([1.0, 2, 3, 4]),
                      nnx.tensor([0.0, 1, 0, 1]))
    np.testing.assert_allclose(gn.tolist(), [[
        [-1.3416354656219482, -0.4472118616104126], [1.8944236040115356, 3.6832709312438965],
        [-4.024906158447266, -1.3416352272033691], [2.7888479232788086, 6.366542339324951]]],
        rtol=1e-6)
    ln = F.layer_norm(nnx.tensor([[1.0, 2, 4], [0, 0, 3]]), (3,), eps=1e-3)
    np.testing.assert_allclose(ln.tolist(), [
        [-1.0687013864517212, -0.2671753168106079, 1.3358769416809082],
        [-0.7069301009178162, -0.7069301009178162, 1.4138602018356323]], rtol=1e-6)


def test_rms_norm_default_eps_of_float16_is_float32s():
    # torch 2.13.0 gives these; float16's own eps (9.8e-4) would give [[0.0320, 0.0639] ...]
    x = nnx.tensor([[1e-3, 2e-3], [3e-3, 1e-3]]).half()
    out = F.rms_norm(x, (2,))
    assert out.dtype == nnx.float16
    np.testing.assert_allclose(out.float().tolist(), [[0.6177, 1.2354], [1.3262, 0.4421]],
                               rtol=2e-3)


def test_float16_runs_in_float32_and_mixed_parameters():
    x64 = np.random.default_rng(0).standard_normal((4, 6)) * 3 + 2
    half = nnx.from_numpy(x64.astype(np.float16))
    out = F.layer_norm(half, (6,), nnx.ones(6), nnx.zeros(6))     # float32 parameters
    assert out.dtype == nnx.float16
    ref = x64.astype(np.float16).astype(np.float64)
    ref = (ref - ref.mean(1, keepdims=True)) / np.sqrt(ref.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out.float().numpy(), ref, rtol=2e-3, atol=2e-3)
    g = half.detach().requires_grad_()
    F.group_norm(g, 2).sum().backward()
    assert g.grad.dtype == nnx.float16


def test_local_response_norm_edge_inputs():
    empty = nnx.randn(0, 4, 3)
    assert F.local_response_norm(empty, 2) is empty          # torch returns the input itself
    ints = F.local_response_norm(nnx.ones(2, 4, 3, dtype=nnx.int64), 2)
    assert ints.dtype == nnx.float32
    # torch 2.13.0: the first channel sees one 1 in its window of 2 (mean 0.5), the others two
    np.testing.assert_allclose(ints[0, :, 0].tolist(),
                               [(1 + 1e-4 * 0.5) ** -0.75] + [(1 + 1e-4) ** -0.75] * 3,
                               rtol=1e-6)


def test_empty_inputs():
    assert F.layer_norm(nnx.randn(0, 4), (4,)).shape == (0, 4)
    assert F.group_norm(nnx.randn(0, 4, 3), 2).shape == (0, 4, 3)
