"""``ModuleList``: submodules held in a list (torch.nn.ModuleList)."""

from collections import abc
from itertools import chain

from nnx.nn.modules._container_utils import (
    absolute_index,
    insert_module,
    insert_position,
    renumber,
)
from nnx.nn.modules._repr import addindent
from nnx.nn.modules.module import Module


class ModuleList(Module):
    r"""Holds submodules in a list.

    A ``ModuleList`` can be indexed like a Python list, but the modules it holds are
    registered (keys ``'0'``, ``'1'``, ...) and seen by every :class:`Module` method. It
    has no ``forward``: iterate over it in the owner's ``forward`` instead.

    Args:
        modules (iterable, optional): an iterable of modules to add

    Example::

        >>> class Net(nnx.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.layers = nnx.nn.ModuleList([Lin(10, 10) for _ in range(3)])
        ...     def forward(self, x):
        ...         for layer in self.layers:
        ...             x = layer(x)
        ...         return x
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self += modules

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__(list(self._modules.values())[idx])
        return self._modules[str(absolute_index(idx, len(self)))]

    def __setitem__(self, idx, module):
        setattr(self, str(absolute_index(idx, len(self))), module)

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            for k in range(len(self._modules))[idx]:
                delattr(self, str(k))
        else:
            delattr(self, str(absolute_index(idx, len(self))))
        renumber(self._modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        combined = ModuleList()
        for i, module in enumerate(chain(self, other)):
            combined.add_module(str(i), module)
        return combined

    def __repr__(self):
        """Like Module's repr, but a run of children with the same repr prints once, as
        ``(1-3): 3 x Act()``."""
        reprs = [repr(module) for module in self]
        if not reprs:
            return self._get_name() + "()"
        runs = []  # [first index, last index, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = []
        for start, end, text in runs:
            if start == end:
                line = f"({start}): {text}"
            else:
                line = f"({start}-{end}): {end - start + 1} x {text}"
            lines.append(addindent(line, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def insert(self, index, module):
        r"""Insert ``module`` before position ``index``, with ``list.insert``'s rules:
        a negative ``index`` counts from the end and an out-of-range one clamps to the
        ends; keys stay ``'0'..'n-1'``.

        torch 2.13 shifts keys without normalising, so there ``insert(-1, m)`` raises
        ``KeyError: '-1'`` and ``insert(100, m)`` leaves a key ``'100'``; it also stores a
        non-Module. Here the module is checked and registered as by :meth:`append`.
        """
        insert_module(self, insert_position(index, len(self)), module)

    def append(self, module):
        r"""Append ``module`` at the end of the list and return ``self``."""
        self.add_module(str(len(self)), module)
        return self

    def pop(self, key):
        """Remove the module at ``key`` (an index or a slice) and return it; the remaining
        modules are renumbered from 0."""
        value = self[key]
        del self[key]
        return value

    def extend(self, modules):
        r"""Append the modules of the iterable ``modules`` and return ``self``."""
        if not isinstance(modules, abc.Iterable):
            raise TypeError(
                "ModuleList.extend should be called with an iterable, but got "
                + type(modules).__name__
            )
        offset = len(self)
        for i, module in enumerate(modules):
            self.add_module(str(offset + i), module)
        return self
