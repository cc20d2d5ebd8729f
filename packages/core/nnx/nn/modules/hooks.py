"""``RemovableHandle``: what every ``register_*_hook`` returns (torch.utils.hooks)."""

import weakref
from collections import OrderedDict


class RemovableHandle:
    """Removes one hook from the dict(s) it was registered in.

    Hooks live in ``OrderedDict``s keyed by the handle's ``id`` (ids only grow, so
    registration order is call order); the handle holds those dicts weakly, so it never
    keeps a module alive.

    Args:
        hooks_dict (dict): the hooks, indexed by hook ``id``.
        extra_dict (dict or list of dict): more dicts whose ``id`` key goes with the hook
            (e.g. the set of hooks that take kwargs).
    """

    next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        if isinstance(extra_dict, dict):
            extra_dict = [extra_dict]
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict or ())

    def remove(self):
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None and self.id in hooks:
                del hooks[self.id]

    def __getstate__(self):
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state):
        hooks = OrderedDict() if state[0] is None else state[0]
        self._kept = hooks  # a fresh dict has no other owner: keep the weak ref alive
        self.hooks_dict_ref = weakref.ref(hooks)
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        extras = state[2] if len(state) > 2 and state[2] is not None else ()
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.remove()


def add_hook(hooks, hook, *, prepend=False, flags=()):
    """Store ``hook`` in ``hooks`` under a new handle (first if ``prepend``); each dict in
    ``flags`` marks it too (takes kwargs, always called) and forgets it with the handle."""
    handle = RemovableHandle(hooks, extra_dict=list(flags))
    hooks[handle.id] = hook
    for flag_dict in flags:
        flag_dict[handle.id] = True
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle
