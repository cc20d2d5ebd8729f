"""nnx.nn.functional: torch.nn.functional's stateless functions.

Each function checks its arguments once (torch's messages), computes in NumPy and records
one autograd node whose backward is the closed-form derivative.  Files by family:
activations (_activation), softmax (_softmax), linear (_linear), dropout (_dropout),
embedding (_sparse), elementwise losses (_loss), class losses (_nll).
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
    gelu,
    leaky_relu,
    relu,
    sigmoid,
    silu,
    softplus,
    tanh,
)

# Families added with nnx-layers: each module's __all__ says what it defines
from nnx.nn.functional._conv import *  # noqa: E402,F403
from nnx.nn.functional._distance import *  # noqa: E402,F403
from nnx.nn.functional._dropout import dropout
from nnx.nn.functional._fold import *  # noqa: E402,F403
from nnx.nn.functional._linear import linear
from nnx.nn.functional._loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from nnx.nn.functional._nll import cross_entropy, nll_loss
from nnx.nn.functional._normalization import *  # noqa: E402,F403
from nnx.nn.functional._pad import *  # noqa: E402,F403
from nnx.nn.functional._pooling import *  # noqa: E402,F403
from nnx.nn.functional._softmax import log_softmax, softmax
from nnx.nn.functional._sparse import embedding
from nnx.nn.functional._vision import *  # noqa: E402,F403

__all__ = [
    "relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "tanh", "sigmoid",
    "softmax", "log_softmax",
    "linear", "dropout", "embedding",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
]
__all__ += [name for family in (_conv, _distance, _fold, _normalization, _pad, _pooling, _vision)
            for name in family.__all__]
