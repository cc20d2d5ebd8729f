"""Seeded random configurations of the convolution family for the live torch comparison.

Each drawer takes a ``random.Random`` and returns ``(label, Spec)`` pairs run by
``_live_harness``: convolutions and transposed convolutions of 1 to 3 spatial dimensions
(stride, padding as int / tuple / 'same' / 'valid', dilation, groups, bias, padding_mode,
output_padding, ``output_size=``, batched or not, float32 / float64), Fold / Unfold, the
padding layers and ``F.pad``, plus configurations and inputs that are wrong on purpose (the
error type and message are compared then).  Sizes stay small: every spec runs twice.
"""

from __future__ import annotations

import numpy as np
from _live_harness import Cast, Lit, Spec

TOL = {"float32": (1e-5, 1e-5), "float64": (1e-10, 1e-10)}


def _spec(name, args=(), kwargs=None, inputs=(), fkwargs=None, *, dtype, **kw):
    return Spec(name, args, kwargs, inputs, fkwargs, dtype=dtype, tol=TOL[dtype], **kw)


def _array(rng, shape):
    return np.random.default_rng(rng.randrange(2**31)).standard_normal(shape)


def _per_dim(rng, d, choices):
    """An int or a d-tuple drawn from ``choices`` (ints stand for every dimension)."""
    if rng.random() < 0.5:
        return rng.choice(choices)
    return tuple(rng.choice(choices) for _ in range(d))


def _tup(value, d):
    return tuple(value) if isinstance(value, tuple) else (value,) * d


def _dtype(rng):
    return rng.choice(["float32", "float64"])


# -- ConvNd ------------------------------------------------------------------------------

def _conv_valid(rng, d):
    groups = rng.choice([1, 1, 2, 3])
    c_in, c_out = groups * rng.randint(1, 2), groups * rng.randint(1, 2)
    kernel = _per_dim(rng, d, [1, 2, 3])
    stride = _per_dim(rng, d, [1, 2])
    dilation = _per_dim(rng, d, [1, 2])
    mode = rng.choice(["zeros", "zeros", "reflect", "replicate", "circular"])
    roll = rng.random()
    if roll < 0.2:
        padding, stride = "same", 1
    elif roll < 0.3:
        padding = "valid"
    else:
        padding = _per_dim(rng, d, [0, 1, 2])
    k, dil = _tup(kernel, d), _tup(dilation, d)
    span = [dil[i] * (k[i] - 1) + 1 for i in range(d)]
    low = 4 if d < 3 else 3
    size = [max(span[i], low) + rng.randint(0, 3 if d < 3 else 1) for i in range(d)]
    if mode == "reflect":   # torch's reflect needs padding < input size
        pad = _tup(padding, d) if not isinstance(padding, str) else (0,) * d
        size = [max(size[i], pad[i] + 1) for i in range(d)]
    batched = rng.random() < 0.75
    shape = ([rng.randint(1, 2)] if batched else []) + [c_in] + size
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups,
                  bias=rng.random() < 0.7, padding_mode=mode)
    return (c_in, c_out, kernel), kwargs, shape


def conv_specs(d, rng, count=24):
    name = f"Conv{d}d"
    specs = []
    for i in range(count):
        args, kwargs, shape = _conv_valid(rng, d)
        dtype = _dtype(rng)
        specs.append((f"{name}_{i}", _spec(name, args, kwargs, (_array(rng, shape),),
                                           dtype=dtype)))
    specs += [(f"{name}_err_{label}", spec) for label, spec in _conv_errors(d, rng)]
    return specs


