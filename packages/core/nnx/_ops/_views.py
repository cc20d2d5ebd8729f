"""Views that regroup or reorder elements (view, reshape, flatten, unflatten, squeeze,
unsqueeze, permute, transpose, t, movedim, expand) and ``contiguous``, each beside its
backward.  ``reshape`` copies only when no view is possible, ``contiguous`` only when
the input is not C-contiguous.
"""

import numpy as np

from nnx._C._C import Node, attach, legacy_type_name, needs_grad, wrap
from nnx._ops import _grad
from nnx._ops._shape_base import _int_sizes, _no_more, _sizes, _view_of, wrap_dim, wrap_dims

_VIEW_STRIDE_MESSAGE = (
    "view size is not compatible with input tensor's size and stride (at least one dimension "
    "spans across two contiguous subspaces). Use .reshape(...) instead.")


# -- sizes -------------------------------------------------------------------------------

def _infer_size(shape, numel):
    """``shape`` with its -1 (at most one) filled in so that it holds ``numel`` elements."""
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s}")
        else:
            known *= s
    if numel == known or (infer is not None and known > 0 and numel % known == 0):
        if infer is None:
            return tuple(shape)
        if known == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                               "because the unspecified dimension size -1 can be any value and "
                               "is ambiguous")
        return tuple(shape[:infer]) + (numel // known,) + tuple(shape[infer + 1:])
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def _reshape_view(arr, shape):
    """A view of ``arr`` with ``shape``, or None where its strides allow none."""
    try:
        return arr.reshape(shape, copy=False)
    except ValueError:
        return None
    except TypeError:                    # NumPy < 2.1: no copy= argument
        v = arr.view()
        try:
            v.shape = shape
        except AttributeError:
            return None
        return v


# -- view, reshape, flatten, unflatten, squeeze, unsqueeze ----------------------------------

class _ReshapeBackward(Node):
    """Backward of every op that only regroups elements: reshape the grad back."""

    def backward(self, grad):
        return (_grad.reshape(grad, self.input_shape),)


class ViewBackward0(_ReshapeBackward):
    pass


class UnsafeViewBackward0(_ReshapeBackward):
    """reshape that had to copy (torch records CloneBackward0 + UnsafeViewBackward0)."""


class SqueezeBackward0(_ReshapeBackward):
    pass


class SqueezeBackward1(_ReshapeBackward):
    pass


class SqueezeBackward2(_ReshapeBackward):
    pass


class UnsqueezeBackward0(_ReshapeBackward):
    pass


def _fast_view(input, shape):
    """The view ``view``/``reshape`` make for plain int sizes, or None (a copy is needed,
    or the sizes are wrong: the slow path then words the error)."""
    sizes = _int_sizes(shape)
    x = input._data
    if sizes is None or not x.size:     # empty: NumPy's -1 would give other strides
        return None
    try:                                # NumPy infers a -1 as torch does
        # C-contiguous input: always a view; copy=False costs 0.2 us (bench_ops x.view(32))
        arr = x.reshape(sizes) if x.flags.c_contiguous else x.reshape(sizes, copy=False)
    except (ValueError, TypeError):
        return None
    return _view_of(input, arr, ViewBackward0)


def view(input, *shape, size=None):
    """A view with another shape (one size may be -1); fails where the strides forbid it."""
    if size is None:
        out = _fast_view(input, shape)
        if out is not None:
            return out
    shape = _infer_size(_sizes(shape, size), input._data.size)
    arr = _reshape_view(input._data, shape)
    if arr is None:
        raise RuntimeError(_VIEW_STRIDE_MESSAGE)
    return _view_of(input, arr, ViewBackward0)


def view_as(input, other):
    return view(input, tuple(other.shape))


def reshape(input, *shape, **kw):
    """``view`` where possible, else a copy with the new shape."""
    if not kw:
        out = _fast_view(input, shape)
        if out is not None:
            return out
    shape = _infer_size(_sizes(shape, kw.pop("shape", kw.pop("size", None))), input._data.size)
    _no_more(kw, "reshape")
    arr = _reshape_view(input._data, shape)
    if arr is not None:
        return _view_of(input, arr, ViewBackward0)
    out = wrap(np.reshape(input._data, shape))
    if needs_grad(input):
        node = UnsafeViewBackward0()
        node.input_shape = input._data.shape
        attach(node, (input,), out)
    return out


def reshape_as(input, other):
    return reshape(input, tuple(other.shape))


def flatten(input, start_dim=0, end_dim=-1):
    nd = input._data.ndim
    start, end = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if nd == 0:
        return reshape(input, (1,))
    if start == end:
        return input
    shape = input._data.shape
    return reshape(input, shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:])


