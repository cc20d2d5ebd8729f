r"""Adam, with optional AMSGrad and decoupled weight decay (torch.optim.adam)."""

from nnx._ops.pointwise import maximum
from nnx.optim._common import (
    Tensor,
    _as_number,
    _check_implementation_flags,
    _check_nonnegative,
    _implementation_doc,
    _maximize_doc,
    _params_doc,
    _to_scalar,
)
from nnx.optim._single_tensor import _SingleTensorOptimizer

__all__ = ["Adam"]


def _check_adam_arguments(lr, betas, eps, weight_decay, foreach, capturable):
    """torch's checks, in torch's order (shared with AdamW)."""
    if isinstance(lr, Tensor):
        if foreach and not capturable:
            raise ValueError(
                "lr as a Tensor is not supported for capturable=False and foreach=True"
            )
        if lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    _check_nonnegative(eps=eps)
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    _check_nonnegative(weight_decay=weight_decay)
    if not (
        (isinstance(betas[0], float) and isinstance(betas[1], float))
        or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))
    ):
        raise ValueError("betas must be either both floats or both Tensors")
    for i in (0, 1):
        if isinstance(betas[i], Tensor):
            if not capturable and foreach:
                raise ValueError(
                    f"betas[{i}] as a Tensor is not supported for capturable=False and "
                    "foreach=True"
                )
            if betas[i].numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")


def _adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *, amsgrad,
          betas, lr, weight_decay, eps, maximize, decoupled_weight_decay):
    """The update, parameter by parameter, as torch's single-tensor implementation.

    Hyperparameters may be 0-d tensors: the expressions below then compute in the tensor's
    precision as torch's do, and ``_as_number`` reads them where torch passes a Scalar.
    """
    beta1, beta2 = betas
    lr, beta1, beta2 = _to_scalar(lr), _to_scalar(beta1), _to_scalar(beta2)
    beta1_by_dtype = {}  # a tensor beta1 cast once per parameter dtype
    for i, param in enumerate(params):
        grad = grads[i] if not maximize else -grads[i]
        exp_avg, exp_avg_sq, step_t = exp_avgs[i], exp_avg_sqs[i], state_steps[i]
        step_t.add_(1)
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=_as_number(weight_decay))
        if isinstance(beta1, Tensor):
            if param.dtype not in beta1_by_dtype:
                beta1_by_dtype[param.dtype] = beta1.to(dtype=param.dtype)
            device_beta1 = beta1_by_dtype[param.dtype]
        else:
            device_beta1 = beta1
        exp_avg.lerp_(grad, 1 - device_beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=_as_number(1 - beta2))

        step = step_t.item()
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        if amsgrad:
            max_exp_avg_sqs[i].copy_(maximum(max_exp_avg_sqs[i], exp_avg_sq))
            denom = (max_exp_avg_sqs[i].sqrt() / bias_correction2_sqrt).add_(eps)
        else:
            denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
        param.addcdiv_(exp_avg, denom, value=-_as_number(step_size))


class Adam(_SingleTensorOptimizer):
    _update = staticmethod(_adam)
    _options = ("amsgrad", "betas", "lr", "weight_decay", "eps", "maximize",
                "decoupled_weight_decay")
    _group_defaults = {
        "amsgrad": False,
        "maximize": False,
        "foreach": None,
        "capturable": False,
        "differentiable": False,
        "decoupled_weight_decay": False,
        "fused": None,
    }
    _checks_capturable = True

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
        fused=None,
        decoupled_weight_decay=False,
    ):
        _check_adam_arguments(lr, betas, eps, weight_decay, foreach, capturable)
        defaults = {
            "lr": lr,
            "betas": tuple(map(_to_scalar, betas)),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)
        _check_implementation_flags(fused, foreach, differentiable)

    def _param_state(self, group, p):
        amsgrad = group["amsgrad"]
        # the first and second moments, and (amsgrad) the running max of the second
        names = {"exp_avg": True, "exp_avg_sq": True, "max_exp_avg_sq": amsgrad}
        state = self._lazy_state(p, group["fused"], names)
        row = (state["exp_avg"], state["exp_avg_sq"], state["max_exp_avg_sq"] if amsgrad else None)
        if group["foreach"] and isinstance(group["lr"], Tensor) and not group["capturable"]:
            raise RuntimeError(
                "lr as a Tensor is not supported for capturable=False and foreach=True"
            )
        return (*row, state["step"])


