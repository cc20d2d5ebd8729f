"""Case table of the pooling layers: max, average, adaptive, unpooling and power-average
pooling (read by test_layer_cases.py and tests/golden/generate_layers.py; see
_layer_case.py).

Inputs are small (gradcheck runs on every row).  MaxUnpool rows take their indices as
``const`` inputs: distinct flat indices inside each output plane.  LPPool rows with an odd
norm use positive inputs (a negative sum of x^p has no real p-th root).
"""

from _layer_case import Case, In

X1 = In((2, 3, 9))
X2 = In((2, 2, 6, 7))
X3 = In((1, 2, 4, 5, 6))

CASES = [
    # -- MaxPool ---------------------------------------------------------------------------
    Case("MaxPool1d_basic", "MaxPool1d", (3,), inputs=(X1,)),
    Case("MaxPool1d_stride_pad_dilation_ceil", "MaxPool1d", (3, 2, 1, 2),
         {"ceil_mode": True}, inputs=(X1,)),
    Case("MaxPool1d_indices_unbatched", "MaxPool1d", (2,), {"return_indices": True},
         inputs=(In((3, 9)),)),
    Case("MaxPool2d_basic", "MaxPool2d", (2,), inputs=(X2,)),
    Case("MaxPool2d_stride_padding", "MaxPool2d", (3,), {"stride": 2, "padding": 1},
         inputs=(X2,)),
    Case("MaxPool2d_rect_dilation_indices", "MaxPool2d", ((2, 3),),
         {"stride": (1, 2), "padding": (1, 1), "dilation": (2, 1), "return_indices": True},
         inputs=(X2,)),
    Case("MaxPool2d_ceil_mode", "MaxPool2d", (2,), {"ceil_mode": True},
         inputs=(In((1, 2, 5, 5)),)),
    Case("MaxPool2d_unbatched", "MaxPool2d", (2,), inputs=(In((2, 5, 4)),)),
    Case("MaxPool3d_basic", "MaxPool3d", (2,), {"stride": 1, "padding": 1},
         inputs=(X3,)),
    # -- AvgPool ---------------------------------------------------------------------------
    Case("AvgPool1d_basic", "AvgPool1d", (3,), inputs=(X1,)),
    Case("AvgPool1d_pad_ceil_exclude_pad", "AvgPool1d", (3, 2, 1, True, False),
         inputs=(X1,)),
    Case("AvgPool2d_basic", "AvgPool2d", (2,), inputs=(X2,)),
    Case("AvgPool2d_stride_padding", "AvgPool2d", (3,), {"stride": 2, "padding": 1},
         inputs=(X2,)),
    Case("AvgPool2d_ceil_exclude_pad", "AvgPool2d", (3, 2, 1),
         {"ceil_mode": True, "count_include_pad": False}, inputs=(X2,)),
    Case("AvgPool2d_divisor_override", "AvgPool2d", ((3, 2),),
         {"stride": (2, 1), "padding": (1, 0), "divisor_override": 5}, inputs=(X2,)),
    Case("AvgPool2d_unbatched", "AvgPool2d", (2,), inputs=(In((2, 5, 4)),)),
    Case("AvgPool3d_basic", "AvgPool3d", (2,), {"stride": 2, "padding": 1,
                                                "ceil_mode": True}, inputs=(X3,)),
    # -- adaptive --------------------------------------------------------------------------
    Case("AdaptiveAvgPool1d_basic", "AdaptiveAvgPool1d", (4,), inputs=(X1,)),
    Case("AdaptiveAvgPool1d_upsampling", "AdaptiveAvgPool1d", (13,), inputs=(In((3, 9)),)),
    Case("AdaptiveAvgPool2d_basic", "AdaptiveAvgPool2d", ((3, 4),), inputs=(X2,)),
    Case("AdaptiveAvgPool2d_none", "AdaptiveAvgPool2d", ((None, 3),), inputs=(X2,)),
    Case("AdaptiveAvgPool2d_global", "AdaptiveAvgPool2d", (1,), inputs=(X2,)),
    Case("AdaptiveAvgPool3d_basic", "AdaptiveAvgPool3d", ((2, 3, None),), inputs=(X3,)),
    Case("AdaptiveMaxPool1d_indices", "AdaptiveMaxPool1d", (4, True), inputs=(X1,)),
    Case("AdaptiveMaxPool2d_basic", "AdaptiveMaxPool2d", ((3, 4),), inputs=(X2,)),
    Case("AdaptiveMaxPool2d_none_indices", "AdaptiveMaxPool2d", ((4, None), True),
         inputs=(In((2, 6, 5)),)),
    Case("AdaptiveMaxPool3d_basic", "AdaptiveMaxPool3d", (2,), inputs=(X3,)),
    # -- MaxUnpool -------------------------------------------------------------------------
    Case("MaxUnpool1d_basic", "MaxUnpool1d", (2,),
         inputs=(In((1, 2, 3)), In(kind="const", value=[[[1, 2, 5], [0, 3, 4]]]))),
    Case("MaxUnpool1d_output_size", "MaxUnpool1d", (2,),
         inputs=(In((2, 3)), In(kind="const", value=[[0, 3, 6], [1, 2, 5]])),
         forward_kwargs={"output_size": [7]}),
    Case("MaxUnpool2d_basic", "MaxUnpool2d", (2,),
         inputs=(In((1, 2, 2, 2)),
                 In(kind="const", value=[[[[0, 3], [9, 14]], [[5, 2], [8, 15]]]]))),
    Case("MaxUnpool2d_stride_padding_output_size", "MaxUnpool2d", (3, 2, 1),
         inputs=(In((2, 2, 2)), In(kind="const", value=[[[0, 2], [8, 15]],
                                                         [[5, 3], [10, 13]]])),
         forward_kwargs={"output_size": (4, 4)}),
    Case("MaxUnpool3d_basic", "MaxUnpool3d", (2,),
         inputs=(In((1, 1, 1, 2, 2)), In(kind="const", value=[[[[[0, 3], [13, 15]]]]]))),
    # -- LPPool ----------------------------------------------------------------------------
    Case("LPPool1d_p2", "LPPool1d", (2, 3), {"stride": 2}, inputs=(X1,)),
    Case("LPPool1d_p3_ceil", "LPPool1d", (3, 2), {"ceil_mode": True},
         inputs=(In((2, 3, 9), kind="positive"),)),
    Case("LPPool2d_p2", "LPPool2d", (2, 2), inputs=(X2,)),
    Case("LPPool2d_p1_5_rect", "LPPool2d", (1.5, (2, 3)), {"stride": (1, 2)},
         inputs=(In((2, 2, 6, 7), kind="positive"),)),
    Case("LPPool3d_p2", "LPPool3d", (2, 2), inputs=(X3,)),
]
