"""Case table of the linear family: Identity, Linear, Bilinear, Flatten, Unflatten (read
by test_layer_cases.py and tests/golden/generate_layers.py; see _layer_case.py)."""

from _layer_case import Case, In

CASES = [
    Case("Identity_basic", "Identity", inputs=(In((2, 3)),)),
    Case("Identity_ignores_args", "Identity", (54,), kwargs={"unused_argument1": 0.1},
         inputs=(In((4,)),)),
    Case("Linear_basic", "Linear", (3, 4), inputs=(In((2, 3)),)),
    Case("Linear_no_bias", "Linear", (3, 2), kwargs={"bias": False}, inputs=(In((2, 3)),)),
    Case("Linear_3d_input", "Linear", (4, 3), inputs=(In((2, 2, 4)),)),
    Case("Linear_unbatched", "Linear", (5, 6), inputs=(In((5,)),)),
    Case("Linear_wide_init", "Linear", (64, 32), inputs=(In((2, 64)),), gradcheck=False),
    Case("Bilinear_basic", "Bilinear", (3, 2, 4), inputs=(In((2, 3)), In((2, 2)))),
    Case("Bilinear_no_bias", "Bilinear", (2, 3, 2), kwargs={"bias": False},
         inputs=(In((3, 2)), In((3, 3)))),
    Case("Bilinear_3d_input", "Bilinear", (2, 2, 3), inputs=(In((2, 2, 2)), In((2, 2, 2)))),
    Case("Bilinear_unbatched", "Bilinear", (3, 2, 6), inputs=(In((3,)), In((2,)))),
    Case("Flatten_basic", "Flatten", inputs=(In((2, 3, 2, 2)),)),
    Case("Flatten_dims", "Flatten", (0, 2), inputs=(In((2, 3, 2, 2)),)),
    Case("Flatten_negative_dims", "Flatten", kwargs={"start_dim": -3, "end_dim": -2},
         inputs=(In((2, 3, 2, 2)),)),
    Case("Unflatten_tuple", "Unflatten", (1, (2, 3)), inputs=(In((2, 6)),)),
    Case("Unflatten_list_minus_one", "Unflatten",
         kwargs={"dim": -1, "unflattened_size": [2, -1, 2]},
         inputs=(In((3, 8)),)),
]
