"""Shape ops, each beside its backward: views (view, permute, transpose, squeeze,
expand, narrow, select, split ...) and the few that copy (reshape when no view is
possible, contiguous, repeat, flip).

A view is built with ``make_view``: it shares its base's memory and version counter,
so an in-place write through either is seen through the other, exactly as in torch.
Backward formulas use ``nnx._ops._grad`` (or the small helpers at the bottom) so that
they work on arrays and, under ``create_graph``, on Tensors.
"""

import operator

import numpy as np

from nnx._C._C import Node, attach, legacy_type_name, make_view, needs_grad, wrap
from nnx._ops import _grad

_VIEW_STRIDE_MESSAGE = (
    "view size is not compatible with input tensor's size and stride (at least one dimension "
    "spans across two contiguous subspaces). Use .reshape(...) instead.")


# -- dims and sizes --------------------------------------------------------------------

def wrap_dim(dim, ndim):
    """``dim`` as an index in ``range(ndim)``, negative dims counting from the end.

    A 0-d tensor accepts -1 and 0 (torch's ``maybe_wrap_dim``)."""
    dim = operator.index(dim)
    n = ndim if ndim > 0 else 1
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def wrap_dims(dims, ndim):
    """A sequence of dims, wrapped; a dim given twice is an error."""
    out = []
    for d in dims:
        w = wrap_dim(d, ndim)
        if w in out:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(out)


def _sizes(args, keyword=None):
    """Sizes given as varargs ``f(2, 3)``, as one sequence ``f((2, 3))`` or by keyword."""
    if keyword is not None:
        if args:
            raise TypeError("sizes given both positionally and by keyword")
        args = (keyword,)
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(operator.index(s) for s in args)


def _no_more(kw, name):
    if kw:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kw))}'")


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


def _view_of(input, arr, node_type, **attrs):
    """Wrap ``arr`` (a view of input's data) and record ``node_type`` if grad is needed."""
    out = make_view(arr, input)
    if needs_grad(input):
        node = node_type()
        node.input_shape = input._data.shape
        node.__dict__.update(attrs)
        attach(node, (input,), out)
    return out


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


def view(input, *shape, size=None):
    """A view with another shape (one size may be -1); fails where the strides forbid it."""
    shape = _infer_size(_sizes(shape, size), input._data.size)
    arr = _reshape_view(input._data, shape)
    if arr is None:
        raise RuntimeError(_VIEW_STRIDE_MESSAGE)
    return _view_of(input, arr, ViewBackward0)


def view_as(input, other):
    return view(input, tuple(other.shape))


def reshape(input, *shape, **kw):
    """``view`` where possible, else a copy with the new shape."""
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
    d = wrap_dim(dim, input._data.ndim + 1)
    return _view_of(input, np.expand_dims(input._data, d), UnsqueezeBackward0)


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
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return _permuted(input, tuple(range(nd))[::-1], TBackward0)


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


# -- expand, contiguous, repeat, flip ----------------------------------------------------

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


class RepeatBackward0(Node):
    def backward(self, grad):
        # output dim i holds repeats[i] blocks of the (padded) input dim: sum the blocks
        split = []
        for r, s in zip(self.repeats, self.padded):
            split += [r, s]
        g = _grad.reshape(grad, split)
        if self.repeats:
            g = _grad.reduce_sum(g, range(0, 2 * len(self.repeats), 2))
        return (_grad.reshape(g, self.input_shape),)


def repeat(input, *repeats, **kw):
    """Tile the tensor ``repeats[i]`` times along dim i (a copy, like torch)."""
    repeats = _sizes(repeats, kw.pop("repeats", kw.pop("sizes", None)))
    _no_more(kw, "repeat")
    shape = input._data.shape
    if len(repeats) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(repeats) - len(shape)) + shape
    out_shape = [r * s for r, s in zip(repeats, padded)]
    for r in repeats:
        if r < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {r}: "
                               f"{[r * s for r, s in zip(repeats, padded)]}")
    out = wrap(np.tile(input._data.reshape(padded), repeats).reshape(out_shape))
    if needs_grad(input):
        node = RepeatBackward0()
        node.repeats, node.padded, node.input_shape = repeats, padded, shape
        attach(node, (input,), out)
    return out


class FlipBackward0(Node):
    def backward(self, grad):
        return (_flip(grad, self.dims),)


def flip(input, *dims, **kw):
    """Reverse the order of elements along ``dims`` (a copy, like torch)."""
    if not dims and "dims" in kw:
        dims = (kw.pop("dims"),)
    _no_more(kw, "flip")
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    nd = input._data.ndim
    dims = tuple(d for d in wrap_dims(dims, nd) if d < nd)
    out = wrap(np.flip(input._data, axis=dims).copy())
    if needs_grad(input):
        node = FlipBackward0()
        node.dims = dims
        attach(node, (input,), out)
    return out


# -- narrow, select, split, chunk, unbind -------------------------------------------------

def _index(dim, item):
    """A basic-indexing tuple that picks ``item`` along ``dim`` (Ellipsis keeps 0-d views)."""
    return (slice(None),) * dim + (item, Ellipsis)


