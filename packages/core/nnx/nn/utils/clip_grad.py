"""Gradient clipping (torch.nn.utils.clip_grad): by total norm or by value.

nnx tensors live on the CPU, where torch takes its foreach path; ``foreach`` is accepted
for API compatibility and gives the same numbers either way (torch's CPU foreach kernels
fall back to one op per tensor, as here).
"""

import types
import warnings

import nnx
from nnx.autograd.grad_mode import no_grad

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
]

# device types with foreach kernels, as torch.utils._foreach_utils lists them (+ cpu)
_FOREACH_DEVICES = ("cuda", "xpu", "mtia", "privateuseone", "cpu")


def _group_by_device_and_dtype(tensors):
    """``{(device, dtype): [tensor, ...]}`` in first-seen order."""
    groups = {}
    for t in tensors:
        groups.setdefault((t.device, t.dtype), []).append(t)
    return groups


def _check_foreach(foreach, device):
    if foreach and device.type not in _FOREACH_DEVICES:
        raise RuntimeError(
            f"foreach=True was passed, but can't use the foreach API on {device.type} tensors"
        )


@no_grad()
def _get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""Compute the norm of an iterable of tensors.

    The norm is computed over the norms of the individual tensors, as if the norms of
    the individual tensors were concatenated into a single vector.

    Args:
        tensors (Iterable[Tensor] or Tensor): an iterable of Tensors or a
            single Tensor that will be normalized
        norm_type (float): type of the used p-norm. Can be ``'inf'`` for
            infinity norm.
        error_if_nonfinite (bool): if True, an error is thrown if the total
            norm of :attr:`tensors` is ``nan``, ``inf``, or ``-inf``.
            Default: ``False``
        foreach (bool): accepted for compatibility (see the module docstring).

    Returns:
        Total norm of the tensors (viewed as a single vector).
    """
    if isinstance(tensors, nnx.Tensor):
        tensors = [tensors]
    else:
        tensors = list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return nnx.tensor(0.0)
    norms = []
    for (device, _), group in _group_by_device_and_dtype(tensors).items():
        _check_foreach(foreach, device)
        norms.extend(nnx.norm(g, norm_type) for g in group)
    total_norm = nnx.norm(nnx.stack(norms), norm_type)
    if error_if_nonfinite and nnx.logical_or(total_norm.isnan(), total_norm.isinf()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from "
            "`parameters` is non-finite, so it cannot be clipped. To disable "
            "this error and scale the gradients by the non-finite norm anyway, "
            "set `error_if_nonfinite=False`"
        )
    return total_norm


@no_grad()
def _clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    r"""Scale the gradients of an iterable of parameters given a pre-calculated total norm
    and desired max norm.

    The gradients are multiplied in place by
    :math:`\min(\frac{max\_norm}{total\_norm + 1e-6}, 1)`.

    Args:
        parameters (Iterable[Tensor] or Tensor): an iterable of Tensors or a
            single Tensor that will have gradients normalized
        max_norm (float): max norm of the gradients
        total_norm (Tensor): total norm of the gradients to use for clipping
        foreach (bool): accepted for compatibility (see the module docstring).

    Returns:
        None
    """
    if isinstance(parameters, nnx.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    clip_coef = max_norm / (total_norm + 1e-6)
    if not isinstance(clip_coef, nnx.Tensor):       # torch.clamp's argument-parser error
        raise TypeError(
            f"clamp() received an invalid combination of arguments - got "
            f"({type(clip_coef).__name__}, max=float), but expected one of:\n"
            " * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
            " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n"
        )
    # multiplying by a coefficient clamped to 1 avoids a data-dependent branch, as in torch.
    # (torch.clamp(clip_coef, max=1.0); nnx.minimum gives the same, NaN included)
    clip_coef_clamped = nnx.minimum(clip_coef, clip_coef.new_tensor(1.0))
    for (device, dtype), group in _group_by_device_and_dtype(grads).items():
        _check_foreach(foreach, device)
        # torch's CPU kernel reads the 0-d coefficient in the op's compute type: float32
        # for float16 and float32 gradients (rounded once, after the product), float64
        # for float64 ones.
        coef = clip_coef_clamped.to(nnx.float64 if dtype == nnx.float64 else nnx.float32)
        for g in group:
            g.mul_(coef)


@no_grad()
def clip_grad_norm_(
    parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None
):
    r"""Clip the gradient norm of an iterable of parameters.

    The norm is computed over the norms of the individual gradients of all parameters,
    as if the norms of the individual gradients were concatenated into a single vector.
    Gradients are modified in-place.

    This function is equivalent to :func:`nnx.nn.utils.get_total_norm` followed by
    :func:`nnx.nn.utils.clip_grads_with_norm_` with the ``total_norm`` returned by
    ``get_total_norm``.

    Args:
        parameters (Iterable[Tensor] or Tensor): an iterable of Tensors or a
            single Tensor that will have gradients normalized
        max_norm (float): max norm of the gradients
        norm_type (float, optional): type of the used p-norm. Can be ``'inf'`` for
            infinity norm. Default: 2.0
        error_if_nonfinite (bool, optional): if True, an error is thrown if the total
            norm of the gradients from :attr:`parameters` is ``nan``,
            ``inf``, or ``-inf``. Default: False
        foreach (bool, optional): accepted for compatibility. Default: ``None``

    Returns:
        Total norm of the parameter gradients (viewed as a single vector).
    """
    if isinstance(parameters, nnx.Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)               # a generator must not be exhausted
        if is_generator and len(parameters) == 0:
            warnings.warn(
                "`parameters` is an empty generator, no gradient clipping will occur.",
                stacklevel=3,
            )
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = _get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    _clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""Clip the gradient norm of an iterable of parameters.

    .. warning::
        This method is now deprecated in favor of :func:`nnx.nn.utils.clip_grad_norm_`.
    """
    warnings.warn(
        "`nnx.nn.utils.clip_grad_norm` is now deprecated "
        "in favor of `nnx.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@no_grad()
def clip_grad_value_(parameters, clip_value, foreach=None):
    r"""Clip the gradients of an iterable of parameters at specified value.

    Gradients are modified in-place.

    Args:
        parameters (Iterable[Tensor] or Tensor): an iterable of Tensors or a
            single Tensor that will have gradients normalized
        clip_value (float): maximum allowed value of the gradients.
            The gradients are clipped in the range
            :math:`\left[\text{-clip\_value}, \text{clip\_value}\right]`
        foreach (bool, optional): accepted for compatibility. Default: ``None``
    """
    if isinstance(parameters, nnx.Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    grads = [p.grad for p in parameters if p.grad is not None]
    for (device, _), group in _group_by_device_and_dtype(grads).items():
        _check_foreach(foreach, device)
        for grad in group:
            grad.clamp_(min=-clip_value, max=clip_value)