def _conv_errors(d, rng):
    name = f"Conv{d}d"
    sp = [5] * d
    x = _array(rng, [2, 4] + sp)
    f32 = "float32"
    yield "in_groups", _spec(name, (3, 4, 2), {"groups": 2}, (x,), dtype=f32)
    yield "out_groups", _spec(name, (4, 3, 2), {"groups": 2}, (x,), dtype=f32)
    yield "groups0", _spec(name, (4, 4, 2), {"groups": 0}, (x,), dtype=f32)
    yield "same_strided", _spec(name, (4, 4, 3), {"padding": "same", "stride": 2}, (x,),
                                dtype=f32)
    yield "bad_pad_string", _spec(name, (4, 4, 3), {"padding": "full"}, (x,), dtype=f32)
    yield "bad_mode", _spec(name, (4, 4, 3), {"padding_mode": "mirror"}, (x,), dtype=f32)
    yield "channels", _spec(name, (3, 4, 2), {}, (x,), dtype=f32)
    yield "channels_groups", _spec(name, (6, 4, 2), {"groups": 2}, (x,), dtype=f32)
    yield "ndim_low", _spec(name, (4, 4, 2), {}, (_array(rng, [4] + [5] * (d - 1)),),
                            dtype=f32)
    yield "ndim_high", _spec(name, (4, 4, 2), {}, (_array(rng, [1, 2, 4] + sp),), dtype=f32)
    yield "too_small", _spec(name, (4, 4, 6), {}, (x,), dtype=f32)
    yield "reflect_too_big", _spec(name, (4, 4, 3), {"padding": 5, "padding_mode": "reflect"},
                                   (x,), dtype=f32)
    yield "dtype_mix", _spec(name, (4, 4, 2), {}, (Cast(x, "float64"),), dtype=f32)
    yield "same_even_kernel", _spec(name, (4, 2, 4), {"padding": "same", "dilation": 1},
                                    (x,), dtype="float64")
    yield "same_dilated", _spec(name, (4, 2, 2), {"padding": "same", "dilation": 2,
                                                  "padding_mode": "circular"}, (x,),
                                dtype="float64")
    yield "zero_batch", _spec(name, (4, 2, 2), {}, (np.zeros([0, 4] + sp),), dtype=f32)
    yield "neg_padding", _spec(name, (4, 2, 2), {"padding": -1}, (x,), dtype=f32)
    yield "stride0", _spec(name, (4, 2, 2), {"stride": 0}, (x,), dtype=f32)
    yield "tuple_len", _spec(name, (4, 2, (2,) * (d + 1)), {}, (x,), dtype=f32)


# -- ConvTransposeNd ---------------------------------------------------------------------

def transpose_specs(d, rng, count=24):
    name = f"ConvTranspose{d}d"
    specs = []
    for i in range(count):
        groups = rng.choice([1, 1, 2, 3])
        c_in, c_out = groups * rng.randint(1, 2), groups * rng.randint(1, 2)
        kernel = _per_dim(rng, d, [1, 2, 3])
        stride = _per_dim(rng, d, [1, 2, 3])
        dilation = _per_dim(rng, d, [1, 2])
        padding = _per_dim(rng, d, [0, 1])
        s, dil, k, p = (_tup(stride, d), _tup(dilation, d), _tup(kernel, d),
                        _tup(padding, d))
        out_pad = tuple(rng.randint(0, max(s[j], dil[j]) - 1) for j in range(d))
        if rng.random() < 0.3:
            out_pad = 0
        size = [rng.randint(1, 4 if d < 3 else 2) for _ in range(d)]
        # the output must not be empty: (size-1)*s - 2p + dil*(k-1) + 1 + out_pad > 0
        size = [max(size[j], 2) if p[j] else size[j] for j in range(d)]
        batched = rng.random() < 0.75
        shape = ([rng.randint(1, 2)] if batched else []) + [c_in] + size
        kwargs = dict(stride=stride, padding=padding, output_padding=out_pad, groups=groups,
                      bias=rng.random() < 0.7, dilation=dilation)
        fkwargs = {}
        if rng.random() < 0.3:
            kwargs["output_padding"] = 0
            low = [(size[j] - 1) * s[j] - 2 * p[j] + dil[j] * (k[j] - 1) + 1 for j in range(d)]
            want = [low[j] + rng.randint(0, s[j] - 1) for j in range(d)]
            if rng.random() < 0.5:   # output_size may carry the batch and channel sizes
                want = ([shape[0]] if batched else []) + [c_out] + want
            fkwargs["output_size"] = Lit(want)
        dtype = _dtype(rng)
        specs.append((f"{name}_{i}", _spec(name, (c_in, c_out, kernel), kwargs,
                                           (_array(rng, shape),), fkwargs, dtype=dtype)))
    specs += [(f"{name}_err_{label}", spec) for label, spec in _transpose_errors(d, rng)]
    return specs


