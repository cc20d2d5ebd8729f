"""nnx.nn.utils: gradient clipping and parameters <-> vector.

The clipping expectations are torch 2.13.0's outputs (CPU), kept as literals and compared
exactly (float64 and float32).  They were generated once with this snippet::

    G1 = [[0.5, -1.25, 2.0], [3.5, -0.75, 1.5]]
    G2 = [-2.25, 0.125, 4.0, -3.0]
    G3 = [[0.1, -0.2], [0.3, 0.7]]
    def params(dtype, dtype2=None):
        out = []
        for g, dt in ((G1, dtype), (G2, dtype2 or dtype), (G3, dtype)):
            p = torch.nn.Parameter(torch.zeros(torch.tensor(g).shape, dtype=dt))
            p.grad = torch.tensor(g, dtype=dt)
            out.append(p)
        out.append(torch.nn.Parameter(torch.zeros(2, dtype=dtype)))   # no grad
        return out
    ps = params(dtype); total = clip_grad_norm_(ps, max_norm, norm_type)
    print(total.item(), [p.grad.tolist() for p in ps[:3]])
    # likewise clip_grad_value_(ps, 1.0), get_total_norm(grads, 2.0),
    # clip_grads_with_norm_(ps, 2.0, torch.tensor(8.0, dtype=torch.float64))
"""

import math
import re
import warnings

import numpy as np
import pytest

import nnx
from nnx.nn.utils import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)

G1 = [[0.5, -1.25, 2.0], [3.5, -0.75, 1.5]]
G2 = [-2.25, 0.125, 4.0, -3.0]
G3 = [[0.1, -0.2], [0.3, 0.7]]
INF = math.inf


def raises(exc, message):
    return pytest.raises(exc, match=re.escape(message))


def grad_tensor(values, dtype):
    # from float64 NumPy values, so each element is rounded once into ``dtype`` as torch does
    return nnx.tensor(np.asarray(values, dtype=np.float64), dtype=dtype)


def params(dtype, dtype2=None):
    out = []
    for g, dt in ((G1, dtype), (G2, dtype2 or dtype), (G3, dtype)):
        p = nnx.nn.Parameter(nnx.zeros(*np.shape(g), dtype=dt))
        p.grad = grad_tensor(g, dt)
        out.append(p)
    out.append(nnx.nn.Parameter(nnx.zeros(2, dtype=dtype)))        # no grad
    return out


def grads(ps):
    return [p.grad.tolist() for p in ps[:3]]


UNCHANGED64 = [G1, G2, G3]
UNCHANGED32 = [G1, G2, [[0.10000000149011612, -0.20000000298023224],
                        [0.30000001192092896, 0.699999988079071]]]

# (norm_type, max_norm) -> (total norm, clipped grads), torch 2.13.0
EXPECTED64 = {
    (2.0, 1.0): (7.18213930524882, [
        [[0.06961713065318317, -0.17404282663295795, 0.2784685226127327],
         [0.4873199145722822, -0.10442569597977476, 0.20885139195954952]],
        [-0.3132770879393243, 0.017404282663295793, 0.5569370452254654, -0.41770278391909904],
        [[0.013923426130636636, -0.027846852261273272],
         [0.0417702783919099, 0.09746398291445643]]]),
    (INF, 1.5): (4.0, [
        [[0.18749995312501172, -0.4687498828125293, 0.7499998125000469],
         [1.312499671875082, -0.2812499296875176, 0.5624998593750352]],
        [-0.8437497890625527, 0.04687498828125293, 1.4999996250000938, -1.1249997187500704],
        [[0.037499990625002345, -0.07499998125000469],
         [0.11249997187500703, 0.2624999343750164]]]),
    (1.0, 2.0): (20.175, [
        [[0.049566292462637294, -0.12391573115659324, 0.19826516985054918],
         [0.3469640472384611, -0.07434943869395594, 0.14869887738791188]],
        [-0.22304831608186781, 0.012391573115659324, 0.39653033970109836,
         -0.29739775477582375],
        [[0.00991325849252746, -0.01982651698505492],
         [0.029739775477582376, 0.0693928094476922]]]),
    (3.0, 0.5): (5.423418844492708, [
        [[0.046096375934064224, -0.11524093983516057, 0.1843855037362569],
         [0.32267463153844955, -0.06914456390109633, 0.13828912780219266]],
        [-0.207433691703289, 0.011524093983516056, 0.3687710074725138, -0.2765782556043853],
        [[0.009219275186812845, -0.01843855037362569],
         [0.027657825560438533, 0.06453492630768991]]]),
    (0.5, 100.0): (223.03574913253576, [
        [[0.22417930744415737, -0.5604482686103934, 0.8967172297766295],
         [1.5692551521091016, -0.33626896116623606, 0.6725379223324721]],
        [-1.0088068834987083, 0.05604482686103934, 1.793434459553259, -1.3450758446649442],
        [[0.04483586148883148, -0.08967172297766296],
         [0.1345075844664944, 0.3138510304218203]]]),
    (2.0, 1000.0): (7.18213930524882, UNCHANGED64),
}

