"""Case table of the dropout layers (read by test_layer_cases.py and
tests/golden/generate_layers.py; see _layer_case.py).

Dropout is random in training mode: those rows are ``golden=False`` (state and repr only;
tests/layers/test_dropout_*.py check the statistics).  Eval mode is the identity, which
the fixture does record.
"""

from _layer_case import Case, In

X = In((2, 3, 4))

CASES = [
    Case("Dropout_train", "Dropout", inputs=(X,), golden=False, gradcheck=False),
    Case("Dropout_eval", "Dropout", (0.3,), inputs=(X,), modes=("eval",)),
    Case("Dropout_inplace_eval", "Dropout", kwargs={"p": 0.2, "inplace": True}, inputs=(X,),
         modes=("eval",)),
    Case("Dropout1d_train", "Dropout1d", (0.25,), inputs=(X,), golden=False, gradcheck=False),
    Case("Dropout1d_eval", "Dropout1d", inputs=(X,), modes=("eval",)),
    Case("Dropout1d_unbatched_eval", "Dropout1d", inputs=(In((3, 4)),), modes=("eval",)),
    Case("Dropout2d_train", "Dropout2d", inputs=(In((2, 3, 2, 2)),), golden=False,
         gradcheck=False),
    Case("Dropout2d_eval", "Dropout2d", kwargs={"p": 0.1}, inputs=(In((2, 3, 2, 2)),),
         modes=("eval",)),
    Case("Dropout3d_train", "Dropout3d", inputs=(In((2, 2, 2, 2, 2)),), golden=False,
         gradcheck=False),
    Case("Dropout3d_eval", "Dropout3d", (0.4, True), inputs=(In((2, 2, 2, 2, 2)),),
         modes=("eval",)),
    Case("Dropout3d_unbatched_eval", "Dropout3d", inputs=(In((2, 2, 2, 2)),),
         modes=("eval",)),
    Case("AlphaDropout_train", "AlphaDropout", (0.2,), inputs=(X,), golden=False,
         gradcheck=False),
    Case("AlphaDropout_eval", "AlphaDropout", inputs=(X,), modes=("eval",)),
    Case("FeatureAlphaDropout_train", "FeatureAlphaDropout", inputs=(X,), golden=False,
         gradcheck=False),
    Case("FeatureAlphaDropout_eval", "FeatureAlphaDropout", kwargs={"p": 0.3, "inplace": True},
         inputs=(X,), modes=("eval",)),
]
