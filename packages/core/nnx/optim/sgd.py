r"""Stochastic gradient descent, optionally with (Nesterov) momentum (torch.optim.sgd)."""

from nnx.optim._common import (
    Tensor,
    _as_number,
    _check_implementation_flags,
    _implementation_doc,
    _maximize_doc,
    _params_doc,
    _to_scalar,
)
from nnx.optim._single_tensor import _SingleTensorOptimizer

__all__ = ["SGD"]


def _sgd(params, grads, momentum_buffer_list, *, weight_decay, momentum, lr, dampening,
         nesterov, maximize):
    """The update, parameter by parameter, as torch's single-tensor implementation."""
    lr = _as_number(_to_scalar(lr))
    weight_decay = _as_number(weight_decay)
    for i, param in enumerate(params):
        grad = grads[i] if not maximize else -grads[i]
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        if momentum != 0:
            buf = momentum_buffer_list[i]
            if buf is None:
                buf = grad.detach().clone()
                momentum_buffer_list[i] = buf
            else:
                buf.mul_(momentum).add_(grad, alpha=1 - dampening)
            grad = grad.add(buf, alpha=momentum) if nesterov else buf
        param.add_(grad, alpha=-lr)


class SGD(_SingleTensorOptimizer):
    _update = staticmethod(_sgd)
    _options = ("weight_decay", "momentum", "lr", "dampening", "nesterov", "maximize")
    _group_defaults = {
        "nesterov": False,
        "maximize": False,
        "foreach": None,
        "differentiable": False,
        "fused": False,
    }
    _has_step = False

    def __init__(
        self,
        params,
        lr=1e-3,
        momentum=0,
        dampening=0,
        weight_decay=0,
        nesterov=False,
        *,
        maximize=False,
        foreach=None,
        differentiable=False,
        fused=None,
    ):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:  # not ``not 0.0 <= lr`` as elsewhere: torch's SGD accepts a NaN lr
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        _check_implementation_flags(fused, foreach, differentiable)
        if fused:
            self._need_device_dtype_check_for_fused = True

    def _param_state(self, group, p):
        self._check_fused_once(group, p)
        # without momentum torch creates no state entry for the parameter
        return (self.state[p].get("momentum_buffer") if group["momentum"] != 0 else None,)

    def _step_group(self, group, params, grads, state_lists):
        super()._step_group(group, params, grads, state_lists)
        if group["momentum"] != 0:
            # buffers created on this step are stored now
            for p, buf in zip(params, state_lists[0]):
                self.state[p]["momentum_buffer"] = buf


SGD.__doc__ = rf"""Implements stochastic gradient descent (optionally with momentum).

    .. math::
       \begin{{aligned}}
            &\textbf{{input}}: \gamma \text{{ (lr)}}, \theta_0 \text{{ (params)}},
                f(\theta) \text{{ (objective)}}, \lambda \text{{ (weight decay)}},
                \mu \text{{ (momentum)}}, \tau \text{{ (dampening)}},
                \textit{{nesterov}}, \textit{{maximize}}                                   \\
            &\textbf{{for}} \: t=1 \: \textbf{{to}} \: \ldots \: \textbf{{do}}             \\
            &\hspace{{5mm}}g_t \leftarrow \pm\nabla_{{\theta}} f_t (\theta_{{t-1}})
                \quad (- \text{{ if maximize}})                                            \\
            &\hspace{{5mm}}\textbf{{if}} \: \lambda \neq 0: \:
                g_t \leftarrow g_t + \lambda \theta_{{t-1}}                                \\
            &\hspace{{5mm}}\textbf{{if}} \: \mu \neq 0:                                    \\
            &\hspace{{10mm}}\textbf{{b}}_t \leftarrow \mu \textbf{{b}}_{{t-1}} + (1-\tau) g_t
                \quad (\textbf{{b}}_1 \leftarrow g_1)                                      \\
            &\hspace{{10mm}}g_t \leftarrow g_t + \mu \textbf{{b}}_t \text{{ if nesterov
                else }} \textbf{{b}}_t                                                     \\
            &\hspace{{5mm}}\theta_t \leftarrow \theta_{{t-1}} - \gamma g_t
       \end{{aligned}}

    The momentum buffer starts as the first gradient (so dampening applies from the
    second step on), and the learning rate multiplies the whole update rather than the
    gradient inside the buffer (unlike Sutskever et al.).

    Args:
        {_params_doc}
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        momentum (float, optional): momentum factor (default: 0)
        dampening (float, optional): dampening for momentum (default: 0)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        nesterov (bool, optional): enables Nesterov momentum. Only applicable
            when momentum is non-zero. (default: False)
        {_maximize_doc}
        {_implementation_doc}

    State (per parameter): ``momentum_buffer`` (when ``momentum != 0``).

    Example::

        >>> optimizer = nnx.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """
