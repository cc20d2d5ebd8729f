"""Matrix products: matmul (``@``), mm, bmm, mv, dot, outer.

Every product is one ``np.matmul`` forwards and at most two backwards, on transposed
*views* of the saved operands (NumPy hands those to BLAS as transposes, no copy), and
only for the operands that want a gradient:

    out = a @ b        grad_a = g @ b^T   (summed over broadcast batch dims)
                       grad_b = a^T @ g

1-D operands follow torch: a vector on the left is a row (the dim is dropped from the
result), on the right a column.  Shape and dtype checks come first, with the message
of the ATen kernel torch would route the call to (dot, mv, mm or bmm).
"""

import numpy as np

from nnx._C._C import Node, TensorBase, attach, broadcast_message, needs_grad, wrap
from nnx._ops import _grad
from nnx._ops._names import CPP_NAMES as _CPP_NAMES
from nnx._ops._names import SCALAR_NAMES as _SCALAR_NAMES


def _scalar(x):
    return _SCALAR_NAMES[x.dtype.name]


def _no_bool(x, kernel):
    if x.dtype == np.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _blasable(x):
    """Whether BLAS can read ``x``'s matrices as they are (row- or column-major).

    NumPy falls back to a slow path otherwise (a broadcast gradient: 48 ms instead of
    32 ms for 1024x1024 float32 here), so such operands are made contiguous first.
    """
    if x.ndim < 2 or x.size == 0:
        return True
    (s0, s1), (m, n), it = x.strides[-2:], x.shape[-2:], x.itemsize
    return (s1 == it and s0 >= n * it) or (s0 == it and s1 >= m * it)


def _mm_data(x):
    return x if x is None or _blasable(x) else np.ascontiguousarray(x)


def _np_matmul(a, b):
    """``a @ b`` on arrays; a batch times one matrix or vector is one GEMM on folded rows
    (10-15% faster than NumPy's per-batch loop for (32, 50, 256) @ (256, 512) here)."""
    if a.ndim >= 3 and b.ndim <= 2 and _rows_foldable(a):
        rows = _mm_data(a.reshape(-1, a.shape[-1]))
        return np.matmul(rows, _mm_data(b)).reshape(a.shape[:-1] + b.shape[1:])
    return np.matmul(_mm_data(a), _mm_data(b))


# -- checks, one per ATen kernel -------------------------------------------------------

def _check_dot(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError("dot : expected both vectors to have same dtype, but found "
                           f"{_scalar(a)} and {_scalar(b)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
            f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
            "respectively")
    _no_bool(a, "dot")


def _check_mv(a, b, rows=None):
    rows = a.shape[0] if rows is None else rows
    if a.shape[-1] != b.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{a.shape[-1]}), "
                           f"vec ({b.shape[0]})")
    if a.dtype != b.dtype:
        raise RuntimeError("addmv input tensors must have the same dtype, but got "
                           f"{_scalar(b)}, {_scalar(a)}, and {_scalar(b)}")
    _no_bool(a, "addmv_impl_cpu")


def _check_mm(a, b, rows=None):
    rows = (a.shape[0] if a.ndim == 2 else 1) if rows is None else rows
    if a.shape[-1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{a.shape[-1]} "
                           f"and {b.shape[0]}x{b.shape[1]})")
    if a.dtype != b.dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{_CPP_NAMES[a.dtype.name]} != {_CPP_NAMES[b.dtype.name]}")
    _no_bool(a, "addmm_impl_cpu_")


def _check_bmm(a, b):
    """``a``, ``b`` at least 1-D, one at least 3-D: batch dims broadcast, then bmm's checks."""
    batch_a = a.shape[:-2] if a.ndim >= 2 else ()
    batch_b = b.shape[:-2] if b.ndim >= 2 else ()
    try:
        batch = np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        raise RuntimeError(broadcast_message(batch_a, batch_b)) from None
    size = int(np.prod(batch))
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if k_a != k_b:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{size}, {k_a}] but got: [{size}, {k_b}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_scalar(a)} but found {_scalar(b)}")
    _no_bool(a, "bmm")


