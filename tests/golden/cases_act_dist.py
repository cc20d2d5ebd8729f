"""Golden cases for the functionals of nnx-layers' activation, distance and linear
families (written by ``generate_act_dist.py``, replayed by
``tests/layers/test_activation_functional_golden.py``).

Same format as ``cases.py`` (whose ``Case``/``Spec``/``make_input`` this reuses): an
expression in the API torch and nnx share, evaluated with ``F`` bound to the functional
module.  In-place forms run on ``x * 1`` (a non-leaf copy) so the inputs stay untouched.
Needs only numpy.
"""

from __future__ import annotations

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_base():
    """cases.py, also when this file is loaded by path (the tests do)."""
    name = "_nnx_golden_cases"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "cases.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


base = _load_base()
Case, S = base.Case, base.Spec
CASES: list = []


def case(name, expr, grad=True, rtol=None, atol=None, **inputs):
    CASES.append(Case(name, expr, dict(inputs), grad=grad, rtol=rtol, atol=atol))


X = S((3, 4), low=-4.0, high=4.0)
X32 = S((3, 4), dtype="float32", low=-4.0, high=4.0)
WIDE = S((3, 4), low=-7.0, high=7.0)
WIDE32 = S((3, 4), dtype="float32", low=-7.0, high=7.0)

# --- piecewise activations ---------------------------------------------------------------
for suffix, x, w in (("", X, WIDE), ("_f32", X32, WIDE32)):
    case(f"relu6{suffix}", "F.relu6(x * 2)", x=w)
    case(f"relu6_inplace{suffix}", "F.relu6(x * 2, inplace=True)", x=w)
    case(f"hardtanh{suffix}", "F.hardtanh(x)", x=x)
    case(f"hardtanh_bounds{suffix}", "F.hardtanh(x, -0.5, 1.5)", x=x)
    case(f"hardtanh_inplace{suffix}", "F.hardtanh_(x * 1, -2.0, 0.5)", x=x)
    case(f"threshold{suffix}", "F.threshold(x, 0.3, -20.0)", x=x)
    case(f"threshold_inplace{suffix}", "F.threshold_(x * 1, 0.3, -2.0)", x=x)
    case(f"hardsigmoid{suffix}", "F.hardsigmoid(x)", x=w)
    case(f"hardsigmoid_inplace{suffix}", "F.hardsigmoid(x * 1, inplace=True)", x=w)
    case(f"hardswish{suffix}", "F.hardswish(x)", x=w)
    case(f"hardswish_inplace{suffix}", "F.hardswish(x * 1, True)", x=w)
    case(f"hardshrink{suffix}", "F.hardshrink(x)", x=x)
    case(f"hardshrink_lambd{suffix}", "F.hardshrink(x, 1.5)", x=x)
    case(f"softshrink{suffix}", "F.softshrink(x)", x=x)
    case(f"softshrink_lambd{suffix}", "F.softshrink(x, 1.25)", x=x)
    case(f"rrelu_eval{suffix}", "F.rrelu(x)", x=x)
    case(f"rrelu_eval_bounds{suffix}", "F.rrelu(x, 0.1, 0.6, False)", x=x)
    case(f"rrelu_inplace_eval{suffix}", "F.rrelu_(x * 1, 0.2, 0.3)", x=x)
case("threshold_int", "F.threshold(x, 1, 20)", x=S((3, 4), dtype="int64"))
case("hardtanh_int", "F.hardtanh(x, -2, 3)", x=S((3, 4), dtype="int64"))
case("relu6_int", "F.relu6(x * 3)", x=S((3, 4), dtype="int64"))

# --- prelu ---------------------------------------------------------------------------------
case("prelu_single", "F.prelu(x, w)", x=S((2, 3, 4)), w=S((1,)))
case("prelu_channels", "F.prelu(x, w)", x=S((2, 3, 4)), w=S((3,)))
case("prelu_channels_4d", "F.prelu(x, w)", x=S((2, 3, 2, 2)), w=S((3,)))
case("prelu_2d", "F.prelu(x, w)", x=S((4, 3)), w=S((3,)))
case("prelu_1d", "F.prelu(x, w)", x=S((5,)), w=S((1,)))
case("prelu_0d_weight", "F.prelu(x, w)", x=S((2, 3)), w=S(()))
case("prelu_f32", "F.prelu(x, w)", x=S((2, 3, 4), dtype="float32"),
     w=S((3,), dtype="float32"))

