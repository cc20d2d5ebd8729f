"""``Module``: the base class of every layer and model (torch.nn.Module).

A module owns three registries, exactly as torch lays them out, so that attribute paths
are the ``state_dict`` keys: ``_parameters`` (name -> Parameter or None), ``_buffers``
(name -> Tensor or None, some of them non-persistent) and ``_modules`` (name -> child or
None).  ``__setattr__`` routes assignments into them; ``__getattr__`` finds them again.

The rest of the API lives in mixins beside this file, one concern each: traversal and
dotted-path access (``_module_tree``), state_dict saving/loading (``_module_state``),
hooks and ``__call__`` (``_module_hooks``), dtype and device casts (``_module_cast``).
"""

from nnx._C import _C
from nnx._typename import typename
from nnx.nn.modules import _module_hooks as _hooks
from nnx.nn.modules._module_cast import _CastMixin
from nnx.nn.modules._module_hooks import (  # noqa: F401  (torch's home of the global hooks)
    _HooksMixin,
    _init_hook_dicts,
    register_module_backward_hook,
    register_module_buffer_registration_hook,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
    register_module_module_registration_hook,
    register_module_parameter_registration_hook,
    run_registration_hooks,
)
from nnx.nn.modules._module_state import _StateDictMixin
from nnx.nn.modules._module_tree import _TreeMixin
from nnx.nn.modules._repr import addindent
from nnx.nn.parameter import Buffer, Parameter


def _forward_unimplemented(self, *input):
    raise NotImplementedError(
        f'Module [{type(self).__name__}] is missing the required "forward" function'
    )


