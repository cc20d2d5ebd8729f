"""``Sequential``: modules chained one after the other (torch.nn.Sequential)."""

from collections import OrderedDict
from itertools import islice

from nnx.nn.modules._container_utils import (
    absolute_index,
    insert_module,
    renumber,
)
from nnx.nn.modules.module import Module


def _not_sequential(other):
    return ValueError(
        f"add operator supports only objects of Sequential class, but {type(other)} is given."
    )


class Sequential(Module):
    r"""A sequential container.

    Modules are added in the order they are passed to the constructor; an ``OrderedDict``
    of modules names them instead of numbering them. ``forward()`` feeds its input to the
    first module and each module's output to the next, returning the last output (the
    input itself when the container is empty).

    Unlike a :class:`ModuleList`, whose modules are just stored, the modules of a
    ``Sequential`` are connected in a cascade, and the whole container acts as one module.

    Example::

        >>> model = nnx.nn.Sequential(Lin(1, 20), Act(), Lin(20, 4))
        >>> model = nnx.nn.Sequential(OrderedDict([("lin1", Lin(1, 20)), ("act1", Act())]))
        >>> model[0]            # by position, whatever the keys are
        >>> model[1:]           # a new Sequential that keeps the original keys
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    def _key_at(self, idx):
        return next(islice(self._modules.keys(), absolute_index(idx, len(self)), None))

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__(OrderedDict(list(self._modules.items())[idx]))
        return self._modules[self._key_at(idx)]

    def __setitem__(self, idx, module):
        setattr(self, self._key_at(idx), module)

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            for key in list(self._modules.keys())[idx]:
                delattr(self, key)
        else:
            delattr(self, self._key_at(idx))
        renumber(self._modules)  # keys become '0'..'n-1' again, even named ones

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise _not_sequential(other)
        combined = Sequential()
        for layer in self:
            combined.append(layer)
        for layer in other:
            combined.append(layer)
        return combined

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise _not_sequential(other)
        offset = len(self)
        for i, module in enumerate(other):
            self.add_module(str(i + offset), module)
        return self

    def _check_factor(self, other):
        if not isinstance(other, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(other)}")
        if other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other} for {type(self)}")

    def __mul__(self, other):
        self._check_factor(other)
        combined = Sequential()
        for _ in range(other):
            for module in self:
                combined.append(module)
        return combined

    def __rmul__(self, other):
        return self.__mul__(other)

    def __imul__(self, other):
        """Repeat the modules in place (``other`` times in all, the same objects)."""
        self._check_factor(other)
        originals = list(self)
        offset = len(self)
        for _ in range(other - 1):
            for module in originals:
                self.add_module(str(offset), module)
                offset += 1
        return self

    def pop(self, key):
        """Remove the module at ``key`` (an index or a slice) and return it; the remaining
        modules are renumbered from 0."""
        value = self[key]
        del self[key]
        return value

    def forward(self, input):
        """Run each module on the previous one's output, starting from ``input``."""
        for module in self:
            input = module(input)
        return input

    def append(self, module):
        r"""Append ``module`` at the end (key ``str(len(self))``) and return ``self``."""
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index, module):
        """Insert ``module`` before position ``index`` (``-len(self) <= index <= len(self)``,
        negative counting from the end) and return ``self``.

        The modules are renumbered ``'0'..'n-1'`` afterwards, as after ``del``. torch
        shifts its digit keys in place instead, which raises a ``KeyError`` when the
        Sequential was built from an ``OrderedDict`` of named modules; here named keys
        simply become indices, as ``del`` and ``pop`` already make them.
        """
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        size = len(self._modules)
        if not -size <= index <= size:
            raise IndexError(f"Index out of range: {index}")
        insert_module(self, index + size if index < 0 else index, module)
        return self

    def extend(self, sequential):
        """Append every module of the iterable ``sequential`` and return ``self``."""
        for layer in sequential:
            self.append(layer)
        return self
