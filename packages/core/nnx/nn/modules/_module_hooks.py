"""Module hooks and ``__call__``: forward pre-hooks, forward hooks and backward hooks.

Call order, as in torch: global forward pre-hooks, then the module's (``prepend=True``
ones first), ``forward``, global forward hooks, then the module's.  Backward hooks (global
ones first) are wired into the autograd graph around ``forward`` (see ``_backward_hook``).
The global registration hooks run when a buffer, parameter or submodule is registered.
"""

import warnings
from collections import OrderedDict

from nnx._C import _C
from nnx.nn.modules._backward_hook import BackwardHook, attach_legacy_hooks
from nnx.nn.modules.hooks import add_hook

# Hooks of every module (torch.nn.modules.module.register_module_*_hook).
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()
_global_is_full_backward_hook = None  # True/False once the first global one is registered
_global_buffer_registration_hooks = OrderedDict()
_global_module_registration_hooks = OrderedDict()
_global_parameter_registration_hooks = OrderedDict()

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
    return add_hook(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    r"""A forward hook common to all modules, run before their own: ``hook(module, args,
    output)``, or ``hook(module, args, kwargs, output)`` with ``with_kwargs``."""
    flags = [_global_forward_hooks_always_called] if always_call else []
    if with_kwargs:
        flags.append(_global_forward_hooks_with_kwargs)
    return add_hook(_global_forward_hooks, hook, flags=flags)


def register_module_full_backward_pre_hook(hook):
    r"""A backward pre-hook common to all modules, run before their own."""
    return add_hook(_global_backward_pre_hooks, hook)


_MIXED_GLOBAL_BACKWARD_HOOKS = (
    "Cannot use both regular backward hooks and full backward hooks as a global Module hook. "
    "Please use only one of them."
)


def _register_global_backward(hook, full):
    global _global_is_full_backward_hook
    if _global_is_full_backward_hook is (not full):
        raise RuntimeError(_MIXED_GLOBAL_BACKWARD_HOOKS)
    _global_is_full_backward_hook = full
    return add_hook(_global_backward_hooks, hook)


def register_module_full_backward_hook(hook):
    r"""A full backward hook common to all modules, run before their own."""
    return _register_global_backward(hook, True)


def register_module_backward_hook(hook):
    r"""A legacy backward hook common to all modules (prefer
    :func:`register_module_full_backward_hook`)."""
    return _register_global_backward(hook, False)


def register_module_buffer_registration_hook(hook):
    r"""``hook(module, name, buffer)`` whenever a buffer is registered; may return a
    replacement buffer."""
    return add_hook(_global_buffer_registration_hooks, hook)


def register_module_module_registration_hook(hook):
    r"""``hook(module, name, submodule)`` whenever a submodule is registered; may return a
    replacement module."""
    return add_hook(_global_module_registration_hooks, hook)


def register_module_parameter_registration_hook(hook):
    r"""``hook(module, name, param)`` whenever a parameter is registered; may return a
    replacement parameter."""
    return add_hook(_global_parameter_registration_hooks, hook)


def run_registration_hooks(hooks, module, name, value):
    """``value`` as the global registration ``hooks`` leave it."""
    for hook in hooks.values():
        output = hook(module, name, value)
        if output is not None:
            value = output
    return value


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
        return add_hook(self._forward_pre_hooks, hook, prepend=prepend, flags=flags)

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
        return add_hook(self._forward_hooks, hook, prepend=prepend, flags=flags)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        r"""``hook(module, grad_output)`` when the gradients of the outputs are known; may
        return replacement ``grad_output``."""
        return add_hook(self._backward_pre_hooks, hook, prepend=prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        r"""``hook(module, grad_input, grad_output)`` once the gradients of the module's
        inputs are computed: one ``grad_input`` entry per positional input (None for
        non-tensors, zeros for tensors that do not require grad), and one ``grad_output``
        entry per output (None for outputs that received no gradient).  May return
        replacement ``grad_input``."""
        if self._is_full_backward_hook is False:
            raise RuntimeError(_MIXED_BACKWARD_HOOKS)
        self._is_full_backward_hook = True
        return add_hook(self._backward_hooks, hook, prepend=prepend)

    def register_backward_hook(self, hook):
        r"""Legacy backward hook: ``hook(module, grad_input, grad_output)`` on the **last
        autograd node** of forward (its inputs' grads, not the module's).  Prefer
        :meth:`register_full_backward_hook`."""
        if self._is_full_backward_hook is True:
            raise RuntimeError(_MIXED_BACKWARD_HOOKS)
        self._is_full_backward_hook = False
        return add_hook(self._backward_hooks, hook)

    def _get_backward_hooks(self):
        """(full hooks, legacy hooks) for a call: the global ones, then the module's."""
        full, legacy = [], []
        for flag, hooks in ((_global_is_full_backward_hook, _global_backward_hooks),
                            (self._is_full_backward_hook, self._backward_hooks)):
            if flag is True:
                full += hooks.values()
            elif flag is False:
                legacy += hooks.values()
        return full, legacy

    def _get_backward_pre_hooks(self):
        return [*_global_backward_pre_hooks.values(), *self._backward_pre_hooks.values()]

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks or _global_forward_pre_hooks
                or _global_forward_hooks or _global_backward_pre_hooks
                or _global_backward_hooks):
            return self.forward(*args, **kwargs)  # the common case: no hook machinery
        # What the hooks see if something raises: the args and result as far as they got.
        call = _Call(args, kwargs)
        try:
            return self._call_with_hooks(call)
        except Exception:
            self._run_always_called_hooks(call)
            raise

    def _call_with_hooks(self, call):
        pre_hooks = self._get_backward_pre_hooks()
        full, legacy = self._get_backward_hooks()
        self._run_pre_hooks(call)
        bw_hook = None
        if full or pre_hooks:
            bw_hook = BackwardHook(self, full, pre_hooks)
            call.args = bw_hook.setup_input_hook(call.args)
        call.result = self.forward(*call.args, **call.kwargs)
        self._run_forward_hooks(call)
        if bw_hook is not None:
            if not isinstance(call.result, (_C.TensorBase, tuple)):
                warnings.warn(
                    "For backward hooks to be called, module output should be a Tensor or a "
                    f"tuple of Tensors but received {type(call.result)}",
                    stacklevel=3,
                )
            call.result = bw_hook.setup_output_hook(call.result)
        if legacy:
            attach_legacy_hooks(self, legacy, call.args, call.result)
        return call.result

    def _run_pre_hooks(self, call):
        for hook_id, hook in (*_global_forward_pre_hooks.items(),
                              *self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, call.args, call.kwargs)
                if result is None:
                    continue
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        "forward pre-hook must return None or a tuple of (new_args, "
                        f"new_kwargs), but got {result}."
                    )
                call.args, call.kwargs = result
            else:
                result = hook(self, call.args)
                if result is not None:
                    call.args = result if isinstance(result, tuple) else (result,)

    def _run_forward_hooks(self, call):
        for hook_id, hook in (*_global_forward_hooks.items(), *self._forward_hooks.items()):
            if (hook_id in self._forward_hooks_always_called
                    or hook_id in _global_forward_hooks_always_called):
                call.called.add(hook_id)
            with_kwargs = (hook_id in self._forward_hooks_with_kwargs
                           or hook_id in _global_forward_hooks_with_kwargs)
            self._call_forward_hook(hook, call, with_kwargs)

    def _call_forward_hook(self, hook, call, with_kwargs):
        """Run one forward hook; a non-None return value replaces the call's result."""
        if with_kwargs:
            hook_result = hook(self, call.args, call.kwargs, call.result)
        else:
            hook_result = hook(self, call.args, call.result)
        if hook_result is not None:
            call.result = hook_result

    def _run_always_called_hooks(self, call):
        """After forward (or a hook) raised: the ``always_call`` hooks not yet run, with the
        args and result as far as they got; their own errors become warnings.  As in torch,
        the global ones are called without kwargs."""
        for is_global, hooks, always in (
                (True, _global_forward_hooks, _global_forward_hooks_always_called),
                (False, self._forward_hooks, self._forward_hooks_always_called)):
            for hook_id, hook in list(hooks.items()):
                if hook_id not in always or hook_id in call.called:
                    continue
                try:
                    with_kwargs = not is_global and hook_id in self._forward_hooks_with_kwargs
                    self._call_forward_hook(hook, call, with_kwargs)
                except Exception as exc:
                    warnings.warn(
                        ("global " if is_global else "")
                        + "module forward hook with ``always_call=True`` raised an exception "
                        f"that was silenced as another error was raised in forward: {exc}",
                        stacklevel=3,
                    )


class _Call:
    """The state of one hooked module call: args and kwargs (as the pre-hooks left them),
    the result so far, and the ``always_call`` hooks already run."""

    __slots__ = ("args", "kwargs", "result", "called")

    def __init__(self, args, kwargs):
        self.args, self.kwargs, self.result, self.called = args, kwargs, None, set()
