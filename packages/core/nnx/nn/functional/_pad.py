"""F.pad: constant, reflect, replicate and circular padding of the last dimensions.

``pad = (left_last, right_last, left_second_last, right_second_last, ...)``, torch's order.
Negative amounts crop.  The constant mode copies the overlap into a filled array; the
other modes gather through one index vector per padded dimension, whose backward scatters
the gradient back one dimension at a time (positions read twice, at reflected or wrapped
borders, accumulate).  Every
mode is linear in the input, so each records its (map, adjoint) pair with _linear_maps and
double backward is exact.
"""

import numbers

import numpy as np

from nnx._C._C import needs_grad, wrap
from nnx.nn.functional import _helpers as H
from nnx.nn.functional._linear_maps import LinearMapNode, record

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")
_COMBINATIONS = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


class ConstantPadNdBackward0(LinearMapNode):
    """The gradient of the kept region, zero where the input was cropped away."""


class _GatherPadBackward(LinearMapNode):
    """Scatter-add of the gradient through the per-dimension index vectors."""


# torch's grad_fn names: ReflectionPad{1,2,3}DBackward0 ..., circular is a CopySlices
_NODES = {}
for _mode, _stem in (("reflect", "ReflectionPad"), ("replicate", "ReplicationPad")):
    for _k in (1, 2, 3):
        _name = f"{_stem}{_k}DBackward0"
        _NODES[(_mode, _k)] = type(_name, (_GatherPadBackward,), {"__qualname__": _name})
CopySlices = type("CopySlices", (_GatherPadBackward,), {})


def _constant_maps(in_shape, out_shape, src, dst):
    """(zero padding, crop) of constant padding as linear maps (the fill value is a
    constant, not an input, so it drops out of the derivative)."""
    def pad_zeros(x):
        y = np.zeros(out_shape, x.dtype)
        y[dst] = x[src]
        return y

    def crop(g):
        x = np.zeros(in_shape, g.dtype)
        x[src] = g[dst]
        return x

    return pad_zeros, crop


def _gather_maps(axes, index, sizes):
    """(gather, scatter-add) of the reflect / replicate / circular modes, one padded axis
    at a time (np.take, 4x faster than one np.ix_ gather on bench sizes)."""
    def gather(x):
        for axis, idx in zip(axes, index):
            x = np.take(x, idx, axis=axis)
        return np.ascontiguousarray(x)

    def scatter(g):
        for axis, idx, size in zip(axes, index, sizes):
            g = _scatter_axis(g, axis, idx, size)
        return np.ascontiguousarray(g)

    return gather, scatter


def _scatter_axis(g, axis, idx, size):
    """acc[..., idx[j]] += g[..., j] along ``axis``: the interior (where idx runs with
    j) as one slice, then the few border positions one slab each (np.add.at on the whole
    array was 20x slower)."""
    g = np.moveaxis(g, axis, -1)
    acc = np.zeros(g.shape[:-1] + (size,), g.dtype)
    if idx.size:
        offset = idx - np.arange(idx.size)
        run = np.flatnonzero(offset == offset[idx.size // 2])
        j0, j1 = run[0], run[-1] + 1
        acc[..., idx[j0]:idx[j0] + (j1 - j0)] += g[..., j0:j1]
        for j in (*range(j0), *range(j1, idx.size)):
            acc[..., idx[j]] += g[..., j]
    return np.moveaxis(acc, -1, axis)


def _check_pad_arg(pad):
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not "
                        f"{type(pad).__name__}")
    for i, v in enumerate(pad):
        if not isinstance(v, (numbers.Integral, np.integer)) or isinstance(v, bool):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but "
                            f"found element of type {type(v).__name__} at pos {i}")
    return [int(v) for v in pad]


def _index(mode, n, left, right):
    """Index vector into a dimension of size ``n`` for the padded (or cropped) output."""
    if mode == "circular":
        start = max(-left, 0)
        kept = n - start - max(-right, 0)
        lead = max(left, 0)
        size = kept + lead + max(right, 0)
        return start + (np.arange(size) - lead) % max(kept, 1)
    i = np.arange(n + left + right) - left
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    i = np.abs(i)                                   # reflect about 0 ...
    return np.where(i >= n, 2 * (n - 1) - i, i)     # ... and about n - 1


def _check_gather(mode, x, pads):
    """torch's checks of the reflect / replicate / circular kernels."""
    k = len(pads) // 2
    if not ((k == 1 and x.ndim in (2, 3)) or (k == 2 and x.ndim in (3, 4))
            or (k == 3 and x.ndim in (4, 5))):
        raise NotImplementedError(f"Padding size {len(pads)} is not supported for {x.ndim}D "
                                  f"input tensor.\n{_COMBINATIONS}")
    dims = range(x.ndim - k, x.ndim)
    if mode == "circular":
        for j, dim in enumerate(reversed(dims)):
            left, right = pads[2 * j], pads[2 * j + 1]
            if left > x.shape[dim] or right > x.shape[dim]:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if x.shape[dim] + min(left, 0) + min(right, 0) < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
        return
    if 0 in (x.shape[1:] if x.ndim == k + 2 else x.shape):    # only the batch may be empty
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 "
                           f"batch size and other non-zero dimensions for input, but got: "
                           f"{list(x.shape)}")
    if mode == "reflect":
        for j, dim in enumerate(reversed(dims)):
            left, right = pads[2 * j], pads[2 * j + 1]
            if left >= x.shape[dim] or right >= x.shape[dim]:
                raise RuntimeError(f"Argument #{4 + 2 * j}: Padding size should be less than "
                                   f"the corresponding input dimension, but got: padding "
                                   f"({left}, {right}) at dimension {dim} of input "
                                   f"{list(x.shape)}")
    out = [x.shape[d] + pads[2 * j] + pads[2 * j + 1] for j, d in enumerate(reversed(dims))]
    if any(o <= 0 for o in out):
        if k == 1:
            raise RuntimeError(f"input (W: {x.shape[-1]}) is too small. Calculated output W: "
                               f"{out[0]}")
        shape = list(x.shape[:-k]) + out[::-1]
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(out)}: {shape}")


def _constant(input, x, pads, value):
    if value is None:
        value = 0
    if x.dtype.kind in "iub" and isinstance(value, float) and not np.isfinite(value):
        raise RuntimeError(f"value cannot be converted to type {x.dtype.name}_t without "
                           f"overflow")
    k = len(pads) // 2
    out_shape = list(x.shape)
    src, dst = [slice(None)] * x.ndim, [slice(None)] * x.ndim
    for j in range(k):
        dim = x.ndim - 1 - j
        left, right = pads[2 * j], pads[2 * j + 1]
        n = x.shape[dim]
        if n + left + right < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        out_shape[dim] = n + left + right
        src[dim] = slice(max(-left, 0), max(n - max(-right, 0), max(-left, 0)))
        dst[dim] = slice(max(left, 0), max(left, 0) + (src[dim].stop - src[dim].start))
    src, dst = tuple(src), tuple(dst)
    y = np.full(out_shape, value if x.dtype.kind != "b" else bool(value), dtype=x.dtype)
    y[dst] = x[src]
    out = wrap(y)
    if needs_grad(input):
        record(ConstantPadNdBackward0, input, out,
               *_constant_maps(x.shape, tuple(out_shape), src, dst))
    return out


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dimensions of ``input``.

    Args:
        input (Tensor): N-dimensional tensor.
        pad (tuple of ints): (left, right) amounts per dimension, last dimension first;
            negative amounts crop.
        mode (str): ``'constant'``, ``'reflect'``, ``'replicate'`` or ``'circular'``; the
            last three pad 1 to 3 trailing dimensions of a 2-D to 5-D input. Default:
            ``'constant'``.
        value (float, optional): fill value of constant padding. Default: 0.

    Example::

        >>> F.pad(nnx.ones(1, 2), (1, 2)).tolist()
        [[0.0, 1.0, 1.0, 0.0, 0.0]]
    """
    H.check_tensor("pad", "input", 1, input)
    pads = _check_pad_arg(pad)
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    x = input._data
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pads) > 2 * x.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(pads)} and input of "
                           f"dimension {x.ndim}")
    if mode == "constant":
        return _constant(input, x, pads, value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    _check_gather(mode, x, pads)
    if mode == "reflect":
        H.check_not_bool(f"reflection_pad{len(pads) // 2}d", x)
    k = len(pads) // 2
    axes = [x.ndim - 1 - j for j in range(k)]
    index = [_index(mode, x.shape[a], pads[2 * j], pads[2 * j + 1])
             for j, a in enumerate(axes)]
    gather, scatter = _gather_maps(axes, index, [x.shape[a] for a in axes])
    out = wrap(gather(x))
    if needs_grad(input):
        record(CopySlices if mode == "circular" else _NODES[(mode, k)], input, out, gather,
               scatter)
    return out

