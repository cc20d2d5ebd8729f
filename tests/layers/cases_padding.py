"""Case table of the padding layers: Zero/Constant/Reflection/Replication/CircularPad 1d
and 2d (read by test_layer_cases.py and tests/golden/generate_layers.py)."""

from _layer_case import Case, In

CASES = [
    Case("ZeroPad1d_int", "ZeroPad1d", (2,), inputs=(In((2, 3, 4)),)),
    Case("ZeroPad1d_negative_crop", "ZeroPad1d", ((-1, 2),), inputs=(In((2, 5)),)),
    Case("ZeroPad2d_tuple", "ZeroPad2d", ((1, 2, 0, 3),), inputs=(In((1, 2, 3, 3)),)),
    Case("ZeroPad2d_larger_than_input", "ZeroPad2d", (3,), inputs=(In((1, 2, 2)),)),
    Case("ConstantPad1d_value", "ConstantPad1d", (2, 3.5), inputs=(In((2, 3, 4)),)),
    Case("ConstantPad2d_tuple", "ConstantPad2d", ((1, 0, 2, 1), -1.0),
         inputs=(In((2, 3, 3)),)),
    Case("ReflectionPad1d_int", "ReflectionPad1d", (2,), inputs=(In((2, 3, 4)),)),
    Case("ReflectionPad1d_unbatched", "ReflectionPad1d", ((3, 1),), inputs=(In((2, 5)),)),
    Case("ReflectionPad2d_tuple", "ReflectionPad2d", ((1, 2, 2, 0),),
         inputs=(In((1, 2, 3, 4)),)),
    Case("ReflectionPad2d_unbatched", "ReflectionPad2d", (1,), inputs=(In((2, 3, 3)),)),
    Case("ReplicationPad1d_wide", "ReplicationPad1d", ((4, 2),), inputs=(In((2, 2, 3)),)),
    Case("ReplicationPad2d_tuple", "ReplicationPad2d", ((2, 1, 0, 3),),
         inputs=(In((1, 2, 3, 3)),)),
    Case("CircularPad1d_int", "CircularPad1d", (2,), inputs=(In((2, 2, 4)),)),
    Case("CircularPad1d_full_wrap", "CircularPad1d", ((3, 3),), inputs=(In((2, 3)),)),
    Case("CircularPad2d_tuple", "CircularPad2d", ((1, 2, 2, 1),),
         inputs=(In((1, 2, 3, 3)),)),
    Case("CircularPad2d_unbatched", "CircularPad2d", (1,), inputs=(In((2, 3, 2)),)),
]