_ADAM_ARGS_DOC = rf"""Args:
        {_params_doc}
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        betas (tuple[float | Tensor, float | Tensor], optional):
            coefficients used for computing running averages of gradient and
            its square. If a tensor is provided, must be 1-element. (default: (0.9, 0.999))
        eps (float, optional): term added to the denominator to improve
            numerical stability (default: 1e-8)
        weight_decay (float, optional): weight decay (default: {{wd}})
        amsgrad (bool, optional): whether to use the AMSGrad variant of this
            algorithm from the paper `On the Convergence of Adam and Beyond`
            (default: False)
        {_maximize_doc}
        capturable (bool, optional): graph capture needs an accelerator: with True,
            ``step`` raises, as torch does for CPU tensors (default: False)
        {_implementation_doc}"""

Adam.__doc__ = rf"""Implements the Adam algorithm.

    .. math::
       \begin{{aligned}}
            &\textbf{{input}}: \gamma \text{{ (lr)}}, \beta_1, \beta_2 \text{{ (betas)}},
                \theta_0 \text{{ (params)}}, f(\theta) \text{{ (objective)}},
                \lambda \text{{ (weight decay)}}, \textit{{amsgrad}}, \textit{{maximize}},
                \epsilon                                                                   \\
            &\textbf{{initialize}}: m_0 \leftarrow 0, \: v_0 \leftarrow 0,
                \: v_0^{{max}} \leftarrow 0                                                \\
            &\textbf{{for}} \: t=1 \: \textbf{{to}} \: \ldots \: \textbf{{do}}             \\
            &\hspace{{5mm}}g_t \leftarrow \pm\nabla_{{\theta}} f_t (\theta_{{t-1}})
                \quad (- \text{{ if maximize}})                                            \\
            &\hspace{{5mm}}\textbf{{if}} \: \lambda \neq 0: \:
                g_t \leftarrow g_t + \lambda \theta_{{t-1}}
                \quad (\theta_{{t-1}} \leftarrow (1 - \gamma\lambda)\theta_{{t-1}}
                \text{{ if decoupled}})                                                    \\
            &\hspace{{5mm}}m_t \leftarrow \beta_1 m_{{t-1}} + (1 - \beta_1) g_t            \\
            &\hspace{{5mm}}v_t \leftarrow \beta_2 v_{{t-1}} + (1-\beta_2) g^2_t            \\
            &\hspace{{5mm}}\textbf{{if}} \: amsgrad: \:
                v_t^{{max}} \leftarrow \max(v_{{t-1}}^{{max}}, v_t), \:
                \widehat{{v_t}} \leftarrow v_t^{{max}}/(1-\beta_2^t)
                \quad \textbf{{else}} \: \widehat{{v_t}} \leftarrow v_t/(1-\beta_2^t)     \\
            &\hspace{{5mm}}\theta_t \leftarrow \theta_{{t-1}} - \frac{{\gamma}}{{1-\beta_1^t}}
                \, m_t / \big(\sqrt{{\widehat{{v_t}}}} + \epsilon \big)
       \end{{aligned}}

    See `Adam: A Method for Stochastic Optimization` (Kingma and Ba, 2014).

    {_ADAM_ARGS_DOC.format(wd=0)}
        decoupled_weight_decay (bool, optional): if True, this optimizer is
            equivalent to AdamW and the algorithm will not accumulate weight
            decay in the momentum nor variance. (default: False)

    State (per parameter): ``step`` (0-d float32 tensor), ``exp_avg``, ``exp_avg_sq`` and,
    with amsgrad, ``max_exp_avg_sq``.

    Example::

        >>> optimizer = nnx.optim.Adam(model.parameters(), lr=1e-3)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """
