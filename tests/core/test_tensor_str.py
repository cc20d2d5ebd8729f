"""Tests for nnx._tensor_str: tensor text rendering that matches PyTorch.

Every expected string in CASES was produced by torch 2.13.0 (``repr`` of the
same data as a torch tensor), with ``torch.`` written as ``nnx.`` in the
dtype suffix; the tests themselves do not need torch. The tests after CASES
cover the options API and the nnx-specific arguments (device suffix, custom
default dtypes, custom prefix), following the same torch rules.
"""

import numpy as np
import pytest

from nnx import _tensor_str
from nnx._tensor_str import (
    format_scalar_for_repr,
    format_tensor,
    get_printoptions,
    printoptions,
    set_printoptions,
)


@pytest.fixture(autouse=True)
def _default_printoptions():
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")


# (id, numpy expression, dtype_name, format_tensor kwargs, printoptions, expected)
CASES = [
    (
        "int_valued_float",
        "np.array([1., 2., 3.], dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([1., 2., 3.])",
    ),
    (
        "fixed_4dp",
        "np.array([1.5, 2.25, -3.125], dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([ 1.5000,  2.2500, -3.1250])",
    ),
    (
        "scalar_int_valued",
        "np.array(1., dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor(1.)",
    ),
    (
        "scalar_fixed",
        "np.array(3.5, dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor(3.5000)",
    ),
    (
        "scalar_int64",
        "np.array(7, dtype=np.int64)",
        "int64",
        {},
        None,
        "tensor(7)",
    ),
    (
        "scalar_bool",
        "np.array(True)",
        "bool",
        {},
        None,
        "tensor(True)",
    ),
    (
        "int64_vec",
        "np.array([1, 2, 3], dtype=np.int64)",
        "int64",
        {},
        None,
        "tensor([1, 2, 3])",
    ),
    (
        "bool_vec",
        "np.array([True, False])",
        "bool",
        {},
        None,
        "tensor([ True, False])",
    ),
    (
        "int32_vec",
        "np.array([1, -20, 300], dtype=np.int32)",
        "int32",
        {},
        None,
        "tensor([  1, -20, 300], dtype=nnx.int32)",
    ),
    (
        "uint8_vec",
        "np.array([0, 7, 255], dtype=np.uint8)",
        "uint8",
        {},
        None,
        "tensor([  0,   7, 255], dtype=nnx.uint8)",
    ),
    (
        "matrix_2x2",
        "np.array([[1., 2.], [3., 4.]], dtype=np.float32)",
        "float32",
        {},
        None,
        ("tensor([[1., 2.],\n        [3., 4.]])"),
    ),
    (
        "tensor_3d",
        "np.arange(12, dtype=np.float32).reshape(2, 3, 2) / 4",
        "float32",
        {},
        None,
        (
            "tensor([[[0.0000, 0.2500],\n"
            "         [0.5000, 0.7500],\n"
            "         [1.0000, 1.2500]],\n"
            "\n"
            "        [[1.5000, 1.7500],\n"
            "         [2.0000, 2.2500],\n"
            "         [2.5000, 2.7500]]])"
        ),
    ),
    (
        "tensor_4d",
        "np.arange(16, dtype=np.int64).reshape(2, 2, 2, 2)",
        "int64",
        {},
        None,
        (
            "tensor([[[[ 0,  1],\n"
            "          [ 2,  3]],\n"
            "\n"
            "         [[ 4,  5],\n"
            "          [ 6,  7]]],\n"
            "\n"
            "\n"
            "        [[[ 8,  9],\n"
            "          [10, 11]],\n"
            "\n"
            "         [[12, 13],\n"
            "          [14, 15]]]])"
        ),
    ),
    (
        "sci_large",
        "np.array([1e10, 1.], dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([1.0000e+10, 1.0000e+00])",
    ),
    (
        "sci_small",
        "np.array([1e-5, 1.], dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([1.0000e-05, 1.0000e+00])",
    ),
    (
        "sci_ratio",
        "np.array([0.5, 600.], dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([5.0000e-01, 6.0000e+02])",
    ),
    (
        "no_sci_ratio_1000",
        "np.array([0.1, 100.], dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([  0.1000, 100.0000])",
    ),
    (
        "sci_int_mode",
        "np.array([1., 2e9], dtype=np.float64)",
        "float64",
        {},
        None,
        "tensor([1.0000e+00, 2.0000e+09], dtype=nnx.float64)",
    ),
    (
        "big_int_valued_no_sci",
        "np.array([1e7, 2e7], dtype=np.float64)",
        "float64",
        {},
        None,
        "tensor([10000000., 20000000.], dtype=nnx.float64)",
    ),
    (
        "sci_3digit_exp",
        "np.array([1e-300, 1e300], dtype=np.float64)",
        "float64",
        {},
        None,
        "tensor([1.0000e-300, 1.0000e+300], dtype=nnx.float64)",
    ),
    (
        "nan_inf",
        "np.array([np.nan, np.inf, -np.inf, 1.5], dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([   nan,    inf,   -inf, 1.5000])",
    ),
    (
        "nan_inf_int_mode",
        "np.array([np.nan, 1., -np.inf, 2.], dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([nan, 1., -inf, 2.])",
    ),
    (
        "only_nonfinite",
        "np.array([np.nan, np.inf, -np.inf], dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([nan, inf, -inf])",
    ),
    (
        "all_zero",
        "np.zeros(3, dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([0., 0., 0.])",
    ),
    (
        "negative_zero",
        "np.array([-0., 0., 1.], dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([-0., 0., 1.])",
    ),
    (
        "negative_zero_fixed",
        "np.array([-0., 0.5], dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([-0.0000, 0.5000])",
    ),
    (
        "rounding_carry",
        "np.array([9.99996, 0.5], dtype=np.float64)",
        "float64",
        {},
        None,
        "tensor([10.0000,  0.5000], dtype=nnx.float64)",
    ),
    (
        "float16",
        "np.array([0.1, 65504., -2.], dtype=np.float16)",
        "float16",
        {},
        None,
        "tensor([ 9.9976e-02,  6.5504e+04, -2.0000e+00], dtype=nnx.float16)",
    ),
    (
        "float16_subnormal",
        "np.array([6e-8, 1.], dtype=np.float16)",
        "float16",
        {},
        None,
        "tensor([5.9605e-08, 1.0000e+00], dtype=nnx.float16)",
    ),
    (
        "float64_suffix",
        "np.array([1., 2.], dtype=np.float64)",
        "float64",
        {},
        None,
        "tensor([1., 2.], dtype=nnx.float64)",
    ),
    (
        "scalar_float64",
        "np.array(2.5, dtype=np.float64)",
        "float64",
        {},
        None,
        "tensor(2.5000, dtype=nnx.float64)",
    ),
    (
        "empty_1d",
        "np.zeros((0,), dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([])",
    ),
    (
        "empty_2d",
        "np.zeros((0, 3), dtype=np.float32)",
        "float32",
        {},
        None,
        "tensor([], size=(0, 3))",
    ),
    (
        "empty_int64",
        "np.zeros((0,), dtype=np.int64)",
        "int64",
        {},
        None,
        "tensor([], dtype=nnx.int64)",
    ),
    (
        "empty_bool_3d",
        "np.zeros((2, 0, 1), dtype=bool)",
        "bool",
        {},
        None,
        "tensor([], size=(2, 0, 1), dtype=nnx.bool)",
    ),
    (
        "empty_float64_grad",
        "np.zeros((0,), dtype=np.float64)",
        "float64",
        {"requires_grad": True},
        None,
        "tensor([], dtype=nnx.float64, requires_grad=True)",
    ),
    (
        "wrap_long_row",
        "np.arange(30, dtype=np.float32) * 1.5",
        "float32",
        {},
        None,
        (
            "tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
            "        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n"
            "        24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000,\n"
            "        36.0000, 37.5000, 39.0000, 40.5000, 42.0000, 43.5000])"
        ),
    ),
    (
        "wrap_long_int_row",
        "np.arange(100, dtype=np.int64) * 1000",
        "int64",
        {},
        None,
        (
            "tensor([    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,  9000,\n"
            "        10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000,\n"
            "        20000, 21000, 22000, 23000, 24000, 25000, 26000, 27000, 28000, 29000,\n"
            "        30000, 31000, 32000, 33000, 34000, 35000, 36000, 37000, 38000, 39000,\n"
            "        40000, 41000, 42000, 43000, 44000, 45000, 46000, 47000, 48000, 49000,\n"
            "        50000, 51000, 52000, 53000, 54000, 55000, 56000, 57000, 58000, 59000,\n"
            "        60000, 61000, 62000, 63000, 64000, 65000, 66000, 67000, 68000, 69000,\n"
            "        70000, 71000, 72000, 73000, 74000, 75000, 76000, 77000, 78000, 79000,\n"
            "        80000, 81000, 82000, 83000, 84000, 85000, 86000, 87000, 88000, 89000,\n"
            "        90000, 91000, 92000, 93000, 94000, 95000, 96000, 97000, 98000, 99000])"
        ),
    ),
    (
        "summarize_1d",
        "np.arange(2000, dtype=np.int64)",
        "int64",
        {},
        None,
        "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])",
    ),
    (
        "summarize_2d",
        "np.arange(1600, dtype=np.float32).reshape(40, 40) / 3",
        "float32",
        {},
        None,
        (
            "tensor([[0.0000e+00, 3.3333e-01, 6.6667e-01,  ..., 1.2333e+01, 1.2667e+01,\n"
            "         1.3000e+01],\n"
            "        [1.3333e+01, 1.3667e+01, 1.4000e+01,  ..., 2.5667e+01, 2.6000e+01,\n"
            "         2.6333e+01],\n"
            "        [2.6667e+01, 2.7000e+01, 2.7333e+01,  ..., 3.9000e+01, 3.9333e+01,\n"
            "         3.9667e+01],\n"
            "        ...,\n"
            "        [4.9333e+02, 4.9367e+02, 4.9400e+02,  ..., 5.0567e+02, 5.0600e+02,\n"
            "         5.0633e+02],\n"
            "        [5.0667e+02, 5.0700e+02, 5.0733e+02,  ..., 5.1900e+02, 5.1933e+02,\n"
            "         5.1967e+02],\n"
            "        [5.2000e+02, 5.2033e+02, 5.2067e+02,  ..., 5.3233e+02, 5.3267e+02,\n"
            "         5.3300e+02]])"
        ),
    ),
    (
        "summarize_3d",
        "np.arange(3000, dtype=np.float32).reshape(3, 500, 2)",
        "float32",
        {},
        None,
        (
            "tensor([[[0.0000e+00, 1.0000e+00],\n"
            "         [2.0000e+00, 3.0000e+00],\n"
            "         [4.0000e+00, 5.0000e+00],\n"
            "         ...,\n"
            "         [9.9400e+02, 9.9500e+02],\n"
            "         [9.9600e+02, 9.9700e+02],\n"
            "         [9.9800e+02, 9.9900e+02]],\n"
            "\n"
            "        [[1.0000e+03, 1.0010e+03],\n"
            "         [1.0020e+03, 1.0030e+03],\n"
            "         [1.0040e+03, 1.0050e+03],\n"
            "         ...,\n"
            "         [1.9940e+03, 1.9950e+03],\n"
            "         [1.9960e+03, 1.9970e+03],\n"
            "         [1.9980e+03, 1.9990e+03]],\n"
            "\n"
            "        [[2.0000e+03, 2.0010e+03],\n"
            "         [2.0020e+03, 2.0030e+03],\n"
            "         [2.0040e+03, 2.0050e+03],\n"
            "         ...,\n"
            "         [2.9940e+03, 2.9950e+03],\n"
            "         [2.9960e+03, 2.9970e+03],\n"
            "         [2.9980e+03, 2.9990e+03]]])"
        ),
    ),
    (
        "summarize_widths_from_shown_only",
        "np.concatenate([np.ones(3), np.full(1000, 12345.678), np.ones(3)]).astype(np.float32)",
        "float32",
        {},
        None,
        "tensor([1., 1., 1.,  ..., 1., 1., 1.])",
    ),
    (
        "requires_grad",
        "np.array([1., 2.], dtype=np.float32)",
        "float32",
        {"requires_grad": True},
        None,
        "tensor([1., 2.], requires_grad=True)",
    ),
    (
        "grad_fn",
        "np.array([1., 2.], dtype=np.float32)",
        "float32",
        {"requires_grad": True, "grad_fn_name": "AddBackward0"},
        None,
        "tensor([1., 2.], grad_fn=<AddBackward0>)",
    ),
    (
        "grad_fn_float64_scalar",
        "np.array(3.25, dtype=np.float64)",
        "float64",
        {"requires_grad": True, "grad_fn_name": "SumBackward0"},
        None,
        "tensor(3.2500, dtype=nnx.float64, grad_fn=<SumBackward0>)",
    ),
    (
        "suffix_wraps",
        "np.arange(8, dtype=np.float64).reshape(2, 4) * 1.25",
        "float64",
        {"requires_grad": True, "grad_fn_name": "MulBackward0"},
        None,
        (
            "tensor([[0.0000, 1.2500, 2.5000, 3.7500],\n"
            "        [5.0000, 6.2500, 7.5000, 8.7500]], dtype=nnx.float64,\n"
            "       grad_fn=<MulBackward0>)"
        ),
    ),
    (
        "suffix_wraps_1line",
        "np.arange(13, dtype=np.float64)",
        "float64",
        {"requires_grad": True},
        None,
        (
            "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12.],\n"
            "       dtype=nnx.float64, requires_grad=True)"
        ),
    ),
    (
        "parameter",
        "np.array([[0.5, -1.], [2., 3.]], dtype=np.float32)",
        "float32",
        {"requires_grad": True, "is_parameter": True},
        None,
        (
            "Parameter containing:\n"
            "tensor([[ 0.5000, -1.0000],\n"
            "        [ 2.0000,  3.0000]], requires_grad=True)"
        ),
    ),
    (
        "parameter_no_grad",
        "np.array([1., 1.], dtype=np.float32)",
        "float32",
        {"is_parameter": True},
        None,
        ("Parameter containing:\ntensor([1., 1.])"),
    ),
    (
        "complex64",
        "np.array([1+2j, -0.5-1j, 3j], dtype=np.complex64)",
        "complex64",
        {},
        None,
        "tensor([ 1.0000+2.j, -0.5000-1.j,  0.0000+3.j])",
    ),
    (
        "complex128_suffix",
        "np.array([1+1j, 2-2j], dtype=np.complex128)",
        "complex128",
        {},
        None,
        "tensor([1.+1.j, 2.-2.j], dtype=nnx.complex128)",
    ),
    (
        "opts_precision2",
        "np.array([1.23456, 2.5], dtype=np.float32)",
        "float32",
        {},
        {"precision": 2},
        "tensor([1.23, 2.50])",
    ),
    (
        "opts_profile_short",
        "np.arange(10, dtype=np.float32) / 3",
        "float32",
        {},
        {"profile": "short", "threshold": 5},
        "tensor([0.00, 0.33,  ..., 2.67, 3.00])",
    ),
    (
        "opts_threshold_edgeitems",
        "np.arange(10, dtype=np.int64)",
        "int64",
        {},
        {"threshold": 5, "edgeitems": 2},
        "tensor([0, 1,  ..., 8, 9])",
    ),
    (
        "opts_edgeitems_zero",
        "np.arange(10, dtype=np.int64).reshape(2, 5)",
        "int64",
        {},
        {"threshold": 5, "edgeitems": 0},
        "tensor([...], size=(2, 5))",
    ),
    (
        "opts_sci_on",
        "np.array([1., 2.5], dtype=np.float32)",
        "float32",
        {},
        {"sci_mode": True},
        "tensor([1.0000e+00, 2.5000e+00])",
    ),
    (
        "opts_sci_off",
        "np.array([1e-8, 1e8], dtype=np.float32)",
        "float32",
        {},
        {"sci_mode": False},
        "tensor([        0.0000, 100000000.0000])",
    ),
    (
        "opts_linewidth",
        "np.arange(12, dtype=np.float32) + 0.5",
        "float32",
        {},
        {"linewidth": 30},
        (
            "tensor([ 0.5000,  1.5000,\n"
            "         2.5000,  3.5000,\n"
            "         4.5000,  5.5000,\n"
            "         6.5000,  7.5000,\n"
            "         8.5000,  9.5000,\n"
            "        10.5000, 11.5000])"
        ),
    ),
    (
        "opts_full",
        "np.arange(1200, dtype=np.int64).reshape(3, 400)[:, :3]",
        "int64",
        {},
        {"profile": "full"},
        ("tensor([[  0,   1,   2],\n        [400, 401, 402],\n        [800, 801, 802]])"),
    ),
]