def _tensor_args(name, input, other, other_name):
    for pos, (arg, argname) in enumerate(((input, "input"), (other, other_name)), 1):
        if not isinstance(arg, TensorBase):
            raise TypeError(f"{name}(): argument '{argname}' (position {pos}) must be Tensor, "
                            f"not {type(arg).__name__}")


# -- the product and its backward ------------------------------------------------------

class _MatmulBackward(Node):
    """grad_a = g @ b^T, grad_b = a^T @ g, with 1-D operands as row / column."""

    def backward(self, grad):
        a, b = self.saved_tensors           # a is saved iff b wants a grad, and vice versa
        need_a = self.next_functions[0][0] is not None
        need_b = self.next_functions[1][0] is not None
        a_ndim, b_ndim = len(self.a_shape), len(self.b_shape)
        if a_ndim == 2 and b_ndim == 2:     # the hot case: two GEMMs, nothing else
            if not _grad.is_tensor(grad):
                grad, a, b = _mm_data(grad), _mm_data(a), _mm_data(b)
            return (_grad.matmul(grad, _grad.swap_last(b)) if need_a else None,
                    _grad.matmul(_grad.swap_last(a), grad) if need_b else None)
        if a_ndim == 1 and b_ndim == 1:     # dot: grad is 0-d
            return (grad * b if need_a else None, grad * a if need_b else None)
        return _matmul_grads(grad, a, b, self.a_shape, self.b_shape, need_a, need_b)


def _matmul_grads(g, a, b, a_shape, b_shape, need_a, need_b):
    """The general case: batch broadcasting and one 1-D operand."""
    tensor = _grad.is_tensor(g)
    if not tensor:
        g = _mm_data(g)
    if len(a_shape) == 1:                   # (k) as (1, k); the result lost dim -2
        a = _grad.reshape(a, (1,) + a_shape) if need_b else a
        g = _grad.reshape(g, tuple(g.shape[:-1]) + (1, g.shape[-1]))
    if len(b_shape) == 1:                   # (k) as (k, 1); the result lost dim -1
        b = _grad.reshape(b, b_shape + (1,)) if need_a else b
        g = _grad.reshape(g, tuple(g.shape) + (1,))
    g_a = g_b = None
    if need_a:
        g_a = _grad.matmul(g, _grad.swap_last(b)) if tensor else _np_matmul(g, b.swapaxes(-1, -2))
        g_a = _grad.reshape(_grad.sum_to(g_a, _padded(a_shape, 1)), a_shape)
    if need_b:
        if not tensor and len(b_shape) <= 2 and len(a_shape) >= 3:
            # fold the batch into the rows: one GEMM, no (B, k, m) intermediate to sum
            k = a_shape[-1]
            g_b = np.ascontiguousarray(a).reshape(-1, k).T @ g.reshape(-1, g.shape[-1])
        else:
            g_b = _grad.sum_to(_grad.matmul(_grad.swap_last(a), g), _padded(b_shape, -1))
        g_b = _grad.reshape(g_b, b_shape)
    return g_a, g_b


def _padded(shape, where):
    """A 1-D operand's shape as the matrix it was used as: row (1, k) or column (k, 1)."""
    if len(shape) != 1:
        return shape
    return (1,) + shape if where == 1 else shape + (1,)


class MmBackward0(_MatmulBackward):
    pass


class BmmBackward0(_MatmulBackward):
    pass


class MvBackward0(_MatmulBackward):
    pass


class DotBackward0(_MatmulBackward):
    pass


class SqueezeBackward4(_MatmulBackward):
    """torch's grad_fn for vector @ matrix (an mm of a row, then a squeeze)."""


class UnsafeViewBackward0(_MatmulBackward):
    """torch's grad_fn for batched matmul (a bmm on folded views, then a view)."""


class CloneBackward0(_MatmulBackward):
    """torch's grad_fn for matrix @ batch when the matrix requires grad (a transposed fold)."""


