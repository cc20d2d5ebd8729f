"""Module hooks and ``__call__``: forward pre-hooks, forward hooks and backward hooks.

Call order, as in torch: global forward pre-hooks, then the module's (``prepend=True``
ones first), ``forward``, global forward hooks, then the module's.  Backward hooks are
wired into the autograd graph around ``forward`` (see ``_backward_hook``).
"""

import warnings
from collections import OrderedDict

from nnx.nn.modules._backward_hook import BackwardHook, attach_legacy_hooks
from nnx.nn.modules.hooks import RemovableHandle

# Hooks of every module (torch.nn.modules.module.register_module_forward_*_hook).
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()

_HOOK_DICTS = (
    "_backward_pre_hooks", "_backward_hooks", "_forward_hooks", "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called", "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs",
    "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks",
)


def _init_hook_dicts(setattr_):
    """Create a module's hook registries (``setattr_`` bypasses Module.__setattr__)."""
    for name in _HOOK_DICTS:
        setattr_(name, OrderedDict())
    setattr_("_is_full_backward_hook", None)


def register_module_forward_pre_hook(hook):
    r"""A forward pre-hook common to all modules, run before their own."""
    handle = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[handle.id] = hook
    return handle


def register_module_forward_hook(hook, *, always_call=False):
    r"""A forward hook common to all modules, run before their own."""
    handle = RemovableHandle(
        _global_forward_hooks, extra_dict=_global_forward_hooks_always_called
    )
    _global_forward_hooks[handle.id] = hook
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def _register(hooks, hook, prepend, flags=()):
    """Store ``hook`` under a new handle; each dict in ``flags`` marks it (kwargs, always)."""
    handle = RemovableHandle(hooks, extra_dict=[flag_dict for flag_dict in flags])
    hooks[handle.id] = hook
    for flag_dict in flags:
        flag_dict[handle.id] = True
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


_MIXED_BACKWARD_HOOKS = (
    "Cannot use both regular backward hooks and full backward hooks on a single Module. "
    "Please use only one of them."
)


class _HooksMixin:
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        r"""``hook(module, args)`` (or ``hook(module, args, kwargs)`` with ``with_kwargs``)
        before ``forward``.  It may return new args (a non-tuple is wrapped in a 1-tuple),
        or with ``with_kwargs`` a ``(new_args, new_kwargs)`` pair."""
        flags = [self._forward_pre_hooks_with_kwargs] if with_kwargs else []
        return _register(self._forward_pre_hooks, hook, prepend, flags)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        r"""``hook(module, args, output)`` (``hook(module, args, kwargs, output)`` with
        ``with_kwargs``) after ``forward``; a non-None return value replaces the output.
        ``always_call`` hooks run even when ``forward`` raised."""
        flags = []
        if with_kwargs:
            flags.append(self._forward_hooks_with_kwargs)
        if always_call:
            flags.append(self._forward_hooks_always_called)
        return _register(self._forward_hooks, hook, prepend, flags)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        r"""``hook(module, grad_output)`` when the gradients of the outputs are known; may
        return replacement ``grad_output``."""
        return _register(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        r"""``hook(module, grad_input, grad_output)`` once the gradients of the module's
        inputs are computed: one ``grad_input`` entry per positional input (None for
        non-tensors and inputs that do not require grad).  May return replacement
        ``grad_input``."""
        if self._is_full_backward_hook is False:
            raise RuntimeError(_MIXED_BACKWARD_HOOKS)
        self._is_full_backward_hook = True
        return _register(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook):
        r"""Legacy backward hook: ``hook(module, grad_input, grad_output)`` on the **last
        autograd node** of forward (its inputs' grads, not the module's).  Prefer
        :meth:`register_full_backward_hook`."""
        if self._is_full_backward_hook is True:
            raise RuntimeError(_MIXED_BACKWARD_HOOKS)
        self._is_full_backward_hook = False
        return _register(self._backward_hooks, hook, False)

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks or _global_forward_pre_hooks
                or _global_forward_hooks):
            return self.forward(*args, **kwargs)  # the common case: no hook machinery
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        called = set()
        try:
            args, kwargs = self._run_pre_hooks(args, kwargs)
            full = self._backward_hooks if self._is_full_backward_hook else {}
            bw_hook = None
            if full or self._backward_pre_hooks:
                bw_hook = BackwardHook(
                    self, list(full.values()), list(self._backward_pre_hooks.values())
                )
                args = bw_hook.setup_input_hook(args)
            result = self.forward(*args, **kwargs)
            result = self._run_forward_hooks(args, kwargs, result, called)
            if bw_hook is not None:
                result = bw_hook.setup_output_hook(result)
            if self._is_full_backward_hook is False and self._backward_hooks:
                attach_legacy_hooks(self, list(self._backward_hooks.values()), args, result)
            return result
        except Exception:
            self._run_always_called_hooks(args, kwargs, called)
            raise

    def _run_pre_hooks(self, args, kwargs):
        for hook_id, hook in (*_global_forward_pre_hooks.items(),
                              *self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is None:
                    continue
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        "forward pre-hook must return None or a tuple of (new_args, "
                        f"new_kwargs), but got {result}."
                    )
                args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        return args, kwargs

    def _forward_hook_items(self):
        return (*_global_forward_hooks.items(), *self._forward_hooks.items())

    def _is_always_called(self, hook_id):
        return (hook_id in self._forward_hooks_always_called
                or hook_id in _global_forward_hooks_always_called)

    def _apply_forward_hook(self, hook_id, hook, args, kwargs, result):
        """``hook``'s replacement for ``result`` (``result`` itself when it returns None)."""
        if hook_id in self._forward_hooks_with_kwargs:
            hook_result = hook(self, args, kwargs, result)
        else:
            hook_result = hook(self, args, result)
        return result if hook_result is None else hook_result

    def _run_forward_hooks(self, args, kwargs, result, called):
        for hook_id, hook in self._forward_hook_items():
            if self._is_always_called(hook_id):
                called.add(hook_id)
            result = self._apply_forward_hook(hook_id, hook, args, kwargs, result)
        return result

    def _run_always_called_hooks(self, args, kwargs, called):
        """After forward raised: the ``always_call`` hooks not yet run, errors silenced."""
        result = None
        for hook_id, hook in self._forward_hook_items():
            if not self._is_always_called(hook_id) or hook_id in called:
                continue
            try:
                result = self._apply_forward_hook(hook_id, hook, args, kwargs, result)
            except Exception as exc:
                warnings.warn(
                    "module forward hook with ``always_call=True`` raised an exception that "
                    f"was silenced as another error was raised in forward: {exc}",
                    stacklevel=3,
                )