class SliceBackward0(Node):
    def backward(self, grad):
        return (_embed(grad, self.input_shape, self.dim, self.start),)


def narrow(input, dim, start, length):
    shape = input._data.shape
    if not shape:
        raise RuntimeError("narrow(): cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, len(shape))
    start, length = operator.index(start), operator.index(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    size = shape[d]
    if start < -size or start > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    arr = input._data[_index(d, slice(start, start + length))]
    return _view_of(input, arr, SliceBackward0, dim=d, start=start)


class SelectBackward0(Node):
    def backward(self, grad):
        shape, d = self.input_shape, self.dim
        g = _grad.reshape(grad, shape[:d] + (1,) + shape[d + 1:])
        return (_embed(g, self.input_shape, self.dim, self.index),)


def select(input, dim, index):
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, len(shape))
    index = operator.index(index)
    if index < -shape[d] or index >= shape[d]:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(shape)} at dimension {d}")
    index %= shape[d]
    return _view_of(input, input._data[_index(d, index)], SelectBackward0,
                    dim=d, index=index)


class SplitBackward0(Node):
    def backward(self, *grads):
        return (_concat(grads, self.dim),)


class SplitWithSizesBackward0(SplitBackward0):
    pass


class UnbindBackward0(Node):
    def backward(self, *grads):
        return (_stack(grads, self.dim),)


def _pieces(input, d, sizes, node_type):
    """Views of consecutive ``sizes`` along ``d``, sharing one multi-output node."""
    arr = input._data
    outs, start = [], 0
    for n in sizes:
        outs.append(make_view(arr[_index(d, slice(start, start + n))], input))
        start += n
    if needs_grad(input):
        node = node_type()
        node.dim = d
        attach(node, (input,), outs)
    return tuple(outs)


def _split_sizes(size, split_size):
    if split_size < 0:
        raise RuntimeError("split expects split_size be non-negative, but got "
                           f"split_size={split_size}")
    if split_size == 0 and size != 0:
        raise RuntimeError("split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {size}")
    if split_size == 0:
        return [0]
    n = max(-(-size // split_size), 1)
    return [split_size] * (n - 1) + [size - split_size * (n - 1)]


def split(input, split_size_or_sections=None, dim=0, *, split_size=None):
    """Pieces of ``split_size`` (the last may be smaller), or of the given list of sizes."""
    sections = split_size if split_size_or_sections is None else split_size_or_sections
    shape = input._data.shape
    if not shape:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, len(shape))
    if isinstance(sections, (tuple, list)):
        sizes = [operator.index(s) for s in sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError("split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if sum(sizes) != shape[d]:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {shape[d]} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
        return _pieces(input, d, sizes, SplitWithSizesBackward0)
    return _pieces(input, d, _split_sizes(shape[d], operator.index(sections)), SplitBackward0)


def chunk(input, chunks, dim=0):
    """``chunks`` pieces of ceil(size / chunks) (fewer when that covers the dim sooner)."""
    shape = input._data.shape
    if not shape:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, len(shape))
    size = shape[d]
    if size == 0:
        return _pieces(input, d, [0] * chunks, SplitWithSizesBackward0)
    return _pieces(input, d, _split_sizes(size, -(-size // chunks)), SplitBackward0)


def unbind(input, dim=0):
    shape = input._data.shape
    if not shape:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, len(shape))
    arr = input._data
    outs = [make_view(arr[_index(d, i)], input) for i in range(shape[d])]
    if needs_grad(input):
        node = UnbindBackward0()
        node.dim = d
        attach(node, (input,), outs)
    return tuple(outs)


# -- helpers for backward formulas on arrays or Tensors -------------------------------------

def _concat(parts, dim):
    if any(_grad.is_tensor(p) for p in parts):
        from nnx._ops.join import cat
        return cat([p if _grad.is_tensor(p) else wrap(np.asarray(p)) for p in parts], dim)
    return np.concatenate(parts, axis=dim)


def _stack(parts, dim):
    if any(_grad.is_tensor(p) for p in parts):
        from nnx._ops.join import stack
        return stack([p if _grad.is_tensor(p) else wrap(np.asarray(p)) for p in parts], dim)
    return np.stack(parts, axis=dim)


def _flip(g, dims):
    if _grad.is_tensor(g):
        return flip(g, dims)
    return np.flip(g, axis=dims)


def _embed(g, shape, dim, start):
    """``g`` placed at ``start`` along ``dim`` in zeros of ``shape`` (backward of slicing)."""
    n = g.shape[dim]
    if _grad.is_tensor(g):
        before = shape[:dim] + (start,) + shape[dim + 1:]
        after = shape[:dim] + (shape[dim] - start - n,) + shape[dim + 1:]
        parts = [_grad.zeros(before, g), g, _grad.zeros(after, g)]
        return _concat([p for p in parts if p is g or p.shape[dim] > 0], dim)
    out = np.zeros(shape, dtype=g.dtype)
    out[_index(dim, slice(start, start + n))] = g
    return out
