"""Max unpooling: the partial inverse of max pooling.

``max_unpool*d(values, indices, ...)`` writes each value at its flat index (from
``max_pool*d(..., return_indices=True)``) in a zero output plane; the gradient reads the
output gradient back at those indices.  The output size defaults to
(in - 1) * stride - 2 * padding + kernel per axis; ``output_size`` picks one of the
sizes a pooling could have come from (torch's ``_unpool_output_size`` rule).
"""

import numpy as np

from nnx._C._C import wrap
from nnx.nn.functional import _helpers as H
from nnx.nn.functional import _pool_args as A
from nnx.nn.functional._linear_maps import LinearMapNode, record

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


class MaxUnpool2DBackward0(LinearMapNode):
    pass


class MaxUnpool3DBackward0(LinearMapNode):
    pass


class SqueezeBackward1(LinearMapNode):
    """The grad_fn torch shows for 1-d unpooling (a 2-d one of the unsqueezed input)."""


def _expand(value, n):
    """torch's _single/_pair/_triple: a sequence as it is, an int repeated."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


def _unpool_output_size(in_shape, kernel, stride, padding, output_size):
    """torch's _unpool_output_size (checks and messages included)."""
    n = len(kernel)
    default = [(in_shape[len(in_shape) - n + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
               for d in range(n)]
    if output_size is None:
        sizes = default
    else:
        if len(output_size) == n + 2:
            output_size = output_size[2:]
        if len(output_size) != n:
            raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} "
                             f"elements, but it has a length of '{len(output_size)}'")
        for d in range(n):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < output_size[d] < high:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between '
                                 f'{low} and {high})')
        sizes = list(output_size)
    for d in range(n):
        if sizes[d] < 0:
            raise ValueError("max_unpooling: output_size must contain non-negative spatial "
                             f"dimensions, but got output_size[{d}]={sizes[d]}")
    return tuple(int(s) for s in sizes)


def _check(x, idx, n_spatial, fname, index_message):
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"max_unpool{n_spatial}d\" not implemented for "
                                  f"'{H.scalar_name(x)}'")
    if idx.dtype != np.int64:
        raise RuntimeError(index_message + (f" but got: {H.scalar_name(idx)}"
                                            if n_spatial == 2 else ""))
    if x.ndim not in (n_spatial + 1, n_spatial + 2):
        raise RuntimeError(f"Input to max_unpooling{n_spatial}d should be a {n_spatial + 1}d or "
                           f"{n_spatial + 2}d Tensor, but got a tensor with {x.ndim} dimensions.")
    if x.shape != idx.shape:
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           f"({A.sizes_text(x.shape)}) but got indices tensor with shape: "
                           f"{A.sizes_text(idx.shape)}")
    for i in range(1, x.ndim):
        if x.shape[i] == 0:
            raise RuntimeError(f"{fname}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but got {A.sizes_text(x.shape)} with dimension {i} "
                               "being empty.")


def _unpool(input, indices, x, idx, n_spatial, out_spatial, node_type, size_suffix=""):
    """Scatter of validated (x, idx) with ``n_spatial`` pooled axes into ``out_spatial``."""
    batch = x.shape[:x.ndim - n_spatial]
    plane_size = int(np.prod(out_spatial))
    x_po = np.ascontiguousarray(x).reshape(-1, int(np.prod(x.shape[x.ndim - n_spatial:])))
    idx_po = np.ascontiguousarray(idx).reshape(x_po.shape)
    bad = ((idx_po < 0) | (idx_po >= plane_size)).reshape(-1)
    if bad.any() and plane_size:        # torch's kernel skips an empty output plane
        # torch's loop records every invalid index and reports the last one it saw
        last = int(idx_po.reshape(-1)[bad.size - 1 - np.argmax(bad[::-1])])
        raise RuntimeError(f"Found an invalid max index: {last} (output volumes are of size "
                           f"{'x'.join(str(s) for s in out_spatial)}{size_suffix})")
    out_shape = batch + tuple(out_spatial)

    def scatter(values):                 # (*batch, *in) -> (*batch, *out)
        v_po = np.ascontiguousarray(values).reshape(idx_po.shape)
        out = np.zeros((idx_po.shape[0], plane_size), dtype=v_po.dtype)
        if plane_size:
            np.put_along_axis(out, idx_po, v_po, axis=1)
        return out.reshape(out_shape)

    def gather(g):                       # its gradient: read back at the indices
        if not plane_size and idx_po.size:  # torch's gather from the empty (*batch, 0) view
            raise RuntimeError(f"index {int(idx_po.flat[0])} is out of bounds for dimension "
                               f"{len(batch)} with size 0")
        g_pi = np.ascontiguousarray(g).reshape(idx_po.shape[0], plane_size)
        return np.take_along_axis(g_pi, idx_po, axis=1).reshape(x.shape)

    out = wrap(scatter(x))
    if A.grad_enabled_for(input):
        record(node_type, input, out, scatter, gather)
    return out


def _args(input, indices, kernel_size, stride, padding, output_size, n):
    H.check_tensor(f"max_unpool{n}d", "input", 1, input)
    H.check_tensor(f"max_unpool{n}d", "indices", 2, indices)
    kernel = _expand(kernel_size, n)
    stride = kernel if stride is None else _expand(stride, n)
    padding = _expand(padding, n)
    if output_size is not None:
        output_size = _expand(output_size, n) if isinstance(output_size, int) else output_size
    return _unpool_output_size(input.shape, kernel, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Writes each value of ``input`` at its flat index in a zero (H_out, W_out) plane.

    Args:
        input (Tensor): (N, C, H, W) or (C, H, W), e.g. the values of ``max_pool2d``.
        indices (Tensor): int64, same shape: flat indices in the output plane.
        kernel_size, stride (default ``kernel_size``), padding: the pooling's.
        output_size (sequence, optional): (H_out, W_out) or (N, C, H_out, W_out).

    Example::

        >>> y, i = F.max_pool2d(nnx.tensor([[[1.0, 2.0], [4.0, 3.0]]]), 2,
        ...                     return_indices=True)
        >>> F.max_unpool2d(y, i, 2)
        tensor([[[0., 0.],
                 [4., 0.]]])
    """
    out_hw = _args(input, indices, kernel_size, stride, padding, output_size, 2)
    x, idx = input._data, indices._data
    _check(x, idx, 2, "max_unpooling2d_forward_out_cpu", "elements in indices should be type "
           "int64")
    return _unpool(input, indices, x, idx, 2, out_hw, MaxUnpool2DBackward0)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """1-d max unpooling over (N, C, L) or (C, L) (see ``max_unpool2d``)."""
    (length,) = _args(input, indices, kernel_size, stride, padding, output_size, 1)
    # torch unpools the input unsqueezed at -1 into (L_out, 1) planes
    x, idx = input._data, indices._data
    _check(x[..., None], idx[..., None], 2, "max_unpooling2d_forward_out_cpu",
           "elements in indices should be type int64")
    return _unpool(input, indices, x, idx, 1, (length,), SqueezeBackward1, "x1")


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """3-d max unpooling over (N, C, D, H, W) or (C, D, H, W) (see ``max_unpool2d``)."""
    out_dhw = _args(input, indices, kernel_size, stride, padding, output_size, 3)
    x, idx = input._data, indices._data
    _check(x, idx, 3, "max_unpooling3d_forward_out_cpu", "elements in indices should be type "
           "int64")
    return _unpool(input, indices, x, idx, 3, out_dhw, MaxUnpool3DBackward0)