def _product(input, other, node_type):
    a, b = input._data, other._data
    out = wrap(np.asarray(_np_matmul(a, b)))
    if needs_grad(input, other):
        node = node_type()
        node.a_shape = a.shape
        node.b_shape = b.shape
        attach(node, (input, other), out)
        node.save_for_backward(input if other._requires_grad else None,
                               other if input._requires_grad else None)
    return out


# -- the public ops ----------------------------------------------------------------------

def matmul(input, other):
    """Matrix product with torch's rules for 1-D, 2-D and batched (broadcast) operands."""
    _tensor_args("matmul", input, other, "other")
    a, b = input._data, other._data
    da, db = a.ndim, b.ndim
    if da == 0 or db == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    if da == 1 and db == 1:
        _check_dot(a, b)
        return _product(input, other, DotBackward0)
    if da == 2 and db == 1:
        _check_mv(a, b)
        return _product(input, other, MvBackward0)
    if da == 1 and db == 2:
        _check_mm(a, b)
        return _product(input, other, SqueezeBackward4)
    if da == 2 and db == 2:
        _check_mm(a, b)
        return _product(input, other, MmBackward0)
    return _product(input, other, _check_batched(input, other))


def _check_batched(input, other):
    """Checks of a batched matmul; returns its grad_fn type.

    torch folds the batch of the bigger operand into matrix rows (then its errors are
    mm's or mv's) when that is free or saves the other operand's gradient a big
    intermediate; otherwise it broadcasts the batch dims and calls bmm.
    """
    a, b = input._data, other._data
    if a.ndim >= b.ndim:
        if b.ndim <= 2 and (other._requires_grad or _rows_foldable(a)):
            rows = int(np.prod(a.shape[:-1]))
            (_check_mv if b.ndim == 1 else _check_mm)(a, b, rows)
            return UnsafeViewBackward0
    elif a.ndim <= 2:                       # (b^T @ a^T)^T with b^T folded
        bt = np.swapaxes(b, -1, -2)
        if input._requires_grad or a.ndim == 1 and _rows_foldable(bt):
            rows = int(np.prod(bt.shape[:-1]))
            if a.ndim == 1:
                _check_mv(bt, a, rows)
                return UnsafeViewBackward0
            _check_mm(bt, a.T, rows)
            return CloneBackward0
    _check_bmm(a, b)
    return UnsafeViewBackward0


def _rows_foldable(x):
    """Whether ``x.reshape(-1, x.shape[-1])`` is a view (leading dims contiguous)."""
    if x.size == 0:
        return True
    dims = [(n, s) for n, s in zip(x.shape[:-1], x.strides[:-1]) if n != 1]
    return all(s == dims[i + 1][1] * dims[i + 1][0] for i, (_, s) in enumerate(dims[:-1]))


def mm(input, mat2):
    """Matrix product of two 2-D tensors."""
    _tensor_args("mm", input, mat2, "mat2")
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _check_mm(input._data, mat2._data)
    return _product(input, mat2, MmBackward0)


def bmm(input, mat2):
    """Batched matrix product of two 3-D tensors with the same batch size."""
    _tensor_args("bmm", input, mat2, "mat2")
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _check_bmm(a, b)
    return _product(input, mat2, BmmBackward0)


def mv(input, vec):
    """Matrix (2-D) times vector (1-D)."""
    _tensor_args("mv", input, vec, "vec")
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError("vector + matrix @ vector expected, got 1, "
                           f"{input._data.ndim}, {vec._data.ndim}")
    _check_mv(input._data, vec._data)
    return _product(input, vec, MvBackward0)


def dot(input, tensor):
    """Inner product of two 1-D tensors (a 0-d result)."""
    _tensor_args("dot", input, tensor, "tensor")
    _check_dot(input._data, tensor._data)
    return _product(input, tensor, DotBackward0)


def outer(input, vec2):
    """Outer product ``input[:, None] * vec2[None, :]`` (dtypes promote; grad_fn MulBackward0)."""
    _tensor_args("outer", input, vec2, "vec2")
    if input._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input._data.ndim}-D")
    if vec2._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2._data.ndim}-D")
    from nnx._ops.indexing import getitem
    return getitem(input, (slice(None), None)) * vec2