EXPECTED32 = {
    (2.0, 1.0): (7.1821393966674805, [
        [[0.0696171298623085, -0.17404282093048096, 0.278468519449234],
         [0.4873199164867401, -0.10442569851875305, 0.2088513970375061]],
        [-0.31327709555625916, 0.017404282465577126, 0.556937038898468, -0.4177027940750122],
        [[0.013923426158726215, -0.02784685231745243],
         [0.04177027940750122, 0.09746398031711578]]]),
    (INF, 1.5): (4.0, [
        [[0.18749995529651642, -0.46874988079071045, 0.7499998211860657],
         [1.3124996423721313, -0.2812499403953552, 0.5624998807907104]],
        [-0.8437498211860657, 0.046874988824129105, 1.4999996423721313, -1.124999761581421],
        [[0.037499990314245224, -0.07499998062849045],
         [0.11249997466802597, 0.26249992847442627]]]),
    (1.0, 2.0): (20.174999237060547, [
        [[0.04956629127264023, -0.12391573190689087, 0.1982651650905609],
         [0.346964031457901, -0.07434943318367004, 0.1486988663673401]],
        [-0.22304831445217133, 0.012391572818160057, 0.3965303301811218, -0.2973977327346802],
        [[0.009913258254528046, -0.01982651650905609],
         [0.029739776626229286, 0.06939280778169632]]]),
    (3.0, 0.5): (5.42341947555542, [
        [[0.04609636962413788, -0.1152409240603447, 0.1843854784965515],
         [0.32267457246780396, -0.06914455443620682, 0.13828910887241364]],
        [-0.20743367075920105, 0.01152409240603447, 0.368770956993103, -0.27657821774482727],
        [[0.009219273924827576, -0.01843854784965515],
         [0.027657823637127876, 0.06453491747379303]]]),
    (0.5, 100.0): (223.03575134277344, [
        [[0.22417931258678436, -0.5604482889175415, 0.8967172503471375],
         [1.5692552328109741, -0.33626896142959595, 0.6725379228591919]],
        [-1.0088069438934326, 0.05604482814669609, 1.793434500694275, -1.3450758457183838],
        [[0.04483586177229881, -0.08967172354459763],
         [0.13450759649276733, 0.3138510286808014]]]),
    (2.0, 1000.0): (7.1821393966674805, UNCHANGED32),
}

CASES = [(nnx.float64, key, value) for key, value in EXPECTED64.items()]
CASES += [(nnx.float32, key, value) for key, value in EXPECTED32.items()]


# -- clip_grad_norm_ -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype, key, expected", CASES)
@pytest.mark.parametrize("foreach", [None, True, False])
def test_clip_grad_norm_matches_torch(dtype, key, expected, foreach):
    (norm_type, max_norm), (total, clipped) = key, expected
    ps = params(dtype)
    result = clip_grad_norm_(ps, max_norm, norm_type, foreach=foreach)
    assert result.dim() == 0 and result.dtype == dtype and result.grad_fn is None
    assert result.item() == total
    assert grads(ps) == clipped
    assert ps[3].grad is None                                        # skipped, untouched


def test_clip_grad_norm_mixed_dtypes():
    ps = params(nnx.float32, nnx.float64)
    total = clip_grad_norm_(ps, 1.0)
    assert total.dtype == nnx.float64 and total.item() == 7.182139351814327
    assert [p.grad.dtype for p in ps[:3]] == [nnx.float32, nnx.float64, nnx.float32]
    assert grads(ps) == [
        EXPECTED32[2.0, 1.0][1][0],
        [-0.3132770859081879, 0.017404282550454883, 0.5569370416145563, -0.4177027812109172],
        EXPECTED32[2.0, 1.0][1][2],
    ]


