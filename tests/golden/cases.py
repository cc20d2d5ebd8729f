"""Declarative table of golden cases shared by the generator and the nnx test.

This module must stay importable without torch and without nnx: it only uses
the standard library and numpy.

Each :class:`Case` is an expression string written in the API that torch and
nnx share.  It is evaluated with these names bound:

* every input of the case (a ``torch.Tensor`` in ``generate.py``, an
  ``nnx.Tensor`` in ``tests/core/test_golden.py``);
* ``lib`` -- the ``torch`` or ``nnx`` module;
* ``F``   -- ``torch.nn.functional`` or ``nnx.nn.functional``.

An expression yields one tensor, or a tuple/list of tensors (each element is
then compared as ``out/0``, ``out/1``...).

Inputs are generated deterministically by numpy from a seed derived from the
case and input names (:func:`make_input`); the generator also stores the
arrays in the fixture and the test uses the stored arrays.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Spec",
    "Case",
    "CASES",
    "CASES_BY_NAME",
    "FLOAT_DTYPES",
    "DEFAULT_TOL",
    "tolerance",
    "make_input",
    "make_grad_weight",
    "seed_for",
]

FLOAT_DTYPES = ("float64", "float32", "float16")
INT_DTYPES = ("int64", "int32", "int16", "int8", "uint8")
ALL_DTYPES = FLOAT_DTYPES + INT_DTYPES + ("bool",)

# (rtol, atol) per floating dtype, used for outputs and for gradients (the
# gradient of an input is checked with the tolerance of the input's dtype).
DEFAULT_TOL = {
    "float64": (1e-10, 1e-12),
    "float32": (1e-5, 1e-6),
    "float16": (1e-3, 1e-3),
}

# Input kinds: named value domains for ops that need one.
KINDS = (
    "positive",  # uniform in [0.5, 2.0]: log, sqrt, rsqrt, fractional pow, 1/x
    "nonzero",  # +-uniform in [0.5, 2.0]: divisors, prod
    "unit",  # uniform in [0.05, 0.95]: probabilities (binary_cross_entropy)
    "simplex",  # positive, normalised to sum 1 along axis 1 (class probabilities)
    "binary",  # floating 0.0 / 1.0 (binary targets)
)


@dataclass(frozen=True)
class Spec:
    """How to build one input.

    shape:          the tensor shape (``()`` for a 0-dim tensor).
    dtype:          "float64" (default), "float32", "float16", "int64", "int32",
                    "int16", "int8", "uint8" or "bool".
    low/high:       value range (floats: uniform [low, high); ints: integers
                    in [low, high)).  Defaults: floats [-2, 2), signed ints
                    [-5, 5), uint8 [0, 10).
    positive:       shorthand for ``kind="positive"``.
    kind:           one of ``KINDS`` (overrides low/high).
    values:         explicit values (nested lists), used as-is.
    requires_grad:  default True for floating inputs, False otherwise.
    """

    shape: tuple[int, ...] = ()
    dtype: str = "float64"
    low: float | None = None
    high: float | None = None
    positive: bool = False
    kind: str | None = None
    values: Any = None
    requires_grad: bool | None = None

    def __post_init__(self):
        if self.dtype not in ALL_DTYPES:
            raise ValueError(f"unknown dtype {self.dtype!r}")
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")
        if self.requires_grad and self.dtype not in FLOAT_DTYPES:
            raise ValueError("only floating inputs can require grad")

    @property
    def is_float(self) -> bool:
        return self.dtype in FLOAT_DTYPES

    @property
    def grad(self) -> bool:
        if self.requires_grad is None:
            return self.is_float
        return self.requires_grad


@dataclass(frozen=True)
class Case:
    """One golden case.

    name:   unique identifier ([a-z0-9_]); also the key prefix in the fixture.
    expr:   the expression (see module docstring).
    inputs: input name -> :class:`Spec`, in order.
    grad:   check gradients (when some input requires grad and some output
            is a floating tensor that requires grad).
    rtol/atol: override :data:`DEFAULT_TOL` for this case's outputs & grads.
    """

    name: str
    expr: str
    inputs: dict[str, Spec] = field(default_factory=dict)
    grad: bool = True
    rtol: float | None = None
    atol: float | None = None


def tolerance(case: Case, dtype: str) -> tuple[float, float]:
    rtol, atol = DEFAULT_TOL[dtype]
    if case.rtol is not None:
        rtol = case.rtol
    if case.atol is not None:
        atol = case.atol
    return rtol, atol


# Salt for fresh inputs: "" reproduces the committed fixture; tests/parity sets others to
# compare nnx with live torch on inputs neither has seen.
SALT = ""


def seed_for(*parts: str) -> int:
    return zlib.crc32("/".join((SALT, *parts) if SALT else parts).encode("utf-8"))


def make_input(case_name: str, input_name: str, spec: Spec) -> np.ndarray:
    """Deterministic numpy array for ``spec`` (seeded by case & input name)."""
    np_dtype = np.dtype("bool" if spec.dtype == "bool" else spec.dtype)
    if spec.values is not None:
        arr = np.array(spec.values, dtype=np_dtype)
        if tuple(arr.shape) != tuple(spec.shape):
            raise ValueError(
                f"{case_name}/{input_name}: values have shape {arr.shape}, spec says {spec.shape}"
            )
        return arr
    rng = np.random.default_rng(seed_for(case_name, input_name))
    shape = tuple(spec.shape)
    kind = "positive" if spec.positive and spec.kind is None else spec.kind
    if spec.dtype == "bool":
        return rng.random(shape) < 0.5
    if spec.dtype in FLOAT_DTYPES:
        if kind == "positive":
            arr = rng.uniform(0.5, 2.0, shape)
        elif kind == "nonzero":
            arr = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        elif kind == "unit":
            arr = rng.uniform(0.05, 0.95, shape)
        elif kind == "simplex":
            arr = rng.uniform(0.1, 1.0, shape)
            arr = arr / arr.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)
        elif kind == "binary":
            arr = (rng.random(shape) < 0.5).astype(np.float64)
        else:
            low = -2.0 if spec.low is None else spec.low
            high = 2.0 if spec.high is None else spec.high
            arr = rng.uniform(low, high, shape)
        return np.asarray(arr, dtype=np_dtype)
    # integers
    if kind == "positive":
        low, high = 1, 6
    elif kind == "nonzero":
        mag = rng.integers(1, 5, shape)
        return np.asarray(mag * rng.choice([-1, 1], shape), dtype=np_dtype)
    else:
        default_low = 0 if spec.dtype == "uint8" else -5
        low = default_low if spec.low is None else int(spec.low)
        high = (
            10
            if spec.high is None and spec.dtype == "uint8"
            else (5 if spec.high is None else int(spec.high))
        )
    return np.asarray(rng.integers(low, high, shape), dtype=np_dtype)


def make_grad_weight(case_name: str, index: int, shape, dtype: str) -> np.ndarray:
    """Deterministic weight ``w`` for the gradient check ``(out * w).sum()``."""
    rng = np.random.default_rng(seed_for(case_name, "gradw", str(index)))
    return np.asarray(rng.uniform(-1.0, 1.0, tuple(shape)), dtype=np.dtype(dtype))


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------

S = Spec
CASES: list = []


def case(name: str, expr: str, grad: bool = True, rtol=None, atol=None, **inputs: Spec) -> None:
    CASES.append(Case(name, expr, dict(inputs), grad=grad, rtol=rtol, atol=atol))


X34 = S((3, 4))
POS34 = S((3, 4), positive=True)
NZ34 = S((3, 4), kind="nonzero")

# --- arithmetic with broadcasting ------------------------------------------
case("add_tt", "a + b", a=X34, b=X34)
case("add_broadcast_row", "a + b", a=S((2, 3)), b=S((3,)))
case("add_broadcast_outer", "a + b", a=S((3, 1)), b=S((1, 4)))
case("add_broadcast_3d", "a + b", a=S((2, 1, 4)), b=S((3, 1)))
case("add_0d_tensor", "a + b", a=X34, b=S(()))
case("mul_0d_0d", "a * b", a=S(()), b=S(()))
case("sub_tt_broadcast", "a - b", a=S((2, 3)), b=S((2, 1)))
case("mul_tt_broadcast", "a * b", a=S((4,)), b=S((3, 1)))
case("div_tt", "a / b", a=X34, b=NZ34)
case("div_tt_broadcast", "a / b", a=S((2, 3, 4)), b=S((4,), kind="nonzero"))
case("add_method", "a.add(b)", a=X34, b=S((4,)))
case("sub_method", "a.sub(b)", a=X34, b=X34)
case("mul_method", "a.mul(b)", a=X34, b=S((3, 1)))
case("div_method", "a.div(b)", a=X34, b=NZ34)
case("add_fn", "lib.add(a, b)", a=X34, b=X34)
case("mul_fn", "lib.mul(a, b)", a=X34, b=X34)
case("add_scalar", "x + 2.5", x=X34)
case("radd_scalar", "1.5 + x", x=X34)
case("sub_scalar_int", "x - 1", x=X34)
case("rsub_scalar", "2.0 - x", x=X34)
case("mul_scalar_int", "x * 3", x=X34)
case("rmul_scalar", "0.5 * x", x=X34)
case("div_scalar", "x / 4", x=X34)
case("rdiv_scalar", "2.0 / x", x=NZ34)
case("pow_scalar_int", "x ** 3", x=X34)
case("pow_scalar_2", "x ** 2", x=X34)
case("pow_scalar_0", "x ** 0", x=X34)
case("pow_scalar_frac", "x ** 0.5", x=POS34)
case("pow_scalar_neg_frac", "x ** -1.5", x=POS34)
case("rpow_int", "2 ** x", x=X34)
case("rpow_float", "1.5 ** x", x=X34)
case("pow_tt", "x ** y", x=POS34, y=X34)
case("pow_tt_broadcast", "x ** y", x=POS34, y=S((4,)))
case("neg_op", "-x", x=X34)
case("abs_builtin", "abs(x)", x=X34)
case("arith_chain", "(a * b - a / (b.abs() + 1)) ** 2 + 3 * a", a=X34, b=S((4,)))
case("arith_f32", "a * b + a / 2", a=S((3, 4), "float32"), b=S((4,), "float32"))
case("arith_f32_scalar", "x * 2.5 - 1", x=S((3, 4), "float32"))
case("arith_f16", "a * b + 1", a=S((3, 4), "float16"), b=S((4,), "float16"))
case("arith_reuse_input", "x * x + x", x=X34)

# --- type promotion ----------------------------------------------------------
case("promo_int64_float32", "i + x", i=S((3, 4), "int64"), x=S((3, 4), "float32"))
case("promo_int32_pyfloat", "i + 2.5", i=S((3, 4), "int32"))
case("promo_int64_pyint", "i + 2", i=S((3, 4), "int64"))
case("promo_uint8_int32", "u + i", u=S((3, 4), "uint8"), i=S((3, 4), "int32"))
case("promo_uint8_int8", "u + i", u=S((3, 4), "uint8"), i=S((3, 4), "int8"))
case("promo_uint8_pyint", "u * 2 + 3", u=S((3, 4), "uint8", low=0, high=100))
case("promo_bool_pyint", "b + 1", b=S((3, 4), "bool"))
case("promo_bool_pyfloat", "b * 1.5", b=S((3, 4), "bool"))
case("promo_bool_bool_add", "a + b", a=S((3, 4), "bool"), b=S((3, 4), "bool"))
case("promo_bool_int32", "b + i", b=S((3, 4), "bool"), i=S((3, 4), "int32"))
case("promo_bool_float32", "b * x", b=S((3, 4), "bool"), x=S((3, 4), "float32"))
case("promo_f16_0d_f64", "h + d", h=S((3, 4), "float16"), d=S(()))
# d.grad is a float32 sum cast to float64: summation order differs from torch's
case("promo_f32_0d_f64", "x + d", rtol=1e-6, x=S((3, 4), "float32"), d=S(()))
case("promo_0d_f32_int64", "d + i", d=S((), "float32"), i=S((3,), "int64"))
case("promo_int32_0d_int64", "i + d", i=S((3, 4), "int32"), d=S((), "int64"))
case("promo_int32_0d_f64", "i + d", i=S((3, 4), "int32"), d=S(()))
case("promo_f32_f64", "x + y", x=S((3,), "float32"), y=S((3,)))
case("promo_f16_f32", "x * y", x=S((3,), "float16"), y=S((3,), "float32"))
case("promo_int32_int64", "i * j", i=S((3,), "int32"), j=S((3,), "int64"))
case("promo_int_div_int", "i / j", i=S((3, 4), "int64"), j=S((3, 4), "int64", kind="nonzero"))
case("promo_int_div_pyint", "i / 2", i=S((3, 4), "int32"))
case("promo_int64_mul_pyfloat", "i * 1.5", i=S((3, 4), "int64"))
case("promo_int_floordiv", "i // j", i=S((3, 4), "int64"), j=S((3, 4), "int64", kind="nonzero"))
case("promo_int_mod", "i % j", i=S((3, 4), "int64"), j=S((3, 4), "int64", kind="nonzero"))
case("promo_int_pow_int", "i ** 2", i=S((3, 4), "int64"))
case("promo_int_pow_float", "i ** 0.5", i=S((3, 4), "int64", kind="positive"))
case("promo_int_rpow", "2 ** i", i=S((3, 4), "int64", low=0, high=8))
case("promo_int_neg", "-i", i=S((3, 4), "int64"))
case("promo_int_abs", "i.abs()", i=S((3, 4), "int32"))
case("promo_int32_float32_sum", "(i + x).sum(1)", i=S((3, 4), "int32"), x=S((3, 4), "float32"))
case("promo_int32_sum", "i.sum()", i=S((3, 4), "int32"))
case("promo_bool_sum", "b.sum()", b=S((3, 4), "bool"))
case("promo_uint8_sum_dim", "u.sum(1)", u=S((3, 4), "uint8"))
case("promo_int32_prod_dim", "i.prod(1)", i=S((3, 4), "int32", kind="nonzero"))
case("promo_f16_sum", "h.sum()", h=S((3, 4), "float16"))
case("promo_f32_mean", "x.mean()", x=S((3, 4), "float32"))
case("promo_int_lt_float", "i < x", i=S((3, 4), "int64"), x=S((3, 4), "float32"))
case("promo_where_scalar", "lib.where(x > 0, x, 0.0)", x=S((3, 4), "float32"))
case(
    "promo_where_int_float",
    "lib.where(c, i, x)",
    c=S((3, 4), "bool"),
    i=S((3, 4), "int64"),
    x=S((3, 4), "float32"),
)
case("cast_to_float32", "x.to(lib.float32)", x=X34)
case("cast_float", "x.float() * 2", x=X34)
case("cast_double", "x.double()", x=S((3, 4), "float32"))
case("cast_long", "x.long()", x=X34)
case("cast_int_to_float", "i.float() / 3", i=S((3, 4), "int64"))
case("cast_mask_float", "(x > 0).float() * x", x=X34)

# --- matmul family -------------------------------------------------------------
case("matmul_1d_1d", "a @ b", a=S((4,)), b=S((4,)))
case("matmul_2d_1d", "a @ b", a=S((3, 4)), b=S((4,)))
case("matmul_1d_2d", "a @ b", a=S((4,)), b=S((4, 3)))
case("matmul_2d_2d", "a @ b", a=S((3, 4)), b=S((4, 5)))
case("matmul_3d_2d", "a @ b", a=S((2, 3, 4)), b=S((4, 5)))
case("matmul_2d_3d", "a @ b", a=S((3, 4)), b=S((2, 4, 5)))
case("matmul_3d_1d", "a @ b", a=S((2, 3, 4)), b=S((4,)))
case("matmul_1d_3d", "a @ b", a=S((4,)), b=S((2, 4, 3)))
case("matmul_3d_3d_bcast", "a @ b", a=S((1, 3, 4)), b=S((2, 4, 2)))
case("matmul_4d_3d", "a @ b", a=S((2, 1, 3, 4)), b=S((3, 4, 2)))
case("matmul_transposed", "a.t() @ b", a=S((4, 3)), b=S((4, 2)))
case("mm_method", "a.mm(b)", a=S((3, 4)), b=S((4, 5)))
case("mm_fn", "lib.mm(a, b)", a=S((3, 4)), b=S((4, 2)))
case("bmm_fn", "lib.bmm(a, b)", a=S((2, 3, 4)), b=S((2, 4, 5)))
case("matmul_fn", "lib.matmul(a, b)", a=S((2, 3, 4)), b=S((4,)))
case("matmul_method", "a.matmul(b)", a=S((3, 4)), b=S((4, 2)))
case("matmul_f32", "a @ b", a=S((3, 4), "float32"), b=S((4, 5), "float32"))
case("matmul_int64", "a @ b", a=S((3, 4), "int64"), b=S((4, 2), "int64"))

# --- reductions ----------------------------------------------------------------
X345 = S((3, 4, 5))
case("sum_all", "x.sum()", x=X34)
case("sum_dim", "x.sum(1)", x=X34)
case("sum_dim_keepdim", "x.sum(1, keepdim=True)", x=X34)
case("sum_dim_neg", "x.sum(-1)", x=X345)
case("sum_dims_tuple", "x.sum(dim=(0, 2))", x=X345)
case("sum_fn", "lib.sum(x, dim=0)", x=X34)
case("sum_f32", "x.sum(1)", x=S((3, 4), "float32"))
case("mean_all", "x.mean()", x=X34)
case("mean_dim", "x.mean(0)", x=X34)
case("mean_dims_keepdim", "x.mean((1, 2), keepdim=True)", x=X345)
case("mean_fn", "lib.mean(x, -1)", x=X34)
case("max_all", "x.max()", x=X34)
case("max_dim_index0", "x.max(1)[0]", x=X34)
case("max_dim_values", "x.max(1).values", x=X34)
case("max_dim_indices", "x.max(1).indices", x=X34)
case("max_dim_tuple", "x.max(1)", x=X34)
case("max_dim_keepdim", "x.max(dim=0, keepdim=True)[0]", x=X34)
case("max_fn_dim", "lib.max(x, -1)[1]", x=X345)
case("max_binary", "lib.max(a, b)", a=X34, b=S((4,)))
case("min_all", "x.min()", x=X34)
case("min_dim", "x.min(0)[0]", x=X34)
case("min_dim_keepdim_values", "x.min(-1, keepdim=True).values", x=X345)
case("min_dim_tuple", "x.min(1)", x=X34)
case("argmax_all", "x.argmax()", x=X34)
case("argmax_dim", "x.argmax(1)", x=X34)
case("argmax_dim_keepdim", "x.argmax(dim=0, keepdim=True)", x=X34)
case("argmax_fn", "lib.argmax(x, -1)", x=X345)
case("argmin_all", "x.argmin()", x=X34)
case("argmin_dim", "x.argmin(1)", x=X34)
case("var_all", "x.var()", x=X34)
case("var_dim", "x.var(1)", x=X34)
case("var_unbiased_false", "x.var(1, unbiased=False)", x=X34)
case("var_correction0", "x.var(dim=0, correction=0)", x=X34)
case("var_keepdim", "x.var(1, keepdim=True)", x=X34)
case("var_f32", "x.var(0)", x=S((3, 4), "float32"))
case("std_all", "x.std()", x=X34)
case("std_dim", "x.std(0)", x=X34)
case("std_unbiased_false", "x.std(unbiased=False)", x=X34)
case("std_correction0_keepdim", "x.std(dim=1, correction=0, keepdim=True)", x=X34)
case("norm_default", "x.norm()", x=X34)
case("norm_p1", "x.norm(p=1)", x=X34)
case("norm_dim", "x.norm(dim=1)", x=X34)
case("norm_p1_dim", "x.norm(1, dim=0)", x=X34)
case("norm_p2_dim_keepdim", "x.norm(2, 1, keepdim=True)", x=X345)
case("prod_all", "x.prod()", x=NZ34)
case("prod_dim", "x.prod(1)", x=NZ34)
case("prod_dim_keepdim", "x.prod(0, keepdim=True)", x=NZ34)

# --- shape ops -----------------------------------------------------------------
case("view_flat", "x.view(-1)", x=X34)
case("view_shape", "x.view(2, 6)", x=X34)
case("view_tuple", "x.view((4, 3))", x=X34)
case("reshape", "x.reshape(2, -1)", x=X34)
case("reshape_noncontig", "x.permute(0, 2, 1).reshape(3, -1)", x=X345)
case("permute", "x.permute(2, 0, 1)", x=X345)
case("transpose", "x.transpose(0, 1)", x=X34)
case("transpose_neg", "x.transpose(-1, -3)", x=X345)
case("t_method", "x.t()", x=X34)
case("t_then_view_chain", "x.t().contiguous().view(-1)", x=X34)
case("flatten_all", "x.flatten()", x=X345)
case("flatten_start", "x.flatten(1)", x=X345)
case("flatten_start_end", "x.flatten(start_dim=0, end_dim=1)", x=X345)
case("flatten_fn", "lib.flatten(x, 1)", x=X345)
case("squeeze_all", "x.squeeze()", x=S((3, 1, 4, 1)))
case("squeeze_dim", "x.squeeze(1)", x=S((3, 1, 4, 1)))
case("squeeze_dim_noop", "x.squeeze(0)", x=S((3, 1, 4, 1)))
case("unsqueeze_0", "x.unsqueeze(0)", x=X34)
case("unsqueeze_neg", "x.unsqueeze(-1)", x=X34)
case("expand", "x.expand(3, 4)", x=S((1, 4)))
case("expand_new_dim", "x.expand(2, -1, -1)", x=S((3, 4)))
case("contiguous", "x.t().contiguous()", x=X34)
case("chunk_even_index", "x.chunk(3, 1)[1]", x=S((3, 6)))
case("chunk_uneven", "x.chunk(2)", x=S((5, 3)))
case("split_int", "x.split(2)", x=S((5, 3)))
case("split_list", "x.split([1, 2], 0)", x=S((3, 4)))
case("split_list_dim1_cat", "lib.cat(x.split([1, 3], 1)[::-1], 1)", x=S((3, 4)))
case("split_index", "x.split(2, dim=1)[1]", x=S((3, 4)))

# --- indexing ------------------------------------------------------------------
case("index_int", "x[1]", x=X34)
case("index_neg_int", "x[-1]", x=X34)
case("index_two_ints", "x[0, 2]", x=X34)
case("index_slice", "x[:, 1:3]", x=X34)
case("index_slice_step", "x[1:, ::2]", x=X34)
case("index_ellipsis_none_step", "x[..., None, ::2]", x=X345)
case("index_none", "x[None]", x=X34)
case("index_mid_int", "x[1, :, 2]", x=X345)
case("index_ellipsis_int", "x[..., 1]", x=X345)
case("index_chain", "x[1][2]", x=X34)
case("index_tensor", "x[idx]", x=X34, idx=S((3,), "int64", values=[2, 0, 2]))
case("index_tensor_dim1", "x[:, idx]", x=X34, idx=S((2,), "int64", values=[3, 1]))
case("index_tensor_slice", "x[idx, 1:3]", x=X34, idx=S((2,), "int64", values=[2, 0]))
case("index_tensor_2d", "x[idx]", x=X34, idx=S((2, 2), "int64", values=[[0, 1], [2, 0]]))
case(
    "index_tensor_pair_bcast",
    "x[i, j]",
    x=X34,
    i=S((2, 1), "int64", values=[[0], [2]]),
    j=S((3,), "int64", values=[1, 3, 1]),
)
case("index_bool_mask", "x[x > 0]", x=X34)
case("index_bool_mask_input", "x[m]", x=X34, m=S((3,), "bool", values=[True, False, True]))
case("index_lists", "x[[0, 2], [1, 1]]", x=X34)
case("index_list", "x[[0, 2]]", x=X34)
case("where_tt", "lib.where(x > 0, x, y)", x=X34, y=X34)
case("where_cond_input_bcast", "lib.where(c, x, y)", c=S((3, 4), "bool"), x=X34, y=S((4,)))
case("where_scalar_other", "lib.where(x > y, x, 0.0)", x=X34, y=X34)

# --- elementwise math -----------------------------------------------------------
case("exp", "x.exp()", x=X34)
case("exp_fn", "lib.exp(x)", x=X34)
case("exp_f32", "x.exp()", x=S((3, 4), "float32"))
case("log", "x.log()", x=POS34)
case("log_fn", "lib.log(x)", x=POS34)
case("log_f32", "x.log()", x=S((3, 4), "float32", positive=True))
case("sqrt", "x.sqrt()", x=POS34)
case("sqrt_fn", "lib.sqrt(x)", x=POS34)
case("rsqrt", "x.rsqrt()", x=POS34)
case("rsqrt_fn", "lib.rsqrt(x)", x=POS34)
case("abs_method", "x.abs()", x=X34)
case("abs_fn", "lib.abs(x)", x=X34)
case("neg_method", "x.neg()", x=X34)
case("neg_fn", "lib.neg(x)", x=X34)
case("sin", "x.sin()", x=X34)
case("sin_fn", "lib.sin(x)", x=X34)
case("cos", "x.cos()", x=X34)
case("cos_fn", "lib.cos(x)", x=X34)
case("tanh", "x.tanh()", x=X34)
case("tanh_fn", "lib.tanh(x)", x=X34)
case("tanh_f32", "x.tanh()", x=S((3, 4), "float32"))
case("sigmoid", "x.sigmoid()", x=X34)
case("sigmoid_fn", "lib.sigmoid(x)", x=X34)
case("sigmoid_f32", "lib.sigmoid(x)", x=S((3, 4), "float32"))
case("relu", "x.relu()", x=X34)
case("relu_fn", "lib.relu(x)", x=X34)
case("pow_method_int", "x.pow(2)", x=X34)
case("pow_fn_int", "lib.pow(x, 3)", x=X34)
case("pow_fn_frac", "lib.pow(x, 0.5)", x=POS34)
case("pow_method_tensor", "x.pow(y)", x=POS34, y=X34)
case("pow_fn_scalar_base", "lib.pow(2.0, x)", x=X34)
case("clamp_min", "x.clamp(min=-0.5)", x=X34)
case("clamp_max", "x.clamp(max=0.5)", x=X34)
case("clamp_both", "x.clamp(-0.5, 0.5)", x=X34)
case("clamp_both_int_bounds", "x.clamp(min=-1, max=1)", x=X34)
case("clamp_fn", "lib.clamp(x, min=0.0)", x=X34)
case("clamp_int_tensor", "i.clamp(-2, 2)", i=S((3, 4), "int64"))
case("maximum", "lib.maximum(a, b)", a=X34, b=X34)
case("maximum_bcast", "lib.maximum(a, b)", a=X34, b=S((4,)))
case("maximum_method", "a.maximum(b)", a=X34, b=X34)
case("minimum", "lib.minimum(a, b)", a=X34, b=X34)
case("minimum_bcast", "lib.minimum(a, b)", a=S((3, 1)), b=S((4,)))

# --- comparisons ------------------------------------------------------------------
# explicit values so that == / <= / >= meet ties
CA = S((2, 3), values=[[0.5, -1.0, 2.0], [1.5, 0.0, -0.25]])
CB = S((2, 3), values=[[0.5, 1.0, -2.0], [1.5, 0.5, -0.25]])
case("eq_tt", "a == b", a=CA, b=CB)
case("ne_tt", "a != b", a=CA, b=CB)
case("lt_tt", "a < b", a=CA, b=CB)
case("le_tt", "a <= b", a=CA, b=CB)
case("gt_tt", "a > b", a=CA, b=CB)
case("ge_tt", "a >= b", a=CA, b=CB)
case("eq_scalar", "a == 0.5", a=CA)
case("ne_scalar", "a != 2", a=CA)
case("lt_scalar", "a < 0", a=CA)
case("le_scalar", "a <= 0.5", a=CA)
case("gt_scalar", "a > 0", a=CA)
case("ge_scalar", "a >= 1.5", a=CA)
case("gt_reflected_scalar", "0 < a", a=CA)
case("eq_method", "a.eq(b)", a=CA, b=CB)
case("ne_method", "a.ne(b)", a=CA, b=CB)
case("lt_method_scalar", "a.lt(0)", a=CA)
case("le_method", "a.le(b)", a=CA, b=CB)
case("gt_method", "a.gt(b)", a=CA, b=CB)
case("ge_method_scalar", "a.ge(0.5)", a=CA)
case("eq_fn", "lib.eq(a, b)", a=CA, b=CB)
case("lt_bcast", "a < b", a=X34, b=S((4,)))
case("cmp_int_float_scalar", "i > 0.5", i=S((3, 4), "int64"))
case(
    "cmp_int_tensors",
    "i == j",
    i=S((3, 4), "int32", low=0, high=3),
    j=S((3, 4), "int64", low=0, high=3),
)

# --- cat / stack --------------------------------------------------------------------
case("cat_dim0", "lib.cat([a, b], 0)", a=S((2, 3)), b=S((1, 3)))
case("cat_dim1_tuple", "lib.cat((a, b), dim=1)", a=S((2, 3)), b=S((2, 2)))
case("cat_neg_dim", "lib.cat([a, b, a], -1)", a=S((2, 3)), b=S((2, 1)))
case("cat_3d", "lib.cat([a, b], 1)", a=S((2, 1, 3)), b=S((2, 2, 3)))
case("cat_promote", "lib.cat([a, b])", a=S((2, 3), "float32"), b=S((1, 3)))
case("stack_default", "lib.stack([a, b])", a=S((2, 3)), b=S((2, 3)))
case("stack_dim1", "lib.stack([a, b], 1)", a=S((2, 3)), b=S((2, 3)))
case("stack_neg_dim", "lib.stack((a, b, a), dim=-1)", a=S((2, 3)), b=S((2, 3)))
case("stack_neg2", "lib.stack([a, b], -2)", a=S((2, 3)), b=S((2, 3)))

# --- nn.functional: activations --------------------------------------------------
case("F_relu", "F.relu(x)", x=X34)
case("F_relu_f32", "F.relu(x)", x=S((3, 4), "float32"))
case("F_leaky_relu", "F.leaky_relu(x)", x=X34)
case("F_leaky_relu_slope", "F.leaky_relu(x, negative_slope=0.2)", x=X34)
case("F_leaky_relu_pos", "F.leaky_relu(x, 0.1)", x=X34)
case("F_elu", "F.elu(x)", x=X34)
case("F_elu_alpha", "F.elu(x, alpha=0.5)", x=X34)
case("F_gelu", "F.gelu(x)", x=X34)
case("F_gelu_none", "F.gelu(x, approximate='none')", x=X34)
case("F_gelu_tanh", "F.gelu(x, approximate='tanh')", x=X34)
case("F_gelu_f32", "F.gelu(x)", x=S((3, 4), "float32"))
case("F_silu", "F.silu(x)", x=X34)
case("F_softplus", "F.softplus(x)", x=X34)
case("F_softplus_beta", "F.softplus(x, beta=2)", x=X34)
case("F_softplus_threshold", "F.softplus(x, beta=2, threshold=1)", x=X34)
case("F_softplus_large", "F.softplus(x * 20)", x=X34)
case("F_tanh", "F.tanh(x)", x=X34)
case("F_sigmoid", "F.sigmoid(x)", x=X34)
case("F_softmax_dim1", "F.softmax(x, dim=1)", x=X34)
case("F_softmax_dim0", "F.softmax(x, 0)", x=X34)
case("F_softmax_3d", "F.softmax(x, dim=1)", x=X345)
case("F_softmax_large", "F.softmax(x * 100, dim=-1)", x=X34)
case("F_softmax_f32", "F.softmax(x, dim=-1)", x=S((3, 4), "float32"))
case("softmax_method", "x.softmax(-1)", x=X34)
case("F_log_softmax_dim1", "F.log_softmax(x, dim=1)", x=X34)
case("F_log_softmax_neg", "F.log_softmax(x, -1)", x=X345)
case("F_log_softmax_large", "F.log_softmax(x * 100, dim=1)", x=X34)
case("log_softmax_method", "x.log_softmax(1)", x=X34)

# --- nn.functional: layers ------------------------------------------------------------
case("F_linear_bias", "F.linear(x, w, b)", x=S((3, 4)), w=S((5, 4)), b=S((5,)))
case("F_linear_nobias", "F.linear(x, w)", x=S((3, 4)), w=S((5, 4)))
case("F_linear_bias_kw", "F.linear(x, w, bias=b)", x=S((2, 3, 4)), w=S((5, 4)), b=S((5,)))
case("F_linear_1d", "F.linear(x, w, b)", x=S((4,)), w=S((2, 4)), b=S((2,)))
case(
    "F_linear_f32",
    "F.linear(x, w, b)",
    x=S((3, 4), "float32"),
    w=S((5, 4), "float32"),
    b=S((5,), "float32"),
)
case("F_dropout_eval", "F.dropout(x, p=0.5, training=False)", x=X34)
case("F_dropout_p0", "F.dropout(x, 0.0)", x=X34)
case("F_dropout_p0_train", "F.dropout(x, p=0.0, training=True)", x=X34)
IDX = S((2, 3), "int64", low=0, high=5)
case("F_embedding", "F.embedding(i, w)", i=IDX, w=S((5, 3)))
case("F_embedding_1d", "F.embedding(i, w)", i=S((4,), "int64", values=[4, 0, 4, 2]), w=S((5, 3)))
case(
    "F_embedding_padding",
    "F.embedding(i, w, padding_idx=0)",
    grad=False,
    i=S((2, 3), "int64", values=[[0, 1, 4], [2, 0, 3]]),
    w=S((5, 3)),
)

# --- nn.functional: losses --------------------------------------------------------------
LOGITS = S((4, 5))
TGT = S((4,), "int64", low=0, high=5)
TGT_IGN = S((4,), "int64", values=[1, 0, 4, 1])
TGT_M100 = S((4,), "int64", values=[3, -100, 0, 2])
CW = S((5,), positive=True, requires_grad=False)
PROBS = S((4, 5), kind="simplex", requires_grad=False)
case("F_cross_entropy", "F.cross_entropy(x, t)", x=LOGITS, t=TGT)
case("F_cross_entropy_sum", "F.cross_entropy(x, t, reduction='sum')", x=LOGITS, t=TGT)
case("F_cross_entropy_none", "F.cross_entropy(x, t, reduction='none')", x=LOGITS, t=TGT)
case("F_cross_entropy_weight", "F.cross_entropy(x, t, weight=w)", x=LOGITS, t=TGT, w=CW)
case(
    "F_cross_entropy_weight_none",
    "F.cross_entropy(x, t, weight=w, reduction='none')",
    x=LOGITS,
    t=TGT,
    w=CW,
)
case(
    "F_cross_entropy_weight_sum",
    "F.cross_entropy(x, t, weight=w, reduction='sum')",
    x=LOGITS,
    t=TGT,
    w=CW,
)
case("F_cross_entropy_ignore", "F.cross_entropy(x, t, ignore_index=1)", x=LOGITS, t=TGT_IGN)
case(
    "F_cross_entropy_ignore_none",
    "F.cross_entropy(x, t, ignore_index=1, reduction='none')",
    x=LOGITS,
    t=TGT_IGN,
)
case("F_cross_entropy_ignore_default", "F.cross_entropy(x, t)", x=LOGITS, t=TGT_M100)
case(
    "F_cross_entropy_ignore_weight",
    "F.cross_entropy(x, t, weight=w, ignore_index=1)",
    x=LOGITS,
    t=TGT_IGN,
    w=CW,
)
case("F_cross_entropy_ls", "F.cross_entropy(x, t, label_smoothing=0.1)", x=LOGITS, t=TGT)
case(
    "F_cross_entropy_ls_none",
    "F.cross_entropy(x, t, label_smoothing=0.2, reduction='none')",
    x=LOGITS,
    t=TGT,
)
case(
    "F_cross_entropy_ls_weight",
    "F.cross_entropy(x, t, weight=w, label_smoothing=0.2)",
    x=LOGITS,
    t=TGT,
    w=CW,
)
case(
    "F_cross_entropy_ls_weight_sum",
    "F.cross_entropy(x, t, weight=w, label_smoothing=0.1, reduction='sum')",
    x=LOGITS,
    t=TGT,
    w=CW,
)
case(
    "F_cross_entropy_ls_ignore",
    "F.cross_entropy(x, t, ignore_index=1, label_smoothing=0.1)",
    x=LOGITS,
    t=TGT_IGN,
)
case(
    "F_cross_entropy_ls_weight_ignore",
    "F.cross_entropy(x, t, weight=w, ignore_index=1, label_smoothing=0.3)",
    x=LOGITS,
    t=TGT_IGN,
    w=CW,
)
case("F_cross_entropy_probs", "F.cross_entropy(x, p)", x=LOGITS, p=PROBS)
case("F_cross_entropy_probs_none", "F.cross_entropy(x, p, reduction='none')", x=LOGITS, p=PROBS)
case("F_cross_entropy_probs_sum", "F.cross_entropy(x, p, reduction='sum')", x=LOGITS, p=PROBS)
case("F_cross_entropy_probs_weight", "F.cross_entropy(x, p, weight=w)", x=LOGITS, p=PROBS, w=CW)
case("F_cross_entropy_probs_ls", "F.cross_entropy(x, p, label_smoothing=0.1)", x=LOGITS, p=PROBS)
case(
    "F_cross_entropy_kdim",
    "F.cross_entropy(x, t)",
    x=S((2, 5, 3)),
    t=S((2, 3), "int64", low=0, high=5),
)
case("F_cross_entropy_unbatched", "F.cross_entropy(x, t)", x=S((5,)), t=S((), "int64", values=3))
case("F_cross_entropy_f32", "F.cross_entropy(x, t)", x=S((4, 5), "float32"), t=TGT)
case("F_nll_loss", "F.nll_loss(F.log_softmax(x, 1), t)", x=LOGITS, t=TGT)
case("F_nll_loss_raw", "F.nll_loss(x, t)", x=LOGITS, t=TGT)
case("F_nll_loss_sum", "F.nll_loss(x, t, reduction='sum')", x=LOGITS, t=TGT)
case("F_nll_loss_none", "F.nll_loss(x, t, reduction='none')", x=LOGITS, t=TGT)
case("F_nll_loss_weight", "F.nll_loss(x, t, weight=w)", x=LOGITS, t=TGT, w=CW)
case(
    "F_nll_loss_weight_none", "F.nll_loss(x, t, weight=w, reduction='none')", x=LOGITS, t=TGT, w=CW
)
case("F_nll_loss_ignore", "F.nll_loss(x, t, ignore_index=1)", x=LOGITS, t=TGT_IGN)
case(
    "F_nll_loss_ignore_weight_sum",
    "F.nll_loss(x, t, weight=w, ignore_index=1, reduction='sum')",
    x=LOGITS,
    t=TGT_IGN,
    w=CW,
)
case("F_nll_loss_ignore_default", "F.nll_loss(x, t)", x=LOGITS, t=TGT_M100)
case("F_mse_loss", "F.mse_loss(x, y)", x=X34, y=S((3, 4), requires_grad=False))
case("F_mse_loss_sum", "F.mse_loss(x, y, reduction='sum')", x=X34, y=S((3, 4), requires_grad=False))
case(
    "F_mse_loss_none", "F.mse_loss(x, y, reduction='none')", x=X34, y=S((3, 4), requires_grad=False)
)
case("F_mse_loss_target_grad", "F.mse_loss(x, y)", x=X34, y=X34)
case(
    "F_mse_loss_f32",
    "F.mse_loss(x, y)",
    x=S((3, 4), "float32"),
    y=S((3, 4), "float32", requires_grad=False),
)
case("F_l1_loss", "F.l1_loss(x, y)", x=X34, y=S((3, 4), requires_grad=False))
case("F_l1_loss_sum", "F.l1_loss(x, y, reduction='sum')", x=X34, y=S((3, 4), requires_grad=False))
case("F_l1_loss_none", "F.l1_loss(x, y, reduction='none')", x=X34, y=X34)
case("F_smooth_l1_loss", "F.smooth_l1_loss(x, y)", x=X34, y=S((3, 4), requires_grad=False))
case(
    "F_smooth_l1_loss_beta",
    "F.smooth_l1_loss(x, y, beta=0.5)",
    x=X34,
    y=S((3, 4), requires_grad=False),
)
case(
    "F_smooth_l1_loss_beta_none",
    "F.smooth_l1_loss(x, y, reduction='none', beta=2.0)",
    x=X34,
    y=S((3, 4), requires_grad=False),
)
case("F_smooth_l1_loss_sum", "F.smooth_l1_loss(x, y, reduction='sum')", x=X34, y=X34)
UNIT = S((3, 4), kind="unit")
BIN = S((3, 4), kind="binary", requires_grad=False)
case("F_bce", "F.binary_cross_entropy(p, y)", p=UNIT, y=BIN)
case(
    "F_bce_soft_target",
    "F.binary_cross_entropy(p, y)",
    p=UNIT,
    y=S((3, 4), kind="unit", requires_grad=False),
)
case(
    "F_bce_weight",
    "F.binary_cross_entropy(p, y, weight=w)",
    p=UNIT,
    y=BIN,
    w=S((4,), positive=True, requires_grad=False),
)
case("F_bce_sum", "F.binary_cross_entropy(p, y, reduction='sum')", p=UNIT, y=BIN)
case("F_bce_none", "F.binary_cross_entropy(p, y, reduction='none')", p=UNIT, y=BIN)
case("F_bce_sigmoid", "F.binary_cross_entropy(lib.sigmoid(x), y)", x=X34, y=BIN)
case(
    "F_bce_f32",
    "F.binary_cross_entropy(p, y)",
    p=S((3, 4), "float32", kind="unit"),
    y=S((3, 4), "float32", kind="binary", requires_grad=False),
)
case("F_bce_logits", "F.binary_cross_entropy_with_logits(x, y)", x=X34, y=BIN)
case("F_bce_logits_large", "F.binary_cross_entropy_with_logits(x * 30, y)", x=X34, y=BIN)
case(
    "F_bce_logits_pos_weight",
    "F.binary_cross_entropy_with_logits(x, y, pos_weight=pw)",
    x=X34,
    y=BIN,
    pw=S((4,), positive=True, requires_grad=False),
)
case(
    "F_bce_logits_weight",
    "F.binary_cross_entropy_with_logits(x, y, weight=w)",
    x=X34,
    y=BIN,
    w=S((3, 1), positive=True, requires_grad=False),
)
case(
    "F_bce_logits_both_none",
    "F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw, reduction='none')",
    x=X34,
    y=S((3, 4), kind="unit", requires_grad=False),
    w=S((4,), positive=True, requires_grad=False),
    pw=S((4,), positive=True, requires_grad=False),
)
case("F_bce_logits_sum", "F.binary_cross_entropy_with_logits(x, y, reduction='sum')", x=X34, y=BIN)

del S

CASES_BY_NAME = {c.name: c for c in CASES}
if len(CASES_BY_NAME) != len(CASES):  # pragma: no cover - table sanity
    _seen: set = set()
    _dups = [c.name for c in CASES if c.name in _seen or _seen.add(c.name)]
    raise RuntimeError(f"duplicate golden case names: {_dups}")
for _c in CASES:
    if not _c.name.replace("_", "").isalnum() or "/" in _c.name:
        raise RuntimeError(f"bad golden case name: {_c.name!r}")
