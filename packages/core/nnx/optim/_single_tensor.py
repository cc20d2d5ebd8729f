"""``_SingleTensorOptimizer``: the ``step`` that SGD, Adam, RMSprop and Adagrad share.

torch's optimizers each repeat one pattern: per parameter group, collect the parameters
that have a gradient together with their state tensors (creating the state on first use),
then call the functional update (torch's ``_single_tensor_<name>``) with the group's
options. The loop is written once here; a subclass declares only what differs:

* ``_param_state(group, p)``: the state tensors of ``p`` the update takes, in its order
  (``None`` for one the group's options leave unused), creating the state on first use;
* ``_update``: the functional update, ``fn(params, grads, *state_lists, **options)``, and
  ``_options``: the group options it takes as keywords;
* ``_group_defaults``: the options an older checkpoint's groups may lack, with the values
  torch's ``__setstate__`` gives them (in torch's order: it decides the groups' key order);
* ``_has_step`` (the state holds a ``step`` counter) and ``_checks_capturable``.
"""

from nnx._creation import tensor, zeros_like
from nnx.optim._common import (
    Tensor,
    _check_capturable,
    _check_fused_param,
    _new_step,
    _run_closure,
    _scalar_dtype,
)
from nnx.optim._hooks import _use_grad_for_differentiable
from nnx.optim.optimizer import Optimizer


class _SingleTensorOptimizer(Optimizer):
    _options = ()
    _group_defaults = {}
    _has_step = True
    _checks_capturable = False

    @staticmethod
    def _update(params, grads, *state_lists, **options):
        raise NotImplementedError

    def _param_state(self, group, p):
        raise NotImplementedError

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for name, default in self._group_defaults.items():
                group.setdefault(name, default)
            if not self._has_step:
                continue
            fused = bool(group["fused"]) if "fused" in self._group_defaults else False
            for p in group["params"]:
                p_state = self.state.get(p, [])
                if len(p_state) != 0 and not isinstance(p_state["step"], Tensor):
                    # older checkpoints saved the step as a Python number
                    p_state["step"] = tensor(float(p_state["step"]), dtype=_scalar_dtype(fused))

    def _lazy_state(self, p, fused, names, new=zeros_like):
        """``self.state[p]``, created on its first step as torch creates it: the ``step``
        counter, then ``new(p)`` for each name that ``names`` (name -> used) marks used."""
        state = self.state[p]
        if len(state) == 0:
            if fused:
                _check_fused_param(p)
            state["step"] = _new_step(bool(fused))
            for name, used in names.items():
                if used:
                    state[name] = new(p)
        return state

    def _check_fused_once(self, group, p):
        # SGD and Adagrad check only the first parameter with a gradient, once (torch's
        # _need_device_dtype_check_for_fused, which their constructors set when fused)
        if group["fused"] and getattr(self, "_need_device_dtype_check_for_fused", True):
            _check_fused_param(p)
            self._need_device_dtype_check_for_fused = False

    def _init_group(self, group):
        """The group's parameters that have a gradient, their grads, and the update's state
        lists (one per entry of ``_param_state``'s tuples)."""
        params, grads, rows = [], [], []
        for p in group["params"]:
            if p.grad is None:
                continue
            rows.append(self._param_state(group, p))
            params.append(p)
            grads.append(p.grad)
        return params, grads, [list(column) for column in zip(*rows)]

    def _step_group(self, group, params, grads, state_lists):
        if self._checks_capturable and group["capturable"]:
            _check_capturable()
        self._update(params, grads, *state_lists, **{k: group[k] for k in self._options})

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): A closure that reevaluates the model
                and returns the loss.
        """
        loss = _run_closure(closure)
        for group in self.param_groups:
            params, grads, state_lists = self._init_group(group)
            if params:  # an update over no parameters does nothing
                self._step_group(group, params, grads, state_lists)
        return loss
