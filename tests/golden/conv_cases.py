"""Golden cases of the convolution family's functional ops (F.conv*, F.conv_transpose*,
F.pad, F.unfold, F.fold), in the expression format of ``cases.py``.

``generate_conv.py`` records them from torch 2.13.0 into ``conv_golden.npz``;
``tests/layers/test_conv_functional_golden.py`` replays them with nnx.  Needs only numpy.
"""

from __future__ import annotations

from cases import Case, Spec


def _conv(name, fn, x, w, b=True, dtype="float64", **kw):
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    inputs = {"x": Spec(x, dtype), "w": Spec(w, dtype)}
    bias = "None"
    if b:
        out_ch = w[1] * kw.get("groups", 1) if "transpose" in fn else w[0]
        inputs["b"] = Spec((out_ch,), dtype)
        bias = "b"
    expr = f"F.{fn}(x, w, {bias}{', ' if args else ''}{args})"
    # float32 sums of a few hundred products of O(1) terms: the summation order (BLAS vs
    # oneDNN) moves the last bits, so compare at the scale of the terms
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == "float32" else {}
    return Case(name, expr, inputs, **tol)


CONV = [
    _conv("conv1d_basic", "conv1d", (2, 3, 9), (4, 3, 3)),
    _conv("conv1d_stride_pad_dil", "conv1d", (2, 4, 11), (6, 2, 3), stride=2, padding=2,
          dilation=2, groups=2),
    _conv("conv1d_unbatched", "conv1d", (3, 7), (2, 3, 2), padding=1),
    _conv("conv1d_same_even", "conv1d", (2, 3, 8), (4, 3, 4), padding="same"),
    _conv("conv1d_same_even_dil3", "conv1d", (1, 2, 9), (3, 2, 4), padding="same",
          dilation=3),
    _conv("conv1d_valid", "conv1d", (2, 3, 8), (4, 3, 3), b=False, padding="valid"),
    _conv("conv1d_stride_gt_kernel", "conv1d", (2, 2, 13), (3, 2, 2), stride=5),
    _conv("conv1d_float32", "conv1d", (4, 8, 32), (16, 8, 5), dtype="float32", padding=2),
    _conv("conv2d_basic", "conv2d", (2, 3, 6, 5), (4, 3, 3, 3), padding=1),
    _conv("conv2d_rect", "conv2d", (2, 2, 7, 6), (3, 2, 3, 2), stride=(2, 1),
          padding=(1, 0), dilation=(1, 2)),
    _conv("conv2d_groups_depthwise", "conv2d", (2, 4, 5, 5), (8, 1, 3, 3), groups=4,
          padding=1),
    _conv("conv2d_1x1", "conv2d", (2, 6, 4, 3), (5, 6, 1, 1)),
    _conv("conv2d_1x1_stride2", "conv2d", (2, 3, 5, 5), (2, 3, 1, 1), stride=2),
    _conv("conv2d_same_even_mixed", "conv2d", (1, 2, 6, 7), (3, 2, 4, 3), padding="same",
          dilation=(1, 2)),
    _conv("conv2d_unbatched_nobias", "conv2d", (2, 5, 5), (3, 2, 2, 2), b=False, stride=2),
    _conv("conv2d_float32", "conv2d", (4, 8, 12, 12), (16, 4, 3, 3), dtype="float32",
          padding=1, groups=2),
    _conv("conv2d_big_padding", "conv2d", (1, 1, 2, 2), (2, 1, 2, 2), padding=3, stride=2),
    _conv("conv3d_basic", "conv3d", (2, 2, 4, 5, 4), (3, 2, 2, 3, 2), padding=(1, 0, 1)),
    _conv("conv3d_stride_dil_groups", "conv3d", (1, 4, 6, 5, 5), (4, 2, 2, 2, 2),
          stride=(2, 1, 2), dilation=(1, 2, 1), groups=2),
    _conv("conv3d_unbatched_same", "conv3d", (2, 4, 4, 3), (2, 2, 2, 3, 2), padding="same"),
    _conv("conv_transpose1d_basic", "conv_transpose1d", (2, 3, 5), (3, 4, 3)),
    _conv("conv_transpose1d_stride_outpad", "conv_transpose1d", (2, 4, 4), (4, 3, 3),
          stride=3, padding=1, output_padding=2, groups=2),
    _conv("conv_transpose1d_unbatched", "conv_transpose1d", (3, 4), (3, 2, 2), stride=2),
    _conv("conv_transpose2d_basic", "conv_transpose2d", (2, 3, 4, 3), (3, 2, 3, 3),
          stride=2, padding=1, output_padding=1),
    _conv("conv_transpose2d_dil_groups", "conv_transpose2d", (1, 4, 3, 4), (4, 3, 2, 3),
          dilation=(2, 1), groups=2, padding=(1, 1)),
    _conv("conv_transpose2d_outpad_dil", "conv_transpose2d", (1, 2, 3, 3), (2, 2, 2, 2),
          output_padding=1, dilation=2),
    _conv("conv_transpose2d_unbatched_nobias", "conv_transpose2d", (2, 3, 3), (2, 3, 2, 2),
          b=False, stride=(1, 2)),
    _conv("conv_transpose2d_float32", "conv_transpose2d", (3, 8, 6, 6), (8, 4, 3, 3),
          dtype="float32", stride=2, padding=1, output_padding=1),
    _conv("conv_transpose3d_basic", "conv_transpose3d", (1, 2, 3, 2, 3), (2, 3, 2, 2, 2),
          stride=(1, 2, 1), padding=(0, 1, 1)),
    _conv("conv_transpose3d_unbatched_groups", "conv_transpose3d", (4, 2, 2, 2),
          (4, 1, 2, 1, 2), groups=2, output_padding=(0, 1, 1), stride=2),
    # dilation > stride lets output_padding reach dilation - 1: the output grid is then
    # longer than the input's even for a 1x1 kernel
    _conv("conv_transpose1d_1x1_dil_outpad", "conv_transpose1d", (2, 2, 3), (2, 3, 1),
          output_padding=1, dilation=2),
    _conv("conv_transpose1d_dil_gt_stride_outpad", "conv_transpose1d", (2, 2, 3), (2, 2, 2),
          stride=2, output_padding=2, dilation=3),
    _conv("conv_transpose2d_1x1_dil_outpad", "conv_transpose2d", (1, 4, 3, 2), (4, 1, 1, 1),
          groups=2, output_padding=(1, 0), dilation=(2, 1)),
    _conv("conv_transpose3d_1x1_dil_outpad", "conv_transpose3d", (1, 2, 2, 1, 2),
          (2, 2, 1, 1, 1), output_padding=(1, 0, 1), dilation=2),
]


