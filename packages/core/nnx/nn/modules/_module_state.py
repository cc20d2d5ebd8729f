"""``state_dict`` and ``load_state_dict``: the module's persistent state as a flat mapping.

Keys are attribute paths (``'conv1.weight'``); order is own parameters, own persistent
buffers, ``_extra_state``, then each child, recursively.  Loading copies in place (the
Parameter objects stay, so an optimizer keeps working) and is all-or-nothing: when it
raises, every parameter and buffer holds what it held before (torch leaves a
half-loaded model; nnx restores a snapshot).
"""

import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

from nnx._C import _C
from nnx.autograd.grad_mode import no_grad
from nnx.nn.modules.hooks import add_hook
from nnx.nn.parameter import Parameter

_EXTRA_STATE_KEY_SUFFIX = "_extra_state"


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _quoted(keys):
    return ", ".join(f'"{key}"' for key in keys)


class _Snapshot:
    """Every tensor of a module tree, saved so a failed load can be undone."""

    def __init__(self, root):
        self.registries = []
        self.tensors = []
        for module in root.modules():
            self.registries.append(
                (module, dict(module._parameters), dict(module._buffers),
                 set(module._non_persistent_buffers_set))
            )
            for tensor in (*module._parameters.values(), *module._buffers.values()):
                if tensor is not None:
                    self.tensors.append((tensor, tensor._data, tensor._data.copy()))

    def restore(self):
        for module, params, buffers, non_persistent in self.registries:
            module._parameters.clear()
            module._parameters.update(params)
            module._buffers.clear()
            module._buffers.update(buffers)
            module._non_persistent_buffers_set.clear()
            module._non_persistent_buffers_set.update(non_persistent)
        for tensor, array, saved in self.tensors:
            tensor._data = array
            array[...] = saved


class _StateDictMixin:
    # -- saving -------------------------------------------------------------------------
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        """Put this module's own state (not its children's) into ``destination``."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        if type(self).get_extra_state is not _StateDictMixin.get_extra_state:
            destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        r"""The module's state: parameters and persistent buffers by dotted name.

        Returns an ``OrderedDict`` whose ``_metadata`` maps each module prefix to
        ``{'version': module._version}``.  Values are detached unless ``keep_vars``.

        Example::

            >>> model.state_dict().keys()
            odict_keys(['par', 'buffer', 'conv2.weight', 'conv2.bias'])
        """
        if args:
            warnings.warn(
                "Positional args are being deprecated, use kwargs instead. Refer to "
                "https://pytorch.org/docs/main/generated/torch.nn.Module.html"
                "#torch.nn.Module.state_dict for details.",
                FutureWarning,
                stacklevel=2,
            )
            destination = args[0] if destination is None else destination
            prefix = args[1] if len(args) > 1 and prefix == "" else prefix
            keep_vars = args[2] if len(args) > 2 and keep_vars is False else keep_vars
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        local_metadata = dict(version=self._version)
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=f"{prefix}{name}.",
                                  keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            if hook(self, destination, prefix, local_metadata) is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination

    def get_extra_state(self):
        r"""Extra picklable state for ``state_dict`` (override together with
        :meth:`set_extra_state`)."""
        raise RuntimeError(
            "Module.get_extra_state() is not implemented: override get_extra_state and "
            "set_extra_state together to keep extra state in the state_dict"
        )

    def set_extra_state(self, state):
        r"""Restore what :meth:`get_extra_state` returned."""
        raise RuntimeError(
            "Module.set_extra_state() is not implemented: override get_extra_state and "
            "set_extra_state together to keep extra state in the state_dict"
        )

    # -- loading ------------------------------------------------------------------------
    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs):
        """Load this module's own state from ``state_dict``; collect problems.

        Layers override it to migrate checkpoints of an older ``_version`` (found in
        ``local_metadata['version']``) before calling this implementation.
        """
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs)
        local_state = {name: tensor for name, tensor in self._parameters.items()
                       if tensor is not None}
        local_state.update(
            (name, buf) for name, buf in self._buffers.items()
            if buf is not None and name not in self._non_persistent_buffers_set
        )
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, param in local_state.items():
            key = prefix + name
            if key in state_dict:
                _load_one(self, name, key, param, state_dict[key], assign, error_msgs)
            elif strict:
                missing_keys.append(key)
        extra_key = prefix + _EXTRA_STATE_KEY_SUFFIX
        if type(self).set_extra_state is not _StateDictMixin.set_extra_state:
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            for key in state_dict:
                if not key.startswith(prefix) or key == extra_key:
                    continue
                head, dot, _ = key[len(prefix):].partition(".")
                if (head not in self._modules) if dot else (head not in local_state):
                    unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        r"""Copy parameters and buffers from ``state_dict`` into this module and its
        descendants.

        Args:
            state_dict (dict): parameters and persistent buffers, keyed like
                :meth:`state_dict`.
            strict (bool): whether the keys must match exactly. Default: ``True``.
                Shape mismatches raise even when ``strict=False``.
            assign (bool): replace the Parameter objects by the given tensors instead of
                copying into them. Default: ``False``.

        Returns:
            ``NamedTuple`` with ``missing_keys`` and ``unexpected_keys``.

        Raises ``RuntimeError`` listing every problem; the module is then left exactly as
        it was.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing_keys, unexpected_keys, error_msgs = [], [], []
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata
        snapshot = _Snapshot(self)
        try:
            _load_tree(self, state_dict, "", metadata, assign,
                       missing_keys, unexpected_keys, error_msgs)
            if strict:
                if unexpected_keys:
                    error_msgs.insert(
                        0, f"Unexpected key(s) in state_dict: {_quoted(unexpected_keys)}. ")
                if missing_keys:
                    error_msgs.insert(
                        0, f"Missing key(s) in state_dict: {_quoted(missing_keys)}. ")
            if error_msgs:
                raise RuntimeError(
                    "Error(s) in loading state_dict for {}:\n\t{}".format(
                        type(self).__name__, "\n\t".join(error_msgs))
                )
        except BaseException:
            snapshot.restore()
            raise
        return _IncompatibleKeys(missing_keys, unexpected_keys)

    # -- state_dict hooks ---------------------------------------------------------------
    def register_state_dict_pre_hook(self, hook):
        r"""``hook(module, prefix, keep_vars)`` before ``state_dict`` saves this module."""
        return add_hook(self._state_dict_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook):
        r"""``hook(module, state_dict, prefix, local_metadata)`` after; may edit in place."""
        return add_hook(self._state_dict_hooks, hook)

    def register_load_state_dict_pre_hook(self, hook):
        r"""``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before this module loads."""
        return add_hook(self._load_state_dict_pre_hooks,
                         lambda *args: hook(self, *args))

    def register_load_state_dict_post_hook(self, hook):
        r"""``hook(module, incompatible_keys)`` after loading; may edit the key lists."""
        return add_hook(self._load_state_dict_post_hooks, hook)


