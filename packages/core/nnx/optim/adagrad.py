r"""Adagrad (torch.optim.adagrad)."""

from nnx._creation import full_like, tensor
from nnx.optim._common import (
    Tensor,
    _as_number,
    _check_implementation_flags,
    _check_lr,
    _check_nonnegative,
    _implementation_doc,
    _maximize_doc,
    _new_step,
    _params_doc,
    _scalar_dtype,
    _to_scalar,
)
from nnx.optim._single_tensor import _SingleTensorOptimizer

__all__ = ["Adagrad"]


def _adagrad(params, grads, state_sums, state_steps, *, lr, weight_decay, lr_decay, eps,
             maximize):
    """The update, parameter by parameter, as torch's single-tensor implementation."""
    lr = _to_scalar(lr)
    for param, grad, state_sum, step_t in zip(params, grads, state_sums, state_steps):
        step_t.add_(1)
        step = step_t.item()
        grad = grad if not maximize else -grad
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        clr = lr / (1 + (step - 1) * lr_decay)
        state_sum.addcmul_(grad, grad, value=1)
        std = state_sum.sqrt().add_(eps)
        param.addcdiv_(grad, std, value=-_as_number(clr))


class Adagrad(_SingleTensorOptimizer):
    _update = staticmethod(_adagrad)
    _options = ("lr", "weight_decay", "lr_decay", "eps", "maximize")
    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "fused": None}

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        fused=None,
    ):
        _check_lr(lr)
        _check_nonnegative(
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        _check_implementation_flags(fused, foreach, differentiable)
        if fused:
            self._need_device_dtype_check_for_fused = True
        # Unlike the other optimizers, Adagrad creates its state up front (from the
        # constructor's initial_accumulator_value, whatever a group says), as torch does.
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _new_step(bool(group["fused"]))
                state["sum"] = full_like(p, initial_accumulator_value)

    def __setstate__(self, state):
        super().__setstate__(state)
        # the steps of state no parameter claimed (load_state_dict keeps it as is) too, as
        # torch does: with the last group's fused
        fused = self.param_groups[-1]["fused"] if self.param_groups else None
        values = list(self.state.values())
        if values and not isinstance(values[0]["step"], Tensor):
            for s in values:
                s["step"] = tensor(float(s["step"]), dtype=_scalar_dtype(bool(fused)))

    def _param_state(self, group, p):
        self._check_fused_once(group, p)
        # (the constructor made the state; this makes that of a parameter added later)
        state = self._lazy_state(p, group["fused"], {"sum": True}, new=self._initial_sum)
        return state["sum"], state["step"]

    def _initial_sum(self, p):
        return full_like(p, self.defaults["initial_accumulator_value"])


Adagrad.__doc__ = rf"""Implements the Adagrad algorithm.

    .. math::
       \begin{{aligned}}
            &\textbf{{input}}: \gamma \text{{ (lr)}}, \theta_0 \text{{ (params)}},
                f(\theta) \text{{ (objective)}}, \lambda \text{{ (weight decay)}},
                \tau \text{{ (initial accumulator value)}}, \eta \text{{ (lr decay)}}      \\
            &\textbf{{initialize}}: state\_sum_0 \leftarrow \tau                           \\
            &\textbf{{for}} \: t=1 \: \textbf{{to}} \: \ldots \: \textbf{{do}}             \\
            &\hspace{{5mm}}g_t \leftarrow \pm\nabla_{{\theta}} f_t (\theta_{{t-1}})
                \quad (- \text{{ if maximize}})                                            \\
            &\hspace{{5mm}}\tilde{{\gamma}} \leftarrow \gamma / (1 +(t-1) \eta)            \\
            &\hspace{{5mm}}\textbf{{if}} \: \lambda \neq 0: \:
                g_t \leftarrow g_t + \lambda \theta_{{t-1}}                                \\
            &\hspace{{5mm}}state\_sum_t \leftarrow state\_sum_{{t-1}} + g^2_t              \\
            &\hspace{{5mm}}\theta_t \leftarrow \theta_{{t-1}}
                - \tilde{{\gamma}} \frac{{g_t}}{{\sqrt{{state\_sum_t}}+\epsilon}}
       \end{{aligned}}

    See `Adaptive Subgradient Methods for Online Learning and Stochastic Optimization`
    (Duchi et al., 2011).

    Args:
        {_params_doc}
        lr (float, Tensor, optional): learning rate (default: 1e-2)
        lr_decay (float, optional): learning rate decay (default: 0)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        initial_accumulator_value (float, optional): initial value of the
            sum of squares of gradients (default: 0)
        eps (float, optional): term added to the denominator to improve
            numerical stability (default: 1e-10)
        {_maximize_doc}
        {_implementation_doc}

    State (per parameter, created by the constructor): ``step`` (0-d float32 tensor) and
    ``sum``.

    Example::

        >>> optimizer = nnx.optim.Adagrad(model.parameters(), lr=0.1)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """
