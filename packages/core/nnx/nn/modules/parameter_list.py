"""``ParameterList``: parameters (and other values) held in a list (torch.nn.ParameterList)."""

from collections import abc

from nnx._C import _C
from nnx.nn.modules._container_utils import absolute_index, entry_summary
from nnx.nn.modules.module import Module
from nnx.nn.parameter import Parameter


class ParameterList(Module):
    r"""Holds parameters in a list.

    A ``ParameterList`` can be used like a Python list, but the Parameters it holds are
    registered (names ``'0'``, ``'1'``, ...) and seen by every :class:`Module` method.
    The constructor, item assignment, :meth:`append` and :meth:`extend` convert any plain
    Tensor into a :class:`~nnx.nn.Parameter`; other values are stored as they are (a
    Module as a submodule, anything else as a plain attribute).

    Args:
        values (iterable, optional): an iterable of elements to add to the list

    Example::

        >>> params = nnx.nn.ParameterList([nnx.randn(10, 10) for _ in range(3)])
        >>> [name for name, _ in params.named_parameters()]
        ['0', '1', '2']
    """

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self += values

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            out = self.__class__()
            for i in range(*idx.indices(len(self))):
                out.append(self[i])
            return out
        return getattr(self, str(absolute_index(idx, len(self))))

    def __setitem__(self, idx, param):
        # Every way of adding an entry ends here: the one place that wraps Tensors.
        key = str(absolute_index(idx, len(self)))
        if isinstance(param, _C.TensorBase) and not isinstance(param, Parameter):
            param = Parameter(param)
        setattr(self, key, param)

    def __len__(self):
        return self._size

    def __iter__(self):
        return iter(self[i] for i in range(len(self)))

    def __iadd__(self, parameters):
        return self.extend(parameters)

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, value):
        """Append ``value`` at the end of the list and return ``self``."""
        new_idx = len(self)
        self._size += 1
        self[new_idx] = value
        return self

    def extend(self, values):
        """Append the values of the iterable ``values`` (not a Tensor) and return ``self``."""
        if not isinstance(values, abc.Iterable) or isinstance(values, _C.TensorBase):
            raise TypeError(
                "ParameterList.extend should be called with an iterable, but got "
                + type(values).__name__
            )
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        """One line per entry: ``(0): Parameter containing: [nnx.float32 of size 2x3]``."""
        return "\n".join(
            f"  ({k}): {entry_summary(value, lambda t: str(t.dtype))}"
            for k, value in enumerate(self)
        )

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")