def _transpose_errors(d, rng):
    name = f"ConvTranspose{d}d"
    x = _array(rng, [1, 2] + [3] * d)
    f32 = "float32"
    yield "mode", _spec(name, (2, 2, 2), {"padding_mode": "reflect"}, (x,), dtype=f32)
    yield "same", _spec(name, (2, 2, 2), {"padding": "same"}, (x,), dtype=f32)
    yield "out_pad", _spec(name, (2, 2, 2), {"stride": 2, "output_padding": 2}, (x,),
                           dtype=f32)
    yield "groups", _spec(name, (2, 3, 2), {"groups": 2}, (x,), dtype=f32)
    yield "channels", _spec(name, (3, 2, 2), {}, (x,), dtype=f32)
    yield "ndim", _spec(name, (2, 2, 2), {}, (_array(rng, [1, 1, 2] + [3] * d),), dtype=f32)
    yield "output_size_big", _spec(name, (2, 2, 2), {"stride": 2}, (x,),
                                   {"output_size": Lit([9] * d)}, dtype=f32)
    yield "output_size_small", _spec(name, (2, 2, 2), {"stride": 2}, (x,),
                                     {"output_size": Lit([2] * d)}, dtype=f32)
    yield "output_size_len", _spec(name, (2, 2, 2), {"stride": 2}, (x,),
                                   {"output_size": Lit([6] * (d + 1))}, dtype=f32)
    yield "dtype_mix", _spec(name, (2, 2, 2), {}, (Cast(x, "float64"),), dtype=f32)
    yield "empty_out", _spec(name, (2, 2, 1), {"padding": 2}, (x,), dtype=f32)


# -- Fold / Unfold -----------------------------------------------------------------------

def unfold_specs(rng, count=16):
    specs = []
    for i in range(count):
        kernel, dilation = _per_dim(rng, 2, [1, 2, 3]), _per_dim(rng, 2, [1, 2])
        padding, stride = _per_dim(rng, 2, [0, 1]), _per_dim(rng, 2, [1, 2])
        k, dil, p = _tup(kernel, 2), _tup(dilation, 2), _tup(padding, 2)
        size = [max(dil[j] * (k[j] - 1) + 1 - 2 * p[j], 1) + rng.randint(0, 3)
                for j in range(2)]
        batched = rng.random() < 0.75
        shape = ([rng.randint(1, 2)] if batched else []) + [rng.randint(1, 3)] + size
        kwargs = dict(kernel_size=kernel, dilation=dilation, padding=padding, stride=stride)
        specs.append((f"Unfold_{i}", _spec("Unfold", (), kwargs, (_array(rng, shape),),
                                           dtype=_dtype(rng))))
        # Fold of the same geometry: C*prod(k) rows and as many blocks as Unfold makes
        out = [size[j] for j in range(2)]
        s = _tup(stride, 2)
        blocks = int(np.prod([(out[j] + 2 * p[j] - dil[j] * (k[j] - 1) - 1) // s[j] + 1
                              for j in range(2)]))
        c = rng.randint(1, 3)
        fshape = ([rng.randint(1, 2)] if batched else []) + [c * k[0] * k[1], blocks]
        fold_kw = dict(output_size=out if rng.random() < 0.5 else tuple(out), **kwargs)
        specs.append((f"Fold_{i}", _spec("Fold", (), fold_kw, (_array(rng, fshape),),
                                         dtype=_dtype(rng))))
    f32 = "float32"
    x = _array(rng, [1, 2, 4, 4])
    specs += [
        ("Unfold_err_ndim", _spec("Unfold", (2,), {}, (_array(rng, [2, 4, 4, 4, 4]),),
                                  dtype=f32)),
        ("Unfold_err_big_kernel", _spec("Unfold", (5,), {}, (x,), dtype=f32)),
        ("Unfold_err_stride0", _spec("Unfold", (2,), {"stride": 0}, (x,), dtype=f32)),
        ("Fold_err_blocks", _spec("Fold", ((4, 4), 2), {}, (_array(rng, [1, 8, 8]),),
                                  dtype=f32)),
        ("Fold_err_channels", _spec("Fold", ((4, 4), 2), {}, (_array(rng, [1, 7, 9]),),
                                    dtype=f32)),
        ("Fold_err_ndim", _spec("Fold", ((4, 4), 2), {}, (_array(rng, [1, 1, 8, 9]),),
                                dtype=f32)),
    ]
    return specs


