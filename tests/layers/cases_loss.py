"""Layer cases: the loss modules (nnx_layers.loss), every loss with each reduction.

Targets: class indices ``randint``, probabilities ``uniform`` in (0.05, 0.95), +-1 labels
``const_float`` (without grad where torch's gradient only selects branches), CTC's
targets and lengths ``const``.  CTC rows skip gradcheck: torch's gradient with respect
to log_probs assumes normalised log-probabilities (tests/layers/test_loss_ctc.py checks
it through log_softmax).
"""

from _layer_case import Case, In

REDUCTIONS = ("none", "mean", "sum")

X = In((3, 4))
T = In((3, 4))
PROBS = In((3, 4), kind="uniform", low=0.05, high=0.95)
LABELS = In((3, 4), kind="const_float", value=[[1, -1, 1, 1], [-1, -1, 1, -1], [1, 1, -1, 1]],
            grad=False)

CASES = []
for r in REDUCTIONS:
    CASES += [
        Case(f"L1Loss_{r}", "L1Loss", kwargs={"reduction": r}, inputs=(X, T)),
        Case(f"MSELoss_{r}", "MSELoss", kwargs={"reduction": r}, inputs=(X, T)),
        Case(f"SmoothL1Loss_{r}", "SmoothL1Loss", kwargs={"reduction": r, "beta": 0.5},
             inputs=(X, T)),
        Case(f"HuberLoss_{r}", "HuberLoss", kwargs={"reduction": r, "delta": 0.8},
             inputs=(X, T)),
        Case(f"SoftMarginLoss_{r}", "SoftMarginLoss", kwargs={"reduction": r},
             inputs=(X, LABELS)),
        Case(f"KLDivLoss_{r}", "KLDivLoss", kwargs={"reduction": r},
             inputs=(In((3, 4), kind="uniform", low=-3.0, high=-0.1), PROBS)),
        Case(f"PoissonNLLLoss_{r}", "PoissonNLLLoss", kwargs={"reduction": r},
             inputs=(X, In((3, 4), kind="uniform", low=0.0, high=4.0, grad=False))),
        Case(f"GaussianNLLLoss_{r}", "GaussianNLLLoss", kwargs={"reduction": r},
             inputs=(X, T, In((3, 4), kind="positive"))),
        Case(f"BCELoss_{r}", "BCELoss", kwargs={"reduction": r}, inputs=(PROBS, PROBS)),
        Case(f"BCEWithLogitsLoss_{r}", "BCEWithLogitsLoss", kwargs={"reduction": r},
             inputs=(X, PROBS)),
        Case(f"CrossEntropyLoss_{r}", "CrossEntropyLoss", kwargs={"reduction": r},
             inputs=(In((4, 5)), In((4,), kind="randint", low=0, high=5))),
        Case(f"NLLLoss_{r}", "NLLLoss", kwargs={"reduction": r},
             inputs=(In((4, 5)), In((4,), kind="randint", low=0, high=5))),
        Case(f"MultiMarginLoss_{r}", "MultiMarginLoss", kwargs={"reduction": r},
             inputs=(X, In((3,), kind="randint", low=0, high=4))),
        Case(f"MultiLabelMarginLoss_{r}", "MultiLabelMarginLoss", kwargs={"reduction": r},
             inputs=(X, In((3, 4), kind="const",
                           value=[[3, 0, -1, 1], [1, 2, 3, -1], [2, -1, 0, 0]]))),
        Case(f"MultiLabelSoftMarginLoss_{r}", "MultiLabelSoftMarginLoss",
             kwargs={"reduction": r}, inputs=(X, In((3, 4), kind="bernoulli", grad=False))),
        Case(f"CosineEmbeddingLoss_{r}", "CosineEmbeddingLoss",
             kwargs={"reduction": r, "margin": 0.1},
             inputs=(X, X, In((3,), kind="const_float", value=[1, -1, -1], grad=False))),
        Case(f"MarginRankingLoss_{r}", "MarginRankingLoss",
             kwargs={"reduction": r, "margin": 0.2},
             inputs=(In((5,)), In((5,)), In((5,), kind="const_float", value=[1, -1, 1, -1, 1]))),
        Case(f"HingeEmbeddingLoss_{r}", "HingeEmbeddingLoss",
             kwargs={"reduction": r, "margin": 0.5}, inputs=(X, LABELS)),
        Case(f"TripletMarginLoss_{r}", "TripletMarginLoss", kwargs={"reduction": r},
             inputs=(X, X, X)),
        Case(f"CTCLoss_{r}", "CTCLoss", kwargs={"reduction": r},
             inputs=(In((6, 2, 4), kind="uniform", low=-3.0, high=-0.5),
                     In((2, 2), kind="const", value=[[1, 2], [3, 3]]),
                     In((2,), kind="const", value=[6, 5]),
                     In((2,), kind="const", value=[2, 2])),
             gradcheck=False),
    ]