def test_clip_grad_norm_single_tensor_and_generator():
    p = params(nnx.float64)[0]
    total = clip_grad_norm_(p, 1.0)
    assert math.isclose(total.item(), math.sqrt(sum(v * v for row in G1 for v in row)))
    assert math.isclose(nnx.norm(p.grad).item(), 1.0, rel_tol=1e-6)
    ps = params(nnx.float64)
    assert clip_grad_norm_((q for q in ps), 1.0, 2.0).item() == EXPECTED64[2.0, 1.0][0]
    assert grads(ps) == EXPECTED64[2.0, 1.0][1]


def test_clip_grad_norm_without_grads():
    ps = [nnx.nn.Parameter(nnx.ones(3, dtype=nnx.float64))]
    total = clip_grad_norm_(ps, 1.0)
    assert total.dtype == nnx.float32 and total.dim() == 0 and total.item() == 0.0
    assert ps[0].grad is None
    assert clip_grad_norm_([], 1.0).item() == 0.0


def test_clip_grad_norm_empty_generator_warns():
    with pytest.warns(UserWarning, match=re.escape(
            "`parameters` is an empty generator, no gradient clipping will occur.")):
        assert clip_grad_norm_((p for p in []), 1.0).item() == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clip_grad_norm_([], 1.0)                                     # a list does not warn


@pytest.mark.parametrize("bad, norm_type, order", [
    (INF, 2.0, "2.0"), (math.nan, 2.0, "2.0"), (INF, INF, "inf"), (INF, 1, "1.0"),
])
def test_clip_grad_norm_nonfinite(bad, norm_type, order):
    ps = params(nnx.float64)
    ps[1].grad = grad_tensor([bad, 1.0, 2.0, 3.0], nnx.float64)
    with raises(RuntimeError, f"The total norm of order {order} for gradients from "
                              "`parameters` is non-finite, so it cannot be clipped. To disable "
                              "this error and scale the gradients by the non-finite norm "
                              "anyway, set `error_if_nonfinite=False`"):
        clip_grad_norm_(ps, 1.0, norm_type, error_if_nonfinite=True)
    assert grads(ps)[0] == G1                                        # nothing was scaled


def test_clip_grad_norm_nonfinite_scales_anyway():
    ps = params(nnx.float64)
    ps[1].grad = grad_tensor([INF, 1.0, -2.0, 3.0], nnx.float64)
    total = clip_grad_norm_(ps, 1.0)
    assert math.isinf(total.item())
    assert np.array_equal(ps[0].grad.numpy(), np.zeros((2, 3)))     # max_norm / inf == 0
    assert math.isnan(ps[1].grad.tolist()[0])                        # inf * 0
    ps = params(nnx.float64)
    ps[2].grad = grad_tensor([[math.nan, 0.0], [1.0, 2.0]], nnx.float64)
    assert math.isnan(clip_grad_norm_(ps, 1.0).item())
    assert all(math.isnan(v) for row in grads(ps)[0] for v in row)


def test_clip_grad_norm_runs_without_grad():
    p = nnx.nn.Parameter(nnx.ones(3, dtype=nnx.float64))
    p.grad = nnx.tensor([3.0, 4.0, 0.0], dtype=nnx.float64, requires_grad=True)
    total = clip_grad_norm_(p, 1.0)
    assert not total.requires_grad and total.grad_fn is None
    assert p.grad.grad_fn is None
    assert p.grad.tolist() == [0.599999880000024, 0.799999840000032, 0.0]     # torch 2.13.0


def test_clip_grad_norm_deprecated_alias():
    ps = params(nnx.float64)
    with pytest.warns(FutureWarning, match=re.escape(
            "`nnx.nn.utils.clip_grad_norm` is now deprecated in favor of "
            "`nnx.nn.utils.clip_grad_norm_`.")):
        total = clip_grad_norm(ps, 1.0)
    assert total.item() == EXPECTED64[2.0, 1.0][0]
    assert grads(ps) == EXPECTED64[2.0, 1.0][1]


# -- get_total_norm / clip_grads_with_norm_ ------------------------------------------------


def test_get_total_norm_and_clip_with_norm():
    ps = params(nnx.float64)
    total = get_total_norm([p.grad for p in ps[:3]], 2.0)
    assert total.item() == 7.18213930524882
    assert get_total_norm(ps[1].grad, INF).item() == 4.0           # a single tensor
    assert get_total_norm([]).item() == 0.0
    assert grads(ps) == UNCHANGED64                                  # only measured
    assert clip_grads_with_norm_(ps, 2.0, nnx.tensor(8.0, dtype=nnx.float64)) is None
    assert grads(ps) == [
        [[0.12499998437500197, -0.31249996093750493, 0.4999999375000079],
         [0.8749998906250138, -0.18749997656250295, 0.3749999531250059]],
        [-0.5624999296875088, 0.031249996093750492, 0.9999998750000157, -0.7499999062500118],
        [[0.024999996875000395, -0.04999999375000079],
         [0.07499999062500118, 0.17499997812500276]],
    ]
    assert clip_grads_with_norm_([nnx.nn.Parameter(nnx.ones(2))], 1.0, nnx.tensor(5.0)) is None