# --- smooth activations --------------------------------------------------------------------
for suffix, x in (("", X), ("_f32", X32)):
    case(f"selu{suffix}", "F.selu(x)", x=x)
    case(f"selu_inplace{suffix}", "F.selu_(x * 1)", x=x)
    case(f"celu{suffix}", "F.celu(x)", x=x)
    case(f"celu_alpha{suffix}", "F.celu(x, 0.5)", x=x)
    case(f"celu_inplace{suffix}", "F.celu_(x * 1, 2.0)", x=x)
    case(f"elu_inplace{suffix}", "F.elu_(x * 1, 0.7)", x=x)
    case(f"leaky_relu_inplace{suffix}", "F.leaky_relu_(x * 1, 0.2)", x=x)
    case(f"relu_inplace{suffix}", "F.relu_(x * 1)", x=x)
    case(f"mish{suffix}", "F.mish(x)", x=x)
    case(f"mish_inplace{suffix}", "F.mish(x * 1, inplace=True)", x=x)
    case(f"softsign{suffix}", "F.softsign(x)", x=x)
    case(f"logsigmoid{suffix}", "F.logsigmoid(x)", x=x)
    case(f"tanhshrink{suffix}", "F.tanhshrink(x)", x=x)
    case(f"glu{suffix}", "F.glu(x)", x=x)
    case(f"softmin{suffix}", "F.softmin(x, 1)", x=x)
    case(f"softmin_dim0{suffix}", "F.softmin(x, dim=0)", x=x)
case("mish_large", "F.mish(x)", x=S((6,), values=[-40.0, -3.0, 0.0, 2.0, 30.0, 100.0]))
case("logsigmoid_large", "F.logsigmoid(x)", x=S((4,), values=[-800.0, -30.0, 30.0, 800.0]))
case("softsign_int", "F.softsign(x)", x=S((3, 4), dtype="int64"))
case("tanhshrink_int", "F.tanhshrink(x)", x=S((3, 4), dtype="int64"))
case("glu_dim0", "F.glu(x, 0)", x=S((4, 3)))
case("glu_3d", "F.glu(x, 1)", x=S((2, 6, 3)))
case("softmin_dtype", "F.softmin(x, 1, dtype=lib.float64)", x=S((3, 4), dtype="float32"))
case("softmin_3d", "F.softmin(x, -1)", x=S((2, 3, 4)))

# --- distances -----------------------------------------------------------------------------
A, B = S((4, 5)), S((4, 5))
for p in ("2.0", "1.0", "3.0", "0.5", "1.5", "float('inf')", "float('-inf')", "0.0"):
    tag = {"float('inf')": "inf", "float('-inf')": "neginf"}.get(p, p.replace(".", "_"))
    case(f"pairwise_distance_p{tag}", f"F.pairwise_distance(a, b, p={p})", a=A, b=B)
    if not p.startswith("float('-"):          # pdist refuses negative p
        case(f"pdist_p{tag}", f"F.pdist(a, {p})", a=A)
case("pairwise_distance_keepdim", "F.pairwise_distance(a, b, keepdim=True)", a=A, b=B)
case("pairwise_distance_eps", "F.pairwise_distance(a, b, 2.0, 0.5)", a=A, b=B)
case("pairwise_distance_broadcast", "F.pairwise_distance(a, b)", a=S((4, 5)), b=S((5,)))
case("pairwise_distance_1d", "F.pairwise_distance(a, b)", a=S((5,)), b=S((5,)))
case("pairwise_distance_3d", "F.pairwise_distance(a, b)", a=S((2, 3, 4)), b=S((3, 4)))
case("pairwise_distance_f32", "F.pairwise_distance(a, b)", a=S((4, 5), dtype="float32"),
     b=S((4, 5), dtype="float32"))
case("pairwise_distance_mixed", "F.pairwise_distance(a, b)", a=S((4, 5), dtype="float32"),
     b=S((4, 5)))
case("pairwise_distance_int", "F.pairwise_distance(a, b)", a=S((4, 5), dtype="int64"),
     b=S((4, 5), dtype="int64"))