CASES += [
    # class weights and the options beside them: buffers in state_dict
    Case("CrossEntropyLoss_weight_smoothing_ignore", "CrossEntropyLoss",
         kwargs={"weight": In((5,), kind="positive"), "ignore_index": 2,
                 "label_smoothing": 0.1},
         inputs=(In((4, 5)), In((4,), kind="const", value=[2, 0, 4, 1]))),
    Case("CrossEntropyLoss_probabilities", "CrossEntropyLoss",
         inputs=(In((4, 5)), In((4, 5), kind="uniform", low=0.0, high=0.4))),
    Case("CrossEntropyLoss_spatial", "CrossEntropyLoss",
         inputs=(In((2, 3, 2, 2)), In((2, 2, 2), kind="randint", low=0, high=3))),
    Case("NLLLoss_weight_ignore", "NLLLoss",
         kwargs={"weight": In((5,), kind="positive"), "ignore_index": 0},
         inputs=(In((4, 5)), In((4,), kind="const", value=[0, 1, 4, 3]))),
    Case("BCELoss_weight", "BCELoss", kwargs={"weight": In((4,), kind="positive")},
         inputs=(PROBS, PROBS)),
    Case("BCEWithLogitsLoss_weights", "BCEWithLogitsLoss",
         kwargs={"weight": In((4,), kind="positive"), "pos_weight": In((4,), kind="positive")},
         inputs=(X, PROBS)),
    Case("MultiMarginLoss_p2_weight", "MultiMarginLoss",
         kwargs={"p": 2, "margin": 0.7, "weight": In((4,), kind="positive")},
         inputs=(X, In((3,), kind="randint", low=0, high=4))),
    Case("MultiLabelSoftMarginLoss_weight", "MultiLabelSoftMarginLoss",
         kwargs={"weight": In((4,), kind="positive")},
         inputs=(X, In((3, 4), kind="bernoulli", grad=False))),
    # the options of the other losses
    Case("L1Loss_legacy_size_average", "L1Loss", kwargs={"size_average": False},
         inputs=(X, T)),
    Case("MSELoss_legacy_reduce", "MSELoss", kwargs={"reduce": False}, inputs=(X, T)),
    Case("KLDivLoss_batchmean_log_target", "KLDivLoss",
         kwargs={"reduction": "batchmean", "log_target": True},
         inputs=(In((3, 4), kind="uniform", low=-3.0, high=-0.1),
                 In((3, 4), kind="uniform", low=-3.0, high=-0.1))),
    Case("PoissonNLLLoss_rate_full", "PoissonNLLLoss",
         kwargs={"log_input": False, "full": True, "eps": 1e-4},
         inputs=(In((3, 4), kind="positive"),
                 In((3, 4), kind="const_float", value=[[0, 1, 2, 3], [4, 5, 0.5, 1.5]] + [[2] * 4],
                    grad=False))),
    Case("GaussianNLLLoss_full_rows", "GaussianNLLLoss", kwargs={"full": True, "eps": 1e-3},
         inputs=(X, T, In((3,), kind="positive"))),
    Case("HuberLoss_unbatched", "HuberLoss", inputs=(In((5,)), In((5,)))),
    Case("TripletMarginLoss_p1_swap", "TripletMarginLoss",
         kwargs={"margin": 2.0, "p": 1.0, "swap": True}, inputs=(X, X, X)),
    # (a 0-d target cannot be a row: generate_layers.make_array's np.ascontiguousarray makes
    # 0-d arrays 1-d; loss_cases.py covers the unbatched cosine_embedding_loss)
    Case("CTCLoss_blank_zero_infinity", "CTCLoss", kwargs={"blank": 3, "zero_infinity": True},
         inputs=(In((5, 3, 4), kind="uniform", low=-3.0, high=-0.5),
                 In((5,), kind="const", value=[1, 2, 1, 0, 0]),
                 In((3,), kind="const", value=[5, 1, 4]),
                 In((3,), kind="const", value=[2, 1, 2])),
         gradcheck=False),
]
