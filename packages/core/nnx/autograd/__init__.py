"""nnx.autograd: reverse-mode automatic differentiation (torch.autograd's API)."""

from nnx._C._C import Node
from nnx.autograd import graph
from nnx.autograd.anomaly_mode import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from nnx.autograd.function import Function, FunctionCtx, InplaceFunction, once_differentiable
from nnx.autograd.functional import backward, grad
from nnx.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from nnx.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from nnx.autograd.variable import Variable

__all__ = [
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "InplaceFunction",
    "Node",
    "Variable",
    "backward",
    "detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
    "set_detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "graph",
    "inference_mode",
    "is_grad_enabled",
    "no_grad",
    "once_differentiable",
    "set_grad_enabled",
]