def test_clip_grads_with_norm_scales_float16_in_float32():
    """torch's CPU kernel multiplies float16 gradients by the float32 coefficient and
    rounds once; rounding the coefficient to float16 first put each of these
    four entries 1 ulp off (expected: torch 2.13's output)."""
    g = np.array([-2.4058, -3.9742, -0.7452, 1.2617], dtype=np.float16)
    p16 = nnx.nn.Parameter(nnx.zeros(4, dtype=nnx.float16))
    p16.grad = nnx.from_numpy(g.copy())
    p32 = nnx.nn.Parameter(nnx.zeros(1))
    p32.grad = nnx.tensor([61.5])
    total = get_total_norm([p16.grad, p32.grad], 1.0)
    assert total.dtype == nnx.float32
    clip_grads_with_norm_([p16, p32], 0.7, total)
    coef = np.float32(0.7) / (total.numpy() + np.float32(1e-6))
    assert p16.grad.numpy().tolist() == (g.astype(np.float32) * coef).astype(
        np.float16).tolist()
    assert p16.grad.tolist() == [-0.0240936279296875, -0.039794921875, -0.0074615478515625,
                                 0.01263427734375]


def test_clip_grads_with_norm_needs_a_tensor_total():
    p = nnx.nn.Parameter(nnx.zeros(2))
    p.grad = nnx.ones(2)
    with raises(TypeError, "clamp() received an invalid combination of arguments - got "
                           "(float, max=float), but expected one of:"):
        clip_grads_with_norm_([p], 1.0, 4.0)


# -- clip_grad_value_ ----------------------------------------------------------------------


@pytest.mark.parametrize("foreach", [None, True, False])
def test_clip_grad_value(foreach):
    ps = params(nnx.float64)
    assert clip_grad_value_(ps, 1.0, foreach=foreach) is None
    assert grads(ps) == [[[0.5, -1.0, 1.0], [1.0, -0.75, 1.0]], [-1.0, 0.125, 1.0, -1.0], G3]
    assert ps[3].grad is None
    p = params(nnx.float32)[1]
    clip_grad_value_(p, 2)                                           # a single tensor
    assert p.grad.tolist() == [-2.0, 0.125, 2.0, -2.0]
    clip_grad_value_([nnx.nn.Parameter(nnx.ones(2))], 1.0)           # no grads: nothing to do


# -- parameters <-> vector -----------------------------------------------------------------


def test_parameters_to_vector():
    a = nnx.nn.Parameter(nnx.arange(6.0).reshape(2, 3))
    b = nnx.nn.Parameter(nnx.tensor([10.0, 20.0]))
    vec = parameters_to_vector([a, b])
    assert vec.shape == (8,)
    assert vec.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0]
    (vec * nnx.arange(8.0)).sum().backward()                         # differentiable
    assert a.grad.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert b.grad.tolist() == [6.0, 7.0]


def test_vector_to_parameters_round_trip():
    a = nnx.nn.Parameter(nnx.zeros(2, 3))
    b = nnx.nn.Parameter(nnx.zeros(4))
    vec = nnx.arange(10.0)
    assert vector_to_parameters(vec, [a, b]) is None
    assert a.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and b.tolist() == [6, 7, 8, 9]
    assert isinstance(a, nnx.nn.Parameter) and a.requires_grad and a.is_leaf
    assert parameters_to_vector([a, b]).tolist() == vec.tolist()
    with nnx.no_grad():
        vec[0] = 42.0                                                # storage is shared
    assert a.tolist()[0][0] == 42.0


@pytest.mark.parametrize("vec, name", [([1.0, 2.0], "list"), (3.0, "float"),
                                       (np.ones(3), "numpy.ndarray")])
def test_vector_to_parameters_needs_a_tensor(vec, name):
    with raises(TypeError, f"expected nnx.Tensor, but got: {name}"):
        vector_to_parameters(vec, [nnx.nn.Parameter(nnx.zeros(2))])