def _pad(name, shape, pad, mode="constant", value=None, dtype="float64"):
    tail = f", mode={mode!r}" + ("" if value is None else f", value={value!r}")
    return Case(name, f"F.pad(x, {pad!r}{tail})", {"x": Spec(shape, dtype)})


PAD = [
    _pad("pad_constant_1d", (2, 3), (1, 2)),
    _pad("pad_constant_value_crop", (2, 3, 4), (-1, 2, 1, 0), value=1.5),
    _pad("pad_constant_3dims", (2, 3, 4), (1, 1, 0, 2, 1, 0), value=-2.0),
    _pad("pad_constant_larger_than_input", (1, 2), (3, 4), value=0.5),
    _pad("pad_constant_int", (2, 3), (1, 1), value=2, dtype="int64"),
    _pad("pad_reflect_1d", (2, 3, 5), (2, 3), "reflect"),
    _pad("pad_reflect_1d_unbatched_crop", (3, 5), (-1, 2), "reflect"),
    _pad("pad_reflect_2d", (2, 2, 4, 5), (1, 2, 3, 1), "reflect"),
    _pad("pad_reflect_3d", (1, 2, 3, 4, 5), (1, 2, 2, 1, 1, 2), "reflect"),
    _pad("pad_replicate_1d", (2, 3, 4), (3, 5), "replicate"),
    _pad("pad_replicate_2d_unbatched", (2, 3, 4), (2, 1, 0, 3), "replicate"),
    _pad("pad_replicate_3d", (1, 1, 2, 3, 4), (1, 2, 3, 1, 2, 2), "replicate"),
    _pad("pad_circular_1d", (2, 3, 5), (2, 5), "circular"),
    _pad("pad_circular_crop_then_wrap", (1, 1, 5), (-2, 3), "circular"),
    _pad("pad_circular_2d", (2, 2, 3, 4), (1, 2, 3, 1), "circular"),
    _pad("pad_circular_3d_unbatched", (2, 2, 3, 4), (1, 2, 0, 1, 2, 0), "circular"),
    _pad("pad_float32_reflect", (2, 3, 6, 6), (2, 2, 2, 2), "reflect", dtype="float32"),
]

FOLD = [
    Case("unfold_basic", "F.unfold(x, 2)", {"x": Spec((2, 3, 4, 5))}),
    Case("unfold_all_args", "F.unfold(x, (2, 3), dilation=(2, 1), padding=(1, 2), stride=2)",
         {"x": Spec((2, 2, 5, 6))}),
    Case("unfold_unbatched", "F.unfold(x, 3, padding=1, stride=3)", {"x": Spec((2, 5, 4))}),
    Case("unfold_1x1", "F.unfold(x, 1)", {"x": Spec((2, 3, 2, 3))}),
    Case("unfold_float32", "F.unfold(x, (3, 2), stride=(1, 2))",
         {"x": Spec((2, 4, 6, 6), "float32")}),
    Case("fold_basic", "F.fold(x, (4, 5), 2)", {"x": Spec((2, 12, 12))}),
    Case("fold_all_args", "F.fold(x, (5, 6), (2, 3), dilation=(2, 1), padding=(1, 2), "
         "stride=2)", {"x": Spec((2, 12, 12))}),
    Case("fold_unbatched", "F.fold(x, 4, 3, padding=1, stride=2)", {"x": Spec((9, 4))}),
    Case("fold_float32", "F.fold(x, (6, 6), 3)", {"x": Spec((2, 18, 16), "float32")}),
]

CASES = CONV + PAD + FOLD
CASES_BY_NAME = {c.name: c for c in CASES}
