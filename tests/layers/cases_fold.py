"""Case table of Fold and Unfold (read by test_layer_cases.py and
tests/golden/generate_layers.py; see _layer_case.py)."""

from _layer_case import Case, In

CASES = [
    Case("Unfold_basic", "Unfold", (2,), inputs=(In((2, 3, 4, 4)),)),
    Case("Unfold_all_args", "Unfold", ((2, 3),),
         kwargs={"dilation": (2, 1), "padding": 1, "stride": (1, 2)},
         inputs=(In((1, 2, 5, 6)),)),
    Case("Unfold_unbatched", "Unfold", (3,), kwargs={"stride": 2, "padding": 1},
         inputs=(In((2, 4, 5)),)),
    Case("Fold_basic", "Fold", ((4, 5), 2), inputs=(In((2, 8, 12)),)),
    Case("Fold_all_args", "Fold", ((5, 6), (2, 3)),
         kwargs={"dilation": (2, 1), "padding": (1, 2), "stride": 2},
         inputs=(In((1, 12, 12)),)),
    Case("Fold_unbatched_overlap", "Fold", (4, 3), kwargs={"padding": 1, "stride": 1},
         inputs=(In((9, 16)),)),
]
