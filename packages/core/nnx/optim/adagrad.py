r"""Adagrad (torch.optim.adagrad)."""

from nnx._creation import full_like, tensor
from nnx.optim._common import (
    Tensor,
    _as_number,
    _check_fused_param,
    _check_implementation_flags,
    _check_lr,
    _implementation_doc,
    _maximize_doc,
    _new_step,
    _params_doc,
    _run_closure,
    _scalar_dtype,
    _to_scalar,
)
from nnx.optim._hooks import _use_grad_for_differentiable
from nnx.optim.optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
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
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
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
        fused = None
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            fused = group.setdefault("fused", None)
            for p in group["params"]:
                p_state = self.state.get(p, [])
                if len(p_state) != 0 and not isinstance(p_state["step"], Tensor):
                    # older checkpoints saved the step as a Python number
                    dtype = _scalar_dtype(bool(group["fused"]))
                    p_state["step"] = tensor(float(p_state["step"]), dtype=dtype)
        # state of ids no parameter claimed (kept as is by load_state_dict) too
        values = list(self.state.values())
        if values and not isinstance(values[0]["step"], Tensor):
            for s in values:
                s["step"] = tensor(float(s["step"]), dtype=_scalar_dtype(bool(fused)))

    def _init_group(self, group, params, grads, state_sums, state_steps):
        for p in group["params"]:
            if p.grad is None:
                continue
            if group["fused"] and getattr(self, "_need_device_dtype_check_for_fused", True):
                _check_fused_param(p)
                self._need_device_dtype_check_for_fused = False
            params.append(p)
            grads.append(p.grad)
            state = self.state[p]
            if len(state) == 0:  # a parameter added by add_param_group after construction
                if group["fused"]:
                    _check_fused_param(p)
                state["step"] = _new_step(bool(group["fused"]))
                state["sum"] = full_like(p, self.defaults["initial_accumulator_value"])
            state_sums.append(state["sum"])
            state_steps.append(state["step"])

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): A closure that reevaluates the model
                and returns the loss.
        """
        loss = _run_closure(closure)
        for group in self.param_groups:
            params, grads, state_sums, state_steps = [], [], [], []
            self._init_group(group, params, grads, state_sums, state_steps)
            _adagrad(
                params,
                grads,
                state_sums,
                state_steps,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                lr_decay=group["lr_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
            )
        return loss


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
