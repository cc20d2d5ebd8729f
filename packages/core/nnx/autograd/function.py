"""Custom differentiable ops: ``nnx.autograd.Function`` with ``forward``/``backward``.

As in torch, the ``ctx`` a Function's forward and backward see *is* its graph node:
a subclass of the engine's Node created per call, named ``<Function>Backward``.
"""

import functools

import numpy as np

from nnx._C import _C
from nnx._C._C import Node, attach, make_view, needs_grad
from nnx.autograd.grad_mode import no_grad

TensorBase = _C.TensorBase


def _as_tensor(x):
    if x is None or isinstance(x, TensorBase):
        return x
    return _C.wrap(np.asarray(x))


class FunctionCtx(Node):
    """The context/node of one call of a custom Function."""

    _function = None

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, TensorBase):
                raise TypeError(
                    "save_for_backward can only save variables, but argument "
                    f"{tensors.index(t)} is of type {type(t).__name__}"
                )
        self._to_save = tensors

    @property
    def saved_tensors(self):
        return tuple(_as_tensor(v) for v in Node.unpack_saved(self))

    def mark_dirty(self, *tensors):
        self._dirty = {id(t) for t in tensors}

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = {id(t) for t in tensors}

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)

    def backward(self, *grads):
        fn = type(self)._function
        grads = tuple(_as_tensor(g) for g in grads)
        result = fn.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        expected = len(self.next_functions)
        if len(result) > expected and all(r is None for r in result[expected:]):
            result = result[:expected]
        if len(result) != expected:
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {expected}, got {len(result)})"
            )
        # A gradient for an input that needs none goes unchecked: post-hooks still see it
        # (torch's module backward hooks rely on that), then the engine drops it.
        for i, (g, shape, edge) in enumerate(
                zip(result, self._input_shapes, self.next_functions)):
            if (g is not None and shape is not None and edge[0] is not None
                    and tuple(np.shape(_data(g))) != shape):
                raise RuntimeError(
                    f"Function {self.name()} returned an invalid gradient at index "
                    f"{i} - got {list(np.shape(_data(g)))} but expected shape "
                    f"compatible with {list(shape)}"
                )
        return result


def _data(x):
    return x._data if isinstance(x, TensorBase) else x


class _FunctionMeta(type):
    """Gives every Function subclass its own node class, ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (FunctionCtx,), {"_function": cls})


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable operations (torch.autograd.Function).

    Example::

        class Exp(Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad):
                (y,) = ctx.saved_tensors
                return grad * y

        y = Exp.apply(x)
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your "
            "custom autograd.Function to use it with backward mode AD."
        )

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._backward_cls()
        ctx._to_save = ()
        ctx._dirty = set()
        ctx._non_differentiable = set()
        ctx._materialize_grads = True
        ctx.needs_input_grad = tuple(isinstance(a, TensorBase) and a._requires_grad for a in args)
        separate_setup = cls.setup_context is not Function.setup_context
        with no_grad():
            if separate_setup:
                outputs = cls.forward(*args, **kwargs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        if separate_setup:
            cls.setup_context(ctx, args, outputs)
        single = not isinstance(outputs, tuple)
        out_list = [outputs] if single else list(outputs)
        if needs_grad(*args):
            out_list = _connect(ctx, args, out_list)
        return out_list[0] if single else tuple(out_list)


def _connect(ctx, args, out_list):
    """Make ``ctx`` the grad_fn of the differentiable outputs, then save what it asked for."""
    input_ids = {id(a) for a in args if isinstance(a, TensorBase)}
    graph_outputs = []
    for i, out in enumerate(out_list):
        if not isinstance(out, TensorBase):
            graph_outputs.append(None)
            continue
        non_differentiable = id(out) in ctx._non_differentiable
        if id(out) in input_ids and id(out) not in ctx._dirty:
            out = make_view(out._data, out)  # returning an input: a fresh alias
            out_list[i] = out
        if non_differentiable or not out.dtype.is_floating_point:
            graph_outputs.append(None)
        else:
            graph_outputs.append(out)
    ctx._input_shapes = tuple(
        tuple(a._data.shape) if isinstance(a, TensorBase) else None for a in args
    )
    inputs = [a if isinstance(a, TensorBase) else None for a in args]
    if any(o is not None for o in graph_outputs):
        for o in graph_outputs:
            if o is not None and id(o) in ctx._dirty:
                o._vc.version += 1
        attach(ctx, inputs, graph_outputs if len(graph_outputs) > 1 else graph_outputs[0])
        for i, out in enumerate(out_list):  # non-differentiable outputs get zeros of their shape
            if graph_outputs[i] is None and isinstance(out, TensorBase) and len(out_list) > 1:
                ctx._out_meta[i] = (out._data.shape, out._data.dtype)
    if ctx._to_save:
        Node.save_for_backward(ctx, *ctx._to_save)
    return out_list


def once_differentiable(fn):
    """Mark a backward as not itself differentiable: it runs without recording."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)

    return wrapper


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        self.inplace = inplace

