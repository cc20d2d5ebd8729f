"""Case table of the vision layers: PixelShuffle, PixelUnshuffle, Upsample,
UpsamplingNearest2d and UpsamplingBilinear2d (read by test_layer_cases.py and
tests/golden/generate_layers.py; see _layer_case.py)."""

from _layer_case import Case, In

X3 = In((2, 3, 5))
X4 = In((1, 2, 4, 5))

CASES = [
    Case("PixelShuffle_2", "PixelShuffle", (2,), inputs=(In((2, 8, 3, 2)),)),
    Case("PixelShuffle_3_unbatched", "PixelShuffle", (3,), inputs=(In((9, 2, 2)),)),
    Case("PixelUnshuffle_2", "PixelUnshuffle", (2,), inputs=(In((2, 2, 4, 6)),)),
    Case("PixelUnshuffle_3_5d", "PixelUnshuffle", (3,), inputs=(In((2, 1, 1, 3, 6)),)),
    Case("Upsample_nearest_scale", "Upsample", (), {"scale_factor": 2}, inputs=(X4,)),
    Case("Upsample_nearest_fractional_scale", "Upsample", (), {"scale_factor": 1.7},
         inputs=(X4,)),
    Case("Upsample_nearest_size_1d", "Upsample", (7,), inputs=(X3,)),
    Case("Upsample_nearest_exact", "Upsample", (), {"scale_factor": (1.5, 0.6),
                                                    "mode": "nearest-exact"}, inputs=(X4,)),
    Case("Upsample_linear", "Upsample", (), {"scale_factor": 2.5, "mode": "linear"},
         inputs=(X3,)),
    Case("Upsample_linear_align_corners", "Upsample", (8,),
         {"mode": "linear", "align_corners": True}, inputs=(X3,)),
    Case("Upsample_bilinear_scale", "Upsample", (), {"scale_factor": 1.5, "mode": "bilinear"},
         inputs=(X4,)),
    Case("Upsample_bilinear_size_down", "Upsample", ((3, 2),), {"mode": "bilinear"},
         inputs=(In((1, 2, 7, 5)),)),
    Case("Upsample_bilinear_recompute", "Upsample", (),
         {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True},
         inputs=(X4,)),
    Case("Upsample_bicubic", "Upsample", (), {"scale_factor": 1.5, "mode": "bicubic"},
         inputs=(X4,)),
    Case("Upsample_bicubic_align_corners", "Upsample", ((5, 7),),
         {"mode": "bicubic", "align_corners": True}, inputs=(X4,)),
    Case("Upsample_trilinear", "Upsample", (), {"scale_factor": 1.5, "mode": "trilinear"},
         inputs=(In((1, 1, 2, 3, 3)),)),
    Case("Upsample_nearest_3d", "Upsample", ((3, 2, 4),), inputs=(In((1, 1, 2, 3, 3)),)),
    Case("UpsamplingNearest2d_scale", "UpsamplingNearest2d", (), {"scale_factor": 2},
         inputs=(X4,)),
    Case("UpsamplingNearest2d_size", "UpsamplingNearest2d", ((5, 9),), inputs=(X4,)),
    Case("UpsamplingBilinear2d_scale", "UpsamplingBilinear2d", (), {"scale_factor": 2},
         inputs=(X4,)),
    Case("UpsamplingBilinear2d_size", "UpsamplingBilinear2d", ((3, 8),), inputs=(X4,)),
]
