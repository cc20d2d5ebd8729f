"""Finite-difference checks of gradients: ``gradcheck`` and ``gradgradcheck`` (torch's API).

The analytical Jacobian is built row by row with vector-Jacobian products (one backward
per output element), the numerical one by central differences, and both are compared
with ``|analytical - numerical| <= atol + rtol * |numerical|``.
"""

import warnings

import numpy as np

from nnx._C import _C
from nnx.autograd.functional import grad as _grad
from nnx.autograd.grad_mode import enable_grad, no_grad

TensorBase = _C.TensorBase


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _differentiable_positions(outputs):
    return [
        i
        for i, o in enumerate(_as_tuple(outputs))
        if isinstance(o, TensorBase) and o.dtype.is_floating_point and o.requires_grad
    ]


def _numerical_jacobian(func, inputs, wrt, positions, outputs, eps):
    """Per (input, output) pair, a (numel(input), numel(output)) matrix by central differences."""
    jac = [[np.zeros((inputs[i]._data.size, o._data.size)) for o in outputs] for i in wrt]

    def evaluate():
        results = _as_tuple(func(*inputs))
        return [results[p]._data.copy() for p in positions]

    for k, i in enumerate(wrt):
        flat = inputs[i]._data.reshape(-1)
        for j in range(flat.size):
            original = flat[j].copy()
            with no_grad():
                flat[j] = original + eps
                plus = evaluate()
                flat[j] = original - eps
                minus = evaluate()
                flat[j] = original
            for m in range(len(outputs)):
                jac[k][m][j] = ((plus[m] - minus[m]) / (2 * eps)).reshape(-1)
    return jac


def _check_constant_outputs(func, inputs, wrt, results, positions, eps, atol):
    """Float outputs that do not require grad must really not depend on the inputs
    (torch's check): otherwise a wrongly detached result would pass unnoticed."""
    constant = [
        i
        for i, o in enumerate(results)
        if i not in positions and isinstance(o, TensorBase) and o.dtype.is_floating_point
    ]
    if not constant:
        return
    outputs = [results[p] for p in constant]
    for per_input in _numerical_jacobian(func, inputs, wrt, constant, outputs, eps):
        for jac in per_input:
            if np.abs(jac).max(initial=0.0) > atol:
                raise GradcheckError("Numerical gradient for function expected to be zero")


def _analytical_jacobian(inputs, wrt, outputs):
    jac = [[np.zeros((inputs[i]._data.size, o._data.size)) for o in outputs] for i in wrt]
    targets = [inputs[i] for i in wrt]
    for m, out in enumerate(outputs):
        for j in range(out._data.size):
            seed = np.zeros(out._data.size, dtype=out._data.dtype)
            seed[j] = 1
            grads = _grad(
                out,
                targets,
                _C.wrap(seed.reshape(out._data.shape)),
                retain_graph=True,
                allow_unused=True,
            )
            for k, g in enumerate(grads):
                if g is not None:
                    jac[k][m][:, j] = g._data.reshape(-1)
    return jac


def gradcheck(
    func,
    inputs,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    raise_exception=True,
    nondet_tol=0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_batched_forward_grad=False,
    check_forward_ad=False,
    check_backward_ad=True,
    fast_mode=False,
    masked=None,
):
    """Check the gradients of ``func`` at ``inputs`` against finite differences."""
    inputs = _as_tuple(inputs)
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, TensorBase) and t.requires_grad]
    if not wrt:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but "
            "none of the them have requires_grad=True."
        )
    for i in wrt:
        if inputs[i].dtype.name != "float64":
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating "
                "point. This check will likely fail if all the inputs are not of double "
                "precision floating point. ",
                UserWarning,
                stacklevel=2,
            )
    results = _as_tuple(func(*inputs))
    positions = _differentiable_positions(results)
    outputs = [results[p] for p in positions]
    _check_constant_outputs(func, inputs, wrt, results, positions, eps, atol)
    numerical = _numerical_jacobian(func, inputs, wrt, positions, outputs, eps)
    analytical = _analytical_jacobian(inputs, wrt, outputs)
    for k, i in enumerate(wrt):
        for m in range(len(outputs)):
            a, n = analytical[k][m], numerical[k][m]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {m} with respect to input {i},\n"
                    f"numerical:{n}\nanalytical:{a}\n"
                )
    return True


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    gen_non_contig_grad_outputs=False,
    raise_exception=True,
    nondet_tol=0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_fwd_over_rev=False,
    check_rev_over_rev=True,
    fast_mode=False,
    masked=False,
):
    """Check second derivatives: gradcheck of the (create_graph) gradient of ``func``."""
    inputs = _as_tuple(inputs)
    results = _as_tuple(func(*inputs))
    outputs = [results[p] for p in _differentiable_positions(results)]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            _C.wrap(rng.standard_normal(o._data.shape).astype(o._data.dtype)).requires_grad_(True)
            for o in outputs
        )
    grad_outputs = _as_tuple(grad_outputs)
    n_inputs = len(inputs)
    wrt_positions = [
        i for i, t in enumerate(inputs) if isinstance(t, TensorBase) and t.requires_grad
    ]

    def first_derivative(*args):
        ins, gos = args[:n_inputs], args[n_inputs:]
        with enable_grad():  # gradcheck evaluates under no_grad; the first grad needs a graph
            res = _as_tuple(func(*ins))
            outs = [res[p] for p in _differentiable_positions(res)]
            grads = _grad(
                outs, [ins[i] for i in wrt_positions], gos, create_graph=True, allow_unused=True
            )
        return tuple(
            g if g is not None else _C.wrap(np.zeros_like(ins[i]._data))
            for g, i in zip(grads, wrt_positions)
        )

    return gradcheck(
        first_derivative,
        inputs + grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )
