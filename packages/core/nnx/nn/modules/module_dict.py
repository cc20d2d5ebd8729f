"""``ModuleDict``: submodules held in an ordered dict (torch.nn.ModuleDict)."""

from collections import abc

from nnx.nn.modules._container_utils import update_pairs
from nnx.nn.modules.module import Module


class ModuleDict(Module):
    r"""Holds submodules in a dictionary.

    A ``ModuleDict`` can be indexed like a Python dict, but the modules it holds are
    registered under their keys and seen by every :class:`Module` method. It keeps the
    insertion order, and :meth:`update` keeps the order of the mapping (or of the
    iterable of pairs) it is given. It has no ``forward``.

    Args:
        modules (iterable, optional): a mapping of (string: module), or an iterable of
            (string, module) pairs

    Example::

        >>> class Net(nnx.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.choices = nnx.nn.ModuleDict({"small": Lin(4, 2), "big": Lin(4, 8)})
        ...     def forward(self, x, choice):
        ...         return self.choices[choice](x)
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def clear(self):
        """Remove all items from the ModuleDict."""
        self._modules.clear()

    def pop(self, key):
        r"""Remove ``key`` and return its module."""
        value = self[key]
        del self[key]
        return value

    def keys(self):
        r"""The ModuleDict's keys (a dict view)."""
        return self._modules.keys()

    def items(self):
        r"""The ModuleDict's (key, module) pairs (a dict view)."""
        return self._modules.items()

    def values(self):
        r"""The ModuleDict's modules (a dict view)."""
        return self._modules.values()

    def update(self, modules):
        r"""Add the items of ``modules``, overwriting existing keys.

        Args:
            modules (iterable): a mapping from string to :class:`Module` (a dict,
                ``OrderedDict`` or ModuleDict; its order is kept), or an iterable of
                (string, :class:`Module`) pairs
        """
        if not isinstance(modules, abc.Iterable):
            raise TypeError(
                "ModuleDict.update should be called with an iterable of key/value pairs, "
                "but got " + type(modules).__name__
            )
        if isinstance(modules, (ModuleDict, abc.Mapping)):
            for key, module in modules.items():
                self[key] = module
        else:
            update_pairs("ModuleDict", modules, self.__setitem__)