def _load_tree(module, state_dict, prefix, metadata, assign, missing, unexpected, errors):
    local_metadata = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
    if assign:
        local_metadata["assign_to_params_buffers"] = assign
    module._load_from_state_dict(state_dict, prefix, local_metadata, True, missing,
                                 unexpected, errors)
    for name, child in module._modules.items():
        if child is not None:
            child_prefix = f"{prefix}{name}."
            child_state = {k: v for k, v in state_dict.items() if k.startswith(child_prefix)}
            _load_tree(child, child_state, child_prefix, metadata, assign, missing,
                       unexpected, errors)
    incompatible = _IncompatibleKeys(missing, unexpected)
    for hook in module._load_state_dict_post_hooks.values():
        if hook(module, incompatible) is not None:
            raise AssertionError(
                "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                "expected to return new values, if incompatible_keys need to be modified, it "
                "should be done inplace."
            )


def _load_one(module, name, key, param, value, assign, error_msgs):
    """Copy (or assign) one checkpoint tensor into ``param``; record a problem instead."""
    if not isinstance(value, _C.TensorBase):
        error_msgs.append(
            f'While copying the parameter named "{key}", expected nnx.Tensor or Tensor-like '
            f"object from checkpoint but received {type(value)}"
        )
        return
    if param.ndim == 0 and value.ndim == 1 and value.shape[0] == 1:
        value = value[0]  # a (1,) checkpoint entry loads into a 0-d tensor, as in torch
    if value.shape != param.shape:
        error_msgs.append(
            f"size mismatch for {key}: copying a param with shape {value.shape} from "
            f"checkpoint, the shape in current model is {param.shape}."
        )
        return
    try:
        with no_grad():
            if assign:
                if isinstance(param, Parameter):
                    if not isinstance(value, Parameter):
                        value = Parameter(value, requires_grad=param.requires_grad)
                    else:
                        value.requires_grad_(param.requires_grad)
                setattr(module, name, value)
            else:
                param.copy_(value)
    except Exception as ex:
        error_msgs.append(
            f'While copying the parameter named "{key}", whose dimensions in the model are '
            f"{param.size()} and whose dimensions in the checkpoint are {value.size()}, an "
            f"exception occurred : {ex.args}."
        )
