"""Case table of the distance layers (read by test_layer_cases.py and
tests/golden/generate_layers.py; see _layer_case.py).  The functional edge cases (p = 0,
+-inf, tiny norms, mixed dtypes) are in tests/golden/cases_act_dist.py."""

from _layer_case import Case, In

A = In((4, 5))

CASES = [
    Case("PairwiseDistance_basic", "PairwiseDistance", inputs=(A, In((4, 5)))),
    Case("PairwiseDistance_p1_keepdim", "PairwiseDistance", (1.0,), kwargs={"keepdim": True},
         inputs=(A, In((4, 5)))),
    Case("PairwiseDistance_p3_eps", "PairwiseDistance", kwargs={"p": 3.0, "eps": 0.1},
         inputs=(A, In((4, 5)))),
    Case("PairwiseDistance_inf", "PairwiseDistance", (float("inf"),),
         inputs=(A, In((4, 5)))),
    Case("PairwiseDistance_unbatched", "PairwiseDistance", inputs=(In((5,)), In((5,)))),
    Case("PairwiseDistance_broadcast", "PairwiseDistance", inputs=(A, In((5,)))),
    Case("CosineSimilarity_basic", "CosineSimilarity", inputs=(A, In((4, 5)))),
    Case("CosineSimilarity_dim0_eps", "CosineSimilarity", (0, 1e-4),
         inputs=(A, In((4, 5)))),
    Case("CosineSimilarity_3d_broadcast", "CosineSimilarity", kwargs={"dim": -1},
         inputs=(In((2, 3, 4)), In((3, 4)))),
    Case("CosineSimilarity_unbatched", "CosineSimilarity", kwargs={"dim": 0},
         inputs=(In((6,)), In((6,)))),
]
