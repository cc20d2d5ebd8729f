"""Case table of the normalization layers: BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d,
LayerNorm, GroupNorm, LocalResponseNorm, RMSNorm (read by test_layer_cases.py and
tests/golden/generate_layers.py; see _layer_case.py).

Batch and instance norm rows run in train and eval with two passes, so the running
statistics (and num_batches_tracked) evolve before they are compared.
"""

from _layer_case import Case, In

BOTH = ("train", "eval")

CASES = [
    # -- batch norm ------------------------------------------------------------------------
    Case("BatchNorm1d_2d", "BatchNorm1d", (3,), inputs=(In((5, 3)),), modes=BOTH, steps=2),
    Case("BatchNorm1d_3d", "BatchNorm1d", (3,), inputs=(In((2, 3, 4)),), modes=BOTH, steps=2),
    Case("BatchNorm1d_momentum_none", "BatchNorm1d", (3,), {"momentum": None},
         inputs=(In((4, 3)),), modes=BOTH, steps=3),
    Case("BatchNorm1d_momentum_eps", "BatchNorm1d", (3,), {"momentum": 0.5, "eps": 1e-3},
         inputs=(In((4, 3, 2), kind="uniform", low=-2.0, high=3.0),), modes=BOTH, steps=2),
    Case("BatchNorm1d_no_affine", "BatchNorm1d", (3,), {"affine": False},
         inputs=(In((4, 3)),), modes=BOTH, steps=2),
    Case("BatchNorm1d_no_bias", "BatchNorm1d", (3,), {"bias": False},
         inputs=(In((4, 3)),), modes=BOTH, steps=2),
    Case("BatchNorm1d_no_running_stats", "BatchNorm1d", (3,), {"track_running_stats": False},
         inputs=(In((4, 3, 2)),), modes=BOTH, steps=2),
    Case("BatchNorm2d_basic", "BatchNorm2d", (3,), inputs=(In((2, 3, 3, 3)),), modes=BOTH,
         steps=2),
    Case("BatchNorm2d_no_affine_no_stats", "BatchNorm2d", (2,),
         {"affine": False, "track_running_stats": False}, inputs=(In((2, 2, 2, 3)),),
         modes=BOTH),
    Case("BatchNorm2d_float16", "BatchNorm2d", (3,), inputs=(In((4, 3, 3, 3)),),
         dtypes=("float16",), modes=BOTH, steps=2, gradcheck=False),
    Case("BatchNorm3d_basic", "BatchNorm3d", (2,), inputs=(In((2, 2, 2, 2, 3)),), modes=BOTH,
         steps=2),
    Case("BatchNorm3d_momentum_none", "BatchNorm3d", (2,), {"momentum": None},
         inputs=(In((2, 2, 1, 2, 2)),), modes=BOTH, steps=2),
    # -- instance norm ---------------------------------------------------------------------
    Case("InstanceNorm1d_basic", "InstanceNorm1d", (3,), inputs=(In((2, 3, 5)),),
         modes=BOTH),
    Case("InstanceNorm1d_unbatched", "InstanceNorm1d", (3,), {"affine": True},
         inputs=(In((3, 5)),), modes=BOTH),
    Case("InstanceNorm1d_affine_running", "InstanceNorm1d", (3,),
         {"affine": True, "track_running_stats": True}, inputs=(In((2, 3, 4)),), modes=BOTH,
         steps=2),
    Case("InstanceNorm1d_momentum_none", "InstanceNorm1d", (2,),
         {"track_running_stats": True, "momentum": None}, inputs=(In((2, 2, 4)),),
         modes=BOTH, steps=2),
    Case("InstanceNorm2d_affine", "InstanceNorm2d", (2,), {"affine": True, "eps": 1e-3},
         inputs=(In((2, 2, 3, 3)),), modes=BOTH),
    Case("InstanceNorm2d_running", "InstanceNorm2d", (2,),
         {"track_running_stats": True, "momentum": 0.3}, inputs=(In((3, 2, 2, 3)),),
         modes=BOTH, steps=2),
    Case("InstanceNorm3d_affine_running", "InstanceNorm3d", (2,),
         {"affine": True, "track_running_stats": True}, inputs=(In((2, 2, 2, 2, 2)),),
         modes=BOTH, steps=2),
    Case("InstanceNorm3d_unbatched", "InstanceNorm3d", (2,), inputs=(In((2, 2, 2, 3)),)),
    # -- layer norm ------------------------------------------------------------------------
    Case("LayerNorm_last", "LayerNorm", (4,), inputs=(In((2, 3, 4)),)),
    Case("LayerNorm_two_dims", "LayerNorm", ([3, 4],), {"eps": 1e-3},
         inputs=(In((2, 3, 4), kind="uniform", low=-1.0, high=4.0),)),
    Case("LayerNorm_no_affine", "LayerNorm", (5,), {"elementwise_affine": False},
         inputs=(In((3, 5)),)),
    Case("LayerNorm_no_bias", "LayerNorm", (5,), {"bias": False}, inputs=(In((3, 5)),)),
    Case("LayerNorm_1d_input", "LayerNorm", (6,), inputs=(In((6,)),)),
    Case("LayerNorm_float16", "LayerNorm", (8,), inputs=(In((4, 8)),), dtypes=("float16",),
         gradcheck=False),
    # -- group norm ------------------------------------------------------------------------
    Case("GroupNorm_basic", "GroupNorm", (2, 4), inputs=(In((2, 4, 3)),)),
    Case("GroupNorm_one_group", "GroupNorm", (1, 3), inputs=(In((2, 3, 2, 2)),)),
    Case("GroupNorm_per_channel", "GroupNorm", (3, 3), {"eps": 1e-3},
         inputs=(In((2, 3, 4)),)),
    Case("GroupNorm_no_affine", "GroupNorm", (2, 6), {"affine": False},
         inputs=(In((2, 6)),)),
    Case("GroupNorm_no_bias", "GroupNorm", (2, 4), {"bias": False},
         inputs=(In((1, 4, 2, 1, 2)),)),
    Case("GroupNorm_float16", "GroupNorm", (2, 4), inputs=(In((2, 4, 8)),),
         dtypes=("float16",), gradcheck=False),
    # -- local response norm ---------------------------------------------------------------
    Case("LocalResponseNorm_3d", "LocalResponseNorm", (2,), inputs=(In((2, 4, 3)),)),
    Case("LocalResponseNorm_strong", "LocalResponseNorm", (3,),
         {"alpha": 0.5, "beta": 0.6, "k": 1.5}, inputs=(In((2, 5, 2, 2)),)),
    Case("LocalResponseNorm_5d_wide", "LocalResponseNorm", (4,),
         {"alpha": 0.3, "beta": 1.2, "k": 2.0}, inputs=(In((1, 5, 2, 2, 2)),)),
    Case("LocalResponseNorm_window_1", "LocalResponseNorm", (1,), {"alpha": 1.0},
         inputs=(In((1, 3, 4)),)),
    # -- rms norm --------------------------------------------------------------------------
    Case("RMSNorm_last", "RMSNorm", (4,), inputs=(In((2, 3, 4)),)),
    Case("RMSNorm_two_dims_eps", "RMSNorm", ([3, 4],), {"eps": 1e-3},
         inputs=(In((2, 3, 4)),)),
    Case("RMSNorm_no_affine", "RMSNorm", (5,), {"elementwise_affine": False},
         inputs=(In((3, 5)),)),
    Case("RMSNorm_float16", "RMSNorm", (8,), inputs=(In((4, 8)),), dtypes=("float16",),
         gradcheck=False),
]
