"""``LRScheduler``: the base class of the learning-rate schedulers (torch.optim.lr_scheduler).

A scheduler writes ``group["lr"]`` of its optimizer's parameter groups once per
:meth:`~LRScheduler.step`; subclasses say how in :meth:`~LRScheduler.get_lr` (from the
current lrs, "chainable") and, where a closed form exists, ``_get_closed_form_lr`` (from
``base_lrs``, used when ``step`` is given an epoch).
"""

import warnings
from functools import wraps
from weakref import ref

from nnx.optim._common import (
    Tensor,
    _to_scalar,
)
from nnx.optim.optimizer import Optimizer

__all__ = ["LRScheduler"]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being "
    "deprecated where possible. Please use `scheduler.step()` to step the "
    "scheduler. During the deprecation, if epoch is different from None, the "
    "closed form is used instead of the new chainable form, where available. "
    "Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose."
)


def _param_groups_val_list(optimizer, key):
    """``group[key]`` of every group; tensors are cloned so the list never aliases them."""
    return [
        group[key].clone() if isinstance(group[key], Tensor) else group[key]
        for group in optimizer.param_groups
    ]


def _update_param_group_val(param_group, key, val):
    """Set ``param_group[key]``; a tensor value is filled in place (others may hold it)."""
    if isinstance(param_group[key], Tensor):
        param_group[key].fill_(_as_float(_to_scalar(val)))
    else:
        param_group[key] = val


def _as_float(val):
    return val.item() if isinstance(val, Tensor) else val


def _warn_get_lr_called_within_step(scheduler):
    if not scheduler._get_lr_called_within_step:
        warnings.warn(
            "To get the last learning rate computed by the scheduler, "
            "please use `get_last_lr()`.",
            UserWarning,
            stacklevel=2,
        )


class _enable_get_lr_call:
    """Marks get_lr() as called by step() (a direct call warns)."""

    def __init__(self, scheduler):
        self.o = scheduler

    def __enter__(self):
        self.o._get_lr_called_within_step = True
        return self

    def __exit__(self, exc_type, exc, tb):
        self.o._get_lr_called_within_step = False


class _initial_mode:
    """Marks the step the constructor makes: schedulers then keep the current lr."""

    def __init__(self, scheduler):
        self.o = scheduler

    def __enter__(self):
        self.o._is_initial = True

    def __exit__(self, exc_type, exc, tb):
        self.o._is_initial = False


class LRScheduler:
    r"""Base class for all learning rate schedulers.

    Subclasses implement :meth:`get_lr` and optionally override :meth:`step`.
    The constructor records ``initial_lr`` in every parameter group (when
    ``last_epoch=-1``), sets ``base_lrs`` from them, and makes the initial step, which
    moves ``last_epoch`` to 0.

    Args:
        optimizer (Optimizer): the optimizer whose learning rates this scheduler adjusts.
        last_epoch (int): index of the last epoch seen. Use ``-1`` (default) to start
            afresh; another value only to resume, which needs ``initial_lr`` in every group.

    .. warning::
        Constructing a scheduler overwrites its optimizer's ``group["lr"]``. When
        restoring a checkpoint, construct the scheduler before calling the optimizer's
        :meth:`~nnx.optim.Optimizer.load_state_dict`.
    """

    _get_lr_called_within_step = False
    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                initial_lr = group["lr"]
                if isinstance(initial_lr, Tensor):
                    initial_lr = initial_lr.clone()
                group.setdefault("initial_lr", initial_lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        "resuming scheduler with last_epoch >= 0.\n"
                        "This typically happens when:\n"
                        "1. You're trying to resume training from a checkpoint but haven't "
                        "properly loaded the optimizer state\n"
                        "2. You're using last_epoch >= 0 for a fresh training run (not "
                        "recommended)"
                    )
        self.base_lrs = _param_groups_val_list(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        _patch_track_step_called(optimizer)
        self._initial_step()

    def _initial_step(self):
        """Initialize the step count and make the first step."""
        self._step_count = 0
        with _initial_mode(self):
            self.step()

    def state_dict(self):
        """Return the state of the scheduler as a :class:`dict`: every attribute but the
        optimizer."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Load the scheduler's state.

        Args:
            state_dict (dict): scheduler state, as returned by :meth:`state_dict`.
        """
        self.__dict__.update(state_dict)

    def get_last_lr(self):
        """Return the learning rates the last :meth:`step` set, one per parameter group
        (tensors are copies, never the groups' own)."""
        return self._last_lr

    def get_lr(self):
        """Compute the next learning rate of every parameter group (implemented by
        subclasses; use :meth:`get_last_lr` to read the current ones)."""
        raise NotImplementedError

    def step(self, epoch=None):
        """Step the scheduler: advance ``last_epoch`` and set the groups' learning rates.

        Args:
            epoch (int, optional): deprecated. If given, sets ``last_epoch`` to it and uses
                the closed form where the scheduler has one.

        Call it after the optimizer's :meth:`~nnx.optim.Optimizer.step`.
        """
        if self._step_count == 1:
            if not hasattr(self.optimizer.step, "_wrapped_by_lr_sched"):
                warnings.warn(
                    "Seems like `optimizer.step()` has been overridden after learning rate "
                    "scheduler initialization. Please, make sure to call `optimizer.step()` "
                    "before `lr_scheduler.step()`. See more details at "
                    "https://pytorch.org/docs/stable/optim.html"
                    "#how-to-adjust-learning-rate",
                    UserWarning,
                    stacklevel=2,
                )
            elif not getattr(self.optimizer, "_opt_called", False):
                warnings.warn(
                    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
                    "In PyTorch 1.1.0 and later, you should call them in the opposite order: "
                    "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this "
                    "will result in PyTorch skipping the first value of the learning rate "
                    "schedule. See more details at "
                    "https://pytorch.org/docs/stable/optim.html"
                    "#how-to-adjust-learning-rate",
                    UserWarning,
                    stacklevel=2,
                )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        with _enable_get_lr_call(self):
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                if hasattr(self, "_get_closed_form_lr"):
                    values = self._get_closed_form_lr()
                else:
                    values = self.get_lr()
        for param_group, lr in zip(self.optimizer.param_groups, values):
            _update_param_group_val(param_group, "lr", lr)
        self._last_lr = _param_groups_val_list(self.optimizer, "lr")


class _LRScheduler(LRScheduler):
    """Old name of :class:`LRScheduler`, kept as torch keeps it."""


def _patch_track_step_called(optimizer):
    """Wrap ``optimizer.step`` (once) so it records that it ran: a scheduler stepped before
    its optimizer warns (the first lr of the schedule would be skipped)."""
    if hasattr(optimizer.step, "_wrapped_by_lr_sched"):
        return
    opt_ref = ref(optimizer)
    func = optimizer.step.__func__

    @wraps(func)
    def wrapper(*args, **kwargs):
        opt = opt_ref()
        opt._opt_called = True
        return func.__get__(opt, opt.__class__)(*args, **kwargs)

    wrapper._wrapped_by_lr_sched = True
    optimizer.step = wrapper
