"""Case table of the activation layers (read by test_layer_cases.py and
tests/golden/generate_layers.py; see _layer_case.py).

Inputs are small (gradcheck costs two passes per element).  Inputs span (-4, 4) where the
function has kinks near +-3 (hardsigmoid, hardswish) or 6 (ReLU6, fed 2.5 x a wider range).
In-place rows feed inputs that do not require grad (torch refuses in-place writes to such
leaves); their gradients are checked by tests/golden/cases_act_dist.py on non-leaf inputs.
RReLU's training mode is random: only its eval mode is here (test_activation_layers.py
checks its training statistics).
"""

from _layer_case import Case, In

X = In((2, 3, 4), kind="uniform", low=-4.0, high=4.0)
WIDE = In((2, 3, 4), kind="uniform", low=-8.0, high=8.0)
X2 = In((3, 4), kind="uniform", low=-4.0, high=4.0)
# in-place rows: torch refuses in-place writes to leaves that require grad
XI = In((2, 3, 4), kind="uniform", low=-4.0, high=4.0, grad=False)
WIDEI = In((2, 3, 4), kind="uniform", low=-8.0, high=8.0, grad=False)

CASES = [
    Case("ReLU_basic", "ReLU", inputs=(X,)),
    Case("ReLU_inplace", "ReLU", (True,), inputs=(XI,), gradcheck=False),
    Case("ReLU6_basic", "ReLU6", inputs=(WIDE,)),
    Case("ReLU6_inplace", "ReLU6", kwargs={"inplace": True}, inputs=(WIDEI,), gradcheck=False),
    Case("LeakyReLU_basic", "LeakyReLU", inputs=(X,)),
    Case("LeakyReLU_slope", "LeakyReLU", (0.2,), inputs=(X,)),
    Case("LeakyReLU_inplace", "LeakyReLU", kwargs={"negative_slope": 0.1, "inplace": True},
         inputs=(XI,), gradcheck=False),
    Case("PReLU_basic", "PReLU", inputs=(X,)),
    Case("PReLU_channels", "PReLU", (3,), inputs=(X,)),
    Case("PReLU_init", "PReLU", kwargs={"num_parameters": 4, "init": 0.1},
         inputs=(In((2, 4), kind="uniform", low=-2.0, high=2.0),)),
    Case("PReLU_unbatched", "PReLU", inputs=(In((5,), kind="uniform", low=-2.0, high=2.0),)),
    Case("RReLU_eval", "RReLU", inputs=(X,), modes=("eval",)),
    Case("RReLU_eval_bounds", "RReLU", (0.1, 0.3), inputs=(X,), modes=("eval",)),
    Case("RReLU_eval_inplace", "RReLU", kwargs={"inplace": True}, inputs=(XI,), modes=("eval",),
         gradcheck=False),
    Case("ELU_basic", "ELU", inputs=(X,)),
    Case("ELU_alpha", "ELU", (0.5,), inputs=(X,)),
    Case("ELU_inplace", "ELU", kwargs={"alpha": 2.0, "inplace": True}, inputs=(XI,),
         gradcheck=False),
    Case("SELU_basic", "SELU", inputs=(X,)),
    Case("SELU_inplace", "SELU", (True,), inputs=(XI,), gradcheck=False),
    Case("CELU_basic", "CELU", inputs=(X,)),
    Case("CELU_alpha", "CELU", (0.7,), inputs=(X,)),
    Case("CELU_inplace", "CELU", kwargs={"alpha": 1.5, "inplace": True}, inputs=(XI,),
         gradcheck=False),
    Case("GELU_basic", "GELU", inputs=(X,)),
    Case("GELU_tanh", "GELU", kwargs={"approximate": "tanh"}, inputs=(X,)),
    Case("SiLU_basic", "SiLU", inputs=(X,)),
    Case("SiLU_inplace", "SiLU", (True,), inputs=(XI,), gradcheck=False),
    Case("Mish_basic", "Mish", inputs=(X,)),
    Case("Mish_inplace", "Mish", kwargs={"inplace": True}, inputs=(XI,), gradcheck=False),
    Case("Tanh_basic", "Tanh", inputs=(X,)),
    Case("Sigmoid_basic", "Sigmoid", inputs=(X,)),
    Case("Hardtanh_basic", "Hardtanh", inputs=(X,)),
    Case("Hardtanh_bounds", "Hardtanh", (-2.0, 0.5), inputs=(X,)),
    Case("Hardtanh_inplace", "Hardtanh", kwargs={"min_val": -0.5, "max_val": 2.0, "inplace": True},
         inputs=(XI,), gradcheck=False),
    Case("Hardsigmoid_basic", "Hardsigmoid", inputs=(X,)),
    Case("Hardsigmoid_inplace", "Hardsigmoid", (True,), inputs=(XI,), gradcheck=False),
    Case("Hardswish_basic", "Hardswish", inputs=(X,)),
    Case("Hardswish_inplace", "Hardswish", (True,), inputs=(XI,), gradcheck=False),
    Case("Softplus_basic", "Softplus", inputs=(X,)),
    Case("Softplus_beta_threshold", "Softplus", (2.0, 3.0), inputs=(X,)),
    Case("Softsign_basic", "Softsign", inputs=(X,)),
    Case("Softmax_dim1", "Softmax", (1,), inputs=(X,)),
    Case("Softmax_dim_neg", "Softmax", kwargs={"dim": -1}, inputs=(X2,)),
    Case("LogSoftmax_dim1", "LogSoftmax", (1,), inputs=(X,)),
    Case("LogSoftmax_dim0", "LogSoftmax", kwargs={"dim": 0}, inputs=(X2,)),
    Case("Softmin_dim1", "Softmin", (1,), inputs=(X,)),
    Case("Softmin_dim_neg", "Softmin", kwargs={"dim": -1}, inputs=(X2,)),
    Case("Softmax2d_4d", "Softmax2d", inputs=(In((2, 3, 2, 2)),)),
    Case("Softmax2d_3d", "Softmax2d", inputs=(In((3, 2, 2)),)),
    Case("Threshold_basic", "Threshold", (0.5, -1.0), inputs=(X,)),
    Case("Threshold_inplace", "Threshold", (0.1, 20.0, True), inputs=(XI,), gradcheck=False),
    Case("GLU_basic", "GLU", inputs=(X,)),
    Case("GLU_dim1", "GLU", (1,), inputs=(In((2, 4, 3)),)),
    Case("LogSigmoid_basic", "LogSigmoid", inputs=(X,)),
    Case("Hardshrink_basic", "Hardshrink", inputs=(X,)),
    Case("Hardshrink_lambd", "Hardshrink", (1.5,), inputs=(X,)),
    Case("Softshrink_basic", "Softshrink", inputs=(X,)),
    Case("Softshrink_lambd", "Softshrink", kwargs={"lambd": 1.0}, inputs=(X,)),
    Case("Tanhshrink_basic", "Tanhshrink", inputs=(X,)),
]