case("cosine_similarity", "F.cosine_similarity(a, b)", a=A, b=B)
case("cosine_similarity_dim0", "F.cosine_similarity(a, b, 0)", a=A, b=B)
case("cosine_similarity_dim_neg", "F.cosine_similarity(a, b, dim=-1, eps=0.1)", a=A, b=B)
case("cosine_similarity_broadcast", "F.cosine_similarity(a, b, dim=-1)", a=S((2, 3, 4)),
     b=S((3, 1)))
case("cosine_similarity_small_norm", "F.cosine_similarity(a, b, eps=1e-3)",
     a=S((2, 3), values=[[1e-5, 2e-5, 0.0], [1.0, -2.0, 3.0]]),
     b=S((2, 3), values=[[3.0, -1.0, 2.0], [1e-6, 0.0, 0.0]]))
case("cosine_similarity_zero", "F.cosine_similarity(a, b)",
     a=S((1, 3), values=[[0.0, 0.0, 0.0]]), b=S((1, 3), values=[[1.0, 2.0, 3.0]]))
case("cosine_similarity_1d", "F.cosine_similarity(a, b, dim=0)", a=S((5,)), b=S((5,)))
case("cosine_similarity_0d", "F.cosine_similarity(a, b, dim=0)", a=S(()), b=S(()))
case("cosine_similarity_f32", "F.cosine_similarity(a, b)", a=S((4, 5), dtype="float32"),
     b=S((4, 5), dtype="float32"))
case("cosine_similarity_mixed", "F.cosine_similarity(a, b)", a=S((4, 5), dtype="float32"),
     b=S((4, 5)))
case("cosine_similarity_int_float", "F.cosine_similarity(a, b)", a=S((4, 5), dtype="int64"),
     b=S((4, 5), dtype="float32"))
case("pdist_f32", "F.pdist(a)", a=S((5, 3), dtype="float32"))
case("pdist_repeated_rows", "F.pdist(a)", a=S((3, 2), values=[[1.0, 2.0], [1.0, 2.0],
                                                              [0.0, 5.0]]))
case("normalize", "F.normalize(x)", x=S((3, 4)))
case("normalize_dim0_p1", "F.normalize(x, 1.0, 0)", x=S((3, 4)))
case("normalize_p3", "F.normalize(x, p=3.0, dim=-1)", x=S((2, 3, 4)))
case("normalize_inf", "F.normalize(x, p=float('inf'))", x=S((3, 4)))
case("normalize_p_half", "F.normalize(x, p=0.5)", x=S((3, 4)))
case("normalize_tiny", "F.normalize(x, eps=1e-3)",
     x=S((2, 2), values=[[1e-5, 2e-5], [1.0, 2.0]]))
case("normalize_zero", "F.normalize(x)", x=S((2, 2), values=[[0.0, 0.0], [1.0, 2.0]]))
case("normalize_f32", "F.normalize(x, dim=0)", x=S((3, 4), dtype="float32"))

# --- bilinear ------------------------------------------------------------------------------
case("bilinear", "F.bilinear(a, b, w, c)", a=S((4, 3)), b=S((4, 5)), w=S((2, 3, 5)),
     c=S((2,)))
case("bilinear_no_bias", "F.bilinear(a, b, w)", a=S((4, 3)), b=S((4, 5)), w=S((2, 3, 5)))
case("bilinear_1d", "F.bilinear(a, b, w, c)", a=S((3,)), b=S((5,)), w=S((2, 3, 5)), c=S((2,)))
case("bilinear_3d", "F.bilinear(a, b, w, c)", a=S((2, 3, 3)), b=S((2, 3, 5)),
     w=S((4, 3, 5)), c=S((4,)))
case("bilinear_f32", "F.bilinear(a, b, w, c)", a=S((4, 3), dtype="float32"),
     b=S((4, 5), dtype="float32"), w=S((2, 3, 5), dtype="float32"), c=S((2,), dtype="float32"))
case("bilinear_int", "F.bilinear(a, b, w)", a=S((4, 3), dtype="int64"),
     b=S((4, 5), dtype="int64"), w=S((2, 3, 5), dtype="int64"))

CASES_BY_NAME = {c.name: c for c in CASES}
if len(CASES_BY_NAME) != len(CASES):  # pragma: no cover - table sanity
    raise RuntimeError("duplicate case names in cases_act_dist.py")


def tolerance(case, dtype):
    return base.tolerance(case, dtype)
