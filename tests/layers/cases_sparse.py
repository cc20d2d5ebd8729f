"""Case table of the sparse layers: Embedding and EmbeddingBag (read by
test_layer_cases.py and tests/golden/generate_layers.py; see _layer_case.py).

Indices are ``randint`` or ``const`` inputs; EmbeddingBag's offsets are ``const``
forward inputs.  Rows whose gradient is not the derivative of the output
(scale_grad_by_freq) or whose forward rewrites the weight (max_norm) skip gradcheck.
"""

from _layer_case import Case, In

IDX = In((2, 4), kind="randint", high=10)

CASES = [
    # -- Embedding -------------------------------------------------------------------------
    Case("Embedding_basic", "Embedding", (10, 3), inputs=(IDX,)),
    Case("Embedding_1d_int32", "Embedding", (6, 2),
         inputs=(In((5,), kind="randint", high=6, dtype="int32"),)),
    # the padding row's gradient is zero by definition, not the derivative: no gradcheck
    Case("Embedding_padding_idx", "Embedding", (6, 3), {"padding_idx": 2},
         inputs=(In(kind="const", value=[[0, 2, 4], [2, 2, 5]]),), gradcheck=False),
    Case("Embedding_negative_padding_idx", "Embedding", (6, 3), {"padding_idx": -1},
         inputs=(In(kind="const", value=[5, 1, 5, 3]),), gradcheck=False),
    Case("Embedding_max_norm", "Embedding", (6, 4), {"max_norm": 1.0},
         inputs=(In(kind="const", value=[[0, 1, 1], [3, 5, 0]]),), gradcheck=False),
    Case("Embedding_max_norm_p1", "Embedding", (6, 4), {"max_norm": 1.5, "norm_type": 1.0},
         inputs=(In(kind="const", value=[0, 2, 4, 2]),), gradcheck=False),
    Case("Embedding_scale_grad_by_freq", "Embedding", (5, 2),
         {"scale_grad_by_freq": True, "padding_idx": 0},
         inputs=(In(kind="const", value=[[1, 1, 3], [0, 1, 4]]),), gradcheck=False),
    Case("Embedding_3d_input", "Embedding", (7, 2),
         inputs=(In((2, 2, 3), kind="randint", high=7),)),
    # -- EmbeddingBag ----------------------------------------------------------------------
    Case("EmbeddingBag_mean_2d", "EmbeddingBag", (10, 3), inputs=(IDX,)),
    Case("EmbeddingBag_sum_2d", "EmbeddingBag", (10, 3), {"mode": "sum"}, inputs=(IDX,)),
    Case("EmbeddingBag_max_2d", "EmbeddingBag", (10, 3), {"mode": "max"}, inputs=(IDX,)),
    Case("EmbeddingBag_mean_offsets", "EmbeddingBag", (8, 3),
         inputs=(In(kind="const", value=[0, 2, 4, 5, 4, 7, 1]),
                 In(kind="const", value=[0, 2, 2, 5]))),
    Case("EmbeddingBag_sum_offsets_weights", "EmbeddingBag", (8, 3), {"mode": "sum"},
         inputs=(In(kind="const", value=[0, 2, 4, 5, 4, 7]),
                 In(kind="const", value=[0, 3]), In((6,)))),
    Case("EmbeddingBag_sum_2d_weights", "EmbeddingBag", (8, 2), {"mode": "sum"},
         inputs=(In((3, 2), kind="randint", high=8),),
         forward_kwargs={"per_sample_weights": In((3, 2))}),
    Case("EmbeddingBag_max_offsets_empty_bag", "EmbeddingBag", (8, 3), {"mode": "max"},
         inputs=(In(kind="const", value=[3, 1, 6, 0, 2]),
                 In(kind="const", value=[0, 0, 3]))),
    Case("EmbeddingBag_include_last_offset", "EmbeddingBag", (8, 2),
         {"include_last_offset": True},
         inputs=(In(kind="const", value=[1, 2, 3, 4, 5, 6]),
                 In(kind="const", value=[0, 2, 2, 6]))),
    Case("EmbeddingBag_include_last_offset_max", "EmbeddingBag", (8, 2),
         {"include_last_offset": True, "mode": "max"},
         inputs=(In(kind="const", value=[1, 2, 3, 4, 5, 6]),
                 In(kind="const", value=[0, 3, 6]))),
    Case("EmbeddingBag_padding_mean", "EmbeddingBag", (6, 3), {"padding_idx": 1},
         inputs=(In(kind="const", value=[[1, 0, 3], [1, 1, 1], [5, 1, 2]]),)),
    Case("EmbeddingBag_padding_max", "EmbeddingBag", (6, 3),
         {"padding_idx": -2, "mode": "max"},
         inputs=(In(kind="const", value=[[4, 0, 3], [4, 4, 4], [5, 4, 2]]),)),
    Case("EmbeddingBag_padding_sum_offsets", "EmbeddingBag", (6, 2),
         {"padding_idx": 0, "mode": "sum"},
         inputs=(In(kind="const", value=[0, 2, 0, 3, 5]), In(kind="const", value=[0, 1, 3]))),
    Case("EmbeddingBag_scale_grad_by_freq", "EmbeddingBag", (6, 2),
         {"scale_grad_by_freq": True},
         inputs=(In(kind="const", value=[[1, 1, 2], [1, 4, 2]]),), gradcheck=False),
    Case("EmbeddingBag_scale_grad_by_freq_sum", "EmbeddingBag", (7, 2),
         {"scale_grad_by_freq": True, "mode": "sum", "padding_idx": 3},
         inputs=(In(kind="const", value=[5, 0, 5, 3, 2, 2, 2, 6]),
                 In(kind="const", value=[0, 3, 5])), gradcheck=False),
    Case("EmbeddingBag_max_norm", "EmbeddingBag", (6, 4), {"max_norm": 1.0, "mode": "sum"},
         inputs=(In(kind="const", value=[[0, 1], [1, 5]]),), gradcheck=False),
    Case("EmbeddingBag_int32", "EmbeddingBag", (6, 2), {"mode": "sum"},
         inputs=(In((4,), kind="randint", high=6, dtype="int32"),
                 In(kind="const", value=[0, 1], dtype="int32"))),
]