def unflatten(input, dim, sizes):
    shape = input._data.shape
    d = wrap_dim(dim, len(shape))
    sizes = _sizes((sizes,))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer_size(sizes, shape[d])
    except RuntimeError as e:
        if "is invalid for input of size" not in str(e):
            raise RuntimeError(f"unflatten got an unexpected error:\n{e}") from None
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {d} ({shape[d]}) in the input tensor") from None
    return view(input, shape[:d] + sizes + shape[d + 1:])


def squeeze(input, dim=None):
    """Remove size-1 dims (all, one, or a tuple of them); other dims are left alone."""
    shape = input._data.shape
    if dim is None:
        dims, node_type = tuple(range(len(shape))), SqueezeBackward0
    elif isinstance(dim, (tuple, list)):
        dims, node_type = wrap_dims(dim, len(shape)), SqueezeBackward2
    else:
        dims, node_type = (wrap_dim(dim, len(shape)),), SqueezeBackward1
    dims = tuple(d for d in dims if d < len(shape) and shape[d] == 1)
    return _view_of(input, np.squeeze(input._data, axis=dims), node_type)


def unsqueeze(input, dim):
    x = input._data
    shape = x.shape
    d = wrap_dim(dim, len(shape) + 1)
    arr = x.reshape(shape[:d] + (1,) + shape[d:])      # what np.expand_dims does, faster
    return _view_of(input, arr, UnsqueezeBackward0)


# -- permute, transpose, t, movedim --------------------------------------------------------

class PermuteBackward0(Node):
    def backward(self, grad):
        inverse = [0] * len(self.perm)
        for i, p in enumerate(self.perm):
            inverse[p] = i
        return (_grad.permute(grad, tuple(inverse)),)


class TransposeBackward0(PermuteBackward0):
    pass


class TBackward0(PermuteBackward0):
    pass


_T_PERM = (1, 0)


def _permuted(input, perm, node_type=PermuteBackward0):
    return _view_of(input, np.transpose(input._data, perm), node_type, perm=perm)


def permute(input, *dims, **kw):
    dims = _sizes(dims, kw.pop("dims", None))
    _no_more(kw, "permute")
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{nd} is not equal to len(dims) = {len(dims)}")
    perm = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(perm)) != len(perm):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _permuted(input, perm)


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    perm = list(range(nd))
    if nd:
        perm[d0], perm[d1] = perm[d1], perm[d0]
    return _permuted(input, tuple(perm), TransposeBackward0)


def t(input):
    x = input._data
    nd = x.ndim
    if nd != 2:
        if nd > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
        return _permuted(input, tuple(range(nd)), TBackward0)
    return _view_of(input, x.T, TBackward0, perm=_T_PERM)   # x.T: np.transpose(x, (1, 0))


def _dim_list(dims, nd):
    return [wrap_dim(d, nd) for d in (dims if isinstance(dims, (tuple, list)) else (dims,))]


def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination``; the others keep their order."""
    nd = input._data.ndim
    src, dst = _dim_list(source, nd), _dim_list(destination, nd)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)")
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    perm = [-1] * nd
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(i for i in range(nd) if i not in src)
    perm = [p if p != -1 else next(rest) for p in perm]
    return _permuted(input, tuple(perm))


moveaxis = movedim


# -- expand, contiguous ------------------------------------------------------------------

class ExpandBackward0(Node):
    def backward(self, grad):
        return (_grad.sum_to(grad, self.input_shape),)


def expand(input, *sizes, size=None):
    """A view with size-1 dims (and new leading dims) repeated; -1 keeps a size."""
    sizes = _sizes(sizes, size)
    src = input._data.shape
    if len(sizes) < len(src):
        raise RuntimeError(
            f"expand({legacy_type_name(input._data)}{{{list(src)}}}, size={list(sizes)}): the "
            f"number of sizes provided ({len(sizes)}) must be greater or equal to the number "
            f"of dimensions in the tensor ({len(src)})")
    lead = len(sizes) - len(src)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
        else:
            cur = src[i - lead]
            if s == -1:
                s = cur
            elif s != cur and cur != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size ({cur}) "
                    f"at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                    f"Tensor sizes: {list(src)}")
        target.append(s)
    target = tuple(target)
    arr = input._data
    if target[lead:] == src and all(s == 1 for s in target[:lead]):
        arr = arr.reshape(target)          # nothing repeats: stays a writable view
    else:
        arr = np.broadcast_to(arr, target)  # read-only: torch refuses writes to it too
    return _view_of(input, arr, ExpandBackward0)


def expand_as(input, other):
    return expand(input, tuple(other.shape))


class CloneBackward0(Node):
    def backward(self, grad):
        return (grad,)


def contiguous(input, memory_format=None):
    """``input`` itself when C-contiguous, else a C-contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    out = wrap(np.ascontiguousarray(input._data))
    if needs_grad(input):
        attach(CloneBackward0(), (input,), out)
    return out
