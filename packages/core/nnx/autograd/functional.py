"""``nnx.autograd.backward`` and ``nnx.autograd.grad``: the entry points into the engine."""

import numpy as np

from nnx._C import _C

TensorBase = _C.TensorBase


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, TensorBase):
        return (x,)
    return tuple(x)


def _root_grads(outputs, grad_outputs, create_graph):
    """Seed gradients: ones for scalar outputs, else the given ones (torch's _make_grads)."""
    if len(grad_outputs) == 0:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"Mismatch in number of outputs ({len(outputs)}) and grad_outputs ({len(grad_outputs)})"
        )
    seeds = []
    for out, g in zip(outputs, grad_outputs):
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.dtype.is_floating_point:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs "
                    f"but got {out.dtype!r}"
                )
            seed = np.ones(out._data.shape, dtype=out._data.dtype)
            seeds.append(_C.wrap(seed) if create_graph else seed)
            continue
        if not isinstance(g, TensorBase):
            g = _C.wrap(np.asarray(g, dtype=out._data.dtype))
        if g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and "
                f"output[0] has a shape of {out.shape}."
            )
        seeds.append(g if create_graph else g._data)
    return tuple(seeds)


def _roots(outputs):
    roots = []
    for out in outputs:
        edge = _C.grad_edge(out)
        if edge is None:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        roots.append(edge)
    return tuple(roots)


def backward(
    tensors,
    grad_tensors=None,
    retain_graph=None,
    create_graph=False,
    grad_variables=None,
    inputs=None,
):
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the graph's leaves."""
    outputs = _as_tuple(tensors)
    if grad_variables is not None:
        grad_tensors = grad_variables
    grads = _root_grads(outputs, _as_tuple(grad_tensors), create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        captured = _C.run_backward(
            _roots(outputs), grads, retain_graph, create_graph, _input_edges(inputs), False
        )
        for t, g in zip(inputs, captured):
            if g is not None:
                _accumulate_into(t, g)
        return
    _C.run_backward(_roots(outputs), grads, retain_graph, create_graph, None, True)


def _accumulate_into(t, g):
    if isinstance(g, TensorBase):
        t._grad = g if t._grad is None else t._grad + g
    elif t._grad is None:
        t._grad = _C.wrap(np.array(g, dtype=t._data.dtype, copy=True))
    else:
        t._grad = _C.wrap(t._grad._data + g)


def _input_edges(inputs):
    edges = []
    for i, t in enumerate(inputs):
        if not isinstance(t, TensorBase):
            raise TypeError(f"grad(): inputs must be Tensors, got {type(t).__name__} at {i}")
        edge = _C.grad_edge(t)
        if edge is None:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        edges.append(edge)
    return tuple(edges)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """Gradients of ``outputs`` with respect to ``inputs``, without touching any ``.grad``."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, "
            "but got: allow_unused=False."
        )
    grads = _root_grads(outputs, _as_tuple(grad_outputs), create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    captured = _C.run_backward(
        _roots(outputs), grads, retain_graph, create_graph, _input_edges(inputs), False
    )
    result = []
    for i, (t, g) in enumerate(zip(inputs, captured)):
        if g is None:
            if materialize_grads:
                result.append(_C.wrap(np.zeros_like(t._data)))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired "
                    "behavior."
                )
            result.append(None)
        elif isinstance(g, TensorBase):
            result.append(g)
        else:
            result.append(_C.wrap(np.asarray(g)))
    return tuple(result)
