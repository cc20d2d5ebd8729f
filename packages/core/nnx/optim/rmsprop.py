r"""RMSprop, optionally centered and with momentum (torch.optim.rmsprop)."""

from nnx.optim._common import (
    _as_number,
    _check_implementation_flags,
    _check_lr,
    _check_nonnegative,
    _maximize_doc,
    _params_doc,
    _to_scalar,
)
from nnx.optim._single_tensor import _SingleTensorOptimizer

__all__ = ["RMSprop"]


def _rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps, *, lr,
             alpha, eps, weight_decay, momentum, centered, maximize):
    """The update, parameter by parameter, as torch's single-tensor implementation."""
    lr = _as_number(_to_scalar(lr))
    for i, param in enumerate(params):
        grad = grads[i] if not maximize else -grads[i]
        square_avg = square_avgs[i]
        state_steps[i].add_(1)
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if centered:
            grad_avg = grad_avgs[i]
            grad_avg.lerp_(grad, 1 - alpha)
            avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()
        avg = avg.add_(eps)
        if momentum > 0:
            buf = momentum_buffer_list[i]
            buf.mul_(momentum).addcdiv_(grad, avg)
            param.add_(buf, alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


class RMSprop(_SingleTensorOptimizer):
    _update = staticmethod(_rmsprop)
    _options = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")
    _group_defaults = {
        "momentum": 0,
        "centered": False,
        "foreach": None,
        "maximize": False,
        "differentiable": False,
        "capturable": False,
    }
    _checks_capturable = True

    # capturable, foreach, maximize and differentiable are positional here, as in torch
    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        _check_lr(lr)
        _check_nonnegative(eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)
        _check_implementation_flags(None, foreach, differentiable)

    def _param_state(self, group, p):
        momentum, centered = group["momentum"] > 0, group["centered"]
        names = {"square_avg": True, "momentum_buffer": momentum, "grad_avg": centered}
        state = self._lazy_state(p, False, names)
        square_avg, step = state["square_avg"], state["step"]
        buf = state["momentum_buffer"] if momentum else None
        grad_avg = state["grad_avg"] if centered else None
        return square_avg, grad_avg, buf, step


RMSprop.__doc__ = rf"""Implements the RMSprop algorithm.

    .. math::
       \begin{{aligned}}
            &\textbf{{input}}: \alpha \text{{ (alpha)}}, \gamma \text{{ (lr)}},
                \theta_0 \text{{ (params)}}, f(\theta) \text{{ (objective)}},
                \lambda \text{{ (weight decay)}}, \mu \text{{ (momentum)}}, centered,
                \epsilon                                                                   \\
            &\textbf{{initialize}}: v_0 \leftarrow 0, \: \textbf{{b}}_0 \leftarrow 0, \:
                g^{{ave}}_0 \leftarrow 0                                                   \\
            &\textbf{{for}} \: t=1 \: \textbf{{to}} \: \ldots \: \textbf{{do}}             \\
            &\hspace{{5mm}}g_t \leftarrow \pm\nabla_{{\theta}} f_t (\theta_{{t-1}})
                \quad (- \text{{ if maximize}})                                            \\
            &\hspace{{5mm}}\textbf{{if}} \: \lambda \neq 0: \:
                g_t \leftarrow g_t + \lambda \theta_{{t-1}}                                \\
            &\hspace{{5mm}}v_t \leftarrow \alpha v_{{t-1}} + (1 - \alpha) g^2_t,
                \quad \tilde{{v_t}} \leftarrow v_t                                         \\
            &\hspace{{5mm}}\textbf{{if}} \: centered: \:
                g^{{ave}}_t \leftarrow \alpha g^{{ave}}_{{t-1}} + (1-\alpha) g_t, \:
                \tilde{{v_t}} \leftarrow \tilde{{v_t}} - \big(g^{{ave}}_t\big)^2           \\
            &\hspace{{5mm}}\textbf{{if}} \: \mu > 0: \:
                \textbf{{b}}_t \leftarrow \mu \textbf{{b}}_{{t-1}}
                + g_t / \big(\sqrt{{\tilde{{v_t}}}} + \epsilon \big), \:
                \theta_t \leftarrow \theta_{{t-1}} - \gamma \textbf{{b}}_t                 \\
            &\hspace{{5mm}}\textbf{{else}}: \:
                \theta_t \leftarrow \theta_{{t-1}}
                - \gamma g_t / \big(\sqrt{{\tilde{{v_t}}}} + \epsilon \big)
       \end{{aligned}}

    The square root is taken before epsilon is added (TensorFlow swaps the two).

    Args:
        {_params_doc}
        lr (float, Tensor, optional): learning rate (default: 1e-2)
        alpha (float, optional): smoothing constant (default: 0.99)
        eps (float, optional): term added to the denominator to improve
            numerical stability (default: 1e-8)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        momentum (float, optional): momentum factor (default: 0)
        centered (bool, optional) : if ``True``, compute the centered RMSProp,
            the gradient is normalized by an estimation of its variance (default: False)
        capturable (bool, optional): graph capture needs an accelerator: with True,
            ``step`` raises, as torch does for CPU tensors (default: False)
        foreach (bool, optional): accepted for torch compatibility and stored in the
            groups; it does not change the result (default: None)
        {_maximize_doc}
        differentiable (bool, optional): must be False: autograd through the step is not
            supported (default: False)

    State (per parameter): ``step`` (0-d float32 tensor), ``square_avg``, and
    ``momentum_buffer`` (momentum > 0) and ``grad_avg`` (centered).

    Example::

        >>> optimizer = nnx.optim.RMSprop(model.parameters(), lr=1e-2, momentum=0.9)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """
