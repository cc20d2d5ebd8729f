"""``ParameterDict``: parameters (and other values) held in an ordered dict
(torch.nn.ParameterDict)."""

from collections import OrderedDict, abc

from nnx._C import _C
from nnx._typename import typename
from nnx.nn.modules._container_utils import entry_summary, update_pairs
from nnx.nn.modules.module import Module
from nnx.nn.parameter import Parameter


class ParameterDict(Module):
    r"""Holds parameters in a dictionary.

    A ``ParameterDict`` can be indexed like a Python dict, but the Parameters it holds
    are registered under their keys and seen by every :class:`Module` method; other
    values are stored as a dict would store them. It keeps the insertion order, but
    :meth:`update` with a plain (unordered) mapping adds its keys sorted, as torch does;
    an ``OrderedDict``, a ParameterDict or an iterable of pairs keeps its order.

    The constructor, item assignment and :meth:`update` convert any plain Tensor into a
    :class:`~nnx.nn.Parameter`.

    Args:
        parameters (iterable, optional): a mapping of (string: value), or an iterable of
            (string, value) pairs

    Example::

        >>> params = nnx.nn.ParameterDict({"left": nnx.randn(5, 10), "right": nnx.randn(5, 10)})
        >>> params["left"].shape
        nnx.Size([5, 10])
    """

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    def _key_to_attr(self, key):
        if not isinstance(key, str):
            raise TypeError(
                "Index given to ParameterDict cannot be used as a key as it is not a string "
                f"(type is '{type(key).__name__}'). Open an issue on github if you need "
                "non-string keys."
            )
        return key  # the key itself, so that named_parameters() reports it

    def __getitem__(self, key):
        return getattr(self, self._key_to_attr(key))

    def __setitem__(self, key, value):
        # Every way of adding an entry ends here: the one place that wraps Tensors. Unlike
        # torch, the key is recorded only once the assignment has succeeded, so a rejected
        # key (not a string, containing ".") does not leave a ghost entry behind.
        attr = self._key_to_attr(key)
        if isinstance(value, _C.TensorBase) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, attr, value)
        self._keys[key] = None

    def __delitem__(self, key):
        del self._keys[key]
        delattr(self, self._key_to_attr(key))

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(self._keys)

    def __contains__(self, key):
        return key in self._keys

    def copy(self):
        """A new ParameterDict holding the same values (not copies of them)."""
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def setdefault(self, key, default=None):
        """Return ``self[key]``, first setting it to ``default`` if ``key`` is missing."""
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self):
        """Remove all items from the ParameterDict."""
        for k in self._keys.copy():
            del self[k]

    def pop(self, key):
        r"""Remove ``key`` and return its value."""
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        """Remove and return the last inserted ``(key, value)`` pair."""
        if not self._keys:
            raise KeyError("popitem(): dictionary is empty")
        key = next(reversed(self._keys))
        value = self[key]
        del self[key]
        return key, value

    def get(self, key, default=None):
        r"""``self[key]`` if ``key`` is present, else ``default``."""
        return self[key] if key in self else default

    def fromkeys(self, keys, default=None):
        r"""A new ParameterDict mapping each of ``keys`` to ``default``."""
        return ParameterDict((k, default) for k in keys)

    def keys(self):
        r"""The ParameterDict's keys (a dict view)."""
        return self._keys.keys()

    def items(self):
        r"""An iterable of the ParameterDict's (key, value) pairs."""
        return ((k, self[k]) for k in self._keys)

    def values(self):
        r"""An iterable of the ParameterDict's values."""
        return (self[k] for k in self._keys)

    def update(self, parameters):
        r"""Add the items of ``parameters``, overwriting existing keys.

        Args:
            parameters (iterable): an ``OrderedDict`` or ParameterDict (order kept), another
                mapping (its keys are added sorted), or an iterable of (string, value) pairs
        """
        if not isinstance(parameters, abc.Iterable):
            raise TypeError(
                "ParametersDict.update should be called with an iterable of key/value pairs, "
                "but got " + type(parameters).__name__
            )
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            for key, value in parameters.items():
                self[key] = value
        elif isinstance(parameters, abc.Mapping):
            for key, value in sorted(parameters.items()):
                self[key] = value
        else:
            update_pairs("ParameterDict", parameters, self.__setitem__)

    def extra_repr(self):
        """One line per entry: ``(a): Parameter containing: [nnx.FloatTensor of size 2]``
        (torch prints the legacy tensor type here, and the dtype in ParameterList)."""
        return "\n".join(f"  ({k}): {entry_summary(p, typename)}" for k, p in self.items())

    def __call__(self, input):
        raise RuntimeError("ParameterDict should not be called.")

    def __or__(self, other):
        combined = self.copy()
        combined.update(other)
        return combined

    def __ror__(self, other):
        combined = other.copy()
        combined.update(self)
        return combined

    def __ior__(self, other):
        self.update(other)
        return self
