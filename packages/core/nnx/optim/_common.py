"""What the optimizers share besides the base class: the closure call, ``step`` counters,
hyperparameters given as tensors, torch's argument and flag checks, docstring pieces."""

from nnx._C import _C
from nnx._C._C import float32, float64, get_default_dtype
from nnx._creation import zeros
from nnx.autograd.grad_mode import enable_grad

Tensor = _C.TensorBase


def _run_closure(closure):
    """The loss of ``closure()``, evaluated with grad enabled (it usually calls backward)."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


def _scalar_dtype(fused=False):
    """dtype of the ``step`` counters: float32, or float64 when that is the default dtype."""
    if fused:
        return float32
    return float64 if get_default_dtype() == float64 else float32


def _new_step(fused=False):
    """A fresh 0-d ``step`` counter, as torch creates it."""
    return zeros((), dtype=_scalar_dtype(fused))


def _to_scalar(x):
    """A 1-element hyperparameter tensor of any rank, squeezed to 0-d (floats unchanged)."""
    if isinstance(x, Tensor) and x.dim() != 0:
        return x.squeeze()
    return x


def _as_number(x):
    """The Python number an op receives where torch passes a tensor hyperparameter as a
    Scalar argument (``alpha=``, ``value=``): its value, read in double precision."""
    return x.item() if isinstance(x, Tensor) else x


def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_nonnegative(**values):
    """torch's ``if not 0.0 <= value: raise ValueError(...)`` for each option, in the order
    given (``not 0.0 <=`` also refuses NaN)."""
    for name, value in values.items():
        if not 0.0 <= value:
            label = "epsilon" if name == "eps" else name
            raise ValueError(f"Invalid {label} value: {value}")


def _check_implementation_flags(fused, foreach, differentiable):
    """torch's checks on ``fused``/``foreach``/``differentiable``. ``foreach`` and ``fused``
    only choose an implementation in torch (same math); nnx has one, the for-loop one."""
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if differentiable:
        raise NotImplementedError("nnx.optim: differentiable=True is not supported")


def _check_fused_param(p):
    if not p.is_floating_point():
        raise RuntimeError(
            "`fused=True` requires all the params to be floating point Tensors of "
            f"supported devices: ['cpu'] but {p.dtype} and cpu"
        )


def _check_capturable():
    """nnx tensors live on the CPU, which torch's capturable mode refuses at step time."""
    devices = ["cuda", "xpu", "hpu", "privateuseone", "xla"]
    raise AssertionError(
        f"If capturable=True, params and state_steps must be on supported devices: {devices}."
    )


# Shared pieces of the optimizers' docstrings.
_params_doc = r"""params (iterable): iterable of parameters or named_parameters to optimize
            or iterable of dicts defining parameter groups. When using named_parameters,
            all parameters in all groups should be named"""

_maximize_doc = r"""maximize (bool, optional): maximize the objective with respect to the
            params, instead of minimizing (default: False)"""

_implementation_doc = r"""foreach (bool, optional), fused (bool, optional): accepted for
            torch compatibility and stored in the groups; nnx has a single implementation,
            so they do not change the result (default: None)
        differentiable (bool, optional): must be False: autograd through the step is not
            supported (default: False)"""
