"""nnx.nn.functional: torch.nn.functional's stateless functions.

Each function checks its arguments once (torch's messages), computes in NumPy and records
one autograd node whose backward is the closed-form derivative.  Files by family:
activations (_activation), softmax (_softmax), linear (_linear), dropout (_dropout),
embedding (_sparse), elementwise losses (_loss), class losses (_nll), huber and soft
margin (_loss_pointwise), kl_div / poisson / gaussian nll (_loss_likelihood), margin and
embedding losses (_loss_margin), multi-class margins (_loss_multiclass), CTC (_ctc).
"""

from nnx.nn.functional import (  # noqa: E402
    _conv,
    _distance,
    _fold,
    _normalization,
    _pad,
    _pooling,
    _vision,
)
from nnx.nn.functional._activation import (
    elu,
    elu_,
    gelu,
    leaky_relu,
    leaky_relu_,
    relu,
    relu_,
    sigmoid,
    silu,
    softplus,
    tanh,
)
from nnx.nn.functional._activation_piecewise import (
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    prelu,
    relu6,
    rrelu,
    rrelu_,
    softshrink,
    threshold,
    threshold_,
)
from nnx.nn.functional._activation_smooth import (
    celu,
    celu_,
    glu,
    logsigmoid,
    mish,
    selu,
    selu_,
    softsign,
    tanhshrink,
)
from nnx.nn.functional._bilinear import bilinear

# Families added with nnx-layers: each module's __all__ says what it defines
from nnx.nn.functional._conv import *  # noqa: E402,F403
from nnx.nn.functional._ctc import ctc_loss
from nnx.nn.functional._distance import *  # noqa: E402,F403
from nnx.nn.functional._dropout import (
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from nnx.nn.functional._embedding_bag import embedding_bag
from nnx.nn.functional._fold import *  # noqa: E402,F403
from nnx.nn.functional._linear import linear
from nnx.nn.functional._loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from nnx.nn.functional._loss_likelihood import gaussian_nll_loss, kl_div, poisson_nll_loss
from nnx.nn.functional._loss_margin import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    triplet_margin_loss,
)
from nnx.nn.functional._loss_multiclass import (
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
)
from nnx.nn.functional._loss_pointwise import huber_loss, soft_margin_loss
from nnx.nn.functional._nll import cross_entropy, nll_loss
from nnx.nn.functional._normalization import *  # noqa: E402,F403
from nnx.nn.functional._pad import *  # noqa: E402,F403
from nnx.nn.functional._pooling import *  # noqa: E402,F403
from nnx.nn.functional._softmax import log_softmax, softmax, softmin
from nnx.nn.functional._sparse import embedding
from nnx.nn.functional._vision import *  # noqa: E402,F403

__all__ = [
    "relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "tanh", "sigmoid",
    "relu_", "leaky_relu_", "elu_", "relu6", "hardtanh", "hardtanh_", "threshold", "threshold_",
    "hardsigmoid", "hardswish", "hardshrink", "softshrink", "prelu", "rrelu", "rrelu_",
    "selu", "selu_", "celu", "celu_", "mish", "softsign", "logsigmoid", "tanhshrink", "glu",
    "softmax", "log_softmax", "softmin",
    "linear", "bilinear", "embedding",
    "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    "embedding_bag",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "huber_loss", "kl_div", "poisson_nll_loss", "gaussian_nll_loss", "soft_margin_loss",
    "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
    "triplet_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
    "multilabel_soft_margin_loss", "ctc_loss",
]
__all__ += [name for family in (_conv, _distance, _fold, _normalization, _pad, _pooling, _vision)
            for name in family.__all__]