# -- padding -----------------------------------------------------------------------------

PAD_KINDS = ("Reflection", "Replication", "Zero", "Constant", "Circular")


def pad_layer_specs(kind, d, rng, count=6):
    name = f"{kind}Pad{d}d"
    specs = []
    for i in range(count):
        size = [rng.randint(2, 4) for _ in range(d)]
        limit = 1 if kind in ("Reflection", "Circular") else 2
        low = -1 if kind in ("Zero", "Constant") else 0
        if rng.random() < 0.3:
            padding = rng.randint(0, limit)
        else:
            padding = tuple(rng.randint(low, limit) for _ in range(2 * d))
        batched = rng.random() < 0.6
        shape = ([rng.randint(1, 2)] if batched else []) + [rng.randint(1, 2)] + size
        args = (padding, rng.choice([0.0, -1.5, 2.0])) if kind == "Constant" else (padding,)
        specs.append((f"{name}_{i}", _spec(name, args, {}, (_array(rng, shape),),
                                           dtype=_dtype(rng))))
    f32 = "float32"
    args = (1, 0.5) if kind == "Constant" else (1,)
    specs.append((f"{name}_err_ndim", _spec(name, args, {}, (_array(rng, [2] * (d + 3)),),
                                            dtype=f32)))
    specs.append((f"{name}_err_tuple_len", _spec(name, ((1,) * (2 * d + 1),) + args[1:], {},
                                                 (_array(rng, [1, 2] + [3] * d),), dtype=f32)))
    if kind in ("Reflection", "Circular"):
        specs.append((f"{name}_err_too_big", _spec(name, (3,), {},
                                                   (_array(rng, [1, 2] + [2] * d),), dtype=f32)))
    return specs


def f_pad_specs(rng, count=30):
    specs = []
    for i in range(count):
        mode = rng.choice(["constant", "reflect", "replicate", "circular"])
        d = rng.randint(1, 3) if mode != "constant" else rng.randint(1, 4)
        size = [rng.randint(2, 4) for _ in range(d)]
        if mode == "constant":
            lead = rng.randint(0, 2)
        else:
            lead = rng.choice([1, 2])     # torch: (N,) C + d dims
        shape = [rng.randint(1, 2) for _ in range(lead)] + size
        limit = 1 if mode in ("reflect", "circular") else 2
        low = -1 if mode in ("constant", "circular") else 0
        pads = tuple(rng.randint(low, limit) for _ in range(2 * d))
        if mode == "constant" and rng.random() < 0.5:
            pads = pads[:2 * rng.randint(1, d)]
        fkwargs = {"mode": Lit(mode)}
        if mode == "constant" and rng.random() < 0.5:
            fkwargs["value"] = Lit(rng.choice([1.5, -2.0]))
        specs.append((f"F.pad_{mode}_{i}", _spec("pad", (), {}, (_array(rng, shape), Lit(pads)),
                                                  fkwargs, dtype=_dtype(rng), functional=True)))
    f32 = "float32"
    x = _array(rng, [1, 2, 3])
    for label, pads, mode, shape in [
            ("odd", (1, 1, 1), "constant", [1, 2, 3]),
            ("too_long", (1,) * 8, "constant", [1, 2, 3]),
            ("reflect_big", (3, 3), "reflect", [1, 2, 3]),
            ("reflect_dims", (1, 1, 1, 1, 1, 1), "reflect", [1, 2, 3]),
            ("circular_big", (4, 0), "circular", [1, 2, 3]),
            ("bad_mode", (1, 1), "wrap", [1, 2, 3]),
            ("replicate_1d_tensor", (1, 1), "replicate", [3]),
            ("negative_empty", (-2, -2), "constant", [1, 2, 3])]:
        specs.append((f"F.pad_err_{label}", _spec(
            "pad", (), {}, (_array(rng, shape) if shape != [1, 2, 3] else x, Lit(pads)),
            {"mode": Lit(mode)}, dtype=f32, functional=True)))
    return specs