def _check_name(kind, name):
    """torch's checks on a registered name (``kind`` is parameter/buffer)."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {typename(name)}")
    if "." in name:
        raise KeyError(f"{kind} name can't contain \".\"")
    if name == "":
        raise KeyError(f"{kind} name can't be empty string \"\"")


class Module(_TreeMixin, _StateDictMixin, _HooksMixin, _CastMixin):
    r"""Base class for all neural network modules.

    Your models should subclass this class and call ``super().__init__()`` before
    assigning attributes.  Modules nest: a Module assigned as an attribute becomes a child,
    and its parameters are the parent's too (``parameters()``, ``state_dict()``, ``to()``).

    Example::

        >>> import nnx.nn as nn
        >>> import nnx.nn.functional as F
        >>> class Model(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.conv1 = nn.Conv2d(1, 20, 5)
        ...         self.conv2 = nn.Conv2d(20, 20, 5)
        ...
        ...     def forward(self, x):
        ...         x = F.relu(self.conv1(x))
        ...         return F.relu(self.conv2(x))
    """

    dump_patches = False
    _version = 1  # bumped by layers whose state_dict layout changes (BatchNorm: 2)
    training: bool
    call_super_init = False

    def __init__(self, *args, **kwargs):
        if not self.call_super_init and kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got an unexpected keyword argument "
                f"'{next(iter(kwargs))}'"
            )
        if not self.call_super_init and args:
            raise TypeError(
                f"{type(self).__name__}.__init__() takes 1 positional argument but "
                f"{len(args) + 1} were given"
            )
        # object.__setattr__: the registries must exist before __setattr__ can route.
        setattr_ = super().__setattr__
        setattr_("training", True)
        setattr_("_parameters", {})
        setattr_("_buffers", {})
        setattr_("_non_persistent_buffers_set", set())
        _init_hook_dicts(setattr_)
        setattr_("_modules", {})
        if self.call_super_init:
            super().__init__(*args, **kwargs)

    forward = _forward_unimplemented

    # -- registration ---------------------------------------------------------------
    def register_buffer(self, name, tensor, persistent=True):
        r"""Add a buffer: state that is not a parameter (BatchNorm's ``running_mean``).

        Args:
            name (str): name of the buffer, reachable as an attribute.
            tensor (Tensor or None): the buffer. ``None`` buffers are skipped by casts and
                by ``state_dict``.
            persistent (bool): whether the buffer is part of ``state_dict``. Default: True.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, _C.TensorBase):
            raise TypeError(
                f"cannot assign '{typename(tensor)}' object to buffer '{name}' "
                "(nnx Tensor or None required)"
            )
        tensor = run_registration_hooks(_hooks._global_buffer_registration_hooks, self, name,
                                        tensor)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param):
        r"""Add a parameter, reachable as an attribute ``name``.

        Args:
            name (str): name of the parameter.
            param (Parameter or None): the parameter. ``None`` parameters are skipped by
                casts and by ``state_dict``.
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{typename(param)}' object to parameter '{name}' "
                "(nnx.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must "
                f"be created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method."
            )
        if param is not None:
            param = run_registration_hooks(_hooks._global_parameter_registration_hooks, self,
                                           name, param)
        self._parameters[name] = param

    def add_module(self, name, module):
        r"""Add a child module, reachable as an attribute ``name``.

        Args:
            name (str): name of the child module.
            module (Module or None): the child.
        """
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f"module name can't contain \".\", got: {name}")
        if name == "":
            raise KeyError("module name can't be empty string \"\"")
        self._modules[name] = run_registration_hooks(
            _hooks._global_module_registration_hooks, self, name, module)

    def register_module(self, name, module):
        r"""Alias for :meth:`add_module`."""
        self.add_module(name, module)

    # -- attribute routing ------------------------------------------------------------
    def __getattr__(self, name):
        # Only called when normal lookup failed: look in the three registries.
        state = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            members = state.get(registry)
            if members is not None and name in members:
                return members[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        state = self.__dict__
        params = state.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, state, self._buffers, self._modules)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{typename(value)}' as parameter '{name}' "
                    "(nnx.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            if state.get("_modules") is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, state, self._parameters, self._buffers)
            self._modules[name] = run_registration_hooks(
                _hooks._global_module_registration_hooks, self, name, value)
        elif name in state.get("_modules", ()):
            if value is not None:
                raise TypeError(
                    f"cannot assign '{typename(value)}' as child module '{name}' "
                    "(nnx.nn.Module or None expected)"
                )
            self._modules[name] = run_registration_hooks(
                _hooks._global_module_registration_hooks, self, name, value)
        elif isinstance(value, Buffer) or name in state.get("_buffers", ()):
            self._assign_buffer(name, value)
        else:
            super().__setattr__(name, value)

    def _assign_buffer(self, name, value):
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if value is not None and not isinstance(value, _C.TensorBase):
            raise TypeError(
                f"cannot assign '{typename(value)}' as buffer '{name}' "
                "(nnx.nn.Buffer, nnx.Tensor or None expected)"
            )
        if isinstance(value, Buffer):
            persistent = value.persistent
        else:
            persistent = name not in self._non_persistent_buffers_set
        self.register_buffer(name, value, persistent)

    def _forget(self, name, *registries):
        for registry in registries:
            registry.pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __delattr__(self, name):
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            try:
                super().__delattr__(name)
            except AttributeError:  # one message on every Python (3.10 says just the name)
                raise AttributeError(
                    f"'{type(self).__name__}' object has no attribute '{name}'") from None

    def __dir__(self):
        keys = [
            *dir(type(self)), *self.__dict__, *self._parameters, *self._modules, *self._buffers
        ]
        return sorted(key for key in keys if not key[0].isdigit())

    def __setstate__(self, state):
        self.__dict__.update(state)
        # Modules pickled by older versions may lack newer registries.
        _init_hook_dicts(lambda name, value: self.__dict__.setdefault(name, value))
        self.__dict__.setdefault("_non_persistent_buffers_set", set())

    # -- modes and gradients ------------------------------------------------------------
    def train(self, mode=True):
        r"""Set training mode (``training``) on this module and every descendant."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        r"""Set evaluation mode: ``train(False)``. Matters for Dropout and BatchNorm."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        r"""Set ``requires_grad`` on every parameter; returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        r"""Reset the gradients of all parameters: to ``None`` (default) or to zeros."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                if param.grad.grad_fn is not None:
                    param.grad.detach_()
                else:
                    param.grad.requires_grad_(False)
                param.grad.zero_()

    def apply(self, fn):
        r"""Call ``fn`` on every submodule, children first (post-order), then self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def share_memory(self):
        return self  # one process, one address space: nothing to share

    # -- printing -----------------------------------------------------------------------
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        r"""Module-specific text inside the repr's parentheses (override in layers)."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({key}): {addindent(repr(module), 2)}" for key, module in self._modules.items()
        ]
        return _format_repr(self._get_name(), extra_lines, child_lines)


def _format_repr(name, extra_lines, child_lines):
    """``Name(extra)`` on one line, else the extra lines and children indented by two."""
    lines = extra_lines + child_lines
    if not lines:
        return name + "()"
    if len(extra_lines) == 1 and not child_lines:
        return f"{name}({extra_lines[0]})"
    return name + "(\n  " + "\n  ".join(lines) + "\n)"