@pytest.mark.parametrize(
    "expr, dtype_name, kwargs, opts, expected",
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_matches_torch(expr, dtype_name, kwargs, opts, expected):
    array = eval(expr, {"np": np})
    if opts:
        set_printoptions(**opts)
    assert format_tensor(array, dtype_name=dtype_name, **kwargs) == expected


def test_at_least_25_literal_cases():
    assert len(CASES) >= 25


def test_printoptions_profiles_and_reset():
    assert get_printoptions() == {
        "precision": 4,
        "threshold": 1000,
        "edgeitems": 3,
        "linewidth": 80,
        "sci_mode": None,
    }
    set_printoptions(profile="short")
    assert get_printoptions()["precision"] == 2
    assert get_printoptions()["edgeitems"] == 2
    set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == float("inf")
    # sci_mode is assigned on every call, like torch
    set_printoptions(sci_mode=True)
    assert get_printoptions()["sci_mode"] is True
    set_printoptions(precision=3)
    assert get_printoptions()["sci_mode"] is None
    assert get_printoptions()["precision"] == 3
    set_printoptions(profile="default")
    assert get_printoptions()["precision"] == 4


def test_get_printoptions_roundtrip():
    set_printoptions(precision=2, linewidth=40, sci_mode=False)
    saved = get_printoptions()
    set_printoptions(profile="default")
    set_printoptions(**saved)
    assert get_printoptions() == saved


def test_printoptions_context_manager_restores():
    with printoptions(precision=1):
        assert (
            format_tensor(np.array([1.25], dtype=np.float32), dtype_name="float32")
            == "tensor([1.2])"
        )
    assert (
        format_tensor(np.array([1.25], dtype=np.float32), dtype_name="float32")
        == "tensor([1.2500])"
    )


def test_full_profile_prints_everything():
    set_printoptions(profile="full")
    text = format_tensor(np.arange(1500, dtype=np.int64), dtype_name="int64")
    assert "..." not in text
    assert text.startswith("tensor([   0,    1,    2,")
    assert text.endswith("1497, 1498, 1499])")


def test_custom_default_dtypes():
    # With float64 as the default dtype, float64 has no suffix and float32 does.
    defaults = ("float64", "int64", "bool")
    a = np.array([1.5], dtype=np.float64)
    assert (
        format_tensor(a, dtype_name="float64", default_dtype_names=defaults) == "tensor([1.5000])"
    )
    b = np.array([1.5], dtype=np.float32)
    assert (
        format_tensor(b, dtype_name="float32", default_dtype_names=defaults)
        == "tensor([1.5000], dtype=nnx.float32)"
    )
    # ... and complex128 becomes the default complex dtype (torch.cdouble).
    c = np.array([1 + 1j], dtype=np.complex128)
    assert (
        format_tensor(c, dtype_name="complex128", default_dtype_names=defaults)
        == "tensor([1.+1.j])"
    )


def test_device_suffix_and_order():
    a = np.array([1.0, 2.0], dtype=np.float64)
    assert (
        format_tensor(a, dtype_name="float64", device_suffix="cuda:0", requires_grad=True)
        == "tensor([1., 2.], device='cuda:0', dtype=nnx.float64, requires_grad=True)"
    )
    assert (
        format_tensor(a, dtype_name="float64", device_suffix="device='meta'")
        == "tensor([1., 2.], device='meta', dtype=nnx.float64)"
    )


def test_custom_prefix_sets_indent():
    a = np.array([[1, 2], [3, 4]], dtype=np.int64)
    assert (
        format_tensor(a, dtype_name="int64", prefix="Tensor(")
        == "Tensor([[1, 2],\n        [3, 4]])"
    )
    assert format_tensor(a, dtype_name="int64", prefix="T(") == "T([[1, 2],\n   [3, 4]])"


def test_dtype_name_none_uses_array_dtype():
    a = np.array([1, 2], dtype=np.int16)
    assert format_tensor(a, dtype_name=None) == "tensor([1, 2], dtype=nnx.int16)"


def test_bfloat16_name_with_float32_data():
    # bfloat16 data is carried as float32 values; only the suffix names it.
    a = np.array([0.5, 3.0], dtype=np.float32)
    assert format_tensor(a, dtype_name="bfloat16") == "tensor([0.5000, 3.0000], dtype=nnx.bfloat16)"


def test_dtype_suffix_length_drives_wrapping():
    # "dtype=nnx.float16" is shorter than "dtype=torch.float16"; wrapping
    # follows the text actually printed.
    a = np.arange(14, dtype=np.float16)
    text = format_tensor(a, dtype_name="float16")
    assert text == (
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.],\n"
        "       dtype=nnx.float16)"
    )
    assert _tensor_str._DTYPE_PREFIX == "nnx."


def test_format_scalar_for_repr():
    assert format_scalar_for_repr(1.0) == "1."
    assert format_scalar_for_repr(3.5) == "3.5000"
    assert format_scalar_for_repr(np.float32(1e-5)) == "1.0000e-05"
    assert format_scalar_for_repr(True) == "True"
    assert format_scalar_for_repr(7) == "7"
    assert format_scalar_for_repr(float("nan")) == "nan"
    assert format_scalar_for_repr(-0.0) == "-0."


def test_list_input_is_accepted():
    assert (
        format_tensor([[1, 2], [3, 4]], dtype_name="int64") == "tensor([[1, 2],\n        [3, 4]])"
    )
