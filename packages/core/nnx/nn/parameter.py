"""Parameter and Buffer (torch.nn.parameter).

A ``Parameter`` is a leaf Tensor that a Module registers when it is assigned to one of its
attributes; a plain Tensor assigned the same way is just cached state (the seed's example:
an RNN's last hidden state must not become a model parameter).
"""

import numpy as np

from nnx._C import _C
from nnx._tensor import Tensor


def _share(cls, data, requires_grad):
    """A ``cls`` instance viewing ``data``'s array, with no autograd history (torch's
    ``Tensor._make_subclass``)."""
    tensor = _C.TensorBase.__new__(cls)
    tensor._data = data._data
    if requires_grad and not data.dtype.is_floating_point:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    tensor.requires_grad_(requires_grad)
    return tensor


def _rebuild_parameter(array, requires_grad):
    from nnx import _creation

    return Parameter(_creation._rebuild(array, False), requires_grad)


class Parameter(Tensor):
    r"""A Tensor that is a module parameter.

    Assigned as a :class:`Module` attribute it is added to the module's parameters (it shows
    up in ``parameters()`` and ``state_dict()``); a plain Tensor assigned the same way is not.

    Args:
        data (Tensor): parameter tensor; its storage is shared, not copied. Default: an empty
            tensor.
        requires_grad (bool): whether the parameter requires gradient. Default: ``True``.

    Example::

        >>> p = nnx.nn.Parameter(nnx.zeros(2))
        >>> p
        Parameter containing:
        tensor([0., 0.], requires_grad=True)
    """

    def __new__(cls, data=None, requires_grad=True):
        from nnx import _creation

        if data is None:
            data = _creation.empty(0)
        if not isinstance(data, _C.TensorBase):
            raise TypeError(
                f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}"
            )
        return _share(cls, data, requires_grad)

    def __init__(self, data=None, requires_grad=True):
        pass  # everything happens in __new__ (Tensor.__init__ must not see the arguments)

    def __repr__(self, *, tensor_contents=None):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        # torch copies the data and the flag only: no .grad, no attributes
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.data.clone(), self.requires_grad)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (np.array(self._data), self._requires_grad))


class _BufferMeta(type):
    # ``isinstance(t, Buffer)`` is true for tensors made by Buffer(...), as in torch.
    def __instancecheck__(cls, instance):
        return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    r"""Marks a Tensor as a buffer: ``module.name = Buffer(t)`` registers it like
    ``register_buffer(name, t, persistent)``.

    Args:
        data (Tensor): buffer tensor (shared, not copied).
        persistent (bool): whether the buffer is part of the module's ``state_dict``.
            Default: ``True``.
    """

    def __new__(cls, data=None, *, persistent=True):
        from nnx import _creation

        if data is None:
            data = _creation.empty(0)
        tensor = _share(Tensor, data, data.requires_grad)
        tensor.persistent = persistent
        tensor._is_buffer = True
        return tensor
