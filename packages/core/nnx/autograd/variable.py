"""``nnx.autograd.Variable``: the seed's name for a tensor that records history.

Since PyTorch 0.4 a Variable *is* a Tensor; ``Variable(t, requires_grad=True)`` returns a
tensor sharing ``t``'s data, and ``isinstance(x, Variable)`` is true for every tensor.
"""

from nnx._C import _C


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, _C.TensorBase)


class Variable(metaclass=_VariableMeta):
    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if data is None:
            from nnx._creation import tensor

            data = tensor([])
        if not isinstance(data, _C.TensorBase):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out
