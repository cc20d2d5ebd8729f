"""nnx.nn: neural-network building blocks (torch.nn).

``Parameter``, ``Module`` and the containers live here, with ``functional``, ``init`` and
``utils``; the concrete layers come from the nnx-layers package.
"""

from nnx.nn import functional, init, utils
from nnx.nn.modules import (
    Module,
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)
from nnx.nn.parameter import Buffer, Parameter
