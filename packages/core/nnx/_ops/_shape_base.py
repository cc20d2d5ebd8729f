"""What every shape op shares: dims and sizes as torch reads them, and ``_view_of``.

A view is built with ``make_view``: it shares its base's memory and version counter,
so an in-place write through either is seen through the other, exactly as in torch.
"""

import operator

from nnx._C._C import attach, make_view, needs_grad

# -- dims and sizes --------------------------------------------------------------------

def wrap_dim(dim, ndim):
    """``dim`` as an index in ``range(ndim)``, negative dims counting from the end.

    A 0-d tensor accepts -1 and 0 (torch's ``maybe_wrap_dim``)."""
    if type(dim) is int and -ndim <= dim < ndim:        # the common case, checked once
        return dim + ndim if dim < 0 else dim
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


def _int_sizes(args):
    """Sizes that are plain ints >= -1 already (varargs or one tuple/list) as a tuple, else
    None: the fast path of ``_sizes`` for shape ops, whose slow path words every error."""
    if len(args) == 1:
        first = args[0]
        if type(first) is int:
            return args if first >= -1 else None
        if isinstance(first, (tuple, list)):
            args = first
    for s in args:
        if type(s) is not int or s < -1:
            return None
    return args if type(args) is tuple else tuple(args)


def _no_more(kw, name):
    if kw:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kw))}'")


def _view_of(input, arr, node_type, **attrs):
    """Wrap ``arr`` (a view of input's data) and record ``node_type`` if grad is needed."""
    out = make_view(arr, input)
    if needs_grad(input):
        node = node_type()
        node.input_shape = input._data.shape
        if attrs:
            node.__dict__.update(attrs)
        attach(node, (input,), out)
    return out
